from decimal import Decimal

from django import template
from django.utils import timezone

from core import dates

register = template.Library()


@register.filter
def dual_date(value):
    """`1448/06/02 هـ — 2026/11/22`: Hijri (Umm al-Qura) and Gregorian side by side."""
    return dates.dual_date(value)


@register.filter
def dual_datetime(value):
    """`1448/06/02 هـ — 2026/11/22 14:05`: both calendars and the local time (histories, receipts)."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{dates.dual_date(local)} {local:%H:%M}"


@register.filter
def sar(value):
    """Money in SAR with two places."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"
