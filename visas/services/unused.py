"""An issued visa not used by its use-by day: lapsing it with the unused-visa fine, the periodic
sweep, the warning before it lapses, and an officer's waiver of the fine. Every move goes
through visas.flow.VISA."""

import uuid

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import dates
from core.errors import ApplicationError
from core.services import audit_log_write
from notifications.services import notification_send
from registry.models import Fine
from registry.services import FINE_SETTLES_TYPE
from visas.flow import VISA, InLanguage
from visas.models import Visa
from visas.services.fees import UNUSED_VISA_FINE, unused_fine_amount

S = Visa.Status


# --- lapsing unused, the fine, the warning (periodic) ---------------------------------------------
def _dual_in(lang: str, day) -> str:
    """A date in both calendars as `lang` writes it (stored texts hold each language's own)."""
    with translation.override(lang):
        return dates.dual_date(day)


def _fine_reference() -> str:
    return "UVF-" + uuid.uuid4().hex[:10].upper()


def visa_expire_unused(*, visa_id: int) -> bool:
    """ISSUED and not used by its use-by day → LAPSED, with the unused-visa fine (a registry Fine of kind
    "visa", by how many the traveller already had). Returns True when it lapsed; a second run does nothing."""
    with transaction.atomic():
        visa = VISA.lock(visa_id, select_related=("person",))
        if not VISA.can(visa, "expire_unused") or visa.use_by is None or visa.use_by >= dates.today():
            return False
        previous = Fine.objects.filter(person_id=visa.person_id, kind=Fine.Kind.VISA).count()
        amount = unused_fine_amount(previous=previous)
        fine = Fine.objects.create(
            person_id=visa.person_id,
            kind=Fine.Kind.VISA,
            reference=_fine_reference(),
            description_ar=f"غرامة عدم استخدام تأشيرة الخروج والعودة رقم {visa.number} قبل {_dual_in('ar', visa.use_by)}",
            description_en=f"Exit/re-entry visa {visa.number} not used before {_dual_in('en', visa.use_by)}",
            amount=amount,
            issued_on=dates.today(),
        )
        visa.fine = fine
        VISA.apply(visa, "expire_unused", fields=["fine"], note=f"not used by {visa.use_by}; fine {fine.reference}", fine=str(amount))
        audit_log_write(action="visa.fine_created", person=visa.person, obj=fine, amount=str(amount), visa=visa.pk, code=UNUSED_VISA_FINE)
    return True


def visa_lapse_sweep() -> int:
    """Periodic: lapse every issued visa whose use-by day has passed."""
    ids = list(
        Visa.objects.filter(status__in=VISA.statuses_allowing("expire_unused"), use_by__lt=dates.today()).values_list("pk", flat=True)[:500]
    )
    return sum(1 for pk in ids if visa_expire_unused(visa_id=pk))


LAPSE_WARNING = (
    gettext_lazy("Exit/re-entry visa about to lapse"),
    gettext_lazy(
        "Visa %(number)s for %(name)s lapses unused on %(use_by)s. Leave before then or cancel it, or a fine of SAR %(fine)s is due."
    ),
)


def visa_lapse_warning_sweep() -> int:
    """Periodic: tell the applicant and the traveller VISA_LAPSE_WARNING_DAYS before an issued visa lapses
    unused. Once per visa (compare-and-set on lapse_warned_at)."""
    horizon = dates.today() + timezone.timedelta(days=settings.VISA_LAPSE_WARNING_DAYS)
    ids = list(
        Visa.objects.filter(status=S.ISSUED, lapse_warned_at__isnull=True, use_by__lte=horizon, use_by__gte=dates.today()).values_list(
            "pk", flat=True
        )[:500]
    )
    sent = 0
    for pk in ids:
        with transaction.atomic():
            if Visa.objects.filter(pk=pk, status=S.ISSUED, lapse_warned_at__isnull=True).update(lapse_warned_at=timezone.now()) != 1:
                continue
            visa = Visa.objects.select_related("person", "application__applicant").get(pk=pk)
            previous = Fine.objects.filter(person_id=visa.person_id, kind=Fine.Kind.VISA).count()
            context = {
                "number": visa.number,
                "name": InLanguage(lambda v=visa: v.person.name),
                "use_by": InLanguage(lambda v=visa: dates.dual_date(v.use_by)),
                "fine": f"{unused_fine_amount(previous=previous):.2f}",
            }
            for who in {visa.application.applicant_id: visa.application.applicant, visa.person_id: visa.person}.values():
                notification_send(
                    person=who,
                    kind="visa",
                    event_key=f"visa:{visa.pk}:lapse_warning:{who.pk}",
                    title=LAPSE_WARNING[0],
                    body=LAPSE_WARNING[1],
                    context=context,
                    link=reverse("visas:detail", kwargs={"pk": visa.pk}),
                )
            sent += 1
    return sent


# --- officers ---------------------------------------------------------------------------------------
def visa_fine_waive(*, visa_id: int, officer, reason: str) -> Visa:
    """An officer waives a lapsed visa's unpaid fine with a reason (audited): the fine leaves the
    outstanding list (settled as WAIVED) and the next visa is no longer refused for it."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("REASON_REQUIRED", _("Give the reason for the waiver."), status=400)
    with transaction.atomic():
        visa = VISA.lock(visa_id)
        if visa.fine_id is None:
            raise ApplicationError("NO_FINE", _("This visa has no fine."), status=409)
        fine = Fine.objects.select_for_update().get(pk=visa.fine_id)
        if fine.paid_at is not None:
            raise ApplicationError("FINE_SETTLED", _("The fine is already paid or waived."), status=409)
        now = timezone.now()
        fine.paid_at, fine.paid_by, fine.version = now, "WAIVED", fine.version + 1
        fine.save(update_fields=["paid_at", "paid_by", "version"])
        visa.fine_waived_at, visa.fine_waived_by, visa.fine_waive_reason = now, officer, reason[:300]
        visa.save(update_fields=["fine_waived_at", "fine_waived_by", "fine_waive_reason", "updated_at"])
        VISA.record(visa, "fine_waived", note=reason, officer=officer, data={"fine": fine.reference, "amount": str(fine.amount)})
        audit_log_write(
            action="visa.fine_waived",
            person=visa.person,
            officer=officer,
            obj=visa,
            fine=fine.reference,
            amount=str(fine.amount),
            reason=reason,
            settles_type=FINE_SETTLES_TYPE,
        )
    return visa
