"""Fees of the family iqama renewal: a table for every period, relation and late-renewal count, the
iqama fee table by category (relation and age: one test per row), and properties of the one fee
function (hypothesis)."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from passports.services.fees import FEE_ROWS, fee_row_for, renewal_quote

TODAY = dt.date(2026, 11, 23)
D = Decimal

# months → (levy, iqama fee) with the default settings (400/month, the worker's 650/year prorated)
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
    q = renewal_quote(expiry=expiry, months=months, late_renewal_count=count, fee_row="WORKER", today=TODAY)
    levy, fee = BASE[months]
    expected = [("DEPENDENT_LEVY", levy), ("IQAMA_FEE", fee)] + ([("LATE_FINE", fine)] if fine else [])
    assert [(i.code, i.amount) for i in q.items] == expected
    assert q.total == levy + fee + (fine or 0)
    assert q.late_blocked is blocked
    assert q.late is (days_past_expiry > 3)


# months → the iqama fee at 500/year (the ADULT, SAUDI_WIFE and default UNDER_18 rows)
FEE_500 = {3: D("125.00"), 6: D("250.00"), 9: D("375.00"), 12: D("500.00")}


@pytest.mark.parametrize(
    "relation,age,head_is_citizen,row",
    [
        ("DOMESTIC_WORKER", 30, False, "WORKER"),  # a worker pays the worker's fee at any age
        ("DOMESTIC_WORKER", 17, False, "WORKER"),
        ("WIFE", 30, True, "SAUDI_WIFE"),  # a foreign wife of a Saudi
        ("WIFE", 30, False, "ADULT"),  # a resident's wife: by age
        ("SON", 18, False, "ADULT"),  # 18 is adult
        ("DAUGHTER", 24, False, "ADULT"),
        ("FATHER", 70, False, "ADULT"),
        ("MOTHER_IN_LAW", 65, False, "ADULT"),
        ("SON", 17, False, "UNDER_18"),
        ("DAUGHTER", 0, False, "UNDER_18"),
        ("SON", 12, True, "UNDER_18"),  # only a wife has the Saudi-wife row
    ],
)
def test_fee_row_by_relation_and_age(relation, age, head_is_citizen, row):
    assert fee_row_for(relation=relation, age=age, head_is_citizen=head_is_citizen) == row


@pytest.mark.parametrize(
    "row,per_year,months_fee",
    [
        ("WORKER", D("650.00"), BASE),
        ("ADULT", D("500.00"), FEE_500),
        ("SAUDI_WIFE", D("500.00"), FEE_500),
        ("UNDER_18", D("500.00"), FEE_500),
    ],
)
def test_each_fee_row_with_the_default_settings(row, per_year, months_fee):
    for months in (3, 6, 9, 12):
        q = renewal_quote(expiry=TODAY + dt.timedelta(days=20), months=months, late_renewal_count=0, fee_row=row, today=TODAY)
        fee = months_fee[months][1] if isinstance(months_fee[months], tuple) else months_fee[months]
        assert [(i.code, i.amount) for i in q.items] == [("DEPENDENT_LEVY", BASE[months][0]), ("IQAMA_FEE", fee)]
        assert (q.fee_row, q.fee_per_year) == (row, per_year)


def test_each_row_reads_its_own_setting(settings):
    settings.IQAMA_FEE_PER_YEAR = D("1200.00")
    settings.IQAMA_FEE_SAUDI_WIFE_PER_YEAR = D("240.00")
    settings.IQAMA_FEE_ADULT_PER_YEAR = D("360.00")
    settings.IQAMA_FEE_UNDER_18_PER_YEAR = D("0.00")
    got = {
        row: renewal_quote(expiry=TODAY, months=6, late_renewal_count=0, fee_row=row, today=TODAY).amount("IQAMA_FEE") for row in FEE_ROWS
    }
    assert got == {"WORKER": D("600.00"), "SAUDI_WIFE": D("120.00"), "ADULT": D("180.00"), "UNDER_18": D("0.00")}


def test_adult_age_is_a_setting(settings):
    settings.IQAMA_ADULT_AGE = 21
    assert fee_row_for(relation="SON", age=20, head_is_citizen=False) == "UNDER_18"
    assert fee_row_for(relation="SON", age=21, head_is_citizen=False) == "ADULT"


def test_an_unknown_row_is_refused():
    with pytest.raises(ValueError):
        renewal_quote(expiry=TODAY, months=3, late_renewal_count=0, fee_row="NOBODY", today=TODAY)


# relation → (age, row) for the assessment test below
RELATION_AGE_ROW = {
    "WIFE": (30, "ADULT"),
    "SON": (10, "UNDER_18"),
    "DAUGHTER": (8, "UNDER_18"),
    "FATHER": (70, "ADULT"),
    "MOTHER": (66, "ADULT"),
    "FATHER_IN_LAW": (72, "ADULT"),
    "MOTHER_IN_LAW": (68, "ADULT"),
    "DOMESTIC_WORKER": (35, "WORKER"),
}


@pytest.mark.parametrize("relation", list(RELATION_AGE_ROW))
@pytest.mark.django_db
def test_same_levy_for_every_relation_the_fee_by_row_and_only_12_months_for_a_domestic_worker(relation):
    from core import dates
    from passports.services.eligibility import assess
    from tests.factories import AddressFactory, FamilyMemberFactory, InsuranceFactory, IqamaFactory, PassportFactory, ResidentFactory

    age, row = RELATION_AGE_ROW[relation]
    head = ResidentFactory()
    IqamaFactory(person=head)
    AddressFactory(person=head)
    born = dates.add_months(dates.today(), -12 * age - 1)
    m = FamilyMemberFactory(head=head, relation=relation, person=ResidentFactory(birth_date=born))
    IqamaFactory(person=m.person)
    PassportFactory(person=m.person)
    InsuranceFactory(person=m.person)
    for months in (3, 6, 9, 12):
        a = assess(member=m, months=months)
        fee = BASE[months][1] if row == "WORKER" else FEE_500[months]
        assert a.quote.fee_row == row
        assert [(i.code, i.amount) for i in a.quote.items] == [("DEPENDENT_LEVY", BASE[months][0]), ("IQAMA_FEE", fee)]
        allowed = months == 12 if relation == "DOMESTIC_WORKER" else True
        assert a.eligible is allowed, (relation, months, [c.code for c in a.failed])


def test_new_expiry_rules():
    assert renewal_quote(
        expiry=dt.date(2027, 1, 31), months=1 * 3, late_renewal_count=0, fee_row="ADULT", today=TODAY
    ).new_expiry == dt.date(2027, 4, 30)
    assert renewal_quote(expiry=dt.date(2026, 12, 1), months=12, late_renewal_count=0, fee_row="ADULT", today=TODAY).new_expiry == dt.date(
        2027, 12, 1
    )
    # expired: from today
    assert renewal_quote(expiry=dt.date(2026, 11, 1), months=6, late_renewal_count=0, fee_row="ADULT", today=TODAY).new_expiry == dt.date(
        2027, 5, 23
    )


def test_fees_follow_settings(settings):
    settings.DEPENDENT_LEVY_PER_MONTH = D("100.00")
    settings.IQAMA_FEE_PER_YEAR = D("100.00")
    settings.IQAMA_LATE_FINE_FIRST = D("7.25")
    q = renewal_quote(expiry=TODAY - dt.timedelta(days=30), months=3, late_renewal_count=0, fee_row="WORKER", today=TODAY)
    assert [(i.code, i.amount) for i in q.items] == [("DEPENDENT_LEVY", D("300.00")), ("IQAMA_FEE", D("25.00")), ("LATE_FINE", D("7.25"))]


@hsettings(max_examples=300, deadline=None)
@given(
    offset=st.integers(min_value=-2000, max_value=2000),
    months=st.sampled_from([3, 6, 9, 12]),
    count=st.integers(min_value=0, max_value=10),
    today=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2040, 12, 31)),
    row=st.sampled_from(list(FEE_ROWS)),
)
def test_quote_properties(offset, months, count, today, row):
    expiry = today + dt.timedelta(days=offset)
    q = renewal_quote(expiry=expiry, months=months, late_renewal_count=count, fee_row=row, today=today)
    assert q.total == sum(i.amount for i in q.items)
    assert q.total >= 0 and all(i.amount >= 0 for i in q.items)
    assert all(i.amount == i.amount.quantize(D("0.01")) for i in q.items)
    assert q.new_expiry > expiry and q.new_expiry > today
    assert len({i.code for i in q.items}) == len(q.items)
