"""SADAD: the bank's signed notifications (the sandbox bank page calls the same function).
The signature is checked over the raw body before it is parsed; a bank_reference is applied once."""

import datetime as dt
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from payments.models import Payment, SadadNotification
from payments.services.bills import TWO_PLACES, payable_or_error, payment_event_add, payment_mark_paid


@dataclass(frozen=True)
class SadadOutcome:
    """The answer to the bank: APPLIED, or ALREADY_APPLIED for a replayed bank_reference."""

    status: str
    bill_number: str
    payment_status: str


def sadad_sign(*, raw_body: bytes, timestamp: int | None = None, secret: str | None = None) -> str:
    """The X-Sadad-Signature header value for a body: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    t = int(timestamp if timestamp is not None else time.time())
    key = (secret if secret is not None else settings.SADAD_WEBHOOK_SECRET or "").encode()
    mac = hmac.new(key, f"{t}.".encode() + raw_body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def sadad_verify(*, raw_body: bytes, header: str) -> None:
    """Raise 400 INVALID_SIGNATURE unless the header signs this body with the secret, within the tolerance."""
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


def _parse(raw_body: bytes) -> tuple[str, str, Decimal, dt.datetime]:
    try:
        data = json.loads(raw_body.decode("utf-8"))
        bill_number = str(data["bill_number"])
        bank_reference = str(data["bank_reference"]).strip()
        amount = Decimal(str(data["amount"]))
        paid_at = dt.datetime.fromisoformat(str(data["paid_at"]).replace("Z", "+00:00"))
        if not bank_reference or len(bank_reference) > 64 or amount.as_tuple().exponent < -2 or not amount.is_finite():
            raise ValueError
        if timezone.is_naive(paid_at):
            paid_at = timezone.make_aware(paid_at, dt.UTC)
    except (ValueError, KeyError, TypeError, ArithmeticError, UnicodeDecodeError, AttributeError):
        raise ApplicationError(
            "MALFORMED_REQUEST", _("The notification must carry bill_number, amount, paid_at and bank_reference."), status=400
        ) from None
    return bill_number, bank_reference, amount.quantize(TWO_PLACES), paid_at


def sadad_notification_receive(*, raw_body: bytes, signature: str) -> SadadOutcome:
    """Apply one signed SADAD notification. Verify the signature over the raw body first, then
    parse. The same bank_reference again answers as before and changes nothing; a notification
    for a paid bill with another bank_reference is refused."""
    sadad_verify(raw_body=raw_body, header=signature)
    bill_number, bank_reference, amount, paid_at = _parse(raw_body)
    refused = None
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(bill_number=bill_number).first()
        if payment is None:
            raise ApplicationError("NOT_FOUND", _("Unknown bill number."), status=404)
        seen = SadadNotification.objects.filter(bank_reference=bank_reference).first()
        if seen is not None:
            if seen.payment_id != payment.pk or seen.amount != amount:
                raise ApplicationError(
                    "BANK_REFERENCE_REUSED", _("This bank reference was already used for another notification."), status=409
                )
            return SadadOutcome("ALREADY_APPLIED", bill_number, payment.status)
        if amount != payment.amount:
            refused = ApplicationError(
                "AMOUNT_MISMATCH",
                _("The amount paid does not match the bill."),
                details={"expected": str(payment.amount), "received": str(amount)},
                status=409,
            )
        else:
            refused = payable_or_error(payment)
        if refused is not None:
            # Kept in the payment's history (committed), then refused: nothing else changes.
            payment_event_add(
                payment=payment,
                action="sadad_refused",
                data={"code": refused.code, "amount": str(amount), "bank_reference": bank_reference},
            )
        else:
            SadadNotification.objects.create(
                bank_reference=bank_reference,
                bill_number=bill_number,
                amount=amount,
                paid_at=paid_at,
                payment=payment,
                raw_body=raw_body.decode("utf-8")[:4000],
            )
            payment, _changed = payment_mark_paid(
                payment_id=payment.pk, method=Payment.Method.SADAD, paid_at=paid_at, bank_reference=bank_reference
            )
    if refused is not None:
        raise refused
    return SadadOutcome("APPLIED", bill_number, payment.status)
