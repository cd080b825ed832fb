"""The family iqama renewal's moves, declared once (core.transitions). Services move a request only
through IQAMA_RENEWAL; pages, admin and the API ask it what is allowed (`IQAMA_RENEWAL.can(r, "cancel")`).

    AWAITING_PAYMENT --pay--> PROCESSING --auto_approve--> APPROVED      (every rule still holds)
                     --cancel--> CANCELLED                 --refer--> UNDER_REVIEW --approve--> APPROVED
                     --lapse--> CANCELLED (bill expired)                            --reject--> REJECTED (refunded)

`auto_approve` is the re-check's own move and `approve` the officer's, so an officer can decide only a
request under review. Exit/re-entry visas will declare their own flow beside this one."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.transitions import Flow
from notifications.services import notification_send
from passports.models import IqamaRenewal, IqamaRenewalEvent

S = IqamaRenewal.Status

# What the head of family is told when a request reaches a status (others send nothing).
NOTIFY_TEXTS = {
    S.APPROVED: (
        _("Family iqama renewal approved"),
        _("Request %(reference)s is approved: the iqamas of %(count)s dependents were renewed."),
    ),
    S.UNDER_REVIEW: (
        _("Family iqama renewal under review"),
        _("Request %(reference)s: a condition changed after the quote, so an officer will review it."),
    ),
    S.REJECTED: (_("Family iqama renewal rejected"), _("Request %(reference)s was rejected: %(reason)s. SAR %(amount)s is refunded.")),
}


def renewal_notify(renewal_id: int, status: str) -> None:
    """The flow's notify: runs after commit (robust), once per move; the inbox is idempotent on event_key."""
    if status not in NOTIFY_TEXTS:
        return
    renewal = IqamaRenewal.objects.select_related("head", "payment").get(pk=renewal_id)
    title, body = NOTIFY_TEXTS[status]
    notification_send(
        person=renewal.head,
        kind="iqama_renewal",
        event_key=f"iqama_renewal:{renewal.pk}:{status}",
        title=title,
        body=body,
        context={
            "reference": renewal.reference,
            "count": renewal.items.count(),
            "reason": renewal.decision_reason,
            "amount": f"{renewal.payment.amount:.2f}" if renewal.payment_id else "0.00",
        },
        link=reverse("passports:detail", kwargs={"pk": renewal.pk}),
    )


IQAMA_RENEWAL = Flow(
    name="iqama_renewal",
    model=IqamaRenewal,
    history=IqamaRenewalEvent,
    moves={
        S.AWAITING_PAYMENT: {"pay": S.PROCESSING, "cancel": S.CANCELLED, "lapse": S.CANCELLED},
        S.PROCESSING: {"auto_approve": S.APPROVED, "refer": S.UNDER_REVIEW},
        S.UNDER_REVIEW: {"approve": S.APPROVED, "reject": S.REJECTED},
    },
    notify=renewal_notify,
    person_field="head",
)
