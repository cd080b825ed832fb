"""A real Celery worker on Redis and PostgreSQL: a visa paid by card is issued by the worker; left
unused, the periodic task lapses it and creates the fine; the fine shows in outstanding fines; the next
visa is refused (UNPAID_VISA_FINE) until the fine is paid, and then issued."""

import datetime as dt
import uuid

import pytest

from core import dates
from notifications.models import Notification
from registry.models import Fine
from tests.conftest import wait_for
from visas.models import Visa

pytestmark = [pytest.mark.worker]
CARD = {"card_number": "4111111111111111", "expiry_month": 12, "expiry_year": dates.today().year + 2, "cvv": "123"}


@pytest.fixture
def resident(celery_worker):
    from tests.factories import IqamaFactory, PassportFactory, ResidentFactory

    p = ResidentFactory()
    IqamaFactory(person=p, expiry_date=dates.today() + dt.timedelta(days=400))
    PassportFactory(person=p, expiry_date=dates.today() + dt.timedelta(days=1500))
    return p


def pay_by_card(c, payment_id):
    r = c.post(f"/api/v1/payments/{payment_id}/card/", CARD, format="json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert r.status_code == 200, r.content
    return r.json()


def beat(entry: str):
    """Send what celery beat sends for the schedule's `entry` (its task, by name) through the broker."""
    from django.conf import settings

    from absher.celery import app

    scheduled = settings.CELERY_BEAT_SCHEDULE[entry]
    return app.send_task(scheduled["task"], args=scheduled.get("args", ()), kwargs=scheduled.get("kwargs", {}))


def test_lapse_by_the_periodic_task_fine_in_outstanding_next_visa_refused_until_paid(resident, api_client_for):
    c = api_client_for(resident)
    item = {"items": [{"person_id": resident.pk, "type": "SINGLE", "months": 2}]}
    r = c.post("/api/v1/passports/visas/", item, format="json")
    assert r.status_code == 201, r.content
    visa_id = r.json()["items"][0]["id"]
    pay_by_card(c, r.json()["payment"]["id"])
    wait_for(lambda: Visa.objects.get(pk=visa_id).status == "ISSUED", timeout=40, message="visa ISSUED by the worker")

    # Three months pass without an exit: the beat's entry, run by the worker, lapses it.
    Visa.objects.filter(pk=visa_id).update(use_by=dates.today() - dt.timedelta(days=1))
    beat("visa-lapse-sweep")
    wait_for(lambda: Visa.objects.get(pk=visa_id).status == "LAPSED", timeout=40, message="visa LAPSED by the periodic task")
    fine = Fine.objects.get(person=resident, kind="visa")
    assert fine.amount == 1000 and fine.paid_at is None and Visa.objects.get(pk=visa_id).fine_id == fine.pk
    wait_for(
        lambda: Notification.objects.filter(person=resident, event_key__startswith=f"visa:{visa_id}:LAPSED").exists(),
        timeout=20,
        message="the fine's notification",
    )

    out = c.get("/api/v1/payments/outstanding/").json()
    assert [(i["type"], i["id"], i["amount"]) for i in out["items"]] == [("visa_fine", fine.pk, "1000.00")]

    r = c.post("/api/v1/passports/visas/", item, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "NOT_ELIGIBLE"
    assert [ch["code"] for ch in r.json()["error"]["details"]["items"][0]["checks"]] == ["UNPAID_VISA_FINE"]

    r = c.post("/api/v1/payments/outstanding/", {"items": [{"type": "visa_fine", "id": fine.pk}]}, format="json")
    assert r.status_code == 201, r.content
    assert [(i["code"], i["amount"]) for i in r.json()["items"]] == [("UNUSED_VISA_FINE", "1000.00")]
    pay_by_card(c, r.json()["id"])
    wait_for(lambda: Fine.objects.get(pk=fine.pk).paid_at is not None, timeout=40, message="fine settled by the worker")
    assert c.get("/api/v1/payments/outstanding/").json()["items"] == []

    r = c.post("/api/v1/passports/visas/", item, format="json")
    assert r.status_code == 201, r.content
    new_id = r.json()["items"][0]["id"]
    pay_by_card(c, r.json()["payment"]["id"])
    wait_for(lambda: Visa.objects.get(pk=new_id).status == "ISSUED", timeout=40, message="the next visa ISSUED")


def test_the_warning_task_in_the_worker_tells_once(resident, api_client_for):
    c = api_client_for(resident)
    r = c.post("/api/v1/passports/visas/", {"items": [{"person_id": resident.pk, "type": "MULTIPLE", "months": 4}]}, format="json")
    visa_id = r.json()["items"][0]["id"]
    pay_by_card(c, r.json()["payment"]["id"])
    wait_for(lambda: Visa.objects.get(pk=visa_id).status == "ISSUED", timeout=40, message="visa ISSUED")
    Visa.objects.filter(pk=visa_id).update(use_by=dates.today() + dt.timedelta(days=7))
    beat("visa-lapse-warning-sweep")
    beat("visa-lapse-warning-sweep")  # a task may run twice
    wait_for(lambda: Visa.objects.get(pk=visa_id).lapse_warned_at is not None, timeout=40, message="warning sent")
    wait_for(
        lambda: Notification.objects.filter(person=resident, event_key__contains=":lapse_warning").exists(), timeout=20, message="note"
    )
    assert Notification.objects.filter(person=resident, event_key__contains=":lapse_warning").count() == 1
