"""`make bench-web`: the portal under gunicorn (2 workers, production-like settings) on the demo data
and on the national-scale data set (seed_scale, 1,000,000 people), side by side in one run.

For each page (two bare views of the benchmark's own URL module, absher/bench_urls.py, then the
citizen pages, the API and the officers' admin) at 1, 8 and 32 concurrent clients, the two data
sets are measured in BENCH_ROUNDS (default 4) rounds that add up to BENCH_SECONDS (default 2) per
page and data set, after a short warm-up. In each round every page runs one short turn on each
data set: a change of load on the shared machine falls on every page and both sides alike, so the
ratios between pages and between the data sets compare figures taken in the same rounds. Prints
p50/p99 latency, throughput and the ratios the issue asks for, then the query plans (EXPLAIN
ANALYZE) of every query the admin pages run, on both data sets.

Environment: BENCH_SECONDS (seconds per point, default 2), BENCH_ROUNDS (rounds of turns,
default 4), BENCH_CLIENTS (default "1,8,32"),
BENCH_DEMO_DB (default absher_scale_demo), BENCH_SCALE_DB (default absher_scale_1m),
BENCH_PEOPLE (people of the scale data set when it must be built, default 1000000),
BENCH_PAGES (comma-separated page names to run, default all), BENCH_EXPLAIN=0 to skip the plans.

The client is Python (threads, one HTTP/1.0 connection per request as gunicorn's sync workers
close them), on the same machine: at 32 clients it competes with the server for the CPU, so
absolute throughput is the machine's, the ratios are the point.
"""

import contextlib
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DBS = {"demo": os.environ.get("BENCH_DEMO_DB", "absher_scale_demo"), "1M": os.environ.get("BENCH_SCALE_DB", "absher_scale_1m")}
PORTS = {"demo": 8771, "1M": 8772}
SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))
CLIENTS = [int(c) for c in os.environ.get("BENCH_CLIENTS", "1,8,32").split(",")]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))  # turns per point, demo and 1M alternating

# (name, who, path template): who is the session or token the request carries.
PAGES = [
    ("bare view", "anon", "/bench/bare/"),
    ("bare view + session", "citizen", "/bench/session/"),
    ("citizen dashboard", "citizen", "/dashboard/"),
    ("Nafath login start", "anon", "/login/"),
    ("API GET /api/v1/me/", "token", "/api/v1/me/"),
    ("family page", "head", "/passports/"),
    ("checks page", "head", "/passports/iqama-renewal/checks/?{quote_query}"),
    ("quote", "head", "/passports/iqama-renewal/quote/?{quote_query}"),
    ("card payment", "citizen", "/payments/{payment_id}/checkout/"),
    ("admin: person search by ID", "officer", "/admin/registry/person/?q={search_id}"),
    ("admin: person search, Arabic name", "officer", "/admin/registry/person/?q={search_name_ar}"),
    ("admin: person search, English name", "officer", "/admin/registry/person/?q={search_name_en}"),
    ("admin: people list", "officer", "/admin/registry/person/"),
    ("admin: payments list", "officer", "/admin/payments/payment/"),
    ("admin: payment by reference", "officer", "/admin/payments/payment/?q={payment_reference}"),
    ("admin: ID renewals queue", "officer", "/admin/civil_affairs/idrenewal/?status__exact=UNDER_REVIEW"),
    ("admin: iqama renewals queue", "officer", "/admin/passports/iqamarenewal/?status__exact=UNDER_REVIEW"),
    ("admin: Nafath requests", "officer", "/admin/nafath/nafathrequest/"),
    ("admin: audit log", "officer", "/admin/core/auditlog/"),
]
SIGNED_IN = ["citizen dashboard", "API GET /api/v1/me/", "family page", "card payment", "quote", "checks page"]
CITIZEN_12X = ["Nafath login start", "citizen dashboard", "family page", "quote", "card payment"]


def bench_env(db: str) -> dict:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key_file = Path("/tmp/absher-bench-oidc.pem")
    if not key_file.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="absher.settings.bench",
        DATABASE_URL=f"{PG}/{db}",
        SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        SADAD_WEBHOOK_SECRET="bench-only",
        BIOMETRIC_KEYS="YWJzaGVyLWRldi1vbmx5LWJpb21ldHJpYy1rZXktMzI=",
        OIDC_RSA_PRIVATE_KEY=key_file.read_text(),
        SANDBOXES_ENABLED="true",
        ALLOW_SANDBOXES_IN_PRODUCTION="true",
        SECURE_SSL_REDIRECT="false",
        BENCH_STATIC_ROOT=f"/tmp/absher-bench-static-{zlib.crc32(str(ROOT).encode()):08x}",
        CONN_MAX_AGE="600",
    )
    return env


