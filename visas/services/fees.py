"""The one fee function of exit/re-entry visas. Pure: reads only settings, Decimal throughout.

Single: VISA_SINGLE_BASE_FEE for up to VISA_SINGLE_BASE_MONTHS, plus VISA_SINGLE_EXTRA_MONTH_FEE for each
further month. Multiple: VISA_MULTIPLE_BASE_FEE for up to VISA_MULTIPLE_BASE_MONTHS, plus
VISA_MULTIPLE_EXTRA_MONTH_FEE for each further month. An extension (abroad) pays the type's per-month
fee for each extra month."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from core.dates import add_months
from core.errors import ApplicationError

SINGLE, MULTIPLE = "SINGLE", "MULTIPLE"
TYPES = (SINGLE, MULTIPLE)
VISA_FEE = "VISA_FEE"
VISA_EXTENSION_FEE = "VISA_EXTENSION_FEE"
UNUSED_VISA_FINE = "UNUSED_VISA_FINE"
TWO = Decimal("0.01")


@dataclass(frozen=True)
class FeeItem:
    code: str
    amount: Decimal


@dataclass(frozen=True)
class VisaQuote:
    type: str
    months: int
    valid_until: dt.date
    items: tuple[FeeItem, ...]

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.items), Decimal("0.00"))


def _table(visa_type: str) -> tuple[Decimal, int, Decimal]:
    if visa_type == SINGLE:
        return settings.VISA_SINGLE_BASE_FEE, settings.VISA_SINGLE_BASE_MONTHS, settings.VISA_SINGLE_EXTRA_MONTH_FEE
    return settings.VISA_MULTIPLE_BASE_FEE, settings.VISA_MULTIPLE_BASE_MONTHS, settings.VISA_MULTIPLE_EXTRA_MONTH_FEE


def visa_fee(*, visa_type: str, months: int) -> Decimal:
    base, base_months, extra = _table(visa_type)
    return (Decimal(base) + Decimal(extra) * max(0, months - base_months)).quantize(TWO)


def extension_fee(*, visa_type: str, months: int) -> Decimal:
    _base, _base_months, extra = _table(visa_type)
    return (Decimal(extra) * months).quantize(TWO)


def visa_quote(*, visa_type: str, months: int, start: dt.date) -> VisaQuote:
    """The fee of one visa and the day its period ends (start + months, calendar months)."""
    return VisaQuote(visa_type, months, add_months(start, months), (FeeItem(VISA_FEE, visa_fee(visa_type=visa_type, months=months)),))


def unused_fine_amount(*, previous: int) -> Decimal:
    """The fine for a visa left unused: the first, second, third... time (the last figure repeats)."""
    fines = list(settings.VISA_UNUSED_FINES)
    return Decimal(fines[min(previous, len(fines) - 1)]).quantize(TWO)


def parse_type(value) -> str:
    v = str(value or "").strip().upper()
    if v not in TYPES:
        raise ApplicationError(
            "INVALID_TYPE", _("Choose a single or a multiple visa."), {"fields": {"type": [_("SINGLE or MULTIPLE.")]}}, status=400
        )
    return v


def parse_months(value) -> int:
    """1 to VISA_MAX_MONTHS months, or 400 INVALID_PERIOD."""
    try:
        months = int(str(value).strip())
    except (TypeError, ValueError):
        months = None
    if months is None or not 1 <= months <= settings.VISA_MAX_MONTHS:
        raise ApplicationError(
            "INVALID_PERIOD",
            _("Choose a period of 1 to %(max)s months.") % {"max": settings.VISA_MAX_MONTHS},
            {"min": 1, "max": settings.VISA_MAX_MONTHS},
            status=400,
        )
    return months
