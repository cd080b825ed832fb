"""Writes of the family iqama renewal. Every status change goes through the declared flow
(passports.flow.IQAMA_RENEWAL): it locks the row, checks the move (409 INVALID_STATE) and the
version (409 STALE_VERSION), saves, writes one history row and one audit row
(`iqama_renewal.<status lower>`), and notifies the head after commit. Follow-up work is queued by
task path on commit (core.transitions.enqueue), never by importing the tasks."""

import logging
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import ApplicationError, NotFound
from core.services import audit_log_write
from core.transitions import enqueue
from passports.flow import IQAMA_RENEWAL
from passports.models import IqamaRenewal, IqamaRenewalEvent, IqamaRenewalItem
from passports.services.eligibility import Assessment, all_periods, assess
from passports.services.fees import IQAMA_FEE, LATE_FINE, LEVY
from payments.models import Payment
from payments.services import LineItem, payment_create, payment_refund
from registry.models import FamilyMember, Iqama, Person

log = logging.getLogger(__name__)
S = IqamaRenewal.Status
PURPOSE = "iqama_renewal"
PROCESS_TASK = "passports.tasks.renewal_process_task"
LAPSED = (Payment.Status.EXPIRED, Payment.Status.FAILED)

ITEM_TEXTS = {
    LEVY: ("المقابل المالي للمرافقين", "Dependents' levy"),
    IQAMA_FEE: ("رسوم تجديد الإقامة", "Iqama renewal fee"),
    LATE_FINE: ("غرامة التأخر في تجديد الإقامة", "Late iqama renewal fine"),
}
ITEM_KIND = {LEVY: "LEVY", IQAMA_FEE: "FEE", LATE_FINE: "FINE"}


def _new_reference() -> str:
    return "IQR-" + uuid.uuid4().hex[:10].upper()


def parse_months(value) -> int:
    """A period from the allowed list, or 400 INVALID_PERIOD."""
    try:
        months = int(str(value).strip())
    except (TypeError, ValueError):
        months = None
    if months not in all_periods():
        raise ApplicationError(
            "INVALID_PERIOD",
            _("Choose a period of %(periods)s months.") % {"periods": ", ".join(str(p) for p in all_periods())},
            {"allowed": all_periods()},
            status=400,
        )
    return months


def assessment_failure_details(assessments: list[Assessment]) -> dict:
    return {
        "items": [
            {
                "dependent_id": a.member.pk,
                "eligible": a.eligible,
                "checks": [{"code": c.code, "passed": c.passed, "message": c.message, "fix": c.fix} for c in a.checks if not c.passed],
            }
            for a in assessments
        ]
    }


# --- submit and cancel (the head of family) ----------------------------------------------------
def _wanted(items: list[dict]) -> list[tuple[int, int]]:
    if not items:
        raise ApplicationError("NO_DEPENDENTS", _("Choose at least one dependent to renew."), status=400)
    wanted: list[tuple[int, int]] = []
    for it in items:
        try:
            dep_id = int(it["dependent_id"])
        except (KeyError, TypeError, ValueError):
            raise ApplicationError(
                "VALIDATION_ERROR", _("Each item needs a dependent_id."), {"fields": {"dependent_id": [_("A number is required.")]}}
            ) from None
        wanted.append((dep_id, parse_months(it.get("months"))))
    ids = [d for d, _m in wanted]
    if len(set(ids)) != len(ids):
        raise ApplicationError("DUPLICATE_DEPENDENT", _("Each dependent can appear only once in a request."), status=400)
    return wanted


def _line_items(assessments: list[Assessment]) -> list[LineItem]:
    out = []
    for a in assessments:
        dep = a.member.person
        for fi in a.quote.items:
            ar, en = ITEM_TEXTS[fi.code]
            if fi.code == IQAMA_FEE:  # name the fee table's row on the bill and the receipt
                with translation.override("ar"):
                    ar = f"{ar} ({a.quote.fee_row_label})"
                with translation.override("en"):
                    en = f"{en} ({a.quote.fee_row_label})"
            out.append(
                LineItem(
                    code=fi.code,
                    kind=ITEM_KIND[fi.code],
                    description_ar=f"{ar} — {dep.name_ar} ({a.months} أشهر)",
                    description_en=f"{en} — {dep.name_en} ({a.months} months)",
                    amount=fi.amount,
                    settles_type="passports.familymember",
                    settles_id=str(a.member.pk),
                )
            )
    return out


