"""The one fee function of the family iqama renewal. The quote, the payment and the approval all
call `renewal_quote`; amounts come from settings, with Decimal arithmetic, two places."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from core import dates

TWO_PLACES = Decimal("0.01")
ZERO = Decimal("0.00")

LEVY = "DEPENDENT_LEVY"
IQAMA_FEE = "IQAMA_FEE"
LATE_FINE = "LATE_FINE"


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


def renewal_quote(*, expiry: dt.date, months: int, late_renewal_count: int, today: dt.date | None = None) -> Quote:
    """Fees and new expiry for one dependent and N months. Pure: reads only settings and its arguments.

    - DEPENDENT_LEVY = DEPENDENT_LEVY_PER_MONTH x N
    - IQAMA_FEE = IQAMA_FEE_PER_YEAR x N / 12 (rounded half-up to the halala)
    - LATE_FINE when late: IQAMA_LATE_FINE_FIRST if no earlier late renewal, IQAMA_LATE_FINE_SECOND if one;
      from the IQAMA_LATE_BLOCK_AT-th late renewal on the renewal is blocked (no fine is quoted: it cannot be paid).
    """
    if months <= 0:
        raise ValueError("months must be positive")
    today = today or dates.today()
    items = [
        FeeItem(LEVY, _money(Decimal(settings.DEPENDENT_LEVY_PER_MONTH) * months)),
        FeeItem(IQAMA_FEE, _money(Decimal(settings.IQAMA_FEE_PER_YEAR) * months / Decimal(12))),
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
    )
