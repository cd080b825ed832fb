"""Writes and transitions of the national ID renewal flow.

Every transition: transaction.atomic(), re-read the row with select_for_update(), check the
status (ApplicationError INVALID_STATE 409 on an illegal move), save(update_fields=...), one
history row, one audit row, a notification, follow-up work queued on commit.

The photo engine (civil_affairs.photo, by the photo engineer) is reached only through the
three adapter functions below, so flow tests can replace it."""
import datetime as dt
import logging
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import dates
from core.crypto import decrypt_bytes, encrypt_bytes
from core.errors import ApplicationError
from registry.models import Person
from core.services import audit_log_write
from core.storage import private_storage
from civil_affairs import selectors
from civil_affairs.models import IdRenewal, IdRenewalEvent
from registry.models import Fine, NationalIdCard
from registry.selectors import fines_unpaid
from registry.services import FINE_SETTLES_TYPE

log = logging.getLogger(__name__)
S = IdRenewal.Status
TWO = Decimal("0.01")


# --- the photo engine adapter ---------------------------------------------------------------
def photo_sanitize(*, data: bytes):
    from civil_affairs.photo.upload import image_sanitize

    return image_sanitize(data=data)


def photo_check(*, jpeg: bytes, on_file_encoding: bytes | None):
    from civil_affairs.photo.check import photo_check_run

    return photo_check_run(jpeg=jpeg, on_file_encoding=on_file_encoding)


def photo_on_file_encoding(*, person: Person) -> bytes | None:
    from civil_affairs.photo.enrol import person_on_file_encoding

    return person_on_file_encoding(person=person)


# --- what the person reads about each failed rule: short and actionable -----------------------
# The engine's own messages (civil_affairs.photo.check.reason_message) cover its codes; the flow
# adds the one it produces itself.
FLOW_REASONS = {
    "CHECK_FAILED": gettext_lazy("We could not check this photo. Start again with another photo."),
}


def reason_message(code: str, fallback: str = "") -> str:
    """The message for a stored reason code, rendered in the active language."""
    if code in FLOW_REASONS:
        return str(FLOW_REASONS[code])
    try:
        from civil_affairs.photo.check import reason_message as engine_message
    except ImportError:  # pragma: no cover - the engine is part of the project
        return fallback or code
    return str(engine_message(code))


STATUS_TITLES = {
    S.AWAITING_DELIVERY_CHOICE: (gettext_lazy("Your photo was accepted"), gettext_lazy("Renewal %(reference)s: choose delivery or pickup to continue.")),
    S.PHOTO_REJECTED: (gettext_lazy("Your photo was not accepted"), gettext_lazy("Renewal %(reference)s: the photo did not pass the check. Start again with a new photo.")),
    S.AWAITING_PAYMENT: (gettext_lazy("Payment due for your ID renewal"), gettext_lazy("Renewal %(reference)s: pay SAR %(amount)s to continue.")),
    S.IN_PROCESS: (gettext_lazy("Your ID renewal is being processed"), gettext_lazy("Renewal %(reference)s: we received your payment and are processing the request.")),
    S.UNDER_REVIEW: (gettext_lazy("Your ID renewal is under review"), gettext_lazy("Renewal %(reference)s: an officer is reviewing your request.")),
    S.APPROVED: (gettext_lazy("Your ID renewal was approved"), gettext_lazy("Renewal %(reference)s: your new card is valid until %(expiry)s.")),
    S.PRINTING: (gettext_lazy("Your new ID card is being printed"), gettext_lazy("Renewal %(reference)s: the card is at the printer.")),
    S.OUT_FOR_DELIVERY: (gettext_lazy("Your new ID card is on its way"), gettext_lazy("Renewal %(reference)s: the card is out for delivery to your national address.")),
    S.READY_FOR_PICKUP: (gettext_lazy("Your new ID card is ready for pickup"), gettext_lazy("Renewal %(reference)s: collect your card at %(office)s with your old card.")),
    S.DELIVERED: (gettext_lazy("Your new ID card was delivered"), gettext_lazy("Renewal %(reference)s: the card was delivered.")),
    S.COLLECTED: (gettext_lazy("Your new ID card was collected"), gettext_lazy("Renewal %(reference)s: the card was collected.")),
    S.REJECTED: (gettext_lazy("Your ID renewal was rejected"), gettext_lazy("Renewal %(reference)s was rejected: %(reason)s. Any payment is refunded.")),
    S.CANCELLED: (gettext_lazy("Your ID renewal was cancelled"), gettext_lazy("Renewal %(reference)s was cancelled.")),
}


