"""Writes of exit/re-entry visa applications: submitting one (one visa per traveller, one
payment for all), the payment's hand-overs, and cancelling. Extensions are in extension.py;
lapsing unused, the fine, its warning and waiver in unused.py. Every status change goes
through the declared flow (visas.flow.VISA): it locks the row, checks the move (409
INVALID_STATE), bumps the version, saves, writes one history row and one audit row
(`visa.<status lower>`), and notifies after commit."""

import logging
import secrets
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import dates
from core.errors import ApplicationError
from core.services import audit_log_write
from payments.models import Payment, PaymentItem
from payments.services import LineItem, payment_create, payment_fail, payment_refund
from registry.models import Iqama, Person
from visas.flow import VISA
from visas.models import Visa, VisaApplication, VisaEvent
from visas.selectors import traveller_get_for, visa_get_for_person
from visas.services.eligibility import Assessment, assess
from visas.services.fees import (
    VISA_FEE,
    parse_months,
    parse_type,
)

log = logging.getLogger(__name__)
S = Visa.Status
PURPOSE = "visa"
EXTENSION_PURPOSE = "visa_extension"
LAPSED_BILL = (Payment.Status.EXPIRED, Payment.Status.FAILED)
TYPE_TEXTS = {"SINGLE": ("مفردة", "single"), "MULTIPLE": ("متعددة", "multiple")}


def months_in(lang: str, n: int) -> str:
    """ "2 months" as `lang` writes it (Arabic agrees with the number: شهر واحد، شهران، 3 أشهر، 11 شهراً)."""
    with translation.override(lang):
        return ngettext("%(months)s month", "%(months)s months", n) % {"months": n}


def _reference() -> str:
    return "VSA-" + uuid.uuid4().hex[:10].upper()


def _visa_number() -> str:
    return "4" + "".join(secrets.choice("0123456789") for _ in range(9))


def assessment_failure_details(assessments: list[Assessment]) -> dict:
    return {
        "items": [
            {
                "person_id": a.person.pk,
                "eligible": a.eligible,
                "checks": [
                    {"code": c.code, "passed": c.passed, "message": c.message, "fix": c.fix, "fix_url": c.fix_url}
                    for c in a.checks
                    if not c.passed
                ],
            }
            for a in assessments
        ]
    }


# --- submit (the caller, for himself and his dependents) --------------------------------------
def parse_items(*, person: Person, items: list[dict]) -> list[tuple[Person, str, int]]:
    """[(traveller, type, months)]: each traveller the caller himself or his dependent (else 404),
    once; type SINGLE or MULTIPLE (400 INVALID_TYPE); 1..VISA_MAX_MONTHS months (400 INVALID_PERIOD)."""
    if not items:
        raise ApplicationError("NO_TRAVELLERS", _("Choose at least one traveller."), status=400)
    wanted = []
    for it in items:
        traveller = traveller_get_for(person=person, person_id=it.get("person_id"))
        wanted.append((traveller, parse_type(it.get("type")), parse_months(it.get("months"))))
    ids = [t.pk for t, _t, _m in wanted]
    if len(set(ids)) != len(ids):
        raise ApplicationError("DUPLICATE_TRAVELLER", _("Each traveller can appear only once in an application."), status=400)
    return wanted


def _line_items(assessments: list[Assessment]) -> list[LineItem]:
    out = []
    for a in assessments:
        p, (type_ar, type_en) = a.person, TYPE_TEXTS[a.type]
        out.append(
            LineItem(
                code=VISA_FEE,
                kind=PaymentItem.Code.FEE,
                description_ar=f"تأشيرة خروج وعودة {type_ar} — {p.name_ar} ({months_in('ar', a.months)})"[:200],
                description_en=f"Exit/re-entry visa, {type_en} — {p.name_en} ({months_in('en', a.months)})"[:200],
                amount=a.quote.total,
                settles_type="registry.person",
                settles_id=str(p.pk),
            )
        )
    return out


def application_submit(*, person: Person, items: list[dict], idempotency_key: str | None = None, ip: str = "") -> VisaApplication:
    """One application, one visa per traveller (AWAITING_PAYMENT) and one payment for all.
    Refuses: 404 for a traveller who is neither the caller nor his dependent; 400 INVALID_TYPE,
    INVALID_PERIOD, NO_TRAVELLERS, DUPLICATE_TRAVELLER; 409 NOT_ELIGIBLE (details.items);
    409 ALREADY_SUBMITTED (the same form or key again)."""
    wanted = parse_items(person=person, items=items)
    try:
        with transaction.atomic():
            # Serialise submissions touching the same people (two tabs, a double click, the head and his
            # wife applying for her at once): lock the applicant's and every traveller's registry row, in
            # one order so two submissions never wait on each other. FOR NO KEY UPDATE: rows that only
            # point at these people (visas, payments, the audit) can still be inserted meanwhile.
            people = sorted({person.pk, *(t.pk for t, _t, _m in wanted)})
            list(Person.objects.select_for_update(no_key=True).filter(pk__in=people).order_by("pk").values_list("pk", flat=True))
            if idempotency_key:
                existing = VisaApplication.objects.filter(idempotency_key=idempotency_key).first()
                if existing is not None:
                    raise ApplicationError(
                        "ALREADY_SUBMITTED",
                        _("This application has already been submitted."),
                        {"id": existing.pk if existing.applicant_id == person.pk else None},
                        status=409,
                    )
            # A bill that lapsed still holds its visas until the hand-over runs: close those now.
            for stale in (
                VisaApplication.objects.filter(
                    visas__person_id__in=[t.pk for t, _t, _m in wanted],
                    visas__status=S.AWAITING_PAYMENT,
                    payment__status__in=LAPSED_BILL,
                )
                .values_list("pk", flat=True)
                .distinct()
            ):
                application_close_unpaid(application_id=stale)
            assessments = [assess(person=t, visa_type=ty, months=m) for t, ty, m in wanted]
            if not all(a.eligible for a in assessments):
                raise ApplicationError(
                    "NOT_ELIGIBLE", _("Some travellers cannot get a visa now."), assessment_failure_details(assessments), status=409
                )
            application = VisaApplication.objects.create(applicant=person, reference=_reference(), idempotency_key=idempotency_key or None)
            for a in assessments:
                visa = Visa.objects.create(
                    application=application,
                    person=a.person,
                    type=a.type,
                    months=a.months,
                    fee=a.quote.total,
                    valid_until=a.quote.valid_until,
                    checks_at_submit=[c.as_json() for c in a.checks],
                )
                VisaEvent.objects.create(visa=visa, action="submit", from_status="", to_status=visa.status)
            payment = payment_create(person=person, purpose=PURPOSE, object_id=str(application.pk), items=_line_items(assessments))
            application.payment = payment
            application.save(update_fields=["payment"])
            audit_log_write(
                action="visa.submitted",
                person=person,
                obj=application,
                to_status=S.AWAITING_PAYMENT,
                ip=ip,
                travellers=[a.person.pk for a in assessments],
                amount=str(payment.amount),
            )
    except IntegrityError:
        # The partial unique index (one open visa per traveller) or the idempotency key caught a race.
        raise ApplicationError("ALREADY_SUBMITTED", _("This application has already been submitted."), status=409) from None
    return application


