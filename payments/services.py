"""Payment writes and transitions. Every transition locks the row, checks the status,
saves, writes a history row and an audit row, and queues follow-up work on commit."""
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
from core.models import Person
from core.services import audit_log_write
from payments import registry
from payments.models import Payment, PaymentEvent, PaymentItem

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class LineItem:
    code: str
    kind: str  # PaymentItem.Code
    description_ar: str
    description_en: str
    amount: Decimal
    settles_type: str = ""
    settles_id: str = ""


def _new_bill_number() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(12))


def _new_reference() -> str:
    return "PAY-" + uuid.uuid4().hex[:10].upper()


def payment_create(*, person: Person, purpose: str, object_id: str, items: list[LineItem]) -> Payment:
    """A PENDING payment with its items and a SADAD bill. Call inside the caller's transaction."""
    if registry.get(purpose) is None:
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
        for i, a in zip(items, amounts)
    )
    PaymentEvent.objects.create(payment=payment, kind="created", to_status=payment.status, data={"amount": str(total)})
    audit_log_write(action="payment.created", person=person, obj=payment, to_status=payment.status, amount=str(total))
    return payment


def payment_mark_paid(*, payment_id: int, method: str, paid_at: dt.datetime | None = None, bank_reference: str | None = None) -> tuple[Payment, bool]:
    """PENDING → PAID. Returns (payment, changed). Paying a PAID payment again changes nothing."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status == Payment.Status.PAID:
            return payment, False
        if payment.status != Payment.Status.PENDING:
            raise ApplicationError("INVALID_STATE", _("This payment can no longer be paid."), status=409)
        payment.status = Payment.Status.PAID
        payment.method = method
        payment.paid_at = paid_at or timezone.now()
        payment.bank_reference = bank_reference
        payment.version += 1
        payment.save(update_fields=["status", "method", "paid_at", "bank_reference", "version"])
        PaymentEvent.objects.create(payment=payment, kind="paid", from_status="PENDING", to_status="PAID", data={"method": method, "bank_reference": bank_reference})
        audit_log_write(action="payment.paid", person=payment.person_id and payment.person, obj=payment, from_status="PENDING", to_status="PAID", method=method)
        from payments.tasks import payment_fulfil_task

        transaction.on_commit(lambda: payment_fulfil_task.delay(payment.pk))
    return payment, True


def payment_fulfil(*, payment_id: int) -> bool:
    """Hand a PAID payment over to its request, exactly once (compare-and-set on fulfilled_at).
    Returns True when this call did the hand-over."""
    with transaction.atomic():
        claimed = Payment.objects.filter(pk=payment_id, status=Payment.Status.PAID, fulfilled_at__isnull=True).update(fulfilled_at=timezone.now())
        if claimed != 1:
            return False
        payment = Payment.objects.get(pk=payment_id)
        purpose = registry.get(payment.purpose)
        registry.call(purpose.on_paid if purpose else None, payment_id=payment.pk)
        PaymentEvent.objects.create(payment=payment, kind="fulfilled")
    return True
