"""Steps 2-4 of the renewal's photo: the worker's photo check, the sweeper that re-queues lost
checks, the purge of rejected selfies, and the audited photo reads; what the person and the
officer read about a failed rule or a flag. Creating the request with its photo, and the quick
check before it, are in photo_intake.py.

The photo engine (biometrics) is reached only through the adapter functions below
(`photo_sanitize`, `photo_engine_check`, `photo_engine_quick_check`, `photo_on_file_encoding`),
so flow tests can replace them. Its modules are imported at the top: none of them loads dlib on
import (biometrics.face imports face_recognition lazily, on the engine's first use, so a web
process never loads the models)."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from biometrics.check import FLAG_MESSAGES, QuickCheckResult, photo_check_run, photo_quick_check
from biometrics.check import reason_message as engine_reason_message
from biometrics.enrol import person_on_file_encoding, person_photo_bytes
from biometrics.upload import image_sanitize
from civil_affairs.flow import ID_RENEWAL
from civil_affairs.models import IdRenewal
from core.crypto import decrypt_bytes, encrypt_bytes
from core.services import audit_log_write
from core.storage import private_storage
from core.transitions import enqueue
from registry.models import Person

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
