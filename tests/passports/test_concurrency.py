"""Two submissions of the same renewal at the same moment (two tabs): one request, one payment."""

import pytest
from django.db import connection  # noqa: F401 - read by the skipif conditions below

from passports.models import IqamaRenewal, IqamaRenewalItem
from payments.models import Payment
from tests.race import run_race


@pytest.fixture
def family(transactional_db):
    from tests.factories import AddressFactory, FamilyMemberFactory, InsuranceFactory, IqamaFactory, PassportFactory, ResidentFactory

    head = ResidentFactory()
    IqamaFactory(person=head)
    AddressFactory(person=head)
    members = []
    import datetime as dt

    # a daughter of 10 (over DEPENDENT_AGE_LIMIT she could not be renewed as a dependent)
    for rel, born in (("WIFE", dt.date(1988, 1, 15)), ("DAUGHTER", dt.date.today().replace(day=1) - dt.timedelta(days=365 * 10))):
        m = FamilyMemberFactory(head=head, relation=rel, person=ResidentFactory(birth_date=born))
        IqamaFactory(person=m.person)
        PassportFactory(person=m.person)
        InsuranceFactory(person=m.person)
        members.append(m)
    return head, members


def race(n, fn):
    """The shared harness (tests/race.py): each racer's value, or the exception it raised."""
    return [o.value if o.ok else o.error for o in run_race(fn, n)]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks and the partial unique index are tested on PostgreSQL only")
def test_same_form_twice_at_once_makes_one_request_and_one_payment(family):
    from passports.services import renewal_submit

    head, (wife, daughter) = family
    items = [{"dependent_id": wife.pk, "months": 6}, {"dependent_id": daughter.pk, "months": 3}]
    results = race(4, lambda i: renewal_submit(head=head, items=items, idempotency_key="same-form-token-123456"))
    made = [r for r in results if isinstance(r, IqamaRenewal)]
    refused = [r for r in results if not isinstance(r, IqamaRenewal)]
    assert len(made) == 1
    assert [getattr(r, "code", repr(r)) for r in refused] == ["ALREADY_SUBMITTED"] * 3
    assert IqamaRenewal.objects.count() == 1 and IqamaRenewalItem.objects.count() == 2
    assert Payment.objects.filter(purpose="iqama_renewal").count() == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks and the partial unique index are tested on PostgreSQL only")
def test_two_tabs_two_tokens_same_dependent_via_api(family, api_client_for):
    head, (wife, _d) = family
    clients = [api_client_for(head) for _ in range(2)]
    results = race(
        2,
        lambda i: clients[i].post(
            "/api/v1/passports/iqama-renewals/",
            {"items": [{"dependent_id": wife.pk, "months": 6}], "idempotency_key": f"tab-{i}-token-0123456789"},
            format="json",
        ),
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409]
    refused = next(r for r in results if r.status_code == 409)
    assert refused.json()["error"]["code"] in ("RENEWAL_IN_PROGRESS", "ALREADY_SUBMITTED")
    assert IqamaRenewal.objects.count() == 1 and Payment.objects.filter(purpose="iqama_renewal").count() == 1
