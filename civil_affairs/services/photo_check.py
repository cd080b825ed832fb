"""Steps 1-4 of the renewal: create the request with a photo, the worker's photo check, the
sweeper that re-queues lost checks, the purge of rejected selfies, and the audited photo reads.

The photo engine (biometrics) is reached only through the three adapter functions
below (`photo_sanitize`, `photo_engine_check`, `photo_on_file_encoding`), so flow tests can
replace it. Its modules are imported at the top: none of them loads dlib on import
(biometrics.face imports face_recognition lazily, on the engine's first use, so a
web process never loads the models)."""

import datetime as dt
import logging
import time
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from biometrics.check import FLAG_MESSAGES, QuickCheckResult, photo_check_run, photo_quick_check
from biometrics.check import reason_message as engine_reason_message
from biometrics.enrol import person_on_file_encoding, person_photo_bytes
from biometrics.face import FaceEngineError
from biometrics.upload import image_decode, image_sanitize
from civil_affairs import selectors
from civil_affairs.flow import ID_RENEWAL
from civil_affairs.models import IdRenewal, IdRenewalEvent
from core.crypto import decrypt_bytes, encrypt_bytes
from core.errors import ApplicationError
from core.ratelimit import LOCAL, counter_get, counter_hit
from core.services import audit_log_write
from core.storage import private_storage
from core.transitions import enqueue
from registry.models import Person

log = logging.getLogger(__name__)
S = IdRenewal.Status
CHECK_TASK = "civil_affairs.tasks.photo_check_renewal_task"


# --- the photo engine adapter ---------------------------------------------------------------
def photo_sanitize(*, data: bytes):
    return image_sanitize(data=data)


def photo_engine_check(*, jpeg: bytes, on_file_encoding: bytes | None):
    return photo_check_run(jpeg=jpeg, on_file_encoding=on_file_encoding)


def photo_on_file_encoding(*, person: Person) -> bytes | None:
    return person_on_file_encoding(person=person)


def photo_engine_quick_check(*, frame: bool, jpeg: bytes | None = None, image=None) -> QuickCheckResult:
    return photo_quick_check(frame=frame, jpeg=jpeg, image=image)


# --- live guidance: the quick check (detection and the quality rules, no face match) ---------------
QUICK_CHECK_READY = gettext_lazy("Ready: the photo passes every quality rule. Hold still and take it.")


def _quick_check_hit(*, person: Person) -> None:
    """Count one quick check of this person in the current minute (atomic INCR in Redis,
    locmem otherwise); over PHOTO_QUICK_CHECK_PER_MINUTE: 429 RATE_LIMITED."""
    now = time.time()
    key = f"idr:quick:{person.pk}:{int(now // 60)}"
    # Redis down: count in this process (fail open, bounded): a quick check stores nothing and
    # spends no attempt, so the per-process limit only has to bound the CPU it costs.
    count = counter_hit(key, timeout=65, on_outage=LOCAL)
    if count > settings.PHOTO_QUICK_CHECK_PER_MINUTE:
        retry = max(1, int(60 - now % 60) + 1)
        raise ApplicationError(
            "RATE_LIMITED",
            _("Too many photo checks. Wait %(seconds)d seconds and try again.") % {"seconds": retry},
            {"retry_after": retry},
            status=429,
        )


def _refused_key(person: Person) -> str:
    return f"idr:refused:{person.pk}"


def _refused_uploads(*, person: Person) -> int:
    """Uploads refused before a request existed (not an image, too large to decode) in the
    current attempts window. They spend attempts like requests do, so a stream of hostile
    files (each costing a decode) stops at ID_PHOTO_ATTEMPTS_MAX."""
    return counter_get(_refused_key(person))


def _refused_upload_count(*, person: Person) -> None:
    # Redis down: counted in the process (fail open, bounded per process).
    counter_hit(_refused_key(person), timeout=settings.ID_PHOTO_ATTEMPTS_WINDOW_SECONDS, on_outage=LOCAL)


def _eligible_or_409(person: Person):
    elig = selectors.renewal_eligibility(person=person)
    if not elig.eligible:
        raise ApplicationError(
            "NOT_ELIGIBLE",
            _("You cannot renew your national ID now."),
            {"reasons": [{"code": r.code, "message": r.message} for r in elig.reasons]},
            status=409,
        )
    return elig


