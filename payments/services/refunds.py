"""Refunds: PAID → REFUNDED, by a request app (a rejected request) or an officer in admin."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.transitions import enqueue
from payments.flow import PAYMENT
from payments.models import Payment

S = Payment.Status


def payment_refund(*, payment_id: int, reason: str, officer=None) -> Payment:
    """PAID → REFUNDED (move "refund"). Refunding a REFUNDED payment again changes nothing; any
    other status is 409 INVALID_STATE. After commit the payer is notified and a worker calls the
    purpose's on_refunded once (payment_refund_handover)."""
    reason = (reason or "").strip()[:300]
    with transaction.atomic():
        payment = PAYMENT.lock(payment_id, select_related=("person",))
        if payment.status == S.REFUNDED:
            return payment
        if not PAYMENT.can(payment, "refund"):
            raise ApplicationError(
                "INVALID_STATE", _("Only a paid payment can be refunded."), details={"status": payment.status}, status=409
            )
        payment.refunded_at = timezone.now()
        payment.refund_reason = reason
        PAYMENT.apply(
            payment,
            "refund",
            fields=["refunded_at", "refund_reason"],
            person=payment.person,
            officer=officer,
            note=reason,
            history_data={"reason": reason, "officer": getattr(officer, "username", "") or ""},
            reason=reason,
            amount=str(payment.amount),
        )
        enqueue("payments.tasks.payment_refund_handover_task", payment.pk)
    return payment
