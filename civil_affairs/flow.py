"""The national ID renewal flow, declared once as a table: {status: {action: next status}}.

core.transitions.Flow performs every move (lock, version, check, history, audit, notify on
commit); services name an action, pages, admin and the API ask the table
(`ID_RENEWAL.can(renewal, "cancel")`, or `{{ renewal|can:"cancel" }}` in a template).

    PHOTO_CHECK ─photo_passed→ AWAITING_DELIVERY_CHOICE ─choose_delivery→ AWAITING_PAYMENT ─pay→ IN_PROCESS
        └photo_failed→ PHOTO_REJECTED      └nothing_to_pay→ IN_PROCESS (a pickup in time, no fines)
    AWAITING_DELIVERY_CHOICE, AWAITING_PAYMENT ─cancel→ CANCELLED;  AWAITING_PAYMENT ─lapse→ CANCELLED
    IN_PROCESS ─auto_approve→ APPROVED | ─refer→ UNDER_REVIEW | ─reject→ REJECTED
    UNDER_REVIEW ─approve→ APPROVED | ─reject→ REJECTED
    APPROVED ─print→ PRINTING ─dispatch→ OUT_FOR_DELIVERY ─deliver→ DELIVERED
                              └ready→ READY_FOR_PICKUP ─collect→ COLLECTED

`approve` is the officer's confirmation and exists only from UNDER_REVIEW; the automatic
approval (every rule holds) is `auto_approve`, from IN_PROCESS."""

from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civil_affairs.models import FINAL_STATUSES, OPEN_STATUSES, IdRenewal, IdRenewalEvent
from core.transitions import Flow
from notifications.services import InLanguage, notification_send

S = IdRenewal.Status

_MOVES = {
    S.PHOTO_CHECK: {"photo_passed": S.AWAITING_DELIVERY_CHOICE, "photo_failed": S.PHOTO_REJECTED},
    S.AWAITING_DELIVERY_CHOICE: {"choose_delivery": S.AWAITING_PAYMENT, "nothing_to_pay": S.IN_PROCESS, "cancel": S.CANCELLED},
    S.AWAITING_PAYMENT: {"pay": S.IN_PROCESS, "cancel": S.CANCELLED, "lapse": S.CANCELLED},
    S.IN_PROCESS: {"auto_approve": S.APPROVED, "refer": S.UNDER_REVIEW, "reject": S.REJECTED},
    S.UNDER_REVIEW: {"approve": S.APPROVED, "reject": S.REJECTED},
    S.APPROVED: {"print": S.PRINTING},
    S.PRINTING: {"dispatch": S.OUT_FOR_DELIVERY, "ready": S.READY_FOR_PICKUP},
    S.OUT_FOR_DELIVERY: {"deliver": S.DELIVERED},
    S.READY_FOR_PICKUP: {"collect": S.COLLECTED},
}
# Plain strings (not enum members) so history, audit and notification keys hold the values.
MOVES = {status.value: {action: to.value for action, to in acts.items()} for status, acts in _MOVES.items()}

# The card's journey after approval: the actions an officer's "next stage" button (and the
# periodic progress) may take.
CARD_ACTIONS = ("print", "dispatch", "ready", "deliver", "collect")

