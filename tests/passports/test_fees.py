"""Fees of the family iqama renewal: a table for every period, relation and late-renewal count, and
properties of the one fee function (hypothesis)."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from passports.services.fees import renewal_quote

TODAY = dt.date(2026, 11, 23)
D = Decimal

# months → (levy, iqama fee) with the default settings (400/month, 650/year prorated)
BASE = {3: (D("1200.00"), D("162.50")), 6: (D("2400.00"), D("325.00")), 9: (D("3600.00"), D("487.50")), 12: (D("4800.00"), D("650.00"))}


@pytest.mark.parametrize("months", [3, 6, 9, 12])
@pytest.mark.parametrize(
    "days_past_expiry,count,fine,blocked",
    [
        (-25, 0, None, False),  # not expired
        (0, 0, None, False),  # expires today
        (3, 0, None, False),  # within the 3-day grace
        (3, 1, None, False),
        (4, 0, D("500.00"), False),  # first late renewal
        (10, 1, D("1000.00"), False),  # second
        (10, 2, None, True),  # third: blocked, no fine quoted
        (400, 5, None, True),
    ],
)
def test_fee_table(months, days_past_expiry, count, fine, blocked):
    expiry = TODAY - dt.timedelta(days=days_past_expiry)
    q = renewal_quote(expiry=expiry, months=months, late_renewal_count=count, today=TODAY)
    levy, fee = BASE[months]
    expected = [("DEPENDENT_LEVY", levy), ("IQAMA_FEE", fee)] + ([("LATE_FINE", fine)] if fine else [])
    assert [(i.code, i.amount) for i in q.items] == expected
    assert q.total == levy + fee + (fine or 0)
    assert q.late_blocked is blocked
    assert q.late is (days_past_expiry > 3)


@pytest.mark.parametrize("relation", ["WIFE", "SON", "DAUGHTER", "FATHER", "MOTHER", "FATHER_IN_LAW", "MOTHER_IN_LAW", "DOMESTIC_WORKER"])
@pytest.mark.django_db
def test_same_levy_for_every_relation_and_only_12_months_for_a_domestic_worker(relation):
    from passports.services.eligibility import assess
    from tests.factories import AddressFactory, FamilyMemberFactory, InsuranceFactory, IqamaFactory, PassportFactory, ResidentFactory

    head = ResidentFactory()
    IqamaFactory(person=head)
    AddressFactory(person=head)
    m = FamilyMemberFactory(head=head, relation=relation)
    IqamaFactory(person=m.person)
    PassportFactory(person=m.person)
    InsuranceFactory(person=m.person)
    for months in (3, 6, 9, 12):
        a = assess(member=m, months=months)
        assert a.quote.total == sum(BASE[months])
        allowed = months == 12 if relation == "DOMESTIC_WORKER" else True
        assert a.eligible is allowed, (relation, months, [c.code for c in a.failed])


def test_new_expiry_rules():
    assert renewal_quote(expiry=dt.date(2027, 1, 31), months=1 * 3, late_renewal_count=0, today=TODAY).new_expiry == dt.date(2027, 4, 30)
    assert renewal_quote(expiry=dt.date(2026, 12, 1), months=12, late_renewal_count=0, today=TODAY).new_expiry == dt.date(2027, 12, 1)
    # expired: from today
    assert renewal_quote(expiry=dt.date(2026, 11, 1), months=6, late_renewal_count=0, today=TODAY).new_expiry == dt.date(2027, 5, 23)


def test_fees_follow_settings(settings):
    settings.DEPENDENT_LEVY_PER_MONTH = D("100.00")
    settings.IQAMA_FEE_PER_YEAR = D("100.00")
    settings.IQAMA_LATE_FINE_FIRST = D("7.25")
    q = renewal_quote(expiry=TODAY - dt.timedelta(days=30), months=3, late_renewal_count=0, today=TODAY)
    assert [(i.code, i.amount) for i in q.items] == [("DEPENDENT_LEVY", D("300.00")), ("IQAMA_FEE", D("25.00")), ("LATE_FINE", D("7.25"))]


@hsettings(max_examples=300, deadline=None)
@given(
    offset=st.integers(min_value=-2000, max_value=2000),
    months=st.sampled_from([3, 6, 9, 12]),
    count=st.integers(min_value=0, max_value=10),
    today=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2040, 12, 31)),
)
def test_quote_properties(offset, months, count, today):
    expiry = today + dt.timedelta(days=offset)
    q = renewal_quote(expiry=expiry, months=months, late_renewal_count=count, today=today)
    assert q.total == sum(i.amount for i in q.items)
    assert q.total >= 0 and all(i.amount >= 0 for i in q.items)
    assert all(i.amount == i.amount.quantize(D("0.01")) for i in q.items)
    assert q.new_expiry > expiry and q.new_expiry > today
    assert len({i.code for i in q.items}) == len(q.items)
