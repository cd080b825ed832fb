"""Gregorian dates stored, Umm al-Qura Hijri shown beside them."""

import calendar
import datetime as dt
import functools
from collections.abc import Collection, Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from hijridate import Gregorian


def today() -> dt.date:
    return timezone.localdate()


def hijri_parts(d: dt.date):
    h = Gregorian(d.year, d.month, d.day).to_hijri()
    return h.year, h.month, h.day


def hijri_iso(d: dt.date | None) -> str | None:
    """`1448-06-02`, the API's form."""
    if d is None:
        return None
    return _hijri_iso(d if type(d) is dt.date else dt.date(d.year, d.month, d.day))


@functools.lru_cache(maxsize=8192)  # a pure function of the day; pages show the same dates again and again
def _hijri_iso(d: dt.date) -> str | None:
    try:
        y, m, day = hijri_parts(d)
    except (OverflowError, ValueError):
        return None
    return f"{y:04d}-{m:02d}-{day:02d}"


def api_date(d: dt.date | None):
    """The API's date shape: {"gregorian": "2026-11-22", "hijri": "1448-06-02"}."""
    if d is None:
        return None
    return {"gregorian": d.isoformat(), "hijri": hijri_iso(d)}


def dual_date(d: dt.date | None) -> str:
    """`1448/06/02 هـ — 2026/11/22` (AH marker in the active language)."""
    if d is None:
        return ""
    if isinstance(d, dt.datetime):
        d = timezone.localtime(d).date() if timezone.is_aware(d) else d.date()
    h = hijri_iso(d)
    hijri = h.replace("-", "/") + " " + _("AH") if h else ""
    return f"{hijri} — {d:%Y/%m/%d}" if hijri else f"{d:%Y/%m/%d}"


def add_months(d: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    m = d.month - 1 + months
    y = d.year + m // 12
    m = m % 12 + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def is_working_day(d: dt.date, *, weekend: Iterable[int], holidays: Collection[dt.date] = ()) -> bool:
    """Not a weekend day (Python weekday numbers, Monday 0) and not a holiday."""
    return d.weekday() not in set(weekend) and d not in holidays


def add_working_days(start: dt.date, days: int, *, weekend: Iterable[int], holidays: Collection[dt.date] = ()) -> dt.date:
    """The date `days` working days after `start` (start itself not counted): weekends and the
    given holidays are skipped. Pure: the caller passes the weekend and the holiday dates.
    0 days is `start` itself when it is a working day, else the next working day."""
    if days < 0:
        raise ValueError("days must not be negative")
    weekend = frozenset(weekend)
    if len(weekend) >= 7:
        raise ValueError("a week needs at least one working day")
    d = start
    if days == 0:
        while not is_working_day(d, weekend=weekend, holidays=holidays):
            d += dt.timedelta(days=1)
        return d
    left = days
    while left:
        d += dt.timedelta(days=1)
        if is_working_day(d, weekend=weekend, holidays=holidays):
            left -= 1
    return d


def working_days_between(start: dt.date, end: dt.date, *, weekend: Iterable[int], holidays: Collection[dt.date] = ()) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    weekend = frozenset(weekend)
    n, d = 0, start
    while d < end:
        d += dt.timedelta(days=1)
        if is_working_day(d, weekend=weekend, holidays=holidays):
            n += 1
    return n
