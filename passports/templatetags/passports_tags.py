from django import template

from core import transitions

register = template.Library()


@register.filter
def quote_amount(quote, code):
    """The amount of one fee item of a quote (0.00 when it does not apply)."""
    return quote.amount(code)


@register.filter
def can(obj, action):
    """Does the row's flow allow `action` now? `{% if renewal|can:"cancel" %}` (core.transitions)."""
    return transitions.can(obj, action)
