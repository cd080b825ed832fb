"""Bills: a payment with its line items and SADAD bill, paying it (the one way to PAID, for card
and SADAD alike), and the bills that close unpaid (expired, withdrawn)."""

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.services import audit_log_write
from core.transitions import enqueue
from payments import hooks
from payments.flow import PAYMENT
from payments.models import Payment, PaymentEvent, PaymentItem
from registry.models import Person

TWO_PLACES = Decimal("0.01")
S = Payment.Status


@dataclass(frozen=True)
class LineItem:
    code: str
    kind: str  # PaymentItem.Code
    description_ar: str
    description_en: str
    amount: Decimal
    settles_type: str = ""
    settles_id: str = ""


def payment_event_add(*, payment: Payment, action: str, note: str = "", data: dict | None = None) -> PaymentEvent:
    """A row in the payment's history that is not a status change (a hook's note, a refused notification)."""
    return PAYMENT.record(payment, action, note=note, data=data)


def _new_bill_number() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(12))


def _new_reference() -> str:
    return "PAY-" + uuid.uuid4().hex[:10].upper()


def payment_create(*, person: Person, purpose: str, object_id: str, items: list[LineItem]) -> Payment:
    """A PENDING payment with its items and a SADAD bill. Call inside the caller's transaction."""
    if hooks.get(purpose) is None:
        raise ValueError(f"unregistered payment purpose {purpose!r}")
    if not items:
        raise ApplicationError("NOTHING_TO_PAY", _("There is nothing to pay."))
    amounts = [Decimal(i.amount).quantize(TWO_PLACES) for i in items]
    if any(a < 0 for a in amounts):
        raise ValueError("negative line item")
    total = sum(amounts, Decimal("0.00"))
    for _attempt in range(5):
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    person=person,
                    reference=_new_reference(),
                    purpose=purpose,
                    object_id=str(object_id),
                    amount=total,
                    currency=settings.CURRENCY,
                    biller_code=settings.SADAD_BILLER_CODE,
                    bill_number=_new_bill_number(),
                    due_at=timezone.now() + dt.timedelta(hours=settings.PAYMENT_BILL_LIFETIME_HOURS),
                )
            break
        except IntegrityError:  # bill number or reference collision: draw again
            continue
    else:
        raise RuntimeError("could not allocate a bill number")
    PaymentItem.objects.bulk_create(
        PaymentItem(
            payment=payment,
            code=i.code,
            kind=i.kind,
            description_ar=i.description_ar,
            description_en=i.description_en,
            amount=a,
            settles_type=i.settles_type,
            settles_id=str(i.settles_id),
        )
        for i, a in zip(items, amounts, strict=True)
    )
    # The flow's entry: no move leads into PENDING, so the first history row is written here.
    PaymentEvent.objects.create(payment=payment, action="created", to_status=payment.status, data={"amount": str(total)})
    audit_log_write(action="payment.created", person=person, obj=payment, to_status=payment.status, amount=str(total))
    return payment


def payable_or_error(payment: Payment) -> ApplicationError | None:
    """Why this bill cannot take money now (None when it can). Card and SADAD share the answer."""
    if payment.status == S.PAID:
        return ApplicationError("ALREADY_PAID", _("This payment is already paid."), status=409)
    if not PAYMENT.can(payment, "pay"):
        return ApplicationError("INVALID_STATE", _("This payment can no longer be paid."), details={"status": payment.status}, status=409)
    if payment.due_at <= timezone.now():
        return ApplicationError("PAYMENT_EXPIRED", _("This bill has expired. Start the request again to get a new bill."), status=409)
    return None


def payment_mark_paid(
    *, payment_id: int, method: str, paid_at: dt.datetime | None = None, bank_reference: str | None = None, card_last4: str = ""
) -> tuple[Payment, bool]:
    """PENDING → PAID (move "pay"). Returns (payment, changed). Paying a PAID payment again changes
    nothing. After commit: the payer is notified (robustly: a failing notification never undoes
    the payment) and a worker hands the payment over to its request (payment_fulfil, exactly once)."""
    with transaction.atomic():
        payment = PAYMENT.lock(payment_id, select_related=("person",))
        if payment.status == S.PAID:
            return payment, False
        if not PAYMENT.can(payment, "pay"):
            raise ApplicationError(
                "INVALID_STATE", _("This payment can no longer be paid."), details={"status": payment.status}, status=409
            )
        payment.method = method
        payment.paid_at = paid_at or timezone.now()
        payment.bank_reference = bank_reference
        payment.card_last4 = card_last4 or ""
        PAYMENT.apply(
            payment,
            "pay",
            fields=["method", "paid_at", "bank_reference", "card_last4"],
            person=payment.person,
            history_data={"method": method, "bank_reference": bank_reference},
            method=method,
        )
        enqueue("payments.tasks.payment_fulfil_task", payment.pk)
    return payment, True


def payment_expire(*, payment_id: int) -> bool:
    """PENDING → EXPIRED (move "expire") once the bill's due time has passed. Returns True when it
    expired; the request behind the bill is told after commit (payment_lapse_handover)."""
    with transaction.atomic():
        payment = PAYMENT.lock(payment_id, select_related=("person",))
        if not PAYMENT.can(payment, "expire") or payment.due_at > timezone.now():
            return False
        PAYMENT.apply(payment, "expire", person=payment.person)
        enqueue("payments.tasks.payment_lapse_handover_task", payment.pk)
    return True


def payment_expire_due() -> int:
    """The periodic task's body: expire every lapsed bill that can still expire."""
    ids = list(
        Payment.objects.filter(status__in=PAYMENT.statuses_allowing("expire"), due_at__lte=timezone.now()).values_list("pk", flat=True)[
            :1000
        ]
    )
    return sum(1 for pk in ids if payment_expire(payment_id=pk))


def payment_fail(*, payment_id: int, reason: str) -> Payment:
    """PENDING → FAILED (move "fail"): the request behind the bill was withdrawn, so the bill must
    not be paid. Failing a FAILED payment again changes nothing."""
    reason = (reason or "")[:300]
    with transaction.atomic():
        payment = PAYMENT.lock(payment_id, select_related=("person",))
        if payment.status == S.FAILED:
            return payment
        if not PAYMENT.can(payment, "fail"):
            raise ApplicationError(
                "INVALID_STATE", _("Only a pending payment can be cancelled."), details={"status": payment.status}, status=409
            )
        PAYMENT.apply(payment, "fail", person=payment.person, note=reason, history_data={"reason": reason}, reason=reason)
        enqueue("payments.tasks.payment_lapse_handover_task", payment.pk)
    return payment
