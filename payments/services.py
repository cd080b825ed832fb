"""Payment writes and transitions. Every transition locks the row, checks the status,
saves, writes a history row and an audit row, and queues follow-up work on commit."""
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from registry.models import Person
from registry.services import FINE_SETTLES_TYPE, fines_mark_paid
from core.services import audit_log_write
from payments import hooks
from payments.models import IdempotencyKey, Payment, PaymentEvent, PaymentItem, SadadNotification

TWO_PLACES = Decimal("0.01")


def payment_event_add(*, payment: Payment, kind: str, data: dict | None = None) -> PaymentEvent:
    """A row in the payment's history that is not a status change (a hook's note)."""
    return PaymentEvent.objects.create(payment=payment, kind=kind, data=data or {})


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
        for i, a in zip(items, amounts)
    )
    PaymentEvent.objects.create(payment=payment, kind="created", to_status=payment.status, data={"amount": str(total)})
    audit_log_write(action="payment.created", person=person, obj=payment, to_status=payment.status, amount=str(total))
    return payment


def payment_mark_paid(*, payment_id: int, method: str, paid_at: dt.datetime | None = None, bank_reference: str | None = None,
                      card_last4: str = "") -> tuple[Payment, bool]:
    """PENDING → PAID. Returns (payment, changed). Paying a PAID payment again changes nothing.
    The hand-over to the request runs after commit in a worker (payment_fulfil, exactly once)."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("person").get(pk=payment_id)
        if payment.status == Payment.Status.PAID:
            return payment, False
        if payment.status != Payment.Status.PENDING:
            raise ApplicationError("INVALID_STATE", _("This payment can no longer be paid."), status=409)
        payment.status = Payment.Status.PAID
        payment.method = method
        payment.paid_at = paid_at or timezone.now()
        payment.bank_reference = bank_reference
        payment.card_last4 = card_last4 or ""
        payment.version += 1
        payment.save(update_fields=["status", "method", "paid_at", "bank_reference", "card_last4", "version"])
        PaymentEvent.objects.create(payment=payment, kind="paid", from_status="PENDING", to_status="PAID", data={"method": method, "bank_reference": bank_reference})
        audit_log_write(action="payment.paid", person=payment.person, obj=payment, from_status="PENDING", to_status="PAID", method=method)
        transaction.on_commit(lambda: _notify(payment, "paid"), robust=True)  # a broken message never undoes a payment
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
        payment = Payment.objects.prefetch_related("items").get(pk=payment_id)
        # Registry fines the payment carries are settled here, whatever service billed them.
        fine_ids = [int(i.settles_id) for i in payment.items.all() if i.settles_type == FINE_SETTLES_TYPE and i.settles_id]
        settled = fines_mark_paid(fine_ids=fine_ids, paid_at=payment.paid_at or timezone.now(), payment_reference=payment.reference)
        purpose = hooks.get(payment.purpose)
        hooks.call(purpose.on_paid if purpose else None, payment_id=payment.pk)
        PaymentEvent.objects.create(payment=payment, kind="fulfilled", data={"fines_settled": settled} if fine_ids else {})
    return True


def payment_fulfil_sweep() -> int:
    """Re-queue the hand-over of PAID payments not yet handed over (a lost broker message).
    payment_fulfil's compare-and-set makes a duplicate harmless."""
    from payments.tasks import payment_fulfil_task

    cutoff = timezone.now() - dt.timedelta(seconds=settings.PAYMENT_FULFIL_SWEEP_AFTER_SECONDS)
    ids = list(Payment.objects.filter(status=Payment.Status.PAID, fulfilled_at__isnull=True, paid_at__lt=cutoff).values_list("pk", flat=True)[:500])
    for pk in ids:  # outside a transaction on_commit runs at once
        transaction.on_commit(lambda pk=pk: payment_fulfil_task.delay(pk))
    return len(ids)


# --- refunds ------------------------------------------------------------------------------
def payment_refund(*, payment_id: int, reason: str, officer=None) -> Payment:
    """PAID → REFUNDED. Any app may call it (a rejected request) and officers do from admin.
    Refunding a REFUNDED payment again changes nothing; any other status is 409 INVALID_STATE.
    After commit a worker calls the purpose's on_refunded once; the person is notified."""
    reason = (reason or "").strip()[:300]
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("person").get(pk=payment_id)
        if payment.status == Payment.Status.REFUNDED:
            return payment
        if payment.status != Payment.Status.PAID:
            raise ApplicationError("INVALID_STATE", _("Only a paid payment can be refunded."), details={"status": payment.status}, status=409)
        payment.status = Payment.Status.REFUNDED
        payment.refunded_at = timezone.now()
        payment.refund_reason = reason
        payment.version += 1
        payment.save(update_fields=["status", "refunded_at", "refund_reason", "version"])
        PaymentEvent.objects.create(payment=payment, kind="refunded", from_status="PAID", to_status="REFUNDED",
                                    data={"reason": reason, "officer": getattr(officer, "username", "") or ""})
        audit_log_write(action="payment.refunded", person=payment.person, officer=officer, obj=payment,
                        from_status="PAID", to_status="REFUNDED", reason=reason, amount=str(payment.amount))
        transaction.on_commit(lambda: _notify(payment, "refunded"), robust=True)
        from payments.tasks import payment_refund_handover_task

        transaction.on_commit(lambda: payment_refund_handover_task.delay(payment.pk))
    return payment