def renewal_submit(*, head: Person, items: list[dict], idempotency_key: str | None = None, ip: str = "") -> IqamaRenewal:
    """One request and one payment for one or several dependents of `head`.

    items: [{"dependent_id", "months"}]. Refuses: INVALID_PERIOD (400), NO_DEPENDENTS / DUPLICATE_DEPENDENT (400),
    NOT_FOUND for a dependent not of this head (404), NOT_ELIGIBLE (409, details.items), RENEWAL_IN_PROGRESS (409)
    and ALREADY_SUBMITTED (409, the same form or key again)."""
    wanted = _wanted(items)
    ids = [d for d, _m in wanted]
    try:
        with transaction.atomic():
            # Serialise submissions of one head (two tabs, double clicks): lock his registry row.
            Person.objects.select_for_update(no_key=True).get(pk=head.pk)
            existing = IqamaRenewal.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
            if existing is not None:
                raise ApplicationError(
                    "ALREADY_SUBMITTED",
                    _("This request has already been submitted."),
                    {"id": existing.pk if existing.head_id == head.pk else None},
                    status=409,
                )
            members = {m.pk: m for m in FamilyMember.objects.select_related("person", "head").filter(head=head, pk__in=ids)}
            if len(members) != len(ids):
                raise NotFound(_("Dependent not found."))
            # A request whose bill lapsed still holds its dependents until the sweeper runs: close it now.
            for stale in (
                IqamaRenewal.objects.filter(
                    items__member_id__in=ids,
                    items__is_open=True,
                    payment__status__in=LAPSED,
                    status__in=IQAMA_RENEWAL.statuses_allowing("lapse"),
                )
                .values_list("pk", flat=True)
                .distinct()
            ):
                renewal_close_unpaid(renewal_id=stale)
            busy = list(IqamaRenewalItem.objects.filter(member_id__in=ids, is_open=True).values_list("member_id", "renewal__reference"))
            if busy:
                raise ApplicationError(
                    "RENEWAL_IN_PROGRESS",
                    _("A renewal is already in progress for this dependent."),
                    {"items": [{"dependent_id": d, "reference": r} for d, r in busy]},
                    status=409,
                )
            assessments = [assess(member=members[d], months=m) for d, m in wanted]
            if not all(a.eligible for a in assessments):
                raise ApplicationError(
                    "NOT_ELIGIBLE", _("Some dependents cannot be renewed now."), assessment_failure_details(assessments), status=409
                )
            renewal = IqamaRenewal.objects.create(head=head, reference=_new_reference(), idempotency_key=idempotency_key or None)
            for a in assessments:
                q = a.quote
                IqamaRenewalItem.objects.create(
                    renewal=renewal,
                    member=a.member,
                    months=a.months,
                    old_expiry=q.old_expiry,
                    new_expiry=q.new_expiry,
                    levy=q.amount(LEVY),
                    iqama_fee=q.amount(IQAMA_FEE),
                    late_fine=q.amount(LATE_FINE),
                    total=q.total,
                    late=q.late,
                    checks_at_submit=[c.as_json() for c in a.checks],
                )
            payment = payment_create(person=head, purpose=PURPOSE, object_id=str(renewal.pk), items=_line_items(assessments))
            renewal.payment = payment
            renewal.save(update_fields=["payment"])
            # The first history row: created, not moved (the flow's moves start from AWAITING_PAYMENT).
            IqamaRenewalEvent.objects.create(renewal=renewal, action="submit", from_status="", to_status=renewal.status)
            audit_log_write(
                action="iqama_renewal.submitted",
                person=head,
                obj=renewal,
                to_status=renewal.status,
                ip=ip,
                dependents=ids,
                amount=str(payment.amount),
            )
    except IntegrityError:
        # The partial unique index (one open renewal per dependent) or the idempotency key caught a race.
        raise ApplicationError("ALREADY_SUBMITTED", _("This request has already been submitted."), status=409) from None
    return renewal


def renewal_cancel(*, renewal_id: int, head: Person, expected_version: int | None = None, ip: str = "") -> IqamaRenewal:
    """AWAITING_PAYMENT → CANCELLED by the head of family; frees the dependents. Another head's request
    is NOT_FOUND, before anything else is said about it."""
    with transaction.atomic():
        renewal = IqamaRenewal.objects.select_for_update().filter(pk=renewal_id, head=head).first()
        if renewal is None:
            raise NotFound()
        if expected_version is not None:
            IQAMA_RENEWAL.check_version(renewal, expected_version)
        IQAMA_RENEWAL.check(renewal, "cancel")
        renewal.items.update(is_open=False)
        IQAMA_RENEWAL.apply(renewal, "cancel", person=head, note="cancelled by the head of family", ip=ip)
    return renewal


