import datetime as dt
import functools
from decimal import Decimal

from django import template
from django.utils import timezone, translation
from django.utils.html import format_html

from core import dates

register = template.Library()


def _date_bdi(text: str):
    """A date isolated in the page's reading direction: Arabic pages read every date right to left
    (Hijri first, on the right), English ones left to right, whatever surrounds it (a number, a
    Latin reference, an `.ltr` span)."""
    if not text:
        return ""
    return format_html('<bdi class="date" dir="{}">{}</bdi>', "rtl" if translation.get_language_bidi() else "ltr", text)


@register.filter
def dual_date(value):
    """`1448/06/02 هـ — 2026/11/22`: Hijri (Umm al-Qura) and Gregorian side by side."""
    if type(value) is dt.date:  # a day shows the same in a language: formatted once (pages list many)
        return _dual_date_html(value, translation.get_language())
    return _date_bdi(dates.dual_date(value))


@functools.lru_cache(maxsize=8192)
def _dual_date_html(value: dt.date, language: str | None):
    return _date_bdi(dates.dual_date(value))


@register.filter
def dual_datetime(value):
    """`1448/06/02 هـ — 2026/11/22 14:05`: both calendars and the local time (histories, receipts)."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return _date_bdi(f"{dates.dual_date(local)} {local:%H:%M}")


@register.filter
def sar(value):
    """Money in SAR with two places."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"
