"""Issue 11 item 4: a database, cache or broker outage is never a 500. Rate limits degrade (a
per-process count), the API answers 503 with Retry-After in the contract's error shape, work
queued after commit is logged and left to the sweepers, which pick it up within 60 s."""

import datetime as dt
import logging
from unittest import mock

import kombu.exceptions
import pytest
from django.db import OperationalError
from django.utils import timezone
from rest_framework.test import APIClient

from core import ratelimit
from core.transitions import enqueue

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    ratelimit._local.clear()
    yield
    ratelimit._local.clear()


def _assert_503(resp):
    assert resp.status_code == 503, resp.content
    assert int(resp["Retry-After"]) > 0
    body = resp.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert body["error"]["message"]
    assert body["error"]["details"]["retry_after"] == int(resp["Retry-After"])


# --- the cache (rate limits) -----------------------------------------------------------------
@pytest.mark.django_db
def test_nafath_start_with_the_cache_down_is_not_a_500(person, cache_down, settings):
    r = APIClient(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.9.0.1").post(
        "/api/v1/auth/nafath/", {"id_number": person.id_number}, format="json"
    )
    assert r.status_code == 201, r.content


@pytest.mark.django_db
def test_the_limit_still_holds_per_process_while_the_cache_is_down(person, cache_down, settings):
    settings.NAFATH_RATE_LIMIT_PER_IP = 2
    c = APIClient(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.9.0.2")
    codes = [c.post("/api/v1/auth/nafath/", {"id_number": person.id_number}, format="json").status_code for _ in range(4)]
    assert 500 not in codes
    assert codes[-1] == 429, codes


def test_fail_closed_limiter_raises_an_outage_error(cache_down):
    from core.errors import is_outage

    with pytest.raises(ratelimit.LimiterUnavailable) as exc:
        ratelimit.counter_hit("k", timeout=10, on_outage=ratelimit.CLOSED)
    assert is_outage(exc.value)
    assert ratelimit.counter_hit("k", timeout=10, on_outage=ratelimit.LOCAL) == 1
    assert ratelimit.counter_hit("k", timeout=10, on_outage=ratelimit.LOCAL) == 2


# --- the database: 503 + Retry-After -----------------------------------------------------------
@pytest.mark.django_db
def test_api_answers_503_with_retry_after_when_the_database_is_down(person, api_client_for):
    c = api_client_for(person)
    with mock.patch("nafath.authentication.BearerTokenAuthentication.authenticate", side_effect=OperationalError("connection refused")):
        _assert_503(c.get("/api/v1/me/"))


@pytest.mark.django_db
def test_api_answers_503_when_the_database_fails_inside_a_view(person, api_client_for):
    c = api_client_for(person)
    with mock.patch("payments.api.selectors.payment_list_for_person", side_effect=OperationalError("server closed the connection")):
        _assert_503(c.get("/api/v1/payments/"))


@pytest.mark.django_db
def test_page_answers_503_when_the_database_fails_in_a_middleware(person, web_client_for):
    c = web_client_for(person)
    c.raise_request_exception = False
    with mock.patch("core.middleware.person_model", side_effect=OperationalError("connection refused")):
        r = c.get("/")
    assert r.status_code == 503
    assert int(r["Retry-After"]) > 0
    assert b"<h1>" in r.content


# --- the broker: enqueue after commit --------------------------------------------------------
@pytest.mark.django_db
def test_enqueue_with_the_broker_down_logs_and_returns(caplog, django_capture_on_commit_callbacks):
    with (
        mock.patch("notifications.tasks.notification_deliver_task.delay", side_effect=kombu.exceptions.OperationalError("refused")),
        caplog.at_level(logging.WARNING, logger="core.transitions"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue("notifications.tasks.notification_deliver_task", 1)
    assert any("notification_deliver_task" in r.getMessage() and "sweeper" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_card_payment_with_the_broker_down_is_charged_once_and_answered(person, api_client_for, django_capture_on_commit_callbacks):
    from payments.models import Payment
    from tests.payments.test_services import CARD, make_payment

    p = make_payment(person)
    with (
        mock.patch("payments.tasks.payment_fulfil_task.delay", side_effect=kombu.exceptions.OperationalError("refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        r = api_client_for(person).post(f"/api/v1/payments/{p.pk}/card/", CARD, format="json", HTTP_IDEMPOTENCY_KEY="outage-1")
    assert r.status_code == 200, r.content
    p.refresh_from_db()
    assert p.status == Payment.Status.PAID and p.fulfilled_at is None  # left to the sweeper


# --- the sweepers: lost work within 60 s ------------------------------------------------------
def test_sweepers_run_often_enough_to_recover_lost_work_within_60_s(settings):
    sweepers = {
        "civil_affairs.tasks.renewal_photo_check_sweep",
        "payments.tasks.payment_fulfil_sweep_task",
        "passports.tasks.renewal_processing_sweep_task",
        "notifications.tasks.notification_delivery_sweep_task",
    }
    periods = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] in sweepers}
    assert set(periods) == sweepers
    for task, period in periods.items():
        assert period == settings.SWEEP_PERIOD_SECONDS, task
    thresholds = [
        settings.SWEEP_LOST_WORK_AFTER_SECONDS,
        settings.PAYMENT_FULFIL_SWEEP_AFTER_SECONDS,
        settings.IQAMA_RENEWAL_STUCK_AFTER_SECONDS,
    ]
    assert all(t + settings.SWEEP_PERIOD_SECONDS <= 60 for t in thresholds), thresholds


@pytest.mark.django_db
def test_payment_sweep_requeues_a_paid_payment_lost_45_s_ago(person, django_capture_on_commit_callbacks):
    from payments.models import Payment
    from payments.services import payment_fulfil_sweep
    from tests.payments.test_services import make_payment

    p = make_payment(person)
    Payment.objects.filter(pk=p.pk).update(status=Payment.Status.PAID, paid_at=timezone.now() - dt.timedelta(seconds=45))
    with mock.patch("payments.tasks.payment_fulfil_task.delay") as delay, django_capture_on_commit_callbacks(execute=True):
        assert payment_fulfil_sweep() == 1
    delay.assert_called_once_with(p.pk)


@pytest.mark.django_db
def test_notification_sweep_requeues_a_delivery_never_tried_45_s_ago(person, django_capture_on_commit_callbacks):
    from notifications.models import Delivery
    from notifications.services import notification_delivery_sweep, notification_send

    with mock.patch("notifications.tasks.notification_deliver_task.delay"):
        notification_send(person=person, kind="GENERAL", event_key="outage:test", title="t", body="b")
    d = Delivery.objects.filter(notification__person=person).first()
    assert d is not None and d.status == Delivery.Status.PENDING
    Delivery.objects.filter(pk=d.pk).update(created_at=timezone.now() - dt.timedelta(seconds=45))
    with mock.patch("notifications.tasks.notification_deliver_task.delay") as delay, django_capture_on_commit_callbacks(execute=True):
        assert notification_delivery_sweep() >= 1
    assert mock.call(d.pk) in delay.call_args_list