# --- payment hand-overs (payments.hooks, in a worker) -------------------------------------------
def renewal_on_paid(*, payment_id: int) -> None:
    """AWAITING_PAYMENT → PROCESSING, then the re-check in a worker. A bill paid after the head cancelled
    is refunded (in the hand-over's transaction, so a failure is retried by payments' sweeper)."""
    with transaction.atomic():
        renewal = IqamaRenewal.objects.select_for_update().filter(payment_id=payment_id).first()
        if renewal is None:
            log.error("iqama renewal: no request for paid payment %s", payment_id)
            return
        if renewal.status == S.CANCELLED:
            payment_refund(payment_id=payment_id, reason="Paid after the request was cancelled")
            IQAMA_RENEWAL.record(renewal, "paid_after_cancel", note="paid after the request was cancelled")
            return
        if not IQAMA_RENEWAL.can(renewal, "pay"):
            return  # already moved on: a repeat is harmless
        IQAMA_RENEWAL.apply(renewal, "pay", note="payment received")
        enqueue(PROCESS_TASK, renewal.pk)


def renewal_on_refunded(*, payment_id: int) -> None:
    """Payments' refund hand-over: one history row. An approved renewal is never refunded (fees are not refundable)."""
    with transaction.atomic():
        renewal = IqamaRenewal.objects.select_for_update().filter(payment_id=payment_id).first()
        if renewal is None:
            return
        if renewal.status == S.APPROVED:
            log.error("iqama renewal %s: payment %s refunded after approval", renewal.reference, payment_id)
        if not renewal.events.filter(action="refunded").exists():
            IQAMA_RENEWAL.record(renewal, "refunded", note="payment refunded")


def renewal_on_payment_lapsed(*, payment_id: int) -> bool:
    """Payments' on_lapsed hook: the request's bill expired or failed, so close it at once."""
    renewal_id = IqamaRenewal.objects.filter(payment_id=payment_id).values_list("pk", flat=True).first()
    return renewal_close_unpaid(renewal_id=renewal_id) if renewal_id else False


def renewal_close_unpaid(*, renewal_id: int) -> bool:
    """AWAITING_PAYMENT → CANCELLED ("lapse") when its bill expired or failed, so the dependents are free
    again. Returns True when it closed the request; idempotent."""
    with transaction.atomic():
        renewal = IqamaRenewal.objects.select_for_update(of=("self",)).select_related("payment").filter(pk=renewal_id).first()
        if renewal is None or renewal.payment is None or renewal.payment.status not in LAPSED:
            return False
        if not IQAMA_RENEWAL.can(renewal, "lapse"):
            return False
        renewal.items.update(is_open=False)
        IQAMA_RENEWAL.apply(renewal, "lapse", note=f"payment {renewal.payment.status.lower()}")
    return True


# --- the re-check after payment, and the officers' decisions ----------------------------------
def _lock_items(renewal: IqamaRenewal) -> list[IqamaRenewalItem]:
    """The items with their dependents, and their iqamas locked (in pk order) so nothing moves them
    while we check and apply. Caller holds the renewal's lock."""
    items = list(renewal.items.select_related("member__person", "member__head"))
    list(Iqama.objects.select_for_update().filter(person_id__in=[i.member.person_id for i in items]).order_by("pk"))
    return items


def _apply_new_expiry(items: list[IqamaRenewalItem], assessments: dict[int, Assessment]) -> None:
    """Move each dependent's iqama to its new expiry (same fee function as the quote). Caller holds the locks."""
    now = timezone.now()
    for item in items:
        a = assessments[item.pk]
        iqama = Iqama.objects.get(person_id=item.member.person_id)
        iqama.expiry_date = a.quote.new_expiry
        fields = ["expiry_date", "version"]
        if a.quote.late:
            iqama.late_renewal_count += 1
            fields.append("late_renewal_count")
        iqama.version += 1
        iqama.save(update_fields=fields)
        item.new_expiry = a.quote.new_expiry
        item.applied_at = now
        item.is_open = False
        item.save(update_fields=["new_expiry", "applied_at", "is_open"])


def _stop_reason(items: list[IqamaRenewalItem], assessments: dict[int, Assessment]) -> str:
    parts = []
    for item in items:
        a = assessments[item.pk]
        codes = [c.code for c in a.failed] + [c.code for c in a.for_review]  # review: an officer decides
        if a.quote.total != item.total:
            codes.append(f"FEES_CHANGED({item.total}→{a.quote.total})")
        if codes:
            parts.append(f"{item.member.person.id_number}: {', '.join(codes)}")
    return "; ".join(parts)


