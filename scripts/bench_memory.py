"""`make bench-memory` (issue 11 item 5): peak memory of the web and face-worker processes under
10 concurrent worst-case photo uploads, against a stated bound. Not a timed test: it prints.

Runs the compose configuration on this machine: gunicorn with 3 sync workers (production
settings, HTTPS redirect off) and a Celery worker on the `faces` queue (2 processes), on a
fresh PostgreSQL database of its own with 30 eligible people. Three rounds of 10 concurrent
uploads, each from a different person:

  A. the issue's worst case: a 6300x6300 PNG of about 170 KB (119 MB once decoded) - refused
     from its header (IMAGE_TOO_LARGE) before decoding;
  B. the largest PNG the memory cap lets through (PHOTO_DECODE_MAX_BYTES of pixels): decoded,
     scaled down to PHOTO_DECODE_MAX_SIDE, refused by the quality rules (no face);
  C. a 6300x6300 JPEG of a compliant face (a few MB): decoded with draft to half size, scaled
     to PHOTO_DECODE_MAX_SIDE, stored and checked by the face worker.

Peak RSS is each process's VmHWM (/proc/<pid>/status), read after every round.
Bounds (printed with the figures): a web process and a face-worker process each stay under their
warm RSS (face engine loaded) + PHOTO_DECODE_MAX_BYTES + WORKING_COPIES_MB: one upload at a time
per process (gunicorn sync workers, one task per worker process), whatever the file. Before issue 11 one upload of case A took a process from 144 to 846 MB.
Exit status 1 when a bound is passed."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from prodlike import free_port, fresh_database, production_env, wait_healthy  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
MB = 1024 * 1024
CONCURRENCY = 10
# Past the decoded pixels (at most PHOTO_DECODE_MAX_BYTES), what one check holds at once: the image
# scaled to PHOTO_DECODE_MAX_SIDE (2400 px: 17 MB in RGB) and its copies (orientation, RGB, the
# re-encoded JPEG, the detector's 640 px copy and numpy arrays). Measured 81 MB (case B in a web process); bound 96 MB.
WORKING_COPIES_MB = 96


def _children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                out.append(int(p.name))
    return out


def _kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _multipart(data: bytes, name: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _upload(port: int, token: str, data: bytes, name: str, out: list, i: int) -> None:
    body, ctype = _multipart(data, name)
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/civil-affairs/id-renewals/",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": ctype, "Accept-Language": "en"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            out[i] = (r.status, json.loads(r.read()).get("id"))
    except urllib.error.HTTPError as e:
        out[i] = (e.code, json.loads(e.read() or b"{}").get("error", {}).get("code"))


def _round(port, tokens, data, name):
    out = [None] * CONCURRENCY
    threads = [threading.Thread(target=_upload, args=(port, tokens[i], data, name, out, i)) for i in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def _warm_photo() -> bytes:
    from tests import photo_images as pi

    return pi.to_jpeg(pi.compliant())


def _cases():
    from PIL import Image

    from tests import photo_images as pi

    a = pi.png_flat(6300, 6300)
    side = int((int(os.environ.get("PHOTO_DECODE_MAX_BYTES", 48 * MB)) // 3) ** 0.5)
    b = pi.png_flat(side, side, (200, 180, 160))
    face = pi.compliant().resize((6300, 6300), Image.BILINEAR)
    buf = io.BytesIO()
    face.save(buf, "JPEG", quality=70)
    return [
        ("A", f"6300x6300 PNG, {len(a) // 1024} KB (119 MB decoded)", a, "a.png"),
        ("B", f"{side}x{side} PNG at the memory cap, {len(b) // 1024} KB", b, "b.png"),
        ("C", f"6300x6300 JPEG of a compliant face, {len(buf.getvalue()) // 1024} KB", buf.getvalue(), "c.jpg"),
    ]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "absher.settings.test")
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres") or not os.environ.get("REDIS_URL"):
        print("bench-memory: needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="absher-bench-memory-"))
    env = production_env(
        database_url=fresh_database(base, os.environ.get("BENCH_DB", "absher_bench_memory")),
        tmp=tmp,
        name="bench-memory",
        ALLOWED_HOSTS="127.0.0.1",
        FACES_DIR=os.environ.get("FACES_DIR", str(ROOT.parent / "shared" / "faces")),
    )
    manage = lambda *a: subprocess.run([PY, "manage.py", *a], cwd=ROOT, env=env, check=True, capture_output=True, text=True)  # noqa: E731
    manage("migrate", "--noinput")
    tokens = json.loads(
        manage(
            "shell",
            "-c",
            "import json, datetime as dt\n"
            "from core import dates\n"
            "from nafath.services import access_token_issue\n"
            "from tests.factories import IdCardFactory, PersonFactory\n"
            "out = []\n"
            f"for _ in range({4 * CONCURRENCY}):\n"
            "    p = PersonFactory(); IdCardFactory(person=p, expiry_date=dates.today() + dt.timedelta(days=60))\n"
            "    out.append(access_token_issue(person=p)[1])\n"
            "print(json.dumps(out))",
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    cases = _cases()
    port = free_port()
    log = open(tmp / "processes.log", "w")  # noqa: SIM115
    web = subprocess.Popen(
        [PY, "-m", "gunicorn", "absher.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "3", "--timeout", "300"],
        cwd=ROOT, env=env, stdout=log, stderr=log,
    )  # fmt: skip
    worker = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "celery"), "-A", "absher", "worker", "-Q", "faces", "--concurrency", "2", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=log,
    )  # fmt: skip
    try:
        wait_healthy(port, 300)
        # Warm up: every web process loads the face engine for the quick check, the worker its
        # models, with ordinary photos (600x800 JPEG of a compliant face); then each process's
        # peak is reset (clear_refs 5) so the rounds measure what the uploads add to a warm process.
        warm = _warm_photo()
        answers = _round(port, tokens[3 * CONCURRENCY :], warm, "warm.jpg")
        answers += _round(port, tokens[3 * CONCURRENCY :], warm, "warm.jpg")
        _wait_checked(env, [a[1] for a in answers if a and a[0] in (201, 202)])
        web_pids, worker_pids = _children(web.pid), _children(worker.pid)
        idle = {pid: _kb(pid, "VmRSS") for pid in web_pids + worker_pids}
        for pid in web_pids + worker_pids:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        cap = int(env.get("PHOTO_DECODE_MAX_BYTES", 48 * MB))
        print(f"bench-memory: {CONCURRENCY} concurrent uploads per round; 3 web processes (gunicorn sync), 2 face-worker processes")
        print(
            f"  PHOTO_DECODE_MAX_BYTES {cap / MB:.0f} MB; idle RSS web {[round(idle[p] / MB) for p in web_pids]} MB, worker {[round(idle[p] / MB) for p in worker_pids]} MB"
        )
        for n, (label, what, data, name) in enumerate(cases):
            tok = tokens[n * CONCURRENCY : (n + 1) * CONCURRENCY]
            t0 = time.monotonic()
            answers = _round(port, tok, data, name)
            if label == "C":  # wait for the face worker to decide every stored photo
                _wait_checked(env, [a[1] for a in answers if a and a[0] == 201])
            codes = sorted({str(a[1] if a[0] >= 400 else a[0]) for a in answers if a})
            web_peak = max(_kb(p, "VmHWM") for p in web_pids)
            worker_peak = max(_kb(p, "VmHWM") for p in _children(worker.pid) or worker_pids)
            print(
                f"  {label}: {what}: answers {codes} in {time.monotonic() - t0:.1f} s; peak RSS so far: web {web_peak / MB:.0f} MB, face worker {worker_peak / MB:.0f} MB"
            )
        web_peak = max(_kb(p, "VmHWM") for p in web_pids)
        worker_now = _children(worker.pid) or worker_pids
        worker_peak = max(_kb(p, "VmHWM") for p in worker_now)
        slack = WORKING_COPIES_MB * MB
        web_bound = max(idle[p] for p in web_pids) + cap + slack
        worker_idle = max(idle.get(p, 0) for p in worker_pids)
        worker_bound = worker_idle + cap + slack
        ok = web_peak <= web_bound and worker_peak <= worker_bound
        print(
            f"  web process peak {web_peak / MB:.0f} MB <= bound {web_bound / MB:.0f} MB (warm idle + cap + working copies): {'yes' if web_peak <= web_bound else 'NO'}"
        )
        print(
            f"  face worker peak {worker_peak / MB:.0f} MB <= bound {worker_bound / MB:.0f} MB (warm idle + cap + working copies): {'yes' if worker_peak <= worker_bound else 'NO'}"
        )
        print("  before issue 11: one upload of case A took a process from 144 to 846 MB (+702 MB)")
        return 0 if ok else 1
    finally:
        for p in (web, worker):
            p.send_signal(signal.SIGTERM)
        for p in (web, worker):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def _wait_checked(env, ids, timeout=300):
    """Wait until none of these renewals is still in PHOTO_CHECK (the face worker decided)."""
    import psycopg

    if not ids:
        return
    deadline = time.monotonic() + timeout
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        while time.monotonic() < deadline:
            n = conn.execute(
                "SELECT count(*) FROM civil_affairs_idrenewal WHERE id = ANY(%s) AND status = 'PHOTO_CHECK'", (list(ids),)
            ).fetchone()[0]
            conn.commit()
            if n == 0:
                return
            time.sleep(1)
    print(f"  (still {n} in PHOTO_CHECK after {timeout} s)")


if __name__ == "__main__":
    sys.exit(main())
