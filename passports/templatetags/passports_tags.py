from django import template

from core import transitions
from passports.presenters import check_item_html

register = template.Library()


@register.filter
def quote_amount(quote, code):
    """The amount of one fee item of a quote (0.00 when it does not apply)."""
    return quote.amount(code)


@register.filter
def can(obj, action):
    """Does the row's flow allow `action` now? `{% if renewal|can:"cancel" %}` (core.transitions)."""
    return transitions.can(obj, action)


@register.filter
def check_item(check):
    """One condition as the checks page shows it (passports.presenters.check_item_html)."""
    return check_item_html(check)