# ---------------------------------------------------------------- inside Django (subprocesses)


def otp_verified(user) -> dict:
    """The session keys of an officer who passed the second factor (when django-otp is installed)."""
    from django.apps import apps

    if not apps.is_installed("django_otp.plugins.otp_totp"):
        return {}
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    return {DEVICE_ID_SESSION_KEY: device.persistent_id}


def prepare() -> dict:
    """The sessions, token and ids the pages need, made in the database DATABASE_URL names."""
    import importlib

    import django

    django.setup()
    import time as _time

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    from core.middleware import SESSION_LAST_SEEN_KEY, SESSION_PERSON_KEY
    from nafath.services import access_token_issue
    from passports import selectors
    from payments.models import Payment
    from payments.services.bills import LineItem, payment_create
    from registry.models import Person

    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore

    def session(data):
        s = store()
        s.update(data)
        s.create()
        return s.session_key

    now = int(_time.time()) + 3600  # "last seen" in the future: the idle timeout never ends a bench session
    citizen = Person.objects.get(id_number="1000000008")
    head = Person.objects.get(id_number="2000000006")
    user, _ = get_user_model().objects.get_or_create(username="bench_officer", defaults={"is_staff": True, "is_superuser": True})
    officer = session(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            **otp_verified(user),
        }
    )
    payment = Payment.objects.filter(person=citizen, status=Payment.Status.PENDING, purpose="outstanding").order_by("-id").first()
    if payment is None:
        item = LineItem("BENCH", "FEE", "رسوم اختبار", "Benchmark fee", 100)
        payment = payment_create(person=citizen, purpose="outstanding", object_id="", items=[item])
    rows = selectors.family_overview_for_head(head=head)
    eligible = [r for r in rows if r.assessment is not None and r.assessment.eligible]
    query = "&".join(f"d={r.member.pk}" for r in eligible) + "&" + "&".join(f"m{r.member.pk}={r.periods[0]}" for r in eligible)
    big = Person.objects.filter(id_number__startswith="17").order_by("id_number")
    search_id = (big.filter(id_number__gte="1701").first() or big.last() or citizen).id_number
    return {
        "cookies": {
            "citizen": f"sessionid={session({SESSION_PERSON_KEY: citizen.pk, SESSION_LAST_SEEN_KEY: now})}",
            "head": f"sessionid={session({SESSION_PERSON_KEY: head.pk, SESSION_LAST_SEEN_KEY: now})}",
            "officer": f"sessionid={officer}",
        },
        "token": access_token_issue(person=citizen)[1],
        "vars": {
            "payment_id": payment.pk,
            "payment_reference": payment.reference,
            "quote_query": query,
            "search_id": search_id,
            "search_name_ar": "%D8%A7%D9%84%D9%82%D8%AD%D8%B7%D8%A7%D9%86%D9%8A",  # القحطاني
            "search_name_en": "Alqahtani",
        },
    }


def explain(paths: list[str]) -> None:
    """Every query of each admin page (Django's test client, in process), with EXPLAIN ANALYZE."""

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    user = get_user_model().objects.get(username="bench_officer")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    s = client.session
    s.update(otp_verified(user))
    s.save()
    for path in paths:
        client.get(path)  # warm
        with CaptureQueriesContext(connection) as ctx:
            status = client.get(path).status_code
        print(f"\n### {path}  (HTTP {status}, {len(ctx.captured_queries)} queries)")
        for q in ctx.captured_queries:
            sql = q["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or "django_session" in sql or "auth_user" in sql or "otp_" in sql:
                continue
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) " + sql)
                plan = [r[0] for r in cur.fetchall()]
            print(f"-- {sql[:300]}{' …' if len(sql) > 300 else ''}")
            for line in plan:
                print("   " + line)


# ---------------------------------------------------------------- the run


def run(cmd, env, **kw):
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, **kw)


def get(port: int, path: str, headers: dict) -> tuple[int, float, bytes]:
    t = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, time.perf_counter() - t, body
    finally:
        conn.close()


