"""Shared fixtures: people and their clients, a real Celery worker, a headless browser,
and the shared face photographs."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made from the
# test body are still synchronous, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _oidc_key_for_subprocesses():
    """Processes the tests start (production settings checks, workers, the sample relying party)
    get the test run's OpenID Connect signing key, as a deployment passes its key."""
    from django.conf import settings

    os.environ.setdefault("OIDC_RSA_PRIVATE_KEY", settings.OIDC_RSA_PRIVATE_KEY)


# --- officers: the admin requires a verified second factor (tests/officers.py) ----------
@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's admin_client (a Client of its own), with the officer's TOTP device verified."""
    from django.test import Client

    from tests.officers import officer_login

    return officer_login(Client(), admin_user)


# --- people and clients ---------------------------------------------------------------
@pytest.fixture
def person(db):
    from tests.factories import PersonFactory

    return PersonFactory()


@pytest.fixture
def outsider(db):
    from tests.factories import PersonFactory

    return PersonFactory(name_en="Outsider", name_ar="غريب")


@pytest.fixture
def api_client_for(db):
    """api_client_for(person) -> an APIClient carrying a real bearer token of that person."""
    from rest_framework.test import APIClient

    from nafath.services import access_token_issue

    def make(p, lang="en"):
        _, raw = access_token_issue(person=p)
        c = APIClient(HTTP_ACCEPT_LANGUAGE=lang)
        c.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        c.raw_token = raw
        return c

    return make


@pytest.fixture
def web_client_for(db):
    """web_client_for(person) -> a Django test Client with a signed-in browser session."""
    from django.test import Client

    def make(p, lang="en"):
        c = Client()
        session_login(c, p)
        c.cookies["absher_lang"] = lang
        return c

    return make


def session_login(client, p):
    """Sign a person in on a Django test client the way the Nafath login does (a session)."""
    import time as _t

    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from core.middleware import SESSION_LAST_SEEN_KEY, SESSION_PERSON_KEY

    s = SessionStore()
    s[SESSION_PERSON_KEY] = p.pk
    s[SESSION_LAST_SEEN_KEY] = int(_t.time())
    s.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = s.session_key
    return s.session_key


@pytest.fixture
def session_cookie_for(db, live_server):
    """session_cookie_for(person) -> a cookie dict for Playwright's context.add_cookies."""
    from django.conf import settings
    from django.test import Client

    def make(p):
        key = session_login(Client(), p)
        return {"name": settings.SESSION_COOKIE_NAME, "value": key, "url": live_server.url}

    return make


# --- a real Celery worker ----------------------------------------------------------------
@pytest.fixture
def celery_worker(transactional_db, settings):
    """A `celery worker` process on the default and faces queues, against Redis and this
    test database; tasks sent by the test go through the broker to it."""
    from django.db import connection

    from absher.celery import app

    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL is not set: the worker tests need Redis (make test sets it)")
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("the worker tests need PostgreSQL (DATABASE_URL): a worker process cannot share a SQLite test database")
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = dict(
        os.environ,
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="absher.settings.test",
        CELERY_TASK_ALWAYS_EAGER="false",
        PRIVATE_MEDIA_ROOT=str(settings.PRIVATE_MEDIA_ROOT),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        TEST_DATABASE_NAME="",
    )
    app.conf.task_always_eager = False
    app.control.purge()
    log_path = Path(settings.ARTIFACTS_DIR) / "logs"
    log_path.mkdir(parents=True, exist_ok=True)
    log_file = open(log_path / f"worker-{os.getpid()}-{int(time.time() * 1000)}.log", "w+")  # noqa: SIM115 - open for the worker's life
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "absher",
            "worker",
            "-Q",
            "default,faces",
            "-c",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "INFO",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        log_file.seek(0)
        if " ready." in log_file.read():
            break
        if proc.poll() is not None:
            log_file.seek(0)
            pytest.fail("celery worker exited:\n" + log_file.read()[-3000:])
        time.sleep(0.2)
    else:
        proc.terminate()
        pytest.fail("celery worker did not become ready in 60 s")
    proc.log_file = log_file
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        log_file.close()


def wait_for(predicate, timeout=30.0, interval=0.2, message="condition"):
    """Poll until predicate() is truthy; returns its value or fails the test."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message}")


# --- the browser -----------------------------------------------------------------------
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# Every launch of it starts with these (a test adds its own, e.g. the fake camera's).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        yield b
        b.close()


@pytest.fixture
def artifacts(settings):
    """Folder for screenshots kept as test artifacts."""
    d = Path(settings.ARTIFACTS_DIR) / "screenshots"
    d.mkdir(parents=True, exist_ok=True)
    return d


# --- the shared face photographs ---------------------------------------------------------
@pytest.fixture(scope="session")
def faces_dir():
    from django.conf import settings

    d = Path(settings.FACES_DIR)
    if not d.is_dir():
        pytest.skip(f"face photographs not found at FACES_DIR={d} (they live in ../shared/faces)")
    return d


# --- races: real threads, one database connection each (tests/race.py) -----------------------
@pytest.fixture
def race(transactional_db):
    """race(fn, n=2) -> [Outcome]: fn(i) in n threads released together, each on its own
    database connection; PostgreSQL only (row locks and constraints settle the races)."""
    from django.db import connection

    from tests.race import run_race

    if connection.vendor != "postgresql":
        pytest.skip("races are settled by PostgreSQL row locks and constraints; run with DATABASE_URL")
    return run_race
