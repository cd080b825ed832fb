"""Fees of exit/re-entry visas: the whole table (both types, every duration 1..VISA_MAX_MONTHS) and
properties (hypothesis): the total is the sum of the items, and an eligible visa never runs past the
traveller's iqama expiry, neither when quoted nor when issued."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from visas.services.fees import extension_fee, parse_months, unused_fine_amount, visa_fee, visa_quote

D = Decimal
TODAY = dt.date(2026, 11, 23)

# Published (docs/visas.md): single SAR 200 up to 2 months + 100 a further month; multiple 500 up to 3 + 200.
SINGLE = {1: "200", 2: "200", 3: "300", 4: "400", 5: "500", 6: "600", 7: "700", 8: "800", 9: "900", 10: "1000", 11: "1100", 12: "1200"}
MULTIPLE = {
    1: "500",
    2: "500",
    3: "500",
    4: "700",
    5: "900",
    6: "1100",
    7: "1300",
    8: "1500",
    9: "1700",
    10: "1900",
    11: "2100",
    12: "2300",
}


def test_the_table_covers_every_duration_offered():
    assert settings.VISA_MAX_MONTHS == 12
    assert sorted(SINGLE) == sorted(MULTIPLE) == list(range(1, settings.VISA_MAX_MONTHS + 1))


@pytest.mark.parametrize("months", range(1, 13))
def test_single_fee_table(months):
    q = visa_quote(visa_type="SINGLE", months=months, start=TODAY)
    assert [(i.code, i.amount) for i in q.items] == [("VISA_FEE", D(SINGLE[months]).quantize(D("0.01")))]
    assert q.total == D(SINGLE[months])


@pytest.mark.parametrize("months", range(1, 13))
def test_multiple_fee_table(months):
    q = visa_quote(visa_type="MULTIPLE", months=months, start=TODAY)
    assert [(i.code, i.amount) for i in q.items] == [("VISA_FEE", D(MULTIPLE[months]).quantize(D("0.01")))]
    assert q.total == D(MULTIPLE[months])


def test_the_fees_are_settings(settings):
    settings.VISA_SINGLE_BASE_FEE = D("250.00")
    settings.VISA_SINGLE_BASE_MONTHS = 1
    settings.VISA_SINGLE_EXTRA_MONTH_FEE = D("50.00")
    assert visa_fee(visa_type="SINGLE", months=1) == D("250.00")
    assert visa_fee(visa_type="SINGLE", months=3) == D("350.00")


@pytest.mark.parametrize("visa_type,months,fee", [("SINGLE", 1, "100.00"), ("SINGLE", 3, "300.00"), ("MULTIPLE", 2, "400.00")])
def test_extension_pays_the_per_month_fee_of_the_type(visa_type, months, fee):
    assert extension_fee(visa_type=visa_type, months=months) == D(fee)


@pytest.mark.parametrize("previous,amount", [(0, "1000.00"), (1, "2000.00"), (2, "3000.00"), (3, "3000.00"), (9, "3000.00")])
def test_unused_visa_fine_by_repeat(previous, amount):
    assert unused_fine_amount(previous=previous) == D(amount)


@pytest.mark.parametrize("value", [0, 13, -1, "x", None, "2.5"])
def test_a_period_outside_1_to_max_is_invalid(value):
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError) as e:
        parse_months(value)
    assert (e.value.code, e.value.status) == ("INVALID_PERIOD", 400)


def test_the_period_ends_calendar_months_later():
    assert visa_quote(visa_type="SINGLE", months=1, start=dt.date(2027, 1, 31)).valid_until == dt.date(2027, 2, 28)
    assert visa_quote(visa_type="MULTIPLE", months=12, start=TODAY).valid_until == dt.date(2027, 11, 23)


@given(
    visa_type=st.sampled_from(["SINGLE", "MULTIPLE"]), months=st.integers(1, 12), start=st.dates(dt.date(2024, 1, 1), dt.date(2035, 12, 31))
)
def test_total_is_the_sum_of_the_items_and_grows_with_the_months(visa_type, months, start):
    q = visa_quote(visa_type=visa_type, months=months, start=start)
    assert q.total == sum(i.amount for i in q.items)
    assert q.total > 0 and q.total == q.total.quantize(D("0.01"))
    assert q.valid_until > start
    if months > 1:
        assert q.total >= visa_quote(visa_type=visa_type, months=months - 1, start=start).total


@pytest.mark.django_db
@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    visa_type=st.sampled_from(["SINGLE", "MULTIPLE"]),
    months=st.integers(1, 12),
    iqama_days=st.integers(-30, 420),
    paid_days_later=st.integers(0, 3),
)
def test_an_eligible_visa_never_runs_past_the_iqama_expiry(visa_type, months, iqama_days, paid_days_later):
    """Quote and application: total = sum of the items (and of the payment's lines); eligible only when
    the period ends on or before the iqama's expiry; issued (paid days later) never past it either."""
    from unittest import mock

    from core import dates
    from registry.models import Iqama
    from tests.factories import IqamaFactory, PassportFactory, ResidentFactory
    from tests.visas.conftest import pay
    from visas.services import application_submit
    from visas.services.eligibility import assess

    today = dates.today()
    p = ResidentFactory()
    IqamaFactory(person=p, expiry_date=today + dt.timedelta(days=iqama_days))
    PassportFactory(person=p, expiry_date=today + dt.timedelta(days=2000))
    expiry = Iqama.objects.get(person=p).expiry_date
    a = assess(person=p, visa_type=visa_type, months=months)
    assert a.quote.total == sum(i.amount for i in a.quote.items)
    iqama_check = next(c for c in a.checks if c.code == "IQAMA_VALIDITY")
    assert iqama_check.passed is (a.quote.valid_until <= expiry)
    if not a.eligible:
        return
    assert a.quote.valid_until <= expiry
    app = application_submit(person=p, items=[{"person_id": p.pk, "type": visa_type, "months": months}])
    assert app.payment.amount == a.quote.total == sum(i.amount for i in app.payment.items.all())
    with mock.patch("core.dates.today", return_value=today + dt.timedelta(days=paid_days_later)):
        pay(app)
    visa = app.visas.get()
    assert visa.status == "ISSUED"
    assert visa.valid_until <= expiry
    assert visa.use_by <= visa.valid_until


@pytest.mark.django_db
@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(items=st.lists(st.tuples(st.sampled_from(["SINGLE", "MULTIPLE"]), st.integers(1, 12)), min_size=1, max_size=4))
def test_an_applications_one_payment_is_the_sum_of_its_travellers_fees(items):
    """One application for the head and up to three dependents: one payment line per traveller, each the
    table's fee, and the payment's total (and the application's) is the sum of the lines."""
    from core import dates
    from tests.factories import FamilyMemberFactory, IqamaFactory, PassportFactory, ResidentFactory
    from visas.services import application_submit

    today = dates.today()
    head = ResidentFactory()
    travellers = [head] + [FamilyMemberFactory(head=head, relation="SON").person for _ in items[1:]]
    for p in travellers:
        IqamaFactory(person=p, expiry_date=today + dt.timedelta(days=400))
        PassportFactory(person=p, expiry_date=today + dt.timedelta(days=2000))
    app = application_submit(
        person=head, items=[{"person_id": p.pk, "type": t, "months": m} for p, (t, m) in zip(travellers, items, strict=True)]
    )
    lines = list(app.payment.items.order_by("pk"))
    expected = [visa_fee(visa_type=t, months=m) for t, m in items]
    assert [line.amount for line in lines] == expected
    assert [line.settles_id for line in lines] == [str(p.pk) for p in travellers]
    assert app.payment.amount == sum(expected) == app.total == sum(v.fee for v in app.visas.all())
