"""What the payer is told when a payment moves: the notify callable of payments.flow.PAYMENT.

core.transitions calls it after the payment's transaction has committed, robustly: a broken
placeholder in a translation is logged and never undoes a payment marked PAID or REFUNDED."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from notifications.services import notification_send
from payments.models import Payment

S = Payment.Status

# to_status → (kind, title, body, page the notification opens)
MESSAGES = {
    S.PAID: (
        "paid",
        _("Payment received"),
        _("We received SAR %(amount)s for payment %(reference)s (SADAD bill %(bill_number)s). Thank you."),
        "payments:receipt",
    ),
    S.REFUNDED: (
        "refunded",
        _("Payment refunded"),
        _("SAR %(amount)s of payment %(reference)s was refunded. Reason: %(reason)s"),
        "payments:detail",
    ),
}


def payment_notify(payment_id: int, to_status: str) -> None:
    """Tell the payer that their payment is now `to_status` (paid and refunded only), once per event."""
    message = MESSAGES.get(to_status)
    if message is None:
        return
    event, title, body, url_name = message
    payment = Payment.objects.select_related("person").get(pk=payment_id)
    try:
        link = reverse(url_name, kwargs={"pk": payment.pk})
    except NoReverseMatch:
        link = ""
    notification_send(
        person=payment.person,
        kind=f"payment_{event}",
        event_key=f"payment:{payment.pk}:{event}",
        title=title,
        body=body,
        context={
            "amount": f"{payment.amount:.2f}",
            "reference": payment.reference,
            "bill_number": payment.bill_number,
            "reason": payment.refund_reason or "-",
        },
        link=link,
    )
