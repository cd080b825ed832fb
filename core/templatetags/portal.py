from decimal import Decimal

from django import template

from core import dates

register = template.Library()


@register.filter
def dual_date(value):
    """`1448/06/02 هـ — 2026/11/22`: Hijri (Umm al-Qura) and Gregorian side by side."""
    return dates.dual_date(value)


@register.filter
def sar(value):
    """Money in SAR with two places."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"