def renewal_process(*, renewal_id: int) -> IqamaRenewal:
    """The re-check when the payment has arrived (worker): every rule again, and the fees again with the
    same function. All hold → APPROVED with the new expiry dates; otherwise UNDER_REVIEW with the reason.
    Safe to run twice: a request no longer waiting for its re-check is left alone."""
    with transaction.atomic():
        renewal = IQAMA_RENEWAL.lock(renewal_id)
        if not IQAMA_RENEWAL.can(renewal, "auto_approve"):
            return renewal  # ran twice, or moved on meanwhile
        renewal.processing_attempts += 1
        items = _lock_items(renewal)
        assessments = {i.pk: assess(member=i.member, months=i.months) for i in items}
        for i in items:
            i.checks_at_payment = [c.as_json() for c in assessments[i.pk].checks]
            i.save(update_fields=["checks_at_payment"])
        reason = _stop_reason(items, assessments)
        if reason:
            renewal.stop_reason = reason
            IQAMA_RENEWAL.apply(renewal, "refer", fields=["stop_reason", "processing_attempts"], note=reason, reason=reason)
        else:
            _apply_new_expiry(items, assessments)
            IQAMA_RENEWAL.apply(renewal, "auto_approve", fields=["processing_attempts"], note="all conditions hold")
    return renewal


def _decide(*, renewal_id: int, action: str, officer, reason: str, expected_version: int | None) -> IqamaRenewal:
    """An officer's decision: a reason, the version the officer saw, and a move the table allows.
    Checked before anything else is touched; the caller's atomic block keeps the row locked."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("REASON_REQUIRED", _("Give the reason for the decision."), status=400)
    renewal = IQAMA_RENEWAL.lock(renewal_id)
    if expected_version is not None:
        IQAMA_RENEWAL.check_version(renewal, expected_version)
    IQAMA_RENEWAL.check(renewal, action)
    renewal.decision_reason, renewal.decided_by, renewal.decided_at = reason, officer, timezone.now()
    return renewal


DECISION_FIELDS = ["decision_reason", "decided_by", "decided_at"]


def renewal_approve(*, renewal_id: int, officer, reason: str, expected_version: int | None = None) -> IqamaRenewal:
    """UNDER_REVIEW → APPROVED by an officer; each iqama moves to its new expiry (fee function of the quote)."""
    with transaction.atomic():
        renewal = _decide(renewal_id=renewal_id, action="approve", officer=officer, reason=reason, expected_version=expected_version)
        items = _lock_items(renewal)
        _apply_new_expiry(items, {i.pk: assess(member=i.member, months=i.months) for i in items})
        IQAMA_RENEWAL.apply(
            renewal, "approve", fields=DECISION_FIELDS, officer=officer, note=renewal.decision_reason, reason=renewal.decision_reason
        )
    return renewal


def renewal_reject(*, renewal_id: int, officer, reason: str, expected_version: int | None = None) -> IqamaRenewal:
    """UNDER_REVIEW → REJECTED by an officer; the dependents are freed and the payment refunded (same transaction)."""
    with transaction.atomic():
        renewal = _decide(renewal_id=renewal_id, action="reject", officer=officer, reason=reason, expected_version=expected_version)
        renewal.items.update(is_open=False)
        IQAMA_RENEWAL.apply(
            renewal, "reject", fields=DECISION_FIELDS, officer=officer, note=renewal.decision_reason, reason=renewal.decision_reason
        )
        if renewal.payment_id:
            payment_refund(
                payment_id=renewal.payment_id,
                reason=f"Iqama renewal {renewal.reference} rejected: {renewal.decision_reason}"[:300],
                officer=officer,
            )
    return renewal


# --- the sweeper ----------------------------------------------------------------------------
def renewal_processing_sweep() -> int:
    """Periodic: re-queue requests stuck waiting for their re-check (a lost broker message: the database is
    the source of truth) and close requests whose bill lapsed unpaid. Returns how many requests it touched."""
    cutoff = timezone.now() - timezone.timedelta(seconds=settings.IQAMA_RENEWAL_STUCK_AFTER_SECONDS)
    ids = list(
        IqamaRenewal.objects.filter(status__in=IQAMA_RENEWAL.statuses_allowing("auto_approve"), updated_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:100]
    )
    for rid in ids:
        enqueue(PROCESS_TASK, rid)
    unpaid = list(
        IqamaRenewal.objects.filter(status__in=IQAMA_RENEWAL.statuses_allowing("lapse"), payment__status__in=LAPSED).values_list(
            "pk", flat=True
        )[:100]
    )
    closed = sum(renewal_close_unpaid(renewal_id=rid) for rid in unpaid)
    return len(ids) + closed
