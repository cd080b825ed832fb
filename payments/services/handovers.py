"""Hand-overs: what a request app hears about its payment, through the hooks it registered
(payments.hooks), each after commit in a worker. Paid: exactly once (compare-and-set on
fulfilled_at), with the registry fines the payment carries settled first. Refunded: exactly once
(refund_handed_over_at). Lapsed (expired or withdrawn): the handlers are idempotent. Sweepers
re-queue a hand-over a lost broker message left behind."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.transitions import enqueue
from payments import hooks
from payments.flow import LAPSED
from payments.models import Payment
from payments.services.bills import payment_event_add
from registry.services import FINE_SETTLES_TYPE, fines_mark_paid

S = Payment.Status


def payment_fulfil(*, payment_id: int) -> bool:
    """Hand a PAID payment over to its request, exactly once. Returns True when this call did it.
    A failing handler rolls the claim back, so a retry can still hand over."""
    with transaction.atomic():
        claimed = Payment.objects.filter(pk=payment_id, status=S.PAID, fulfilled_at__isnull=True).update(fulfilled_at=timezone.now())
        if claimed != 1:
            return False
        payment = Payment.objects.prefetch_related("items").get(pk=payment_id)
        # Registry fines the payment carries are settled here, whatever service billed them.
        fine_ids = [int(i.settles_id) for i in payment.items.all() if i.settles_type == FINE_SETTLES_TYPE and i.settles_id]
        settled = fines_mark_paid(fine_ids=fine_ids, paid_at=payment.paid_at or timezone.now(), payment_reference=payment.reference)
        purpose = hooks.get(payment.purpose)
        hooks.call(purpose.on_paid if purpose else None, payment_id=payment.pk)
        payment_event_add(payment=payment, action="fulfilled", data={"fines_settled": settled} if fine_ids else {})
    return True


def payment_fulfil_sweep() -> int:
    """Re-queue the hand-over of PAID payments not yet handed over (a lost broker message).
    payment_fulfil's compare-and-set makes a duplicate harmless."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.PAYMENT_FULFIL_SWEEP_AFTER_SECONDS)
    ids = list(Payment.objects.filter(status=S.PAID, fulfilled_at__isnull=True, paid_at__lt=cutoff).values_list("pk", flat=True)[:500])
    for pk in ids:  # outside a transaction the task is queued at once
        enqueue("payments.tasks.payment_fulfil_task", pk)
    return len(ids)


def payment_refund_handover(*, payment_id: int) -> bool:
    """Call the purpose's on_refunded exactly once (compare-and-set on refund_handed_over_at)."""
    with transaction.atomic():
        claimed = Payment.objects.filter(pk=payment_id, status=S.REFUNDED, refund_handed_over_at__isnull=True).update(
            refund_handed_over_at=timezone.now()
        )
        if claimed != 1:
            return False
        payment = Payment.objects.get(pk=payment_id)
        purpose = hooks.get(payment.purpose)
        hooks.call(purpose.on_refunded if purpose else None, payment_id=payment.pk)
        payment_event_add(payment=payment, action="refund_handed_over")
    return True


def payment_lapse_handover(*, payment_id: int) -> bool:
    """Tell the request behind an EXPIRED or FAILED bill (its purpose's on_lapsed), so it can close.
    The handlers are idempotent, so a task that runs twice does no harm. Returns True when called."""
    payment = Payment.objects.filter(pk=payment_id, status__in=LAPSED).first()
    purpose = hooks.get(payment.purpose) if payment else None
    if purpose is None or not purpose.on_lapsed:
        return False
    hooks.call(purpose.on_lapsed, payment_id=payment.pk)
    return True