def _notify(renewal: IdRenewal, status: str) -> None:
    titles = STATUS_TITLES.get(status)
    if not titles:
        return
    from notifications.services import notification_send

    office = renewal.office
    context = {
        "reference": renewal.reference,
        "amount": str(renewal.payment.amount) if renewal.payment_id else "0.00",
        "expiry": str(renewal.new_card.expiry_date) if renewal.new_card_id else "",
        "office": office.name_en if office else "",
        "reason": renewal.decision_reason,
    }
    notification_send(
        person=renewal.person, kind="id_renewal", event_key=f"id_renewal:{renewal.pk}:{status}",
        title=titles[0], body=titles[1], context=context,
        link=reverse("civil_affairs:detail", kwargs={"pk": renewal.pk}),
    )


def _move(renewal: IdRenewal, to: str, *, fields: list[str] = (), officer=None, note: str = "", **audit) -> None:
    """Apply a status change to a row already locked by the caller."""
    frm = renewal.status
    renewal.status = to
    renewal.status_changed_at = timezone.now()
    renewal.version += 1
    renewal.save(update_fields=["status", "status_changed_at", "version", *fields])
    IdRenewalEvent.objects.get_or_create(renewal=renewal, status=to, defaults={"note": note[:500]})
    audit_log_write(action="id_renewal.status", person=renewal.person, officer=officer, obj=renewal, from_status=frm, to_status=to, **audit)
    # robust: a failing notification is logged and never undoes or breaks the transition
    transaction.on_commit(lambda: _notify(IdRenewal.objects.select_related("person", "payment", "new_card", "office").get(pk=renewal.pk), to), robust=True)


def _lock(renewal_id: int) -> IdRenewal:
    return IdRenewal.objects.select_for_update().select_related("person").get(pk=renewal_id)


def _require(renewal: IdRenewal, *allowed: str) -> None:
    if renewal.status not in allowed:
        raise ApplicationError(
            "INVALID_STATE", _("This request cannot do that in its current status (%(status)s).") % {"status": renewal.get_status_display()},
            {"status": renewal.status}, status=409,
        )


def _new_reference() -> str:
    return "IDR-" + uuid.uuid4().hex[:10].upper()


