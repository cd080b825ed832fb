"""Step 1 of the renewal: create the request with a photo, and the live guidance before it.

The quick check (detection and the quality rules, no face match) for the camera page and for
an upload before its request exists, the per-person limits (quick checks per minute, refused
uploads and requests per attempts window), the capture time of a camera photo, and
`renewal_create`. The photo engine is reached through the adapter in photo_check.py (called
through the module, so a test that replaces an adapter function there replaces it here too)."""

import datetime as dt
import logging
import time
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from biometrics.check import QuickCheckResult
from biometrics.face import FaceEngineError
from biometrics.upload import image_decode
from civil_affairs import selectors
from civil_affairs.models import IdRenewal, IdRenewalEvent
from civil_affairs.services import photo_check as engine
from civil_affairs.services.photo_check import CHECK_TASK
from core.crypto import encrypt_bytes
from core.errors import ApplicationError
from core.ratelimit import LOCAL, counter_get, counter_hit
from core.services import audit_log_write
from core.storage import private_storage
from core.transitions import enqueue
from registry.models import Person

log = logging.getLogger(__name__)
S = IdRenewal.Status


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
        return engine.photo_engine_quick_check(frame=True, image=image)
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
        result = engine.photo_engine_quick_check(frame=False, jpeg=jpeg)
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
        image = engine.photo_sanitize(data=photo_data)  # raises INVALID_IMAGE / IMAGE_TOO_LARGE (400)
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