# What the person reads when the request reaches each status (after commit, robust).
STATUS_TITLES = {
    S.AWAITING_DELIVERY_CHOICE: (_("Your photo was accepted"), _("Renewal %(reference)s: choose delivery or pickup to continue.")),
    S.PHOTO_REJECTED: (
        _("Your photo was not accepted"),
        _("Renewal %(reference)s: the photo did not pass the check. Start again with a new photo."),
    ),
    S.AWAITING_PAYMENT: (_("Payment due for your ID renewal"), _("Renewal %(reference)s: pay SAR %(amount)s to continue.")),
    S.IN_PROCESS: (
        _("Your ID renewal is being processed"),
        _("Renewal %(reference)s: we received your payment and are processing the request."),
    ),
    S.UNDER_REVIEW: (_("Your ID renewal is under review"), _("Renewal %(reference)s: an officer is reviewing your request.")),
    S.APPROVED: (_("Your ID renewal was approved"), _("Renewal %(reference)s: your new card is valid until %(expiry)s.")),
    S.PRINTING: (_("Your new ID card is being printed"), _("Renewal %(reference)s: the card is at the printer.")),
    S.OUT_FOR_DELIVERY: (
        _("Your new ID card is on its way"),
        _("Renewal %(reference)s: the card is out for delivery to your national address."),
    ),
    S.READY_FOR_PICKUP: (
        _("Your new ID card is ready for pickup"),
        _("Renewal %(reference)s: collect your card at %(office)s with your old card."),
    ),
    S.DELIVERED: (_("Your new ID card was delivered"), _("Renewal %(reference)s: the card was delivered.")),
    S.COLLECTED: (_("Your new ID card was collected"), _("Renewal %(reference)s: the card was collected.")),
    S.REJECTED: (_("Your ID renewal was rejected"), _("Renewal %(reference)s was rejected: %(reason)s. Any payment is refunded.")),
    S.CANCELLED: (_("Your ID renewal was cancelled"), _("Renewal %(reference)s was cancelled.")),
}


def renewal_notify(renewal_id: int, status: str) -> None:
    """The flow's notification for a status reached; core.transitions calls it after commit,
    robustly (a failure is logged and never undoes the move)."""
    titles = STATUS_TITLES.get(status)
    if not titles:
        return
    renewal = IdRenewal.objects.select_related("person", "payment", "new_card", "office").get(pk=renewal_id)
    context = {
        "reference": renewal.reference,
        "amount": str(renewal.payment.amount) if renewal.payment_id else "0.00",
        "expiry": renewal.new_card.expiry_date if renewal.new_card_id else "",  # both calendars, per language
        "office": InLanguage(lambda: renewal.office.name if renewal.office_id else ""),
        "reason": renewal.decision_reason,
    }
    notification_send(
        person=renewal.person,
        kind="id_renewal",
        event_key=f"id_renewal:{renewal.pk}:{status}",
        title=titles[0],
        body=titles[1],
        context=context,
        link=reverse("civil_affairs:detail", kwargs={"pk": renewal.pk}),
    )


ID_RENEWAL = Flow(
    name="id_renewal",
    model=IdRenewal,
    history=IdRenewalEvent,
    moves=MOVES,
    # Looked up at call time, so a test can replace renewal_notify (or notification_send).
    notify=lambda pk, status: renewal_notify(pk, status),
    finals=frozenset(FINAL_STATUSES),
)


def _reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        status = todo.pop()
        if status not in seen:
            seen.add(status)
            todo.extend(MOVES.get(status, {}).values())
    return seen


# A request that reached APPROVED ends well whatever follows; the other final statuses are the
# bad endings. The page colours a status by this, not by a list of its own.
GOOD_STATUSES = frozenset(_reachable(S.APPROVED.value))
BAD_STATUSES = frozenset(s for s in ID_RENEWAL.statuses if ID_RENEWAL.is_final(s)) - GOOD_STATUSES

# The model's open/final statuses (and with them the partial unique constraint) must be the table's.
if set(OPEN_STATUSES) != {s for s in ID_RENEWAL.statuses if not ID_RENEWAL.is_final(s)} or set(FINAL_STATUSES) != {
    s for s in ID_RENEWAL.statuses if ID_RENEWAL.is_final(s)
}:
    raise ImproperlyConfigured("civil_affairs.models.OPEN_STATUSES/FINAL_STATUSES disagree with ID_RENEWAL.moves")


def status_tone(status: str) -> str:
    """ "ok", "bad" or "warn" (still moving) for a status badge."""
    return "ok" if status in GOOD_STATUSES else "bad" if status in BAD_STATUSES else "warn"


def card_next_action(renewal: IdRenewal) -> str | None:
    """The card's next stage from here, if any: a printed card goes out by post when the person
    chose delivery, else waits at the office."""
    actions = [a for a in ID_RENEWAL.actions(renewal) if a in CARD_ACTIONS]
    if {"dispatch", "ready"} <= set(actions):
        return "dispatch" if renewal.delivery_method == IdRenewal.Delivery.POST else "ready"
    return actions[0] if actions else None
