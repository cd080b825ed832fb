"""The card (mada) sandbox checkout: one charge per (person, Idempotency-Key), a cap on declined
cards per bill. The card number and CVV are used for the charge and never stored."""

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from core.errors import ApplicationError, error_body
from core.services import audit_log_write
from payments.flow import PAYMENT
from payments.gateway import card_gateway
from payments.models import IdempotencyKey, Payment, PaymentEvent
from payments.selectors import payment_get_for_person
from payments.services.bills import payable_or_error, payment_event_add, payment_mark_paid
from registry.models import Person


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


def _declines(payment: Payment) -> int:
    return PaymentEvent.objects.filter(payment=payment, action="card_declined").count()


def payment_pay_by_card(
    *,
    person: Person,
    payment_id: int,
    idempotency_key: str,
    card_number: str,
    expiry_month: int,
    expiry_year: int,
    cvv: str,
    render: Callable[[Payment], dict],
) -> CardResult:
    """Charge the card through the gateway in force (payments.gateway) once per (person, Idempotency-Key).

    One transaction: insert the key row first (a concurrent request with the same key blocks
    on the unique index until this one commits, then replays the stored answer), lock the
    payment, charge, store the answer. `render(payment) -> dict` is the API's output shape,
    stored so a replay returns the same answer."""
    payment_get_for_person(person=person, payment_id=payment_id)  # 404 for another person's payment
    gateway = card_gateway()
    if gateway is None:  # no card gateway in this deployment: card checkout does not exist
        raise Http404
    request_hash = _request_hash(
        {"payment": int(payment_id), "card": card_number, "m": int(expiry_month), "y": int(expiry_year), "cvv": cvv}
    )
    key = (idempotency_key or "").strip()
    if not key or len(key) > 255:
        raise ApplicationError("IDEMPOTENCY_KEY_REQUIRED", _("Send an Idempotency-Key header (at most 255 characters)."), status=400)
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(
                person=person, key=key, request_hash=request_hash, payment_id=payment_id, response_status=0, response_body={}
            )
            payment = PAYMENT.lock(payment_id, select_related=("person",))
            error = payable_or_error(payment)
            if error is None and _declines(payment) >= settings.PAYMENT_CARD_MAX_DECLINES:
                # Card testing protection: after this many declines the bill takes no more cards (SADAD stays open).
                error = ApplicationError(
                    "CARD_ATTEMPTS_EXCEEDED", _("Too many declined cards for this bill. Pay it through SADAD instead."), status=429
                )
            charge = None
            if error is None:
                charge = gateway.charge(
                    card_number=card_number, expiry_month=int(expiry_month), expiry_year=int(expiry_year), cvv=cvv, amount=payment.amount
                )
            if charge is not None and not charge.approved:
                error = ApplicationError(
                    "CARD_DECLINED", _("The card was declined by the bank. Try another card or pay the SADAD bill."), status=402
                )
                payment_event_add(payment=payment, action="card_declined", data={"last4": card_number[-4:]})
                audit_log_write(action="payment.card_declined", person=person, obj=payment, last4=card_number[-4:])
            if error is not None:
                status, body = error.status, error_body(error.code, error.message, error.details)
            else:
                payment, _changed = payment_mark_paid(payment_id=payment.pk, method=Payment.Method.CARD, card_last4=charge.last4)
                status, body = 200, render(payment)
            row.response_status, row.response_body = status, body
            row.save(update_fields=["response_status", "response_body"])
            return CardResult(status, body, payment.pk)
    except IntegrityError:
        row = IdempotencyKey.objects.get(person=person, key=key)
        if row.request_hash != request_hash:
            raise ApplicationError(
                "IDEMPOTENCY_KEY_REUSED", _("This Idempotency-Key was already used for a different request."), status=422
            ) from None
        return CardResult(row.response_status, row.response_body, row.payment_id, replayed=True)