# --- 1-4: create with a photo, then the check in a worker ------------------------------------------
def renewal_create(*, person: Person, photo_data: bytes, ip: str = "") -> IdRenewal:
    """Validate eligibility, the attempt limit and the image; store the photo encrypted in private
    storage; create the request in PHOTO_CHECK and queue the check on the `faces` queue."""
    elig = selectors.renewal_eligibility(person=person)
    if not elig.eligible:
        raise ApplicationError(
            "NOT_ELIGIBLE", _("You cannot renew your national ID now."),
            {"reasons": [{"code": r.code, "message": r.message} for r in elig.reasons]}, status=409,
        )
    since = timezone.now() - dt.timedelta(seconds=settings.ID_PHOTO_ATTEMPTS_WINDOW_SECONDS)
    recent = list(IdRenewal.objects.filter(person=person, created_at__gte=since).order_by("created_at").values_list("created_at", flat=True))
    if len(recent) >= settings.ID_PHOTO_ATTEMPTS_MAX:
        oldest = recent[len(recent) - settings.ID_PHOTO_ATTEMPTS_MAX]
        wait = max(1, int((oldest + dt.timedelta(seconds=settings.ID_PHOTO_ATTEMPTS_WINDOW_SECONDS) - timezone.now()).total_seconds()) + 1)
        raise ApplicationError(
            "RATE_LIMITED", _("Too many photo attempts. Try again in %(minutes)d minutes.") % {"minutes": (wait + 59) // 60},
            {"retry_after": wait}, status=429,
        )
    image = photo_sanitize(data=photo_data)  # raises INVALID_IMAGE / IMAGE_TOO_LARGE (400)
    if IdRenewal.objects.filter(person=person, photo_sha256=image.sha256, check_status=IdRenewal.CheckStatus.FAILED).exists():
        raise ApplicationError(
            "PHOTO_ALREADY_REJECTED", _("This exact photo was already rejected. Take a new photo that follows the rules."), status=409,
        )
    name = private_storage.save(f"id_renewals/{person.pk}/{uuid.uuid4().hex}.jpg.enc", _content(encrypt_bytes(image.jpeg)))
    try:
        with transaction.atomic():
            Person.objects.select_for_update().filter(pk=person.pk).first()  # serialise one person's attempts
            if IdRenewal.objects.filter(person=person, status__in=IdRenewal.OPEN_STATUSES).exists():
                raise ApplicationError("NOT_ELIGIBLE", _("You cannot renew your national ID now."), {"reasons": [
                    {"code": "RENEWAL_IN_PROGRESS", "message": _("You already have a renewal in progress.")}]}, status=409)
            renewal = IdRenewal.objects.create(
                person=person, reference=_new_reference(), old_card=elig.card, id_expiry=elig.id_expiry, late_fine=elig.late_fine,
                photo=name, photo_sha256=image.sha256, photo_width=image.width, photo_height=image.height,
            )
            IdRenewalEvent.objects.create(renewal=renewal, status=S.PHOTO_CHECK)
            audit_log_write(action="id_renewal.created", person=person, obj=renewal, to_status=S.PHOTO_CHECK, ip=ip, sha256=image.sha256)
            from civil_affairs.tasks import photo_check_renewal_task

            transaction.on_commit(lambda: photo_check_renewal_task.delay(renewal.pk))
    except (ApplicationError, IntegrityError) as exc:
        private_storage.delete(name)
        if isinstance(exc, IntegrityError):
            raise ApplicationError("NOT_ELIGIBLE", _("You cannot renew your national ID now."), {"reasons": [
                {"code": "RENEWAL_IN_PROGRESS", "message": _("You already have a renewal in progress.")}]}, status=409) from exc
        raise
    return renewal


def _content(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)


def renewal_photo_bytes(*, renewal: IdRenewal) -> bytes | None:
    if not renewal.photo or renewal.photo_deleted_at:
        return None
    with private_storage.open(renewal.photo, "rb") as f:
        return decrypt_bytes(f.read())


def renewal_photo_check(*, renewal_id: int) -> str:
    """The worker's job. Claim (compare-and-set on the attempt counter), run the slow check
    outside any lock, then lock and apply only if still PHOTO_CHECK: running twice decides once.
    Returns what happened: "applied", "already_decided", "gave_up", "not_claimed"."""
    claimed = IdRenewal.objects.filter(
        pk=renewal_id, status=S.PHOTO_CHECK, check_attempts__lt=settings.ID_PHOTO_CHECK_MAX_TRIES,
    ).update(check_attempts=F("check_attempts") + 1, check_started_at=timezone.now())
    if claimed != 1:
        with transaction.atomic():
            renewal = IdRenewal.objects.select_for_update().filter(pk=renewal_id).first()
            if renewal is None or renewal.status != S.PHOTO_CHECK:
                return "not_claimed"
            # Out of attempts: the image keeps crashing the check. End the request, do not loop.
            renewal.check_status = IdRenewal.CheckStatus.FAILED
            renewal.check_reasons = [{"code": "CHECK_FAILED", "message": ""}]
            _move(renewal, S.PHOTO_REJECTED, fields=["check_status", "check_reasons"], gave_up_after=renewal.check_attempts)
        return "gave_up"
    renewal = IdRenewal.objects.select_related("person").get(pk=renewal_id)
    jpeg = renewal_photo_bytes(renewal=renewal)
    on_file = photo_on_file_encoding(person=renewal.person)
    result = photo_check(jpeg=jpeg, on_file_encoding=on_file)  # slow: no lock held
    with transaction.atomic():
        renewal = _lock(renewal_id)
        if renewal.status != S.PHOTO_CHECK:
            return "already_decided"
        fm = result.face_match
        renewal.check_status = IdRenewal.CheckStatus.PASSED if result.passed else IdRenewal.CheckStatus.FAILED
        renewal.check_reasons = [{"code": r.code, "message": str(r.message)} for r in result.reasons]
        renewal.check_metrics = _jsonable(result.metrics or {})
        renewal.check_duration_ms = int(result.duration_ms or 0)
        renewal.face_decision = fm.decision if fm else ""
        renewal.face_distance = float(fm.distance) if fm and fm.distance is not None else None
        renewal.match_tolerance = float(fm.match_tolerance) if fm else None
        renewal.reject_tolerance = float(fm.reject_tolerance) if fm else None
        renewal.face_model = (fm.model if fm else "") or ""
        renewal.photo_encoding = encrypt_bytes(result.encoding) if result.encoding else None
        to = S.AWAITING_DELIVERY_CHOICE if result.passed else S.PHOTO_REJECTED
        _move(renewal, to, fields=[
            "check_status", "check_reasons", "check_metrics", "check_duration_ms", "face_decision", "face_distance",
            "match_tolerance", "reject_tolerance", "face_model", "photo_encoding",
        ], reasons=[r["code"] for r in renewal.check_reasons], face_decision=renewal.face_decision, distance=renewal.face_distance)
    return "applied"


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (bool, int, str)) or obj is None:
        return obj
    try:
        return float(obj)
    except (TypeError, ValueError):
        return str(obj)


