"""Chaos (issue 11): a private Redis (its own port, started and stopped here) is the cache and
the broker of a real gunicorn, Celery worker and beat. Redis is killed, then a card payment
and an ID photo upload are made (and a Nafath sign-in started); Redis comes back. Nothing
answers 500, every request completes - the work the broker never took is re-queued by the
sweepers - with one charge and one photo decision."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import wait_for

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = [pytest.mark.worker, pytest.mark.faces]

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    def __init__(self, port: int):
        self.port, self.proc = port, None

    def start(self):
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._up, timeout=10, message="the private redis-server")

    def _up(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(7).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        assert not self._up()


@pytest.fixture
def private_redis():
    if not os.path.exists(REDIS):
        pytest.skip("redis-server is not installed")
    r = PrivateRedis(_free_port())
    r.start()
    yield r
    r.kill()


def _start(cmd, env, log: Path):
    f = open(log, "w")  # noqa: SIM115 - kept open for the process's life
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT)


def test_broker_and_cache_die_during_a_card_payment_and_a_photo_upload(transactional_db, private_redis, settings, tmp_path, faces_dir):
    from django.db import connection

    from civil_affairs.models import IdRenewal, IdRenewalEvent
    from core import dates
    from nafath.services import access_token_issue
    from payments.models import IdempotencyKey, Payment, PaymentEvent
    from tests import photo_images as pi
    from tests.factories import IdCardFactory, PersonFactory
    from tests.payments.test_services import CARD, make_payment

    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL: the server and the worker share the test database")
    payer, applicant = PersonFactory(), PersonFactory()
    IdCardFactory(person=applicant, expiry_date=dates.today() + __import__("datetime").timedelta(days=60))
    payment = make_payment(payer)
    payer_token, applicant_token = access_token_issue(person=payer)[1], access_token_issue(person=applicant)[1]

    redis_url = f"redis://127.0.0.1:{private_redis.port}/0"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        TEST_DATABASE_NAME="",
        DJANGO_SETTINGS_MODULE="absher.settings.test",
        REDIS_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="false",
        SANDBOXES_ENABLED="true",
        PRIVATE_MEDIA_ROOT=str(settings.PRIVATE_MEDIA_ROOT),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        FACES_DIR=str(faces_dir),
        # The sweepers' figures, shortened so the test takes seconds (production: 15 s and 30 s).
        SWEEP_PERIOD_SECONDS="3",
        SWEEP_LOST_WORK_AFTER_SECONDS="4",
        PAYMENT_FULFIL_SWEEP_AFTER_SECONDS="4",
    )
    procs = [
        _start([sys.executable, "-m", "gunicorn", "absher.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120"], env, tmp_path / "web.log"),
        _start([sys.executable, "-m", "celery", "-A", "absher", "worker", "-Q", "default,faces", "-c", "2", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO", "-n", f"chaos-{os.getpid()}@%h"], env, tmp_path / "worker.log"),
        _start([sys.executable, "-m", "celery", "-A", "absher", "beat", "-l", "INFO", "-s", str(tmp_path / "beat-schedule")], env, tmp_path / "beat.log"),
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    statuses = []
    try:
        wait_for(lambda: _get(f"{base}/health/") == 200, timeout=60, message="gunicorn")
        wait_for(lambda: " ready." in (tmp_path / "worker.log").read_text(), timeout=60, message="the celery worker")

        private_redis.kill()  # the broker and the cache are gone
        assert _get(f"{base}/health/") == 503

        pay = requests.post(
            f"{base}/api/v1/payments/{payment.pk}/card/",
            json=CARD,
            headers={"Authorization": f"Bearer {payer_token}", "Idempotency-Key": "chaos-1", "Accept-Language": "en"},
            timeout=60,
        )
        statuses.append(pay.status_code)
        assert pay.status_code == 200, pay.text
        assert pay.json()["status"] == "PAID"

        photo = pi.to_jpeg(pi.compliant())
        up = requests.post(
            f"{base}/api/v1/civil-affairs/id-renewals/",
            files={"photo": ("me.jpg", photo, "image/jpeg")},
            headers={"Authorization": f"Bearer {applicant_token}", "Accept-Language": "en"},
            timeout=120,
        )
        statuses.append(up.status_code)
        assert up.status_code == 202, up.text  # accepted: the face check runs on the worker
        renewal_id = up.json()["id"]

        start = requests.post(f"{base}/api/v1/auth/nafath/", json={"id_number": payer.id_number}, timeout=60)
        statuses.append(start.status_code)
        assert start.status_code == 201, start.text  # the rate limits counted in the process

        # Nothing reached the worker: the money moved, the hand-over waits; the photo waits.
        time.sleep(2)
        assert Payment.objects.get(pk=payment.pk).fulfilled_at is None
        assert IdRenewal.objects.get(pk=renewal_id).status == IdRenewal.Status.PHOTO_CHECK

        private_redis.start()  # back (empty: every message queued before is gone too)

        # The client retries the payment with the same key: the stored answer, no second charge.
        again = requests.post(
            f"{base}/api/v1/payments/{payment.pk}/card/",
            json=CARD,
            headers={"Authorization": f"Bearer {payer_token}", "Idempotency-Key": "chaos-1", "Accept-Language": "en"},
            timeout=60,
        )
        statuses.append(again.status_code)
        assert again.status_code == 200 and again.json() == pay.json()

        wait_for(
            lambda: Payment.objects.get(pk=payment.pk).fulfilled_at is not None, timeout=90, message="the payment's hand-over (sweeper)"
        )
        wait_for(
            lambda: IdRenewal.objects.get(pk=renewal_id).status != IdRenewal.Status.PHOTO_CHECK,
            timeout=180,
            message="the photo decision (sweeper)",
        )
        time.sleep(2 * 3)  # two more sweeps: a duplicate would show now

        assert 500 not in statuses and all(s < 500 for s in statuses), statuses
        assert IdempotencyKey.objects.filter(payment_id=payment.pk).count() == 1
        assert PaymentEvent.objects.filter(payment_id=payment.pk, action="pay").count() == 1  # one charge
        assert PaymentEvent.objects.filter(payment_id=payment.pk, action="fulfilled").count() == 1
        decisions = IdRenewalEvent.objects.filter(renewal_id=renewal_id, action__in=["photo_passed", "photo_failed"]).count()
        assert decisions == 1
        web_log = (tmp_path / "web.log").read_text()
        assert "Internal Server Error" not in web_log, web_log[-3000:]
        assert "could not queue" in web_log  # the enqueue saw the broker down, logged it and moved on
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def _get(url):
    try:
        return requests.get(url, timeout=5).status_code
    except requests.RequestException:
        return None
