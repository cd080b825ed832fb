"""Templates ask the payment flow's table instead of listing statuses:
{% if payment|payment_can:"pay" %} and {% if payment|has_receipt %}."""

from django import template

from payments.flow import PAYMENT, payment_has_receipt

register = template.Library()


@register.filter
def payment_can(payment, action: str) -> bool:
    return PAYMENT.can(payment, action)


@register.filter
def has_receipt(payment) -> bool:
    return payment_has_receipt(payment)


@register.filter
def status_tone(payment) -> str:
    """The badge colour: green once paid, amber while it can still be paid, red otherwise."""
    if payment.status == PAYMENT.model.Status.PAID:
        return "status-ok"
    return "status-warn" if PAYMENT.can(payment, "pay") else "status-bad"