def renewal_photo_check_sweep() -> int:
    """Re-queue renewals stuck in PHOTO_CHECK (Redis can lose messages). Returns how many."""
    from civil_affairs.tasks import photo_check_renewal_task

    cutoff = timezone.now() - dt.timedelta(seconds=settings.ID_PHOTO_CHECK_STUCK_SECONDS)
    ids = list(
        IdRenewal.objects.filter(status=S.PHOTO_CHECK, created_at__lt=cutoff)
        .exclude(check_started_at__gte=cutoff).values_list("pk", flat=True)
    )
    for pk in ids:  # outside a transaction on_commit runs at once; inside one, after it commits
        transaction.on_commit(lambda pk=pk: photo_check_renewal_task.delay(pk))
    return len(ids)


def renewal_photo_purge() -> int:
    """Delete rejected selfies (and their encodings) after the retention period."""
    cutoff = timezone.now() - dt.timedelta(days=settings.ID_PHOTO_REJECTED_RETENTION_DAYS)
    n = 0
    for renewal in IdRenewal.objects.filter(status=S.PHOTO_REJECTED, status_changed_at__lt=cutoff, photo_deleted_at__isnull=True):
        with transaction.atomic():
            renewal = IdRenewal.objects.select_for_update().get(pk=renewal.pk)
            if renewal.photo_deleted_at:
                continue
            if renewal.photo:
                private_storage.delete(renewal.photo)
            renewal.photo_deleted_at = timezone.now()
            renewal.photo_encoding = None
            renewal.save(update_fields=["photo_deleted_at", "photo_encoding"])
            audit_log_write(action="id_renewal.photo_deleted", person=renewal.person, obj=renewal, reason="retention")
            n += 1
    return n


def renewal_photo_read(*, renewal: IdRenewal, which: str = "new", person: Person | None = None, officer=None, ip: str = "") -> bytes | None:
    """The renewal's photo, or the person's photo on file; each read is audited. The caller has
    already checked the reader may see it (the owner via the selector, or a staff officer)."""
    if which == "on_file":
        data = None
        owner = renewal.person
        if owner.photo:
            with private_storage.open(owner.photo, "rb") as f:
                raw = f.read()
            try:
                data = decrypt_bytes(raw)
            except Exception:  # noqa: BLE001 - the photo engineer may store it unencrypted
                data = raw
    else:
        data = renewal_photo_bytes(renewal=renewal)
    audit_log_write(action="id_renewal.photo_read", person=person or renewal.person, officer=officer, obj=renewal, ip=ip,
                    which=which, reader="officer" if officer else "owner", found=data is not None)
    return data