def point(port: int, path: str, headers: dict, clients: int, seconds: float) -> dict:
    lat, errors = [], [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker():
        mine, bad = [], 0
        while time.perf_counter() < stop:
            try:
                status, dt_, _ = get(port, path, headers)
            except OSError:
                bad += 1
                continue
            if status != 200:
                bad += 1
            mine.append(dt_)
        with lock:
            lat.extend(mine)
            errors[0] += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"lat": lat, "elapsed": time.perf_counter() - started, "errors": errors[0]}


def merge(turns: list[dict]) -> dict:
    """One point from several turns: all latencies together, requests over the time spent."""
    lat = sorted(x for t in turns for x in t["lat"])
    if not lat:
        return {"n": 0, "p50": float("nan"), "p99": float("nan"), "rps": 0.0, "errors": sum(t["errors"] for t in turns)}
    return {
        "n": len(lat),
        "p50": statistics.median(lat) * 1000,
        "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
        "rps": len(lat) / sum(t["elapsed"] for t in turns),
        "errors": sum(t["errors"] for t in turns),
    }


def headers_for(who: str, prep: dict) -> dict:
    h = {"Host": "127.0.0.1", "Accept-Language": "en"}
    if who in prep["cookies"]:
        h["Cookie"] = prep["cookies"][who]
    if who == "token":
        h["Authorization"] = f"Bearer {prep['token']}"
    return h


def wait_up(port: int, proc) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn on port {port} exited ({proc.returncode})")
        try:
            if get(port, "/bench/bare/", {"Host": "127.0.0.1"})[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn on port {port} did not answer")


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "?")
    mem = next((int(ln.split()[1]) for ln in meminfo if ln.startswith("MemTotal")), 0)
    return f"{os.cpu_count()} CPUs ({cpu}), {mem / 1024 / 1024:.0f} GiB RAM"


def main() -> None:
    only = {p.strip() for p in os.environ.get("BENCH_PAGES", "").split(",") if p.strip()}
    pages = [p for p in PAGES if not only or p[0] in only or p[0] in ("bare view", "bare view + session")]
    print(f"bench-web: {machine()}; gunicorn 2 workers per data set; {SECONDS:g} s per point; clients {CLIENTS}")
    preps, procs = {}, {}
    try:
        for label, db in DBS.items():
            env = bench_env(db)
            people = "0" if label == "demo" else os.environ.get("BENCH_PEOPLE", "1000000")
            print(f"[{label}] database {db}: seed_scale --people {people} (migrates; builds the data set only when missing)")
            run(
                [PY, "manage.py", "seed_scale", "--people", people, "--db", db, "--skip-checks"],
                {**env, "DJANGO_SETTINGS_MODULE": "absher.settings.base", "DEBUG": "true"},
            )
            out = run([PY, __file__, "--prepare"], env, capture_output=True, text=True).stdout
            preps[label] = json.loads(out.strip().splitlines()[-1])
        env = bench_env(DBS["demo"])
        manifest = Path(env["BENCH_STATIC_ROOT"]) / "staticfiles.json"
        newest = max((f.stat().st_mtime for f in ROOT.glob("*/static/**/*") if f.is_file()), default=0)
        if not manifest.exists() or manifest.stat().st_mtime < newest:
            print("collectstatic (production's compressed, hashed static files; a minute the first time)", flush=True)
            run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
        for label, db in DBS.items():
            env = bench_env(db)
            procs[label] = subprocess.Popen(
                [
                    GUNICORN,
                    "absher.wsgi:application",
                    "-w",
                    "2",
                    "-b",
                    f"127.0.0.1:{PORTS[label]}",
                    "--backlog",
                    "256",
                    "--log-level",
                    "warning",
                ],
                env=env,
                cwd=ROOT,
                start_new_session=True,
            )
        for label in DBS:
            wait_up(PORTS[label], procs[label])

        results = {}
        for name, who, tmpl in pages:
            for label in DBS:  # warm-up and a check that the page answers 200
                prep = preps[label]
                path = tmpl.format(**prep["vars"])
                for _ in range(3):
                    status, _t, body = get(PORTS[label], path, headers_for(who, prep))
                if status != 200:
                    print(f"  !! {name} on {label}: HTTP {status} {body[:200]!r}")
        for clients in CLIENTS:
            # ROUNDS rounds; in each, every page runs a short turn on each data set, and the turns are
            # merged: a change of load on the shared machine falls on every page and on both sides
            # alike, so the ratios between pages (the dashboard against the bare view with a session)
            # and between the data sets compare figures taken in the same rounds.
            turns = {(name, label): [] for name, _w, _t in pages for label in DBS}
            for _ in range(ROUNDS):
                for name, who, tmpl in pages:
                    for label in DBS:
                        prep = preps[label]
                        path = tmpl.format(**prep["vars"])
                        turns[(name, label)].append(point(PORTS[label], path, headers_for(who, prep), clients, SECONDS / ROUNDS))
            for name, _who, _tmpl in pages:
                for label in DBS:
                    results[(name, clients, label)] = merge(turns[(name, label)])
                d, m = results[(name, clients, "demo")], results[(name, clients, "1M")]
                print(
                    f"  {clients:>2} clients  {name:38} demo p50 {d['p50']:8.1f} ms p99 {d['p99']:8.1f} {d['rps']:7.1f}/s"
                    f" | 1M p50 {m['p50']:8.1f} ms p99 {m['p99']:8.1f} {m['rps']:7.1f}/s | ratio {m['p50'] / d['p50']:5.2f}"
                    + (f"  errors {d['errors']}/{m['errors']}" if d["errors"] or m["errors"] else ""),
                    flush=True,
                )
        report(results, pages)
    finally:
        for proc in procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            proc.wait(timeout=30)
    if os.environ.get("BENCH_EXPLAIN", "1") != "0":
        for label, db in DBS.items():
            paths = [t.format(**preps[label]["vars"]) for n, w, t in pages if w == "officer"]
            print(f"\n================ query plans, {label} data ({db})")
            sys.stdout.flush()
            run([PY, __file__, "--explain", *paths], bench_env(db))


