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


@register.filter
def checks_open(checks):
    """The checks to show first: failed, or waiting for an officer (the checks page lists them before the rest)."""
    return [c for c in checks if not c.ok]


@register.filter
def checks_met(checks):
    """The checks met outright (folded into one "N conditions met" line)."""
    return [c for c in checks if c.ok]