# --- 5-6: delivery or pickup, then one payment -----------------------------------------------
def renewal_delivery_choose(*, person: Person, renewal_id: int, method: str, address_id=None, office_id=None) -> IdRenewal:
    """POST to a deliverable national address of the person (fee), or PICKUP at an active office.
    Builds the one payment: delivery fee, late fine, unpaid civil-affairs fines. With nothing to pay
    the request goes straight to IN_PROCESS."""
    from payments.services import LineItem, payment_create

    renewal = selectors.renewal_get_for_person(person=person, renewal_id=renewal_id)
    address = office = None
    if method == IdRenewal.Delivery.POST:
        if address_id in (None, ""):
            raise ApplicationError("VALIDATION_ERROR", _("Some fields are not valid."), {"fields": {"address_id": [_("Choose an address.")]}})
        address = selectors.address_get_for_person(person=person, address_id=address_id)
        if not address.deliverable:
            raise ApplicationError("ADDRESS_NOT_DELIVERABLE", _("This address is outside postal delivery coverage. Choose another address or pick the card up at an office."))
    elif method == IdRenewal.Delivery.PICKUP:
        if office_id in (None, ""):
            raise ApplicationError("VALIDATION_ERROR", _("Some fields are not valid."), {"fields": {"office_id": [_("Choose an office.")]}})
        office = selectors.office_get(office_id=office_id)
    else:
        raise ApplicationError("VALIDATION_ERROR", _("Some fields are not valid."), {"fields": {"method": [_("Choose POST or PICKUP.")]}})
    with transaction.atomic():
        renewal = _lock(renewal.pk)
        _require(renewal, S.AWAITING_DELIVERY_CHOICE)
        items = []
        if address is not None:
            items.append(LineItem("ID_DELIVERY_FEE", "DELIVERY", "رسوم توصيل الهوية الوطنية", "National ID card delivery", settings.ID_DELIVERY_FEE))
        if renewal.late_fine > 0:
            items.append(LineItem("ID_LATE_FINE", "FINE", "غرامة تأخير تجديد الهوية الوطنية", "Late national ID renewal fine", renewal.late_fine))
        for fine in fines_unpaid(person_ids=[person.pk], kinds=[Fine.Kind.CIVIL_AFFAIRS]).select_for_update():
            items.append(LineItem("CIVIL_FINE", "FINE", f"مخالفة أحوال مدنية {fine.reference}: {fine.description_ar}"[:200],
                                  f"Civil affairs fine {fine.reference}: {fine.description_en}"[:200], fine.amount,
                                  settles_type=FINE_SETTLES_TYPE, settles_id=str(fine.pk)))
        renewal.delivery_method = method
        renewal.address = address
        renewal.office = office
        fields = ["delivery_method", "address", "office"]
        if items:
            renewal.payment = payment_create(person=person, purpose="id_renewal", object_id=str(renewal.pk), items=items)
            fields.append("payment")
            _move(renewal, S.AWAITING_PAYMENT, fields=fields, method=method)
        else:
            _move(renewal, S.IN_PROCESS, fields=fields, method=method, note="nothing to pay")
            from civil_affairs.tasks import renewal_process_task

            transaction.on_commit(lambda: renewal_process_task.delay(renewal.pk))
    return renewal


def renewal_on_paid(*, payment_id: int) -> None:
    """Payments calls this once, from a worker, after the payment is PAID: settle the fines it
    carried and move the request to IN_PROCESS."""
    from payments.models import Payment

    payment = Payment.objects.prefetch_related("items").get(pk=payment_id)
    with transaction.atomic():
        renewal = IdRenewal.objects.select_for_update().select_related("person").filter(pk=int(payment.object_id), payment_id=payment.pk).first()
        if renewal is None:
            log.warning("id_renewal payment %s has no matching renewal", payment_id)
            return
        fine_ids = [int(i.settles_id) for i in payment.items.all() if i.settles_type == FINE_SETTLES_TYPE and i.settles_id]
        # payments' hand-over has already marked these fines paid (registry.services.fines_mark_paid)
        if renewal.status == S.CANCELLED:
            # Cancelled while the bank was paying: give the money back.
            audit_log_write(action="id_renewal.paid_after_cancel", person=renewal.person, obj=renewal, payment=payment.reference)
            transaction.on_commit(lambda: _refund(payment.pk, "Request cancelled before the payment arrived", None))
            return
        if renewal.status != S.AWAITING_PAYMENT:
            return  # already moved on: nothing more to do
        _move(renewal, S.IN_PROCESS, payment=payment.reference, fines_settled=fine_ids)
        from civil_affairs.tasks import renewal_process_task

        transaction.on_commit(lambda: renewal_process_task.delay(renewal.pk))