def renewal_photo_quick_check(*, person: Person, data: bytes) -> QuickCheckResult:
    """Live guidance for the camera page: one small frame (PHOTO_QUICK_CHECK_MAX_BYTES, scaled
    to PHOTO_QUICK_CHECK_MAX_SIDE) through detection and every quality rule, no face match.
    PHOTO_QUICK_CHECK_MAX_PIXELS, read from the header before decoding.
    Nothing is stored: no request, no photo, no history row, no audit row; it spends none of
    the person's attempts. Only for a person who may renew now (409 NOT_ELIGIBLE otherwise),
    rate-limited per person (429). An engine failure is 503 ENGINE_UNAVAILABLE."""
    _eligible_or_409(person)
    _quick_check_hit(person=person)
    image, _sha = image_decode(data=data, max_bytes=settings.PHOTO_QUICK_CHECK_MAX_BYTES, max_pixels=settings.PHOTO_QUICK_CHECK_MAX_PIXELS)
    try:
        return photo_engine_quick_check(frame=True, image=image)
    except FaceEngineError as exc:
        raise ApplicationError("ENGINE_UNAVAILABLE", _("The photo check is busy. Try again in a moment."), status=503) from exc


def _precheck_upload(*, person: Person, jpeg: bytes) -> None:
    """The same quick check on an upload before its request exists: a photo that breaks a
    quality rule is refused (400 PHOTO_QUALITY with the reasons) and spends no attempt. An
    engine failure lets the upload through: the worker's full check decides."""
    if not settings.ID_PHOTO_UPLOAD_PRECHECK:
        return
    _quick_check_hit(person=person)
    try:
        result = photo_engine_quick_check(frame=False, jpeg=jpeg)
    except FaceEngineError:
        log.warning("upload pre-check skipped: face engine unavailable", exc_info=True)
        return
    if not result.passed:
        raise ApplicationError(
            "PHOTO_QUALITY",
            _("This photo does not meet the rules. Nothing was sent and no attempt was used: fix it and try again."),
            {"reasons": [{"code": r.code, "message": r.message} for r in result.reasons]},
            status=400,
        )


def _capture_time(source: str, captured_at: dt.datetime | None) -> dt.datetime | None:
    """When a camera photo was taken: the time the page reports, if it is plausible (not in the
    future, at most ID_PHOTO_CAPTURE_MAX_AGE_SECONDS old), else the time it arrived. An upload
    has none: its metadata is stripped and could be edited anyway."""
    if source != IdRenewal.PhotoSource.CAMERA:
        return None
    now = timezone.now()
    if captured_at is not None and now - dt.timedelta(
        seconds=settings.ID_PHOTO_CAPTURE_MAX_AGE_SECONDS
    ) <= captured_at <= now + dt.timedelta(seconds=5):
        return min(captured_at, now)
    return now


# --- what the person reads about each failed rule: short and actionable -----------------------
# The engine's own messages cover its codes; the flow adds the one it produces itself.
FLOW_REASONS = {
    "CHECK_FAILED": gettext_lazy("We could not check this photo. Start again with another photo."),
}


def reason_message(code: str, fallback: str = "") -> str:
    """The message for a stored reason code, rendered in the active language."""
    if code in FLOW_REASONS:
        return str(FLOW_REASONS[code])
    return str(engine_reason_message(code)) or fallback


def flag_message(code: str) -> str:
    """What an officer reads about a flag of the photo, in the active language."""
    return str(FLAG_MESSAGES.get(code, code))


def _in_progress_error() -> ApplicationError:
    return ApplicationError(
        "NOT_ELIGIBLE",
        _("You cannot renew your national ID now."),
        {"reasons": [{"code": "RENEWAL_IN_PROGRESS", "message": _("You already have a renewal in progress.")}]},
        status=409,
    )


def _new_reference() -> str:
    return "IDR-" + uuid.uuid4().hex[:10].upper()


