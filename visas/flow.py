"""The exit/re-entry visa's moves, declared once (core.transitions). Services move a visa only
through VISA; pages, admin and the API ask it what is allowed (`VISA.can(visa, "cancel")`).

    AWAITING_PAYMENT --pay--> ISSUED --exit--> USED_EXIT --return--> RETURNED --exit--> USED_EXIT (multiple, while valid)
                     --cancel--> CANCELLED     --cancel--> CANCELLED (free, no refund)
                     --lapse--> CANCELLED      --expire_unused--> LAPSED (not used in time: a fine)
                                                USED_EXIT --extend--> USED_EXIT (paid extra months, abroad)

The table cannot see the type: a single visa's second exit from RETURNED is refused by the border
service (VISA_USED)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.dates import dual_date
from core.i18n import localized
from core.transitions import Flow
from notifications.services import InLanguage, notification_send
from visas.models import Visa, VisaEvent

S = Visa.Status

# What the applicant is told when a visa reaches a status (others send nothing).
NOTIFY_TEXTS = {
    S.ISSUED: (
        _("Exit/re-entry visa issued"),
        _("Visa %(number)s for %(name)s is issued. Leave the Kingdom before %(use_by)s or it lapses."),
    ),
    S.USED_EXIT: (_("Exit recorded"), _("%(name)s left the Kingdom on visa %(number)s, valid until %(valid_until)s.")),
    S.RETURNED: (_("Return recorded"), _("%(name)s returned to the Kingdom on visa %(number)s.")),
    S.LAPSED: (
        _("Exit/re-entry visa lapsed: a fine is due"),
        _("Visa %(number)s for %(name)s was not used in time and lapsed. A fine of SAR %(fine)s is due before the next visa."),
    ),
    S.CANCELLED: (_("Exit/re-entry visa cancelled"), _("The visa of %(name)s (%(number)s) is cancelled.")),
}


def visa_notify(visa_id: int, status: str, *, kind: str = "") -> None:
    """The flow's notify: after commit (robust), once per move and status (the inbox is idempotent on event_key)."""
    if status not in NOTIFY_TEXTS:
        return
    visa = Visa.objects.select_related("person", "application__applicant", "fine").get(pk=visa_id)
    title, body = NOTIFY_TEXTS[status]
    context = {
        "number": visa.number or visa.application.reference,
        "name": InLanguage(lambda: localized(visa.person.name_ar, visa.person.name_en)),
        "use_by": InLanguage(lambda: dual_date(visa.use_by)),
        "valid_until": InLanguage(lambda: dual_date(visa.valid_until)),
        "fine": f"{visa.fine.amount:.2f}" if visa.fine_id else "0.00",
    }
    # Each event once per visa; a multiple visa's exits and returns are told each time (by version).
    suffix = f":{visa.version}" if status in (S.USED_EXIT, S.RETURNED) else ""
    for who in {visa.application.applicant_id: visa.application.applicant, visa.person_id: visa.person}.values():
        notification_send(
            person=who,
            kind="visa",
            event_key=f"visa:{visa.pk}:{status}{suffix}:{who.pk}",
            title=title,
            body=body,
            context=context,
            link=reverse("visas:detail", kwargs={"pk": visa.pk}),
        )


VISA = Flow(
    name="visa",
    model=Visa,
    history=VisaEvent,
    moves={
        S.AWAITING_PAYMENT: {"pay": S.ISSUED, "cancel": S.CANCELLED, "lapse": S.CANCELLED},
        S.ISSUED: {"exit": S.USED_EXIT, "cancel": S.CANCELLED, "expire_unused": S.LAPSED},
        S.USED_EXIT: {"return": S.RETURNED, "extend": S.USED_EXIT},
        S.RETURNED: {"exit": S.USED_EXIT},
    },
    notify=visa_notify,
)
