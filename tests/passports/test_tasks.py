"""Family iqama renewal end to end with a real Celery worker on Redis and PostgreSQL:
quote → request → signed SADAD notification → the worker re-checks → APPROVED with the new expiry dates;
and a condition that changed after the quote sends the request to an officer's review."""

import json

import pytest
from rest_framework.test import APIClient

from core import dates
from notifications.models import Notification
from passports.models import IqamaRenewal
from registry.models import HealthInsurance, Iqama
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker]


@pytest.fixture
def fam(celery_worker):
    from portal.demo import seed
    from registry.models import FamilyMember, Person

    out = seed()
    head = Person.objects.get(id_number=out["people"]["head_of_family"]["id_number"])
    return head, {k: FamilyMember.objects.get(pk=v["id"]) for k, v in out["dependents"].items()}


def sadad_pay(payment: dict, bank_reference: str):
    from payments.services import sadad_sign

    raw = json.dumps(
        {
            "bill_number": payment["sadad"]["bill_number"],
            "amount": payment["amount"],
            "paid_at": "2026-11-23T10:00:00+03:00",
            "bank_reference": bank_reference,
        }
    ).encode()
    return APIClient().post(
        "/api/v1/payments/sadad/notifications/", data=raw, content_type="application/json", HTTP_X_SADAD_SIGNATURE=sadad_sign(raw_body=raw)
    )


def status_of(pk):
    return IqamaRenewal.objects.get(pk=pk).status


def test_sadad_payment_approves_in_the_worker(fam, api_client_for, settings):
    settings.SADAD_WEBHOOK_SECRET = settings.SADAD_WEBHOOK_SECRET or "worker-test-secret"
    head, m = fam
    c = api_client_for(head)
    wife_old = Iqama.objects.get(person=m["wife_ok"].person).expiry_date
    q = c.get(f"/api/v1/passports/dependents/{m['wife_ok'].pk}/iqama-renewal/quote/?months=12").json()
    assert q["eligible"] is True
    r = c.post(
        "/api/v1/passports/iqama-renewals/",
        {"items": [{"dependent_id": m["wife_ok"].pk, "months": 12}, {"dependent_id": m["son_expired"].pk, "months": 6}]},
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    # the quote and the payment come from the same function
    assert body["items"][0]["fees"]["total"] == q["fees"]["total"]
    resp = sadad_pay(body["payment"], "BANK-W-1")
    assert resp.status_code == 200, resp.content
    assert sadad_pay(body["payment"], "BANK-W-1").status_code == 200  # the bank retries: applied once
    wait_for(lambda: status_of(body["id"]) == "APPROVED", timeout=40, message="renewal APPROVED by the worker")
    assert Iqama.objects.get(person=m["wife_ok"].person).expiry_date == dates.add_months(wife_old, 12)
    son = Iqama.objects.get(person=m["son_expired"].person)
    assert son.expiry_date == dates.add_months(dates.today(), 6) and son.late_renewal_count == 1
    detail = c.get(f"/api/v1/passports/iqama-renewals/{body['id']}/").json()
    assert [h["status"] for h in detail["history"]] == ["AWAITING_PAYMENT", "PROCESSING", "APPROVED"]
    assert detail["payment"]["status"] == "PAID"
    # the notification is written on commit, just after the status: wait for it, then check it is there once
    wait_for(
        lambda: Notification.objects.filter(person=head, event_key=f"iqama_renewal:{body['id']}:APPROVED").exists(),
        timeout=20,
        message="approval notification",
    )
    assert Notification.objects.filter(person=head, event_key=f"iqama_renewal:{body['id']}:APPROVED").count() == 1


def test_condition_changed_after_quote_goes_to_review(fam, api_client_for, settings):
    settings.SADAD_WEBHOOK_SECRET = settings.SADAD_WEBHOOK_SECRET or "worker-test-secret"
    head, m = fam
    c = api_client_for(head)
    old = Iqama.objects.get(person=m["son_ok"].person).expiry_date
    body = c.post("/api/v1/passports/iqama-renewals/", {"items": [{"dependent_id": m["son_ok"].pk, "months": 6}]}, format="json").json()
    m["son_ok"].person.inside_kingdom = False  # left the Kingdom after the quote
    m["son_ok"].person.save(update_fields=["inside_kingdom"])
    HealthInsurance.objects.filter(person=m["son_ok"].person).delete()
    assert sadad_pay(body["payment"], "BANK-W-2").status_code == 200
    wait_for(lambda: status_of(body["id"]) == "UNDER_REVIEW", timeout=40, message="renewal sent to review")
    r = IqamaRenewal.objects.get(pk=body["id"])
    assert r.stop_reason == f"{m['son_ok'].person.id_number}: HEALTH_INSURANCE, OUTSIDE_KINGDOM"
    assert Iqama.objects.get(person=m["son_ok"].person).expiry_date == old
    wait_for(
        lambda: Notification.objects.filter(person=head, event_key=f"iqama_renewal:{r.pk}:UNDER_REVIEW").exists(),
        timeout=20,
        message="review notification",
    )
    assert Notification.objects.filter(person=head, event_key=f"iqama_renewal:{r.pk}:UNDER_REVIEW").count() == 1
