"""The Dockerfile's build step runs the production settings (compilemessages, collectstatic) with
throw-away values for the secrets production requires: every such secret must be given there, and
the image must carry the system libraries its runtime packages load (WeasyPrint's Pango)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _build_step() -> str:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    runs = [" ".join(r.replace("\\\n", " ").split()) for r in re.findall(r"^RUN (.*?)(?<!\\)$", dockerfile, flags=re.M | re.S)]
    step = next(r for r in runs if "collectstatic" in r)
    return step


def test_the_build_step_gives_every_secret_production_requires():
    production = (ROOT / "absher" / "settings" / "production.py").read_text(encoding="utf-8")
    required = set(re.findall(r'_required\("([A-Z_]+)"\)', production)) | {"BIOMETRIC_KEYS"}
    exported = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", _build_step().split("&&")[0]))
    assert required - exported == set(), f"the image's build step does not set {sorted(required - exported)}"


def test_the_build_step_runs_under_production_settings(tmp_path):
    """Run the Dockerfile's own build command (with this virtualenv's python, and the static files
    collected into a temporary folder): it must succeed with nothing but what the Dockerfile sets."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (bindir / "python").chmod(0o755)
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "DATABASE_URL", "REDIS_URL")}
    env = {
        **keep,
        "PATH": f"{bindir}:{keep.get('PATH', '')}",
        "DJANGO_SETTINGS_MODULE": "absher.settings.production",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    step = _build_step()
    done = subprocess.run(["bash", "-c", step], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_the_image_has_the_libraries_weasyprint_loads():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for lib in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-noto-core"):
        assert lib in dockerfile, f"the image lacks {lib}"
    assert shutil.which("bash")
