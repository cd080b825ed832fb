"""The one fee function of the family iqama renewal. The quote, the payment and the approval all
call `renewal_quote`; amounts come from settings, with Decimal arithmetic, two places."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core import dates

TWO_PLACES = Decimal("0.01")
ZERO = Decimal("0.00")

LEVY = "DEPENDENT_LEVY"
IQAMA_FEE = "IQAMA_FEE"
LATE_FINE = "LATE_FINE"


# The iqama fee by category (docs/passports.md "Fee table"): row code → (setting of the yearly fee,
# what the row is, [P] published or [U] chosen here). The first row that applies wins, in this order.
WORKER = "WORKER"
SAUDI_WIFE = "SAUDI_WIFE"
ADULT = "ADULT"
UNDER_18 = "UNDER_18"
FEE_ROWS = {
    WORKER: ("IQAMA_FEE_PER_YEAR", _("Worker (domestic worker)"), "P"),
    SAUDI_WIFE: ("IQAMA_FEE_SAUDI_WIFE_PER_YEAR", _("Foreign wife of a Saudi"), "P"),
    ADULT: ("IQAMA_FEE_ADULT_PER_YEAR", _("Dependent or companion aged %(age)s or over"), "P"),
    UNDER_18: ("IQAMA_FEE_UNDER_18_PER_YEAR", _("Dependent under %(age)s"), "U"),
}


def fee_row_for(*, relation: str, age: int, head_is_citizen: bool) -> str:
    """Which row of the fee table applies, by relation and age: a domestic worker pays the worker's
    fee; a (foreign) wife of a Saudi head her own row; then by age, from IQAMA_ADULT_AGE on."""
    if relation == "DOMESTIC_WORKER":
        return WORKER
    if relation == "WIFE" and head_is_citizen:
        return SAUDI_WIFE
    return ADULT if age >= settings.IQAMA_ADULT_AGE else UNDER_18


def fee_per_year(row: str) -> Decimal:
    return Decimal(getattr(settings, FEE_ROWS[row][0]))


def fee_row_label(row: str) -> str:
    return str(FEE_ROWS[row][1]) % {"age": settings.IQAMA_ADULT_AGE}


@dataclass(frozen=True)
class FeeItem:
    code: str
    amount: Decimal


@dataclass(frozen=True)
class Quote:
    months: int
    old_expiry: dt.date
    new_expiry: dt.date
    late: bool  # the iqama expired more than the grace period ago
    late_blocked: bool  # this would be the blocked (third) late renewal
    items: tuple[FeeItem, ...]
    fee_row: str = ""  # the row of the fee table that priced IQAMA_FEE
    fee_per_year: Decimal = ZERO

    @property
    def fee_row_label(self) -> str:
        return fee_row_label(self.fee_row) if self.fee_row else ""

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.items), ZERO).quantize(TWO_PLACES)

    def amount(self, code: str) -> Decimal:
        return sum((i.amount for i in self.items if i.code == code), ZERO).quantize(TWO_PLACES)


def _money(x) -> Decimal:
    return Decimal(x).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def new_expiry_for(*, expiry: dt.date, months: int, today: dt.date) -> dt.date:
    """Old expiry + N months, or today + N months when the iqama has expired."""
    base = expiry if expiry >= today else today
    return dates.add_months(base, months)


def is_late(*, expiry: dt.date, today: dt.date) -> bool:
    """Expired more than IQAMA_LATE_GRACE_DAYS days ago."""
    return (today - expiry).days > settings.IQAMA_LATE_GRACE_DAYS


def renewal_quote(*, expiry: dt.date, months: int, late_renewal_count: int, fee_row: str, today: dt.date | None = None) -> Quote:
    """Fees and new expiry for one dependent and N months. Pure: reads only settings and its arguments.

    - DEPENDENT_LEVY = DEPENDENT_LEVY_PER_MONTH x N
    - IQAMA_FEE = the fee table's yearly figure for `fee_row` (fee_row_for) x N / 12 (rounded half-up to the halala)
    - LATE_FINE when late: IQAMA_LATE_FINE_FIRST if no earlier late renewal, IQAMA_LATE_FINE_SECOND if one;
      from the IQAMA_LATE_BLOCK_AT-th late renewal on the renewal is blocked (no fine is quoted: it cannot be paid).
    """
    if months <= 0:
        raise ValueError("months must be positive")
    if fee_row not in FEE_ROWS:
        raise ValueError(f"unknown fee row {fee_row!r}")
    today = today or dates.today()
    per_year = fee_per_year(fee_row)
    items = [
        FeeItem(LEVY, _money(Decimal(settings.DEPENDENT_LEVY_PER_MONTH) * months)),
        FeeItem(IQAMA_FEE, _money(per_year * months / Decimal(12))),
    ]
    late = is_late(expiry=expiry, today=today)
    blocked = late and late_renewal_count + 1 >= settings.IQAMA_LATE_BLOCK_AT
    if late and not blocked:
        fine = settings.IQAMA_LATE_FINE_FIRST if late_renewal_count == 0 else settings.IQAMA_LATE_FINE_SECOND
        items.append(FeeItem(LATE_FINE, _money(fine)))
    return Quote(
        months=months,
        old_expiry=expiry,
        new_expiry=new_expiry_for(expiry=expiry, months=months, today=today),
        late=late,
        late_blocked=blocked,
        items=tuple(items),
        fee_row=fee_row,
        fee_per_year=_money(per_year),
    )