def payment_refund_handover(*, payment_id: int) -> bool:
    """Call the purpose's on_refunded exactly once (compare-and-set on refund_handed_over_at)."""
    with transaction.atomic():
        claimed = Payment.objects.filter(pk=payment_id, status=Payment.Status.REFUNDED, refund_handed_over_at__isnull=True).update(
            refund_handed_over_at=timezone.now())
        if claimed != 1:
            return False
        payment = Payment.objects.get(pk=payment_id)
        purpose = hooks.get(payment.purpose)
        hooks.call(purpose.on_refunded if purpose else None, payment_id=payment.pk)
        PaymentEvent.objects.create(payment=payment, kind="refund_handed_over")
    return True


# --- expiry and failure --------------------------------------------------------------------
def payment_expire(*, payment_id: int) -> bool:
    """PENDING → EXPIRED once the bill's due time has passed. Returns True when it expired."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("person").get(pk=payment_id)
        if payment.status != Payment.Status.PENDING or payment.due_at > timezone.now():
            return False
        payment.status = Payment.Status.EXPIRED
        payment.version += 1
        payment.save(update_fields=["status", "version"])
        PaymentEvent.objects.create(payment=payment, kind="expired", from_status="PENDING", to_status="EXPIRED")
        audit_log_write(action="payment.expired", person=payment.person, obj=payment, from_status="PENDING", to_status="EXPIRED")
        _queue_lapse_handover(payment.pk)
    return True


def payment_expire_due() -> int:
    """The periodic task's body: expire every lapsed PENDING bill."""
    ids = list(Payment.objects.filter(status=Payment.Status.PENDING, due_at__lte=timezone.now()).values_list("pk", flat=True)[:1000])
    return sum(1 for pk in ids if payment_expire(payment_id=pk))


