"""Templates ask the flow's table what a request may do: {% load id_renewal %}{% if renewal|can:"cancel" %}."""

from django import template

from core import transitions

register = template.Library()


@register.filter
def can(obj, action: str) -> bool:
    return transitions.can(obj, action)
