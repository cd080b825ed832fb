"""The payment flow, declared once. Every status change of a payment is a move of this table,
made by core.transitions (lock, check, version, one history row, one audit row
"payment.<to lower>", the payer's notification after commit). Pages, admin and services ask the
table (PAYMENT.can(payment, "refund")) instead of listing statuses.

    PENDING --pay--> PAID --refund--> REFUNDED
    PENDING --expire--> EXPIRED   (the bill's due time passed)
    PENDING --fail--> FAILED      (the request behind the bill was withdrawn)"""

from core.transitions import Flow
from payments.models import Payment, PaymentEvent
from payments.notices import payment_notify

S = Payment.Status

PAYMENT = Flow(
    name="payment",
    model=Payment,
    history=PaymentEvent,
    moves={
        S.PENDING: {"pay": S.PAID, "expire": S.EXPIRED, "fail": S.FAILED},
        S.PAID: {"refund": S.REFUNDED},
    },
    notify=payment_notify,
)


def _reachable(start: str) -> frozenset[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in PAYMENT.moves.get(todo.pop(), {}).values():
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return frozenset(seen)


# A payment that was paid, whatever happened after (it has a receipt): PAID and every status after it.
PAID_OR_AFTER = _reachable(S.PAID)
# A bill that closed unpaid: where "expire" and "fail" lead (its request may close at once).
LAPSED = frozenset({PAYMENT.target(S.PENDING, "expire"), PAYMENT.target(S.PENDING, "fail")})


def payment_has_receipt(payment: Payment) -> bool:
    return payment.status in PAID_OR_AFTER
