"""`make fuzz`: schemathesis over the whole API, with a valid bearer token, against gunicorn
running the production settings (HTTPS redirect off: no TLS on 127.0.0.1) on its own fresh
PostgreSQL database with the demo data. Bounded (FUZZ_MAX_EXAMPLES per operation, 5 by
default; about 1-3 minutes). Checks: no server error, every status documented, every body
matching its schema (the one Error body included), the documented content type. Prints the
counts and exits non-zero on any failure.

Environment: DATABASE_URL (its server is used; the database is FUZZ_DB, `absher_fuzz` by
default, dropped and re-created), REDIS_URL, FUZZ_MAX_EXAMPLES, FUZZ_SEED, FUZZ_WORKERS."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from prodlike import free_port, fresh_database, production_env, wait_healthy  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
ST = str(ROOT / ".venv" / "bin" / "st")
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
# Logging out revokes the fuzzer's own token; every other operation is fuzzed.
EXCLUDE_PATH_REGEX = r"^/api/v1/auth/logout/$"


def main() -> int:
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        print("fuzz: needs PostgreSQL (DATABASE_URL=postgres://...)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="absher-fuzz-"))
    env = production_env(database_url=fresh_database(base_url, os.environ.get("FUZZ_DB", "absher_fuzz")), tmp=tmp, name="fuzz")
    run = lambda *a: subprocess.run([PY, "manage.py", *a], cwd=ROOT, env=env, check=True, capture_output=True, text=True)  # noqa: E731
    run("migrate", "--noinput")
    run("collectstatic", "--noinput")
    run("seed_demo")
    token = (
        run(
            "shell",
            "-c",
            "from registry.models import Person; from nafath.services import access_token_issue; "
            "p = Person.objects.filter(kind='citizen').order_by('pk').first() or Person.objects.order_by('pk').first(); "
            "print(access_token_issue(person=p)[1])",
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = free_port()
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "absher.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "gunicorn.log", "w"),  # noqa: SIM115
    )
    try:
        wait_healthy(port, 150)
        report = tmp / "report.ndjson"
        cmd = [
            ST,
            "run",
            f"http://127.0.0.1:{port}/api/v1/schema/",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            os.environ.get("FUZZ_MAX_EXAMPLES", "5"),
            "--seed",
            os.environ.get("FUZZ_SEED", "11"),
            "--workers",
            os.environ.get("FUZZ_WORKERS", "2"),
            "--exclude-path-regex",
            EXCLUDE_PATH_REGEX,
            "--request-timeout",
            "30",
            "--generation-deterministic",
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(report),
        ]
        print("fuzz:", " ".join(c if "Bearer" not in c else "Authorization: Bearer ***" for c in cmd[:3]), "...", flush=True)
        started = time.monotonic()
        st = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        sys.stdout.write(st.stdout)
        sys.stderr.write(st.stderr)
        elapsed = time.monotonic() - started
        counts = _counts(report)
        found = _summary_failures(st.stdout)
        counts["failures"] = sum(found.values())
        counts["server_errors"] += sum(n for name, n in found.items() if "server error" in name.lower())
        counts["schema_violations"] = sum(n for name, n in found.items() if "server error" not in name.lower())
        if found:
            print("fuzz: failures by check:", found)
        print(
            f"fuzz: {counts['operations']} operations, {counts['requests']} requests in {elapsed:.0f} s; "
            f"server errors (5xx other than a documented 503): {counts['server_errors']}; "
            f"schema violations: {counts['schema_violations']}; failures of any check: {counts['failures']}"
        )
        log = (tmp / "gunicorn.log").read_text()
        tracebacks = log.count("Traceback")
        print(f"fuzz: tracebacks in the server log: {tracebacks}")
        ok = st.returncode == 0 and counts["server_errors"] == 0 and counts["schema_violations"] == 0 and tracebacks == 0
        if tracebacks:
            print(log[-4000:])
        return 0 if ok else 1
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


def _summary_failures(out: str) -> dict[str, int]:
    """The "Failures:" block of schemathesis' summary: {"ST103 Undocumented status code": 1, ...}."""
    found, inside = {}, False
    for line in out.splitlines():
        if line.strip() == "Failures:":
            inside = True
            continue
        if inside:
            m = re.match(r"\s*\S+\s+(.+?):\s+(\d+)\s*$", line)
            if not m:
                break
            found[m.group(1)] = int(m.group(2))
    return found


def _counts(report: Path) -> dict:
    """Counts from schemathesis' ndjson event stream (every request's response and every
    failed check)."""
    counts = {"operations": set(), "requests": 0, "server_errors": 0, "schema_violations": 0, "failures": 0}
    if not report.exists():
        return {**counts, "operations": 0}
    for line in report.read_text().splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        _walk(event, counts)
    counts["operations"] = len(counts["operations"])
    return counts


def _walk(node, counts) -> None:
    if isinstance(node, dict):
        if "response" in node and isinstance(node.get("response"), dict) and "status_code" in node["response"]:
            counts["requests"] += 1
            if node["response"]["status_code"] >= 500 and node["response"]["status_code"] != 503:
                counts["server_errors"] += 1
        if (
            "label" in node
            and isinstance(node["label"], str)
            and node["label"].split(" ", 1)[0] in ("GET", "POST", "PUT", "PATCH", "DELETE")
        ):
            counts["operations"].add(node["label"])
        for v in node.values():
            _walk(v, counts)
    elif isinstance(node, list):
        for v in node:
            _walk(v, counts)


if __name__ == "__main__":
    sys.exit(main())