def report(results, pages) -> None:
    names = [p[0] for p in pages]
    print("\n| operation | clients | demo p50 | 1M p50 | ratio | 1M p99/p50 | demo req/s | 1M req/s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in names:
        for c in CLIENTS:
            d, m = results[(name, c, "demo")], results[(name, c, "1M")]
            print(
                f"| {name} | {c} | {d['p50']:.1f} ms | {m['p50']:.1f} ms | {m['p50'] / d['p50']:.2f} | {m['p99'] / m['p50']:.1f} |"
                f" {d['rps']:.0f} | {m['rps']:.0f} |"
            )
    top = max(CLIENTS)
    if "bare view + session" in names:
        print(f"\nAt {top} clients, throughput against the bare views (same server, same run):")
        for label in DBS:
            bare = results[("bare view", top, label)]["rps"]
            sess = results[("bare view + session", top, label)]["rps"]
            print(f"  [{label}] bare view {bare:.0f}/s; bare view + session {sess:.0f}/s ({sess / bare:.0%} of bare)")
            for name in SIGNED_IN:
                if name in names:
                    r = results[(name, top, label)]
                    print(
                        f"  [{label}] {name:24} {r['rps']:7.0f}/s = {r['rps'] / sess:5.0%} of bare+session; p99/p50 {r['p99'] / r['p50']:.1f}"
                    )
            for page in ("family page", "checks page"):  # the goal: at least 50 % of the dashboard's throughput
                if page in names and "citizen dashboard" in names:
                    rps, dash = results[(page, top, label)]["rps"], results[("citizen dashboard", top, label)]["rps"]
                    print(
                        f"  [{label}] {page} / dashboard throughput: {rps / dash:.0%} ({'ok' if rps / dash >= 0.5 else 'NOT MET'}, goal >= 50%)"
                    )
    if not any(c <= 8 for c in CLIENTS):
        return
    print("\nWorst 1M/demo p50 ratio per page (goal: officer pages <= 2, citizen pages <= 1.2):")
    for name in names:
        worst = max(results[(name, c, "1M")]["p50"] / results[(name, c, "demo")]["p50"] for c in CLIENTS if c <= 8)
        goal = 2.0 if name.startswith("admin") else 1.2 if name in CITIZEN_12X else None
        verdict = "" if goal is None else ("  ok" if worst <= goal else f"  OVER {goal}")
        print(f"  {name:38} {worst:5.2f} (1 and 8 clients){verdict}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    if len(sys.argv) > 1 and sys.argv[1] == "--prepare":
        print(json.dumps(prepare()))
    elif len(sys.argv) > 1 and sys.argv[1] == "--explain":
        explain(sys.argv[2:])
    else:
        main()