def renewal_on_payment_lapsed(*, payment_id: int) -> bool:
    """The bill of a request awaiting payment expired (or was withdrawn): the request is
    CANCELLED, so the person can start again. Idempotent. Returns True when it cancelled."""
    from payments.models import Payment

    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.status not in (Payment.Status.EXPIRED, Payment.Status.FAILED):
        return False
    with transaction.atomic():
        renewal = IdRenewal.objects.select_for_update().select_related("person").filter(payment_id=payment.pk).first()
        if renewal is None or renewal.status != S.AWAITING_PAYMENT:
            return False
        _move(renewal, S.CANCELLED, note=f"payment {payment.status.lower()}")
    return True


def renewal_on_refunded(*, payment_id: int) -> None:
    from payments.models import Payment

    payment = Payment.objects.get(pk=payment_id)
    renewal = IdRenewal.objects.filter(pk=int(payment.object_id), payment_id=payment.pk).select_related("person").first()
    if renewal is None:
        return
    from notifications.services import notification_send

    notification_send(
        person=renewal.person, kind="id_renewal", event_key=f"id_renewal:{renewal.pk}:refunded",
        title=gettext_lazy("Your ID renewal payment was refunded"),
        body=gettext_lazy("Renewal %(reference)s: SAR %(amount)s was refunded."),
        context={"reference": renewal.reference, "amount": str(payment.amount)},
        link=reverse("civil_affairs:detail", kwargs={"pk": renewal.pk}),
    )


# --- after payment: automatic approval or an officer's review -------------------------------
def renewal_rules_hold(*, renewal: IdRenewal) -> list[str]:
    """What still stands in the way of an automatic approval (empty: approve)."""
    problems = []
    if not renewal.person.is_citizen:
        problems.append("NOT_A_CITIZEN")
    if renewal.check_status != IdRenewal.CheckStatus.PASSED:
        problems.append("PHOTO_NOT_PASSED")
    if renewal.face_decision != "MATCH":
        problems.append("FACE_MATCH_" + (renewal.face_decision or "NONE"))
    if renewal.payment_id and renewal.payment.status != "PAID":
        problems.append("NOT_PAID")
    if fines_unpaid(person_ids=[renewal.person_id], kinds=[Fine.Kind.CIVIL_AFFAIRS]).exists():
        problems.append("UNPAID_FINES")
    return problems


def renewal_process(*, renewal_id: int) -> str:
    """IN_PROCESS → APPROVED when every rule holds and the face matched, else UNDER_REVIEW."""
    with transaction.atomic():
        renewal = _lock(renewal_id)
        if renewal.status != S.IN_PROCESS:
            return "skipped"
        problems = renewal_rules_hold(renewal=renewal)
        if problems:
            _move(renewal, S.UNDER_REVIEW, note=",".join(problems), problems=problems)
            return S.UNDER_REVIEW
        _approve(renewal, officer=None)
        return S.APPROVED


def _approve(renewal: IdRenewal, *, officer) -> None:
    today = dates.today()
    old = NationalIdCard.objects.select_for_update().filter(person=renewal.person, status=NationalIdCard.Status.ACTIVE).first()
    card_version = 1
    if old is not None:
        old.status = NationalIdCard.Status.REPLACED
        old.version += 1
        old.save(update_fields=["status", "version"])
        card_version = old.card_version + 1
    card = NationalIdCard.objects.create(
        person=renewal.person, card_version=card_version, issue_date=today,
        expiry_date=dates.add_months(today, 12 * settings.ID_CARD_VALIDITY_YEARS), status=NationalIdCard.Status.ACTIVE,
    )
    renewal.new_card = card
    renewal.decided_by = officer if getattr(officer, "pk", None) else None
    renewal.decided_at = timezone.now()
    _move(renewal, S.APPROVED, fields=["new_card", "decided_by", "decided_at"], officer=officer, card_id=card.pk,
          card_expiry=card.expiry_date.isoformat(), automatic=officer is None)