def payment_fail(*, payment_id: int, reason: str) -> Payment:
    """PENDING → FAILED: the request behind the bill was withdrawn, so the bill must not be paid."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("person").get(pk=payment_id)
        if payment.status == Payment.Status.FAILED:
            return payment
        if payment.status != Payment.Status.PENDING:
            raise ApplicationError("INVALID_STATE", _("Only a pending payment can be cancelled."), status=409)
        payment.status = Payment.Status.FAILED
        payment.version += 1
        payment.save(update_fields=["status", "version"])
        PaymentEvent.objects.create(payment=payment, kind="failed", from_status="PENDING", to_status="FAILED", data={"reason": reason[:300]})
        audit_log_write(action="payment.failed", person=payment.person, obj=payment, from_status="PENDING", to_status="FAILED", reason=reason[:300])
        _queue_lapse_handover(payment.pk)
    return payment


def _queue_lapse_handover(payment_id: int) -> None:
    from payments.tasks import payment_lapse_handover_task

    transaction.on_commit(lambda: payment_lapse_handover_task.delay(payment_id))


def payment_lapse_handover(*, payment_id: int) -> bool:
    """Tell the request behind an EXPIRED or FAILED bill (its purpose's on_lapsed), so it can close.
    The handlers are idempotent, so a task that runs twice does no harm. Returns True when called."""
    payment = Payment.objects.filter(pk=payment_id, status__in=[Payment.Status.EXPIRED, Payment.Status.FAILED]).first()
    purpose = hooks.get(payment.purpose) if payment else None
    if purpose is None or not purpose.on_lapsed:
        return False
    hooks.call(purpose.on_lapsed, payment_id=payment.pk)
    return True


# --- card (mada) sandbox ---------------------------------------------------------------------
def card_error_message(code: str, fallback: str = "") -> str:
    """The message for a card answer's error code in the active language (a replayed answer
    holds the message in the language of the first request)."""
    messages = {
        "ALREADY_PAID": _("This payment is already paid."),
        "PAYMENT_EXPIRED": _("This bill has expired. Start the request again to get a new bill."),
        "INVALID_STATE": _("This payment can no longer be paid."),
        "CARD_DECLINED": _("The card was declined by the bank. Try another card or pay the SADAD bill."),
        "CARD_ATTEMPTS_EXCEEDED": _("Too many declined cards for this bill. Pay it through SADAD instead."),
        "IDEMPOTENCY_KEY_REUSED": _("This form was already sent with other card details. Enter the card again and pay."),
    }
    return messages.get(code, fallback)


def _payable_or_error(payment: Payment) -> ApplicationError | None:
    if payment.status == Payment.Status.PAID:
        return ApplicationError("ALREADY_PAID", _("This payment is already paid."), status=409)
    if payment.status == Payment.Status.PENDING and payment.due_at <= timezone.now():
        return ApplicationError("PAYMENT_EXPIRED", _("This bill has expired. Start the request again to get a new bill."), status=409)
    if payment.status != Payment.Status.PENDING:
        return ApplicationError("INVALID_STATE", _("This payment can no longer be paid."), details={"status": payment.status}, status=409)
    return None


def _request_hash(payload: dict) -> str:
    """A keyed hash of the request (it includes the card number: a plain SHA-256 of a PAN can be
    brute-forced, an HMAC with the server's secret cannot)."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(settings.SECRET_KEY.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CardResult:
    status: int
    body: dict
    payment_id: int | None
    replayed: bool = False


def payment_pay_by_card(*, person: Person, payment_id: int, idempotency_key: str, card_number: str, expiry_month: int,
                        expiry_year: int, cvv: str, render) -> CardResult:
    """Charge the sandbox card once per (person, Idempotency-Key).

    One transaction: insert the key row first (a concurrent request with the same key blocks
    on the unique index until this one commits, then replays the stored answer), lock the
    payment, charge, store the answer. `render(payment) -> dict` is the API's output shape,
    stored so a replay returns the same answer. The card number and CVV are never stored."""
    from payments.selectors import payment_get_for_person

    payment_get_for_person(person=person, payment_id=payment_id)  # 404 for another person's payment
    request_hash = _request_hash({"payment": int(payment_id), "card": card_number, "m": int(expiry_month), "y": int(expiry_year), "cvv": cvv})
    key = (idempotency_key or "").strip()
    if not key or len(key) > 255:
        raise ApplicationError("IDEMPOTENCY_KEY_REQUIRED", _("Send an Idempotency-Key header (at most 255 characters)."), status=400)
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(person=person, key=key, request_hash=request_hash, payment_id=payment_id,
                                                response_status=0, response_body={})
            payment = Payment.objects.select_for_update().select_related("person").get(pk=payment_id)
            error = _payable_or_error(payment)
            if error is None and PaymentEvent.objects.filter(payment=payment, kind="card_declined").count() >= settings.PAYMENT_CARD_MAX_DECLINES:
                # Card testing protection: after this many declines the bill takes no more cards (SADAD stays open).
                error = ApplicationError("CARD_ATTEMPTS_EXCEEDED", _("Too many declined cards for this bill. Pay it through SADAD instead."), status=429)
            if error is None and card_number in settings.PAYMENT_SANDBOX_DECLINED_CARDS:
                error = ApplicationError("CARD_DECLINED", _("The card was declined by the bank. Try another card or pay the SADAD bill."), status=402)
                PaymentEvent.objects.create(payment=payment, kind="card_declined", data={"last4": card_number[-4:]})
                audit_log_write(action="payment.card_declined", person=person, obj=payment, last4=card_number[-4:])
            if error is not None:
                from core.errors import error_body

                status, body = error.status, error_body(error.code, error.message, error.details)
            else:
                payment, _changed = payment_mark_paid(payment_id=payment.pk, method=Payment.Method.CARD, card_last4=card_number[-4:])
                status, body = 200, render(payment)
            row.response_status, row.response_body = status, body
            row.save(update_fields=["response_status", "response_body"])
            return CardResult(status, body, payment.pk)
    except IntegrityError:
        row = IdempotencyKey.objects.get(person=person, key=key)
        if row.request_hash != request_hash:
            raise ApplicationError("IDEMPOTENCY_KEY_REUSED", _("This Idempotency-Key was already used for a different request."), status=422)
        return CardResult(row.response_status, row.response_body, row.payment_id, replayed=True)


# --- SADAD notifications (the bank calls; the sandbox bank page calls the same function) ------
def sadad_sign(*, raw_body: bytes, timestamp: int | None = None, secret: str | None = None) -> str:
    """The X-Sadad-Signature header value for a body: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    t = int(timestamp if timestamp is not None else time.time())
    key = (secret if secret is not None else settings.SADAD_WEBHOOK_SECRET or "").encode()
    mac = hmac.new(key, f"{t}.".encode() + raw_body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def _sadad_verify(raw_body: bytes, header: str) -> None:
    bad = ApplicationError("INVALID_SIGNATURE", _("The notification's signature is missing, wrong or too old."), status=400)
    secret = settings.SADAD_WEBHOOK_SECRET
    if not secret or not header:
        raise bad
    parts = {}
    for chunk in header.split(","):
        k, sep, v = chunk.strip().partition("=")
        if sep:
            parts.setdefault(k, []).append(v)
    try:
        t = int(parts["t"][0])
    except (KeyError, ValueError, IndexError):
        raise bad from None
    if abs(time.time() - t) > settings.SADAD_SIGNATURE_TOLERANCE_SECONDS:
        raise bad
    expected = hmac.new(secret.encode(), f"{t}.".encode() + raw_body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected.encode(), v.encode()) for v in parts.get("v1", [])):
        raise bad


def sadad_notification_receive(*, raw_body: bytes, signature: str) -> dict:
    """Apply one signed SADAD notification. Verify the signature over the raw body first, then
    parse. The same bank_reference again answers as before and changes nothing; a notification
    for a paid bill with another bank_reference is refused."""
    _sadad_verify(raw_body, signature)
    try:
        data = json.loads(raw_body.decode("utf-8"))
        bill_number = str(data["bill_number"])
        bank_reference = str(data["bank_reference"]).strip()
        amount = Decimal(str(data["amount"]))
        paid_at = dt.datetime.fromisoformat(str(data["paid_at"]).replace("Z", "+00:00"))
        if not bank_reference or len(bank_reference) > 64 or amount.as_tuple().exponent < -2 or not amount.is_finite():
            raise ValueError
        if timezone.is_naive(paid_at):
            paid_at = timezone.make_aware(paid_at, dt.timezone.utc)
    except (ValueError, KeyError, TypeError, ArithmeticError, UnicodeDecodeError, AttributeError):
        raise ApplicationError("MALFORMED_REQUEST", _("The notification must carry bill_number, amount, paid_at and bank_reference."), status=400) from None
    amount = amount.quantize(TWO_PLACES)
    refused = None
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(bill_number=bill_number).first()
        if payment is None:
            raise ApplicationError("NOT_FOUND", _("Unknown bill number."), status=404)
        seen = SadadNotification.objects.filter(bank_reference=bank_reference).first()
        if seen is not None:
            if seen.payment_id != payment.pk or seen.amount != amount:
                raise ApplicationError("BANK_REFERENCE_REUSED", _("This bank reference was already used for another notification."), status=409)
            return {"status": "ALREADY_APPLIED", "bill_number": bill_number, "payment_status": payment.status}
        if amount != payment.amount:
            refused = ApplicationError("AMOUNT_MISMATCH", _("The amount paid does not match the bill."),
                                       details={"expected": str(payment.amount), "received": str(amount)}, status=409)
        else:
            refused = _payable_or_error(payment)
        if refused is not None:
            # Kept in the payment's history (committed), then refused: nothing else changes.
            PaymentEvent.objects.create(payment=payment, kind="sadad_refused",
                                        data={"code": refused.code, "amount": str(amount), "bank_reference": bank_reference})
        else:
            SadadNotification.objects.create(bank_reference=bank_reference, bill_number=bill_number, amount=amount, paid_at=paid_at,
                                             payment=payment, raw_body=raw_body.decode("utf-8")[:4000])
            payment_mark_paid(payment_id=payment.pk, method=Payment.Method.SADAD, paid_at=paid_at, bank_reference=bank_reference)
    if refused is not None:
        raise refused
    return {"status": "APPLIED", "bill_number": bill_number, "payment_status": Payment.Status.PAID}


# --- notifications about payments ---------------------------------------------------------------
_MESSAGES = {
    "paid": (gettext_lazy("Payment received"), gettext_lazy("We received SAR %(amount)s for payment %(reference)s (SADAD bill %(bill_number)s). Thank you.")),
    "refunded": (gettext_lazy("Payment refunded"), gettext_lazy("SAR %(amount)s of payment %(reference)s was refunded. Reason: %(reason)s")),
}


def _notify(payment: Payment, event: str) -> None:
    from notifications.services import notification_send

    title, body = _MESSAGES[event]
    try:
        link = reverse("payments:receipt" if event == "paid" else "payments:detail", kwargs={"pk": payment.pk})
    except NoReverseMatch:
        link = ""
    notification_send(
        person=payment.person, kind=f"payment_{event}", event_key=f"payment:{payment.pk}:{event}", title=title, body=body,
        context={"amount": f"{payment.amount:.2f}", "reference": payment.reference, "bill_number": payment.bill_number,
                 "reason": payment.refund_reason or "-"},
        link=link,
    )
