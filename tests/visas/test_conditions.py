"""One test per condition code (API.md "Exit/re-entry visas"): the quote shows it failed with its
message and fix, and a POST with that traveller is 409 NOT_ELIGIBLE listing it in details.items,
creating nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core import dates
from payments.models import Payment
from registry.models import Fine, Iqama, Passport, Person
from tests.factories import TrafficViolationFactory
from visas.models import Visa, VisaApplication

pytestmark = pytest.mark.django_db

CODES = [
    "IQAMA_VALIDITY",
    "PASSPORT_VALIDITY",
    "UNPAID_VIOLATIONS",
    "LEVY_UNPAID",
    "OPEN_VISA",
    "OUTSIDE_KINGDOM",
    "REPORTED_ABSENT",
    "UNPAID_VISA_FINE",
]


def _break(code, head, wife, submit):
    """Make exactly `code` fail for the traveller (the wife; the head himself for IQAMA_VALIDITY, since a
    dependent's empty levy date follows the iqama and would fail LEVY_UNPAID too); returns the fix URL."""
    today = dates.today()
    if code == "IQAMA_VALIDITY":
        Iqama.objects.filter(person=head).update(expiry_date=today + dt.timedelta(days=20))
        return ""
    if code == "PASSPORT_VALIDITY":
        Passport.objects.filter(person=wife).update(expiry_date=today + dt.timedelta(days=89))
        return ""
    if code == "UNPAID_VIOLATIONS":
        TrafficViolationFactory(person=wife)
        return "/payments/outstanding/"
    if code == "LEVY_UNPAID":
        Iqama.objects.filter(person=wife).update(levy_paid_until=today + dt.timedelta(days=30))
        return "/passports/"
    if code == "OPEN_VISA":
        submit([(wife, "SINGLE", 2)])
        return "/visas/"
    if code == "OUTSIDE_KINGDOM":
        Person.objects.filter(pk=wife.pk).update(inside_kingdom=False)
        return ""
    if code == "REPORTED_ABSENT":
        Person.objects.filter(pk=wife.pk).update(reported_absent=True)
        return ""
    if code == "UNPAID_VISA_FINE":
        Fine.objects.create(
            person=wife,
            kind=Fine.Kind.VISA,
            reference="UVF-TEST1",
            description_ar="غرامة",
            description_en="Fine",
            amount=Decimal("1000.00"),
            issued_on=today,
        )
        return "/payments/outstanding/"
    raise AssertionError(code)


def test_every_code_of_the_contract_is_checked_in_this_order(fam, api_client_for):
    head, wife = fam
    r = api_client_for(head).get(f"/api/v1/passports/visas/quote/?person_id={wife.pk}&type=SINGLE&months=2")
    assert r.status_code == 200
    assert [c["code"] for c in r.json()["checks"]] == CODES
    assert all(c["passed"] for c in r.json()["checks"]) and r.json()["eligible"] is True


@pytest.mark.parametrize("code", CODES)
def test_condition_fails_alone_in_the_quote_and_refuses_the_post(code, fam, submit, api_client_for):
    head, wife = fam
    fix_url = _break(code, head, wife, submit)
    traveller = head if code == "IQAMA_VALIDITY" else wife
    c = api_client_for(head, lang="en")
    r = c.get(f"/api/v1/passports/visas/quote/?person_id={traveller.pk}&type=MULTIPLE&months=3")
    assert r.status_code == 200
    body = r.json()
    assert body["eligible"] is False
    failed = [x for x in body["checks"] if not x["passed"]]
    assert [x["code"] for x in failed] == [code]
    assert failed[0]["message"] and failed[0]["fix"]
    assert failed[0]["fix_url"] == fix_url
    before = (VisaApplication.objects.count(), Visa.objects.count(), Payment.objects.count())
    r = c.post("/api/v1/passports/visas/", {"items": [{"person_id": traveller.pk, "type": "MULTIPLE", "months": 3}]}, format="json")
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "NOT_ELIGIBLE"
    assert err["details"]["items"] == [
        {
            "person_id": traveller.pk,
            "eligible": False,
            "checks": [{"code": code, "passed": False, "message": failed[0]["message"], "fix": failed[0]["fix"], "fix_url": fix_url}],
        }
    ]
    assert (VisaApplication.objects.count(), Visa.objects.count(), Payment.objects.count()) == before


def test_levy_applies_to_dependents_only(fam, api_client_for):
    """The head's own levy_paid_until does not block him (the levy is his dependents')."""
    head, _wife = fam
    Iqama.objects.filter(person=head).update(levy_paid_until=dates.today() + dt.timedelta(days=5))
    r = api_client_for(head).get(f"/api/v1/passports/visas/quote/?person_id={head.pk}&type=SINGLE&months=2")
    assert {c["code"]: c["passed"] for c in r.json()["checks"]}["LEVY_UNPAID"] is True


def test_empty_levy_date_means_paid_to_the_iqama_expiry(fam, api_client_for):
    head, wife = fam
    Iqama.objects.filter(person=wife).update(levy_paid_until=None, expiry_date=dates.today() + dt.timedelta(days=100))
    c = api_client_for(head)
    ok = c.get(f"/api/v1/passports/visas/quote/?person_id={wife.pk}&type=SINGLE&months=3").json()
    assert {x["code"]: x["passed"] for x in ok["checks"]}["LEVY_UNPAID"] is True
    long = c.get(f"/api/v1/passports/visas/quote/?person_id={wife.pk}&type=SINGLE&months=4").json()
    assert {x["code"]: x["passed"] for x in long["checks"]} == {code: code not in ("IQAMA_VALIDITY", "LEVY_UNPAID") for code in CODES}


def test_a_paid_traffic_violation_or_another_kind_of_fine_does_not_block(fam, api_client_for):
    from tests.factories import CivilFineFactory

    head, wife = fam
    TrafficViolationFactory(person=wife, paid_at=timezone.now())
    CivilFineFactory(person=wife)
    TrafficViolationFactory(person=head)  # the head's violation is not the traveller's
    r = api_client_for(head).get(f"/api/v1/passports/visas/quote/?person_id={wife.pk}&type=SINGLE&months=2")
    assert r.json()["eligible"] is True


def test_a_returned_multiple_visa_still_valid_is_open(fam, submit, api_client_for):
    head, wife = fam
    app = submit([(wife, "MULTIPLE", 3)])
    Visa.objects.filter(application=app).update(status="RETURNED", valid_until=dates.today() + dt.timedelta(days=10))
    r = api_client_for(head).get(f"/api/v1/passports/visas/quote/?person_id={wife.pk}&type=SINGLE&months=2").json()
    assert [x["code"] for x in r["checks"] if not x["passed"]] == ["OPEN_VISA"]
    Visa.objects.filter(application=app).update(valid_until=dates.today() - dt.timedelta(days=1))
    r = api_client_for(head).get(f"/api/v1/passports/visas/quote/?person_id={wife.pk}&type=SINGLE&months=2").json()
    assert r["eligible"] is True
