"""A bill that lapses unpaid (EXPIRED) or is withdrawn (FAILED) tells the request behind it,
through the purpose's on_lapsed hook, so the request closes at once instead of waiting."""

import datetime as dt

import pytest
from django.utils import timezone

from payments.models import Payment
from payments.services import payment_expire, payment_lapse_handover
from tests.civil_affairs.test_services import SCENARIO, enroll, start
from tests.factories import AddressFactory, IdCardFactory

pytestmark = pytest.mark.django_db


def _lapse(payment, captured):
    Payment.objects.filter(pk=payment.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    with captured(execute=True):
        assert payment_expire(payment_id=payment.pk) is True
    payment.refresh_from_db()
    assert payment.status == "EXPIRED"


def test_expired_bill_cancels_the_id_renewal(person, api_client_for, django_capture_on_commit_callbacks, settings):
    from civil_affairs.models import IdRenewal
    from core import dates

    settings.FACE_ENGINE, settings.FACE_ENGINE_SCENARIO = SCENARIO, "match"
    IdCardFactory(person=person, expiry_date=dates.today() + dt.timedelta(days=60))
    address = AddressFactory(person=person, deliverable=True)
    enroll(person)
    c = api_client_for(person)
    renewal = start(c, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            c.post(
                f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/delivery/", {"method": "POST", "address_id": address.pk}, format="json"
            ).status_code
            == 200
        )
    renewal.refresh_from_db()
    assert renewal.status == "AWAITING_PAYMENT"
    _lapse(renewal.payment, django_capture_on_commit_callbacks)
    renewal.refresh_from_db()
    assert renewal.status == "CANCELLED"
    assert [h["status"] for h in c.get(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/").json()["history"]][-1] == "CANCELLED"
    # the hook is idempotent: a second run changes nothing
    assert payment_lapse_handover(payment_id=renewal.payment_id) is True
    assert IdRenewal.objects.get(pk=renewal.pk).status == "CANCELLED"
    # and the person can start again
    assert c.get("/api/v1/civil-affairs/id-renewal/eligibility/").json()["eligible"] is True


def test_expired_bill_frees_the_dependents_at_once(db, django_capture_on_commit_callbacks):
    from passports.models import IqamaRenewal, IqamaRenewalItem
    from passports.services import renewal_submit
    from portal.demo import seed
    from registry.models import Person

    out = seed()
    head = Person.objects.get(id_number=out["people"]["head_of_family"]["id_number"])
    renewal = renewal_submit(head=head, items=[{"dependent_id": out["dependents"]["wife_ok"]["id"], "months": 6}])
    assert renewal.status == "AWAITING_PAYMENT"
    _lapse(renewal.payment, django_capture_on_commit_callbacks)
    assert IqamaRenewal.objects.get(pk=renewal.pk).status == "CANCELLED"
    assert not IqamaRenewalItem.objects.filter(renewal=renewal, is_open=True).exists()


def test_a_pending_bill_does_not_trigger_the_hook(person):
    from payments import hooks
    from payments.services import LineItem, payment_create

    hooks.register("lapse_probe", on_lapsed="tests.payments.test_lapse._probe")
    p = payment_create(person=person, purpose="lapse_probe", object_id="1", items=[LineItem("FEE", "FEE", "رسوم", "Fee", "10.00")])
    assert payment_lapse_handover(payment_id=p.pk) is False
    assert _calls == []


_calls = []


def _probe(*, payment_id):
    _calls.append(payment_id)
