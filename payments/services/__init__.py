"""Payment writes and transitions, split by concern. Every status change is a move of
payments.flow.PAYMENT (core.transitions: lock, check, version, history, audit, notify on commit);
follow-up work is queued by task path after commit (core.transitions.enqueue), so tasks import
services and never the reverse.

- bills: LineItem, payment_create, payment_mark_paid, payment_expire(_due), payment_fail
- card: the card checkout with Idempotency-Key
- sadad: signing, verifying and receiving the bank's notifications
- refunds: payment_refund
- handovers: fulfil (exactly once), refund and lapse hand-overs to the request, the sweeper"""

from payments.services.bills import (
    TWO_PLACES,
    LineItem,
    payable_or_error,
    payment_create,
    payment_event_add,
    payment_expire,
    payment_expire_due,
    payment_fail,
    payment_mark_paid,
)
from payments.services.card import CardResult, card_error_message, payment_pay_by_card
from payments.services.handovers import payment_fulfil, payment_fulfil_sweep, payment_lapse_handover, payment_refund_handover
from payments.services.refunds import payment_refund
from payments.services.sadad import SadadOutcome, sadad_notification_receive, sadad_sign, sadad_verify

__all__ = [
    "TWO_PLACES",
    "CardResult",
    "LineItem",
    "SadadOutcome",
    "card_error_message",
    "payable_or_error",
    "payment_create",
    "payment_event_add",
    "payment_expire",
    "payment_expire_due",
    "payment_fail",
    "payment_fulfil",
    "payment_fulfil_sweep",
    "payment_lapse_handover",
    "payment_mark_paid",
    "payment_pay_by_card",
    "payment_refund",
    "payment_refund_handover",
    "sadad_notification_receive",
    "sadad_sign",
    "sadad_verify",
]
