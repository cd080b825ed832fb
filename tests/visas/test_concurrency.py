"""Races on PostgreSQL (real threads, one connection each): the same form four times at once, the head
and his wife applying for her at the same moment, two border exits at once. One application, one
payment, one exit."""

import datetime as dt

import pytest

from payments.models import Payment
from visas.models import BorderCrossing, Visa, VisaApplication


@pytest.fixture
def family(race):
    from core import dates
    from tests.factories import FamilyMemberFactory, IqamaFactory, PassportFactory, ResidentFactory

    today = dates.today()
    head = ResidentFactory()
    IqamaFactory(person=head, expiry_date=today + dt.timedelta(days=400))
    PassportFactory(person=head, expiry_date=today + dt.timedelta(days=1500))
    wife = FamilyMemberFactory(head=head, relation="WIFE").person
    IqamaFactory(person=wife, expiry_date=today + dt.timedelta(days=400))
    PassportFactory(person=wife, expiry_date=today + dt.timedelta(days=1500))
    return head, wife


def test_the_same_form_four_times_at_once_makes_one_application(family, race):
    from visas.services import application_submit

    head, wife = family
    items = [{"person_id": head.pk, "type": "SINGLE", "months": 2}, {"person_id": wife.pk, "type": "MULTIPLE", "months": 3}]
    out = race(lambda i: application_submit(person=head, items=items, idempotency_key="same-visa-form-token-1"), n=4)
    assert sum(o.ok for o in out) == 1
    assert sorted(o.code for o in out if not o.ok) == ["ALREADY_SUBMITTED"] * 3
    assert VisaApplication.objects.count() == 1 and Visa.objects.count() == 2 and Payment.objects.count() == 1


def test_head_and_wife_apply_for_her_at_the_same_moment(family, race):
    """Different applicants lock different rows; the partial unique index (one open visa per traveller)
    lets one through."""
    from visas.services import application_submit

    head, wife = family
    applicants = [head, wife]
    out = race(lambda i: application_submit(person=applicants[i], items=[{"person_id": wife.pk, "type": "SINGLE", "months": 2}]))
    assert sum(o.ok for o in out) == 1
    assert next(o.code for o in out if not o.ok) in ("ALREADY_SUBMITTED", "NOT_ELIGIBLE")
    assert Visa.objects.filter(person=wife).count() == 1 and Payment.objects.count() == 1


def test_two_exits_at_once_record_one(family, race):
    from tests.visas.conftest import pay
    from visas.services import application_submit, border_crossing_record

    head, _wife = family
    visa = pay(application_submit(person=head, items=[{"person_id": head.pk, "type": "SINGLE", "months": 2}])).visas.get()
    out = race(lambda i: border_crossing_record(actor=head, person_id=head.pk, direction="EXIT"))
    assert sum(o.ok for o in out) == 1 and [o.code for o in out if not o.ok] == ["ALREADY_OUTSIDE"]
    visa.refresh_from_db()
    assert visa.status == "USED_EXIT" and visa.version == 3 and BorderCrossing.objects.count() == 1
