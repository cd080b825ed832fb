"""Transitions of the family iqama renewal.

AWAITING_PAYMENT → PROCESSING (payment arrived) → APPROVED (every rule still holds, each iqama moved)
                                                → UNDER_REVIEW (something changed) → APPROVED / REJECTED (refunded)
AWAITING_PAYMENT → CANCELLED (by the head of family)

Each transition locks the row, checks the status, saves with update_fields, writes a history row and
an audit row, and queues follow-up work on commit."""
import logging
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError, NotFound
from registry.models import Person
from core.services import audit_log_write
from passports.models import IqamaRenewal, IqamaRenewalEvent, IqamaRenewalItem
from registry.models import FamilyMember, Iqama
from passports.services.eligibility import Assessment, all_periods, assess
from passports.services.fees import IQAMA_FEE, LATE_FINE, LEVY

log = logging.getLogger(__name__)
S = IqamaRenewal.Status
PURPOSE = "iqama_renewal"

ITEM_TEXTS = {
    LEVY: ("المقابل المالي للمرافقين", "Dependents' levy"),
    IQAMA_FEE: ("رسوم تجديد الإقامة", "Iqama renewal fee"),
    LATE_FINE: ("غرامة التأخر في تجديد الإقامة", "Late iqama renewal fine"),
}
ITEM_KIND = {LEVY: "LEVY", IQAMA_FEE: "FEE", LATE_FINE: "FINE"}


def _new_reference() -> str:
    return "IQR-" + uuid.uuid4().hex[:10].upper()


def _event(renewal: IqamaRenewal, frm: str, to: str, note: str = "") -> None:
    IqamaRenewalEvent.objects.create(renewal=renewal, from_status=frm, to_status=to, note=note[:300])


def _move(renewal: IqamaRenewal, to: str, *, fields=(), officer=None, note: str = "", **audit) -> None:
    """Apply a status change to a row the caller has locked."""
    frm = renewal.status
    renewal.status = to
    renewal.version += 1
    renewal.save(update_fields=["status", "version", "updated_at", *fields])
    _event(renewal, frm, to, note)
    audit_log_write(action=f"iqama_renewal.{to.lower()}", person=renewal.head, officer=officer, obj=renewal,
                    from_status=frm, to_status=to, **audit)


def parse_months(value) -> int:
    """A period from the allowed list, or 400 INVALID_PERIOD."""
    try:
        months = int(str(value).strip())
    except (TypeError, ValueError):
        months = None
    if months not in all_periods():
        raise ApplicationError("INVALID_PERIOD", _("Choose a period of %(periods)s months.") % {
            "periods": ", ".join(str(p) for p in all_periods())}, {"allowed": all_periods()}, status=400)
    return months


def assessment_failure_details(assessments: list[Assessment]) -> dict:
    return {"items": [{"dependent_id": a.member.pk, "eligible": a.eligible,
                       "checks": [{"code": c.code, "passed": c.passed, "message": c.message, "fix": c.fix} for c in a.checks if not c.passed]}
                      for a in assessments]}