def _check_version(renewal: IdRenewal, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != renewal.version:
        raise ApplicationError(
            "VERSION_CONFLICT", _("Another officer changed this request meanwhile. Reload it and decide again."),
            {"version": renewal.version}, status=409,
        )


def renewal_approve(*, renewal_id: int, officer, expected_version: int | None = None) -> IdRenewal:
    """An officer confirms a request under review (e.g. a REVIEW face match): issue the card."""
    with transaction.atomic():
        renewal = _lock(renewal_id)
        _check_version(renewal, expected_version)
        _require(renewal, S.UNDER_REVIEW)
        _approve(renewal, officer=officer)
    return renewal


def renewal_reject(*, renewal_id: int, officer, reason: str, expected_version: int | None = None) -> IdRenewal:
    """An officer rejects a request under review, with a reason the citizen sees; refund if paid."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("VALIDATION_ERROR", _("Give the reason for the rejection; the citizen will see it."),
                               {"fields": {"reason": [_("This field is required.")]}})
    with transaction.atomic():
        renewal = _lock(renewal_id)
        _check_version(renewal, expected_version)
        _require(renewal, S.UNDER_REVIEW, S.IN_PROCESS)
        renewal.decision_reason = reason[:500]
        renewal.decided_by = officer if getattr(officer, "pk", None) else None
        renewal.decided_at = timezone.now()
        _move(renewal, S.REJECTED, fields=["decision_reason", "decided_by", "decided_at"], officer=officer, note=reason, reason=reason)
        payment_id = renewal.payment_id
        if payment_id:
            transaction.on_commit(lambda: _refund(payment_id, reason, officer))
    return renewal


def _refund(payment_id: int, reason: str, officer) -> None:
    from payments import services as pay

    refund = getattr(pay, "payment_refund", None)
    if refund is None:
        log.error("payments.services.payment_refund is missing: payment %s not refunded", payment_id)
        return
    from payments.models import Payment

    if Payment.objects.filter(pk=payment_id, status="PAID").exists():
        refund(payment_id=payment_id, reason=reason, officer=officer)


def renewal_cancel(*, person: Person, renewal_id: int) -> IdRenewal:
    """The person gives up before paying."""
    renewal = selectors.renewal_get_for_person(person=person, renewal_id=renewal_id)
    with transaction.atomic():
        renewal = _lock(renewal.pk)
        _require(renewal, S.AWAITING_DELIVERY_CHOICE, S.AWAITING_PAYMENT)
        if renewal.payment_id and renewal.payment.status == "PAID":
            raise ApplicationError("INVALID_STATE", _("This request is already paid."), status=409)
        _move(renewal, S.CANCELLED)
    return renewal


# --- the card's journey -----------------------------------------------------------------
NEXT_STAGE = {S.APPROVED: S.PRINTING, S.PRINTING: None, S.OUT_FOR_DELIVERY: S.DELIVERED, S.READY_FOR_PICKUP: S.COLLECTED}


def renewal_card_advance(*, renewal_id: int, officer=None, expected_status: str | None = None) -> IdRenewal:
    """APPROVED → PRINTING → OUT_FOR_DELIVERY | READY_FOR_PICKUP → DELIVERED | COLLECTED."""
    with transaction.atomic():
        renewal = _lock(renewal_id)
        if expected_status and renewal.status != expected_status:
            raise ApplicationError("INVALID_STATE", _("This request has already moved on."), {"status": renewal.status}, status=409)
        _require(renewal, S.APPROVED, S.PRINTING, S.OUT_FOR_DELIVERY, S.READY_FOR_PICKUP)
        to = NEXT_STAGE[renewal.status]
        if to is None:
            to = S.OUT_FOR_DELIVERY if renewal.delivery_method == IdRenewal.Delivery.POST else S.READY_FOR_PICKUP
        _move(renewal, to, officer=officer)
    return renewal


def renewal_card_progress() -> int:
    """Periodic: move cards on after each stage's delay (settings). Pickup waits for an officer."""
    now = timezone.now()
    moved = 0
    for status, delay in settings.ID_CARD_STAGE_DELAYS_SECONDS.items():
        cutoff = now - dt.timedelta(seconds=delay)
        for pk in IdRenewal.objects.filter(status=status, status_changed_at__lte=cutoff).values_list("pk", flat=True):
            try:
                renewal_card_advance(renewal_id=pk, expected_status=status)
                moved += 1
            except ApplicationError:
                continue
    return moved
