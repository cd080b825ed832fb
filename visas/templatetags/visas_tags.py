from django import template

from core import transitions

register = template.Library()


@register.filter
def visa_can(obj, action):
    """Does the visa's flow allow `action` now? `{% if visa|visa_can:"cancel" %}` (core.transitions)."""
    return transitions.can(obj, action)