def renewal_submit(*, head: Person, items: list[dict], idempotency_key: str | None = None, ip: str = "") -> IqamaRenewal:
    """One request and one payment for one or several dependents of `head`.

    items: [{"dependent_id", "months"}]. Refuses: INVALID_PERIOD (400), NO_DEPENDENTS / DUPLICATE_DEPENDENT (400),
    NOT_FOUND for a dependent not of this head (404), NOT_ELIGIBLE (409, details.items), RENEWAL_IN_PROGRESS (409)
    and ALREADY_SUBMITTED (409, the same form or key again)."""
    from payments.services import LineItem, payment_create

    if not items:
        raise ApplicationError("NO_DEPENDENTS", _("Choose at least one dependent to renew."), status=400)
    wanted: list[tuple[int, int]] = []
    for it in items:
        try:
            dep_id = int(it["dependent_id"])
        except (KeyError, TypeError, ValueError):
            raise ApplicationError("VALIDATION_ERROR", _("Each item needs a dependent_id."), {"fields": {"dependent_id": [_("A number is required.")]}})
        wanted.append((dep_id, parse_months(it.get("months"))))
    ids = [d for d, _m in wanted]
    if len(set(ids)) != len(ids):
        raise ApplicationError("DUPLICATE_DEPENDENT", _("Each dependent can appear only once in a request."), status=400)

    try:
        with transaction.atomic():
            # Serialise submissions of one head (two tabs, double clicks): lock his registry row.
            Person.objects.select_for_update().get(pk=head.pk)
            if idempotency_key and IqamaRenewal.objects.filter(idempotency_key=idempotency_key).exists():
                existing = IqamaRenewal.objects.get(idempotency_key=idempotency_key)
                raise ApplicationError("ALREADY_SUBMITTED", _("This request has already been submitted."),
                                       {"id": existing.pk if existing.head_id == head.pk else None}, status=409)
            members = {m.pk: m for m in FamilyMember.objects.select_related("person", "head").filter(head=head, pk__in=ids)}
            if len(members) != len(ids):
                raise NotFound(_("Dependent not found."))
            for stale in IqamaRenewal.objects.filter(items__member_id__in=ids, items__is_open=True, status=S.AWAITING_PAYMENT,
                                                     payment__status__in=["EXPIRED", "FAILED"]).values_list("pk", flat=True).distinct():
                renewal_close_unpaid(renewal_id=stale)
            busy = list(IqamaRenewalItem.objects.filter(member_id__in=ids, is_open=True).values_list("member_id", "renewal__reference"))
            if busy:
                raise ApplicationError("RENEWAL_IN_PROGRESS", _("A renewal is already in progress for this dependent."),
                                       {"items": [{"dependent_id": d, "reference": r} for d, r in busy]}, status=409)
            assessments = [assess(member=members[d], months=m) for d, m in wanted]
            if not all(a.eligible for a in assessments):
                raise ApplicationError("NOT_ELIGIBLE", _("Some dependents cannot be renewed now."),
                                       assessment_failure_details(assessments), status=409)
            renewal = IqamaRenewal.objects.create(head=head, reference=_new_reference(), idempotency_key=idempotency_key or None)
            line_items = []
            for a in assessments:
                q = a.quote
                IqamaRenewalItem.objects.create(
                    renewal=renewal, member=a.member, months=a.months, old_expiry=q.old_expiry, new_expiry=q.new_expiry,
                    levy=q.amount(LEVY), iqama_fee=q.amount(IQAMA_FEE), late_fine=q.amount(LATE_FINE), total=q.total,
                    late=q.late, checks_at_submit=[c.as_json() for c in a.checks],
                )
                dep = a.member.person
                for fi in q.items:
                    ar, en = ITEM_TEXTS[fi.code]
                    line_items.append(LineItem(code=fi.code, kind=ITEM_KIND[fi.code],
                                               description_ar=f"{ar} — {dep.name_ar} ({a.months} أشهر)",
                                               description_en=f"{en} — {dep.name_en} ({a.months} months)",
                                               amount=fi.amount, settles_type="passports.familymember", settles_id=str(a.member.pk)))
            payment = payment_create(person=head, purpose=PURPOSE, object_id=str(renewal.pk), items=line_items)
            renewal.payment = payment
            renewal.save(update_fields=["payment"])
            _event(renewal, "", S.AWAITING_PAYMENT)
            audit_log_write(action="iqama_renewal.submitted", person=head, obj=renewal, to_status=S.AWAITING_PAYMENT, ip=ip,
                            dependents=ids, amount=str(payment.amount))
    except IntegrityError:
        # The partial unique index (one open renewal per dependent) or the idempotency key caught a race.
        raise ApplicationError("ALREADY_SUBMITTED", _("This request has already been submitted."), status=409)
    return renewal


def renewal_cancel(*, renewal_id: int, head: Person) -> IqamaRenewal:
    """AWAITING_PAYMENT → CANCELLED by the head of family; frees the dependents."""
    with transaction.atomic():
        renewal = IqamaRenewal.objects.select_for_update().filter(pk=renewal_id, head=head).first()
        if renewal is None:
            raise NotFound()
        if renewal.status != S.AWAITING_PAYMENT:
            raise ApplicationError("INVALID_STATE", _("Only a request awaiting payment can be cancelled."), status=409)
        renewal.items.update(is_open=False)
        _move(renewal, S.CANCELLED, note="cancelled by the head of family")
    return renewal


def renewal_on_paid(*, payment_id: int) -> None:
    """Payments' hand-over (in a worker, once): AWAITING_PAYMENT → PROCESSING, then the re-check in a worker."""
    from passports.tasks import renewal_process_task

    with transaction.atomic():
        renewal = IqamaRenewal.objects.select_for_update().filter(payment_id=payment_id).first()
        if renewal is None:
            log.error("iqama renewal: no request for paid payment %s", payment_id)
            return
        if renewal.status == S.CANCELLED:
            # Paid after the head cancelled: give the money back.
            transaction.on_commit(lambda: _refund(renewal.payment_id, "Paid after the request was cancelled"))
            return
        if renewal.status != S.AWAITING_PAYMENT:
            return  # already moved on: a repeat is harmless
        _move(renewal, S.PROCESSING, note="payment received")
        rid = renewal.pk
        transaction.on_commit(lambda: renewal_process_task.delay(rid))


