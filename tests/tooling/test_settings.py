"""The settings layout (base, celery, domain) and the dependency lock that the image installs."""

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SETTINGS = ROOT / "absher" / "settings"


def _assigned_names(path: Path) -> dict[str, ast.expr]:
    """Module-level UPPER_CASE assignments of a settings module: name -> value expression."""
    out = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id.isupper() and not target.id.startswith("_"):
                    out[target.id] = node.value
    return out


def _reads_env(expr: ast.expr) -> bool:
    """True when every leaf of `expr` comes from the environment (env(...), env.int(...), _dec(...))."""
    if isinstance(expr, ast.Dict):
        return all(_reads_env(v) for v in expr.values)
    calls = [n for n in ast.walk(expr) if isinstance(n, ast.Call)]
    return any(
        (isinstance(c.func, ast.Name) and c.func.id in {"env", "_dec", "_ints"})
        or (isinstance(c.func, ast.Attribute) and isinstance(c.func.value, ast.Name) and c.func.value.id == "env")
        for c in calls
    )


def _settings_in_subprocess(module: str, names: list[str], **env) -> dict:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ID_", "IQAMA_", "CELERY_"))}
    environ.update(DJANGO_SETTINGS_MODULE=module, **env)
    code = (
        "import json, sys; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


# --- the split --------------------------------------------------------------------------------
def test_every_domain_figure_lives_in_domain_py_and_reads_the_environment():
    domain = _assigned_names(SETTINGS / "domain.py")
    assert len(domain) >= 50  # fees, periods, thresholds, limits of every app
    not_from_env = sorted(name for name, value in domain.items() if not _reads_env(value))
    assert not_from_env == []
    for must in (
        "ID_LATE_FINE",
        "ID_DELIVERY_FEE",
        "DEPENDENT_LEVY_PER_MONTH",
        "IQAMA_FEE_PER_YEAR",
        "NAFATH_REQUEST_LIFETIME_SECONDS",
        "PHOTO_MIN_FACE_RATIO",
        "FACE_MATCH_TOLERANCE",
        "PAYMENT_BILL_LIFETIME_HOURS",
        "NOTIFICATION_MAX_ATTEMPTS",
    ):
        assert must in domain
    for other in ("base.py", "celery.py", "test.py", "production.py"):
        assert not set(_assigned_names(SETTINGS / other)) & set(domain), f"{other} redefines a domain figure"


def test_every_celery_setting_lives_in_celery_py():
    celery = _assigned_names(SETTINGS / "celery.py")
    assert set(celery) == {n for n in celery if n.startswith("CELERY_")}
    assert {"CELERY_BEAT_SCHEDULE", "CELERY_TASK_ROUTES", "CELERY_TASK_ACKS_LATE", "CELERY_BROKER_TRANSPORT_OPTIONS"} <= set(celery)
    for other in ("base.py", "domain.py", "production.py"):
        text = (SETTINGS / other).read_text(encoding="utf-8")
        assert not re.search(r"^CELERY_\w+\s*(\[.*\])?\s*=", text, re.M), f"{other} sets a CELERY_ name"


def test_base_is_complete_with_celery_and_domain():
    from absher.settings import base, celery, domain

    for module in (celery, domain):
        names = _assigned_names(Path(module.__file__))
        assert names
        for name in names:
            assert getattr(base, name) == getattr(module, name), name


def test_every_beat_task_exists():
    """Each periodic task names a task function that its app's tasks module defines."""
    from absher.settings.celery import CELERY_BEAT_SCHEDULE

    assert len(CELERY_BEAT_SCHEDULE) >= 8
    for entry in CELERY_BEAT_SCHEDULE.values():
        app, module, name = entry["task"].split(".")
        assert module == "tasks", entry
        tree = ast.parse((ROOT / app / "tasks.py").read_text(encoding="utf-8"))
        defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert name in defined, f"{entry['task']} is scheduled but {app}/tasks.py defines no {name}"
        assert entry["schedule"] > 0


def test_domain_figures_are_overridden_by_the_environment():
    names = [
        "ID_LATE_FINE",
        "IQAMA_PERIODS_MONTHS",
        "ID_CARD_STAGE_DELAYS_SECONDS",
        "FACE_MATCH_TOLERANCE",
        "CURRENCY",
        "CELERY_TASK_TIME_LIMIT",
    ]
    default = _settings_in_subprocess("absher.settings.base", names)
    assert Decimal(default["ID_LATE_FINE"]) == Decimal("100.00")
    assert default["IQAMA_PERIODS_MONTHS"] == [3, 6, 9, 12]
    changed = _settings_in_subprocess(
        "absher.settings.base",
        names,
        ID_LATE_FINE="150.00",
        IQAMA_PERIODS_MONTHS="6,12",
        ID_CARD_DELAY_PRINTING_SECONDS="5",
        FACE_MATCH_TOLERANCE="0.45",
        CURRENCY="SAR",
        CELERY_TASK_TIME_LIMIT="120",
    )
    assert Decimal(changed["ID_LATE_FINE"]) == Decimal("150.00")
    assert changed["IQAMA_PERIODS_MONTHS"] == [6, 12]
    assert changed["ID_CARD_STAGE_DELAYS_SECONDS"] == {**default["ID_CARD_STAGE_DELAYS_SECONDS"], "PRINTING": 5}
    assert changed["FACE_MATCH_TOLERANCE"] == 0.45
    assert changed["CELERY_TASK_TIME_LIMIT"] == 120


def test_test_and_production_settings_start_from_base(tmp_path):
    names = ["ID_DELIVERY_FEE", "CELERY_TASK_ACKS_LATE", "DEBUG", "EMAIL_BACKEND"]
    test = _settings_in_subprocess("absher.settings.test", names)
    assert Decimal(test["ID_DELIVERY_FEE"]) == Decimal("17.50") and test["CELERY_TASK_ACKS_LATE"] is True
    prod = _settings_in_subprocess(
        "absher.settings.production",
        names,
        SECRET_KEY="k" * 60,
        SADAD_WEBHOOK_SECRET="s",
        BIOMETRIC_KEYS="cHJvZC1iaW9tZXRyaWMta2V5LWZvci10aGUtdGVzdHM=",
        DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}",
    )
    assert Decimal(prod["ID_DELIVERY_FEE"]) == Decimal("17.50") and prod["CELERY_TASK_ACKS_LATE"] is True
    # production never inherits development defaults computed while DEBUG was on
    assert prod["DEBUG"] is False and prod["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


def test_production_requires_its_secret_key_even_with_debug_unset(tmp_path):
    environ = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    environ.update(
        DJANGO_SETTINGS_MODULE="absher.settings.production",
        SADAD_WEBHOOK_SECRET="s",
        BIOMETRIC_KEYS="cHJvZC1iaW9tZXRyaWMta2V5LWZvci10aGUtdGVzdHM=",
    )
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.DEBUG"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0 and "SECRET_KEY must be set" in out.stderr


# --- the lock and the image -------------------------------------------------------------------
@pytest.fixture(scope="module")
def lock():
    data = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    return {p["name"]: p for p in data["package"]}


def _closure(lock, roots) -> set[str]:
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        pkg = lock[name]
        for dep in pkg.get("dependencies", []):
            todo.append(dep["name"])
            for extra in dep.get("extra", []):
                todo += [d["name"] for d in lock[dep["name"]].get("optional-dependencies", {}).get(extra, [])]
    return seen


def test_the_image_installs_no_test_or_dev_tool(lock):
    project = lock["absher-portal"]
    runtime = [d["name"] for d in project["dependencies"]] + [d["name"] for d in project["dev-dependencies"]["face"]]
    image = _closure(lock, runtime)
    assert {"django", "celery", "face-recognition", "dlib-bin", "setuptools"} <= image
    for tool in (
        "pytest",
        "pytest-django",
        "playwright",
        "factory-boy",
        "hypothesis",
        "ruff",
        "import-linter",
        "polib",
        "pypdf",
        "faker",
        "schemathesis",
    ):
        assert tool not in image, f"{tool} would ship in the production image"
    assert "dlib" not in lock  # dlib-bin provides the module; dlib never builds from source
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "--no-default-groups --group face" in dockerfile and "--require-hashes" in dockerfile


def test_every_locked_file_has_a_hash(lock):
    for name, pkg in lock.items():
        if pkg.get("source", {}).get("virtual"):
            continue
        files = pkg.get("wheels", []) + ([pkg["sdist"]] if "sdist" in pkg else [])
        assert files and all(f.get("hash", "").startswith("sha256:") for f in files), name


def test_dev_and_test_groups_hold_the_tools():
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["dependency-groups"]
    names = {g: {re.split(r"[<>=!;\[ ]", r, maxsplit=1)[0].lower() for r in reqs} for g, reqs in groups.items()}
    assert {"ruff", "import-linter"} <= names["dev"]
    assert {"pytest", "pytest-django", "playwright", "factory_boy", "hypothesis"} <= names["test"]
    assert {"face_recognition", "dlib-bin", "setuptools"} <= names["face"]