def renewal_create(
    *,
    person: Person,
    photo_data: bytes,
    ip: str = "",
    source: str = IdRenewal.PhotoSource.UPLOAD,
    captured_at: dt.datetime | None = None,
) -> IdRenewal:
    """Validate eligibility, the attempt limit and the image; run the quick check (a photo that
    breaks a quality rule is refused here and spends no attempt); store the photo encrypted in
    private storage; create the request in PHOTO_CHECK and queue the full check on the `faces`
    queue. source CAMERA (the page's camera) records when the photo was taken."""
    if source not in IdRenewal.PhotoSource.values:
        source = IdRenewal.PhotoSource.UPLOAD
    elig = _eligible_or_409(person)
    window = dt.timedelta(seconds=settings.ID_PHOTO_ATTEMPTS_WINDOW_SECONDS)
    recent = list(
        IdRenewal.objects.filter(person=person, created_at__gte=timezone.now() - window)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    refused = _refused_uploads(person=person)
    if len(recent) + refused >= settings.ID_PHOTO_ATTEMPTS_MAX:
        if len(recent) >= settings.ID_PHOTO_ATTEMPTS_MAX:
            oldest = recent[len(recent) - settings.ID_PHOTO_ATTEMPTS_MAX]
            wait = max(1, int((oldest + window - timezone.now()).total_seconds()) + 1)
        else:  # refused uploads filled the window: their counter ends with it
            wait = settings.ID_PHOTO_ATTEMPTS_WINDOW_SECONDS
        raise ApplicationError(
            "RATE_LIMITED",
            _("Too many photo attempts. Try again in %(minutes)d minutes.") % {"minutes": (wait + 59) // 60},
            {"retry_after": wait},
            status=429,
        )
    try:
        image = photo_sanitize(data=photo_data)  # raises INVALID_IMAGE / IMAGE_TOO_LARGE (400)
    except ApplicationError:
        _refused_upload_count(person=person)  # a refused upload spends an attempt too (issue 11)
        raise
    if IdRenewal.objects.filter(person=person, photo_sha256=image.sha256, check_status=IdRenewal.CheckStatus.FAILED).exists():
        raise ApplicationError(
            "PHOTO_ALREADY_REJECTED",
            _("This exact photo was already rejected. Take a new photo that follows the rules."),
            status=409,
        )
    _precheck_upload(person=person, jpeg=image.jpeg)
    name = private_storage.save(f"id_renewals/{person.pk}/{uuid.uuid4().hex}.jpg.enc", ContentFile(encrypt_bytes(image.jpeg)))
    try:
        with transaction.atomic():
            Person.objects.select_for_update(no_key=True).filter(pk=person.pk).first()  # serialise one person's attempts
            if IdRenewal.objects.filter(person=person, status__in=IdRenewal.OPEN_STATUSES).exists():
                raise _in_progress_error()
            renewal = IdRenewal.objects.create(
                person=person,
                reference=_new_reference(),
                old_card=elig.card,
                id_expiry=elig.id_expiry,
                late_fine=elig.late_fine,
                photo=name,
                photo_sha256=image.sha256,
                photo_width=image.width,
                photo_height=image.height,
                photo_source=source,
                photo_captured_at=_capture_time(source, captured_at),
            )
            IdRenewalEvent.objects.create(renewal=renewal, action="create", to_status=S.PHOTO_CHECK)
            audit_log_write(action="id_renewal.created", person=person, obj=renewal, to_status=S.PHOTO_CHECK, ip=ip, sha256=image.sha256)
            enqueue(CHECK_TASK, renewal.pk)
    except (ApplicationError, IntegrityError) as exc:
        private_storage.delete(name)
        if isinstance(exc, IntegrityError):
            raise _in_progress_error() from exc
        raise
    return renewal


def renewal_photo_bytes(*, renewal: IdRenewal) -> bytes | None:
    if not renewal.photo or renewal.photo_deleted_at:
        return None
    with private_storage.open(renewal.photo, "rb") as f:
        return decrypt_bytes(f.read())


CHECK_FIELDS = [
    "check_status",
    "check_reasons",
    "check_metrics",
    "check_duration_ms",
    "face_decision",
    "face_distance",
    "match_tolerance",
    "reject_tolerance",
    "face_model",
    "photo_encoding",
    "photo_flags",
]


def renewal_photo_check(*, renewal_id: int) -> str:
    """The worker's job. Claim (compare-and-set on the attempt counter), run the slow check
    outside any lock, then lock and apply only if still PHOTO_CHECK: running twice decides once.
    Returns what happened: "applied", "already_decided", "gave_up", "not_claimed"."""
    claimed = IdRenewal.objects.filter(
        pk=renewal_id,
        status=S.PHOTO_CHECK,
        check_attempts__lt=settings.ID_PHOTO_CHECK_MAX_TRIES,
    ).update(check_attempts=F("check_attempts") + 1, check_started_at=timezone.now())
    if claimed != 1:
        with transaction.atomic():
            renewal = IdRenewal.objects.select_for_update().filter(pk=renewal_id).first()
            if renewal is None or not ID_RENEWAL.can(renewal, "photo_failed"):
                return "not_claimed"
            # Out of attempts: the image keeps crashing the check. End the request, do not loop.
            renewal.check_status = IdRenewal.CheckStatus.FAILED
            renewal.check_reasons = [{"code": "CHECK_FAILED", "message": ""}]
            ID_RENEWAL.apply(renewal, "photo_failed", fields=["check_status", "check_reasons"], gave_up_after=renewal.check_attempts)
        return "gave_up"
    renewal = IdRenewal.objects.select_related("person").get(pk=renewal_id)
    jpeg = renewal_photo_bytes(renewal=renewal)
    on_file = photo_on_file_encoding(person=renewal.person)
    result = photo_engine_check(jpeg=jpeg, on_file_encoding=on_file)  # slow: no lock held
    with transaction.atomic():
        renewal = ID_RENEWAL.lock(renewal_id)
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
        renewal.photo_flags = _flags_for(renewal.person, getattr(result, "flags", None) or [])
        ID_RENEWAL.apply(
            renewal,
            "photo_passed" if result.passed else "photo_failed",
            fields=CHECK_FIELDS,
            reasons=[r["code"] for r in renewal.check_reasons],
            face_decision=renewal.face_decision,
            distance=renewal.face_distance,
        )
    return "applied"


def _flags_for(person: Person, flags: list[str]) -> list[str]:
    """The engine's flags that concern this person: "possible glasses" only on a man's photo
    (the rule is "no glasses for men"); the request then goes to an officer."""
    return [f for f in flags if f != "POSSIBLE_GLASSES" or person.gender == Person.Gender.MALE]


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
    now = timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.ID_PHOTO_CHECK_STUCK_SECONDS)
    # Never claimed (its message was lost or never sent): SWEEP_LOST_WORK_AFTER_SECONDS after
    # it entered PHOTO_CHECK. Claimed but not decided: after the (longer) stuck period.
    lost = Q(check_started_at__isnull=True, status_changed_at__lt=now - dt.timedelta(seconds=settings.SWEEP_LOST_WORK_AFTER_SECONDS))
    stuck = Q(created_at__lt=cutoff) & ~Q(check_started_at__gte=cutoff)
    ids = list(IdRenewal.objects.filter(lost | stuck, status=S.PHOTO_CHECK).values_list("pk", flat=True))
    for pk in ids:  # outside a transaction this queues at once; inside one, after it commits
        enqueue(CHECK_TASK, pk)
    return len(ids)


def renewal_photo_purge() -> int:
    """Delete rejected selfies (and their encodings) after the retention period."""
    cutoff = timezone.now() - dt.timedelta(days=settings.ID_PHOTO_REJECTED_RETENTION_DAYS)
    n = 0
    for pk in IdRenewal.objects.filter(status=S.PHOTO_REJECTED, status_changed_at__lt=cutoff, photo_deleted_at__isnull=True).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            renewal = IdRenewal.objects.select_for_update().select_related("person").get(pk=pk)
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
        data = person_photo_bytes(person=renewal.person)
    else:
        data = renewal_photo_bytes(renewal=renewal)
    audit_log_write(
        action="id_renewal.photo_read",
        person=person or renewal.person,
        officer=officer,
        obj=renewal,
        ip=ip,
        which=which,
        reader="officer" if officer else "owner",
        found=data is not None,
    )
    return data