def _refund(payment_id: int, reason: str, officer=None) -> None:
    from payments.services import payment_refund

    payment_refund(payment_id=payment_id, reason=reason, officer=officer)


def _apply(renewal: IqamaRenewal, *, assessments: dict[int, Assessment]) -> None:
    """Move each dependent's iqama to its new expiry (same fee function as the quote). Caller holds the locks."""
    now = timezone.now()
    for item in renewal.items.all():
        a = assessments[item.pk]
        iqama = Iqama.objects.select_for_update().get(person_id=item.member.person_id)
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


def _stop_reason(renewal: IqamaRenewal, assessments: dict[int, Assessment]) -> str:
    parts = []
    for item in renewal.items.all():
        a = assessments[item.pk]
        codes = [c.code for c in a.failed]
        if a.quote.total != item.total:
            codes.append(f"FEES_CHANGED({item.total}→{a.quote.total})")
        if codes:
            parts.append(f"{item.member.person.id_number}: {', '.join(codes)}")
    return "; ".join(parts)


def renewal_process(*, renewal_id: int) -> IqamaRenewal:
    """The re-check when the payment has arrived (worker): every rule again, and the fees again with the
    same function. All hold → APPROVED with the new expiry dates; otherwise UNDER_REVIEW with the reason."""
    with transaction.atomic():
        renewal = IqamaRenewal.objects.select_for_update().get(pk=renewal_id)
        if renewal.status != S.PROCESSING:
            return renewal  # ran twice, or moved on meanwhile
        renewal.processing_attempts += 1
        items = list(renewal.items.select_related("member__person", "member__head"))
        # Lock the iqamas first so nothing moves them while we check and apply.
        list(Iqama.objects.select_for_update().filter(person_id__in=[i.member.person_id for i in items]).order_by("pk"))
        assessments = {i.pk: assess(member=i.member, months=i.months) for i in items}
        for i in items:
            i.checks_at_payment = [c.as_json() for c in assessments[i.pk].checks]
            i.save(update_fields=["checks_at_payment"])
        reason = _stop_reason(renewal, assessments)
        if reason:
            renewal.stop_reason = reason
            _move(renewal, S.UNDER_REVIEW, fields=["stop_reason", "processing_attempts"], note=reason, reason=reason)
        else:
            _apply(renewal, assessments=assessments)
            _move(renewal, S.APPROVED, fields=["processing_attempts"], note="all conditions hold")
        rid, status = renewal.pk, renewal.status
        transaction.on_commit(lambda: _notify(rid, status))
    return renewal


def _check_version(renewal: IqamaRenewal, version: int | None) -> None:
    if version is not None and int(version) != renewal.version:
        raise ApplicationError("STALE_VERSION", _("Another officer changed this request meanwhile. Reload it and decide again."),
                               {"current_version": renewal.version}, status=409)


def _lock_for_decision(*, renewal_id: int, reason: str, version: int | None) -> IqamaRenewal:
    """An officer's decision needs a reason, the version the officer saw, and a request under review.
    Call inside the decision's transaction: the row stays locked until it commits."""
    if not (reason or "").strip():
        raise ApplicationError("REASON_REQUIRED", _("Give the reason for the decision."), status=400)
    renewal = IqamaRenewal.objects.select_for_update().get(pk=renewal_id)
    _check_version(renewal, version)
    if renewal.status != S.UNDER_REVIEW:
        raise ApplicationError("INVALID_STATE", _("Only a request under review can be decided."), status=409)
    return renewal


def renewal_approve(*, renewal_id: int, officer, reason: str, version: int | None = None) -> IqamaRenewal:
    """UNDER_REVIEW → APPROVED by an officer; each iqama moves to its new expiry (fee function of the quote)."""
    with transaction.atomic():
        renewal = _lock_for_decision(renewal_id=renewal_id, reason=reason, version=version)
        items = list(renewal.items.select_related("member__person", "member__head"))
        list(Iqama.objects.select_for_update().filter(person_id__in=[i.member.person_id for i in items]).order_by("pk"))
        _apply(renewal, assessments={i.pk: assess(member=i.member, months=i.months) for i in items})
        renewal.decision_reason, renewal.decided_by, renewal.decided_at = reason.strip(), officer, timezone.now()
        _move(renewal, S.APPROVED, fields=["decision_reason", "decided_by", "decided_at"], officer=officer, note=reason, reason=reason)
        rid = renewal.pk
        transaction.on_commit(lambda: _notify(rid, S.APPROVED))
    return renewal