# --- payment hand-overs (payments.hooks, in a worker) -----------------------------------------
def _issue(visa: Visa, today) -> list[str]:
    """Number, issue time, the use-by day and the end of the period (never past the iqama's expiry)."""
    iqama_expiry = Iqama.objects.filter(person_id=visa.person_id).values_list("expiry_date", flat=True).first()
    for _attempt in range(10):
        number = _visa_number()
        if not Visa.objects.filter(number=number).exists():
            break
    visa.number = number
    visa.issued_at = timezone.now()
    until = dates.add_months(today, visa.months)
    visa.valid_until = min(until, iqama_expiry) if iqama_expiry else until
    visa.use_by = min(dates.add_months(today, settings.VISA_USE_WITHIN_MONTHS), visa.valid_until)
    return ["number", "issued_at", "valid_until", "use_by"]


def application_on_paid(*, payment_id: int) -> None:
    """Every visa of the application AWAITING_PAYMENT → ISSUED. A bill paid after the application was
    cancelled is refunded (in the hand-over's transaction). Safe to run twice."""
    with transaction.atomic():
        application = VisaApplication.objects.filter(payment_id=payment_id).first()
        if application is None:
            log.error("visas: no application for paid payment %s", payment_id)
            return
        visas = list(Visa.objects.select_for_update().filter(application=application).order_by("pk"))
        today = dates.today()
        issued = 0
        for visa in visas:
            if VISA.can(visa, "pay"):
                VISA.apply(visa, "pay", fields=_issue(visa, today), note="payment received")
                issued += 1
        if issued == 0 and visas and all(v.status == S.CANCELLED for v in visas) and not any(v.issued_at for v in visas):
            payment_refund(payment_id=payment_id, reason=f"Paid after visa application {application.reference} was cancelled")
            for v in visas:
                VISA.record(v, "paid_after_cancel", note="paid after the application was cancelled; refunded")


def application_on_payment_lapsed(*, payment_id: int) -> bool:
    """Payments' on_lapsed hook: the bill expired or was withdrawn, so close the application."""
    app_id = VisaApplication.objects.filter(payment_id=payment_id).values_list("pk", flat=True).first()
    return application_close_unpaid(application_id=app_id) if app_id else False


def application_close_unpaid(*, application_id: int) -> bool:
    """Every visa still AWAITING_PAYMENT → CANCELLED ("lapse") once the bill expired or failed. Idempotent."""
    with transaction.atomic():
        application = VisaApplication.objects.select_related("payment").filter(pk=application_id).first()
        if application is None or application.payment is None or application.payment.status not in LAPSED_BILL:
            return False
        moved = 0
        for visa in Visa.objects.select_for_update().filter(application=application).order_by("pk"):
            if VISA.can(visa, "lapse"):
                VISA.apply(visa, "lapse", note=f"payment {application.payment.status.lower()}")
                moved += 1
    return moved > 0


# --- cancel (the caller: the traveller or his head) ---------------------------------------------
def visa_cancel(*, person: Person, visa_id: int, ip: str = "") -> Visa:
    """Cancel an unused visa. Issued: free, the fee is not refunded. Awaiting payment: the whole
    application (its visas share one bill) is withdrawn and the bill fails. Another person's visa: 404."""
    visa = visa_get_for_person(person=person, visa_id=visa_id)
    with transaction.atomic():
        locked = VISA.lock(visa.pk)
        if locked.status == S.AWAITING_PAYMENT:
            siblings = list(Visa.objects.select_for_update().filter(application_id=locked.application_id).order_by("pk"))
            for v in siblings:
                if VISA.can(v, "cancel"):
                    VISA.apply(v, "cancel", person=person, note="application withdrawn before payment", ip=ip)
            application = locked.application
            if application.payment_id and application.payment.status == Payment.Status.PENDING:
                payment_fail(payment_id=application.payment_id, reason=f"Visa application {application.reference} withdrawn")
            locked.refresh_from_db()
            return locked
        VISA.apply(locked, "cancel", person=person, note="cancelled unused (free, not refunded)", ip=ip)
    return locked
