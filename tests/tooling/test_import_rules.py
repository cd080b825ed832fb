"""The import contracts of pyproject.toml hold on the tree, and a forbidden import breaks them.

Each test works on a copy of the project (without .venv and .git), so a probe module never
touches the real tree; lint-imports runs in the copy and reads its pyproject.toml."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
SKIP = shutil.ignore_patterns(
    ".venv",
    ".git",
    "__pycache__",
    "*.pyc",
    "var",
    "artifacts",
    "staticfiles",
    "node_modules",
    ".hypothesis",
    ".pytest_cache",
    ".ruff_cache",
    "*.sqlite3",
    "*.mo",
)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    dest = tmp_path_factory.mktemp("import-rules") / "project"
    shutil.copytree(ROOT, dest, ignore=SKIP, symlinks=True)
    return dest


@pytest.fixture
def probe(project):
    """probe("app/_probe.py", source): write a temporary module into the copy; removed afterwards."""
    written = []

    def write(relpath: str, source: str) -> Path:
        path = project / relpath
        path.write_text(source, encoding="utf-8")
        written.append(path)
        return path

    yield write
    for path in written:
        path.unlink()


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    assert LINT_IMPORTS.exists(), f"{LINT_IMPORTS} missing: run `make setup` (import-linter is in the dev group)"
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=project, capture_output=True, text=True, timeout=300)


def broken_contracts(output: str) -> set[str]:
    """The names of the contracts lint-imports reports BROKEN (a long name wraps over lines)."""
    summary = output.split("Contracts\n---------", 1)[-1].split("\nContracts:", 1)[0]
    lines = summary.strip().splitlines()[2:]  # after "Analyzed N files, M dependencies." and its underline
    broken, pending = set(), []
    for line in filter(str.strip, lines):
        pending.append(line.strip())
        if line.endswith((" KEPT", " BROKEN")):
            name, _, status = " ".join(pending).rpartition(" ")
            if status == "BROKEN":
                broken.add(name)
            pending = []
    return broken


def test_the_tree_keeps_every_contract(project):
    out = lint_imports(project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout
    assert "6 kept" in out.stdout  # every contract of pyproject.toml was checked


def test_registry_importing_a_service_breaks_the_contracts(project, probe):
    probe("registry/_probe.py", "import civil_affairs.models  # noqa: F401\n")
    out = lint_imports(project)
    assert out.returncode != 0
    broken = broken_contracts(out.stdout)
    assert "registry imports only core" in broken
    assert any(name.startswith("Arrows point down") for name in broken)
    assert "registry._probe -> civil_affairs.models" in out.stdout  # the report names the offending import


def test_payments_importing_a_service_inside_a_function_breaks_the_contract(project, probe):
    # imports inside function bodies count as much as the ones at the top
    probe("payments/_probe.py", "def f():\n    from passports import models\n\n    return models\n")
    out = lint_imports(project)
    assert out.returncode != 0
    broken = broken_contracts(out.stdout)
    assert "payments imports no service (it reaches a request only through payments.hooks)" in broken
    assert "payments._probe -> passports.models" in out.stdout


def test_one_service_importing_another_breaks_independence(project, probe):
    probe("civil_affairs/_probe.py", "from passports.models import *  # noqa: F403\n")
    out = lint_imports(project)
    assert out.returncode != 0
    assert "Services never import each other" in broken_contracts(out.stdout)


def test_core_and_notifications_stay_sinks(project, probe):
    probe("core/_probe.py", "import registry  # noqa: F401\n")
    probe("notifications/_probe.py", "import payments  # noqa: F401\n")
    out = lint_imports(project)
    broken = broken_contracts(out.stdout)
    assert {"core imports no project app", "notifications imports no service nor payments"} <= broken
    assert "Services never import each other" not in broken  # the probes broke only what they should