def renewal_reject(*, renewal_id: int, officer, reason: str, version: int | None = None) -> IqamaRenewal:
    """UNDER_REVIEW → REJECTED by an officer; the dependents are freed and the payment refunded."""
    with transaction.atomic():
        renewal = _lock_for_decision(renewal_id=renewal_id, reason=reason, version=version)
        renewal.items.update(is_open=False)
        renewal.decision_reason, renewal.decided_by, renewal.decided_at = reason.strip(), officer, timezone.now()
        _move(renewal, S.REJECTED, fields=["decision_reason", "decided_by", "decided_at"], officer=officer, note=reason, reason=reason)
        if renewal.payment_id:
            _refund(renewal.payment_id, f"Iqama renewal {renewal.reference} rejected: {reason.strip()}"[:300], officer=officer)
        rid = renewal.pk
        transaction.on_commit(lambda: _notify(rid, S.REJECTED))
    return renewal


def renewal_on_refunded(*, payment_id: int) -> None:
    """Payments' refund hand-over: a history row. An approved renewal is never refunded (fees are not refundable)."""
    renewal = IqamaRenewal.objects.filter(payment_id=payment_id).first()
    if renewal is None:
        return
    if renewal.status == S.APPROVED:
        log.error("iqama renewal %s: payment %s refunded after approval", renewal.reference, payment_id)
    with transaction.atomic():
        if not renewal.events.filter(note="payment refunded").exists():
            _event(renewal, renewal.status, renewal.status, "payment refunded")


def _notify(renewal_id: int, status: str) -> None:
    from notifications.services import notification_send

    renewal = IqamaRenewal.objects.select_related("head", "payment").get(pk=renewal_id)
    texts = {
        S.APPROVED: (gettext_lazy("Family iqama renewal approved"),
                     gettext_lazy("Request %(reference)s is approved: the iqamas of %(count)s dependents were renewed.")),
        S.UNDER_REVIEW: (gettext_lazy("Family iqama renewal under review"),
                         gettext_lazy("Request %(reference)s: a condition changed after the quote, so an officer will review it.")),
        S.REJECTED: (gettext_lazy("Family iqama renewal rejected"),
                     gettext_lazy("Request %(reference)s was rejected: %(reason)s. SAR %(amount)s is refunded.")),
    }
    if status not in texts:
        return
    title, body = texts[status]
    notification_send(
        person=renewal.head, kind="iqama_renewal", event_key=f"iqama_renewal:{renewal.pk}:{status}",
        title=title, body=body,
        context={"reference": renewal.reference, "count": renewal.items.count(), "reason": renewal.decision_reason,
                 "amount": f"{renewal.payment.amount:.2f}" if renewal.payment_id else "0.00"},
        link=reverse("passports:detail", kwargs={"pk": renewal.pk}),
    )


def renewal_close_unpaid(*, renewal_id: int) -> bool:
    """AWAITING_PAYMENT → CANCELLED when its bill expired or failed, so the dependents are free again.
    Returns True when it closed the request."""
    from payments.models import Payment

    with transaction.atomic():
        renewal = IqamaRenewal.objects.select_for_update(of=("self",)).select_related("payment").filter(pk=renewal_id).first()
        if renewal is None or renewal.status != S.AWAITING_PAYMENT or renewal.payment is None:
            return False
        if renewal.payment.status not in (Payment.Status.EXPIRED, Payment.Status.FAILED):
            return False
        renewal.items.update(is_open=False)
        _move(renewal, S.CANCELLED, note=f"payment {renewal.payment.status.lower()}")
    return True


def renewal_on_payment_lapsed(*, payment_id: int) -> bool:
    """Payments' on_lapsed hook: the request's bill expired or failed, so close it at once."""
    renewal_id = IqamaRenewal.objects.filter(payment_id=payment_id).values_list("pk", flat=True).first()
    return renewal_close_unpaid(renewal_id=renewal_id) if renewal_id else False


def renewal_processing_sweep() -> int:
    """Periodic: re-queue requests stuck in PROCESSING (a lost broker message: the database is the source of
    truth) and close requests whose bill expired unpaid. Returns how many requests it touched."""
    from payments.models import Payment
    from passports.tasks import renewal_process_task

    cutoff = timezone.now() - timezone.timedelta(seconds=settings.IQAMA_RENEWAL_STUCK_AFTER_SECONDS)
    ids = list(IqamaRenewal.objects.filter(status=S.PROCESSING, updated_at__lt=cutoff).values_list("pk", flat=True)[:100])
    for rid in ids:
        transaction.on_commit(lambda rid=rid: renewal_process_task.delay(rid))
    unpaid = list(IqamaRenewal.objects.filter(status=S.AWAITING_PAYMENT, payment__status__in=[Payment.Status.EXPIRED, Payment.Status.FAILED])
                  .values_list("pk", flat=True)[:100])
    closed = sum(renewal_close_unpaid(renewal_id=rid) for rid in unpaid)
    return len(ids) + closed



