"""Nafath app devices: activation (ID number → SMS code → PIN and selfie), an officer's approval
of a pending device, revocation, one active device per person, and the PIN check with its lock.

Activation, step by step (state lives in DeviceActivation, never in the client):
1. device_activation_start: a one-time code by SMS to the mobile on file (the same answer for an
   unknown ID number, which gets no SMS), expiring after NAFATH_ACTIVATION_CODE_LIFETIME_SECONDS.
2. device_activation_verify: the code, at most NAFATH_ACTIVATION_CODE_MAX_TRIES tries; each try is
   claimed by one UPDATE before it is compared, so concurrent guesses cannot overshoot.
3. device_activation_complete: a PIN of NAFATH_PIN_LENGTH digits and a selfie, matched against
   the photo on file by the biometrics engine (outside any lock). MATCH → the device is ACTIVE;
   REVIEW or no photo on file → PENDING until an officer approves it; NO_MATCH or a bad photo →
   refused with the reasons (NAFATH_ACTIVATION_SELFIE_MAX_TRIES selfies per activation).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from biometrics.check import photo_check_run
from biometrics.enrol import person_on_file_encoding
from biometrics.face import FaceEngineError
from biometrics.upload import image_sanitize
from core.crypto import decrypt_bytes, encrypt_bytes
from core.errors import ApplicationError, NotFound
from core.idnumbers import normalize_id_number
from core.services import audit_log_write
from core.storage import private_storage
from core.transitions import on_commit_robust
from nafath.models import AccessToken, Device, DeviceActivation
from nafath.services.limits import check_start_limits
from nafath.tokens import new_token, token_digest
from notifications.services import notification_send
from notifications.sms import get_sms_backend
from registry.models import Person

log = logging.getLogger(__name__)
A = DeviceActivation.Status
D = Device.Status

# --- what the person is told -------------------------------------------------------------------
REPLACED_TITLE = gettext_lazy("Your Nafath app was replaced")
REPLACED_BODY = gettext_lazy(
    'The Nafath app "%(label)s" no longer works: a new device was activated on %(when)s. If this was not you, open My devices.'
)
ACTIVATED_TITLE = gettext_lazy("A new Nafath app was activated")
ACTIVATED_BODY = gettext_lazy('The Nafath app "%(label)s" was activated on your ID number. If this was not you, open My devices.')
PENDING_APPROVED_TITLE = gettext_lazy("Your Nafath app was approved")
PENDING_APPROVED_BODY = gettext_lazy('An officer approved the Nafath app "%(label)s". You can sign in with it now.')
SMS_CODE_TEXT = gettext_lazy("Nafath: your activation code is %(code)s. It expires in %(minutes)d minutes. Never share it with anyone.")


# --- devices (the signature of device_register is used by other apps: keep it) ------------------
def device_register(*, person: Person, pin: str, token: str | None = None, label: str = "Nafath app") -> tuple[Device, str]:
    """Register an ACTIVE Nafath app for a person (demo data, tests); returns the device and its
    token (shown once). Activation by the person goes through device_activation_*."""
    token = token or new_token()
    device = Device.objects.create(
        person=person,
        label=label,
        token_digest=token_digest(token),
        pin_hash=make_password(pin),
        status=D.ACTIVE,
        activated_at=timezone.now(),
    )
    audit_log_write(action="nafath.device_registered", person=person, obj=device)
    return device, token


def _code_digest(activation_id, code: str) -> str:
    key = hashlib.sha256(f"nafath-activation:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, f"{activation_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    n = settings.NAFATH_ACTIVATION_CODE_LENGTH
    return f"{secrets.randbelow(10**n):0{n}d}"


def _invalid_id() -> ApplicationError:
    msg = _("Enter a valid ID number: 10 digits starting with 1 or 2.")
    return ApplicationError("INVALID_ID_NUMBER", msg, {"fields": {"id_number": [msg]}})


def device_activation_start(*, id_number: str, ip: str) -> DeviceActivation:
    """Send a one-time code to the mobile on file. Rate limited like sign-in starts."""
    normalized = normalize_id_number(id_number)
    check_start_limits(id_number=normalized or str(id_number)[:20], ip=ip, what="activation")
    if normalized is None:
        raise _invalid_id()
    person = Person.objects.filter(id_number=normalized).first()
    code = _new_code()
    with transaction.atomic():
        activation = DeviceActivation(
            id_number=normalized,
            person=person if person is not None and person.mobile else None,
            client_ip=ip,
            expires_at=timezone.now() + dt.timedelta(seconds=settings.NAFATH_ACTIVATION_CODE_LIFETIME_SECONDS),
        )
        activation.code_digest = _code_digest(activation.activation_id, code)
        activation.save()
        audit_log_write(action="nafath.activation_started", person=person, obj=activation, ip=ip, sms_sent=activation.person_id is not None)
    if activation.person_id is not None:
        on_commit_robust(lambda: _send_code(activation, code))
    return activation


def _send_code(activation: DeviceActivation, code: str) -> None:
    """The SMS gateway (the sandbox outbox here); after commit, outside any lock."""
    person = activation.person
    lang = person.preferred_language if person.preferred_language in ("ar", "en") else "ar"
    with translation.override(lang):
        body = str(SMS_CODE_TEXT) % {"code": code, "minutes": max(1, settings.NAFATH_ACTIVATION_CODE_LIFETIME_SECONDS // 60)}
    get_sms_backend().send(to=person.mobile, body=body, language=lang, idempotency_key=f"nafath-activation:{activation.activation_id}")


def _activation_get(activation_id) -> DeviceActivation:
    activation = DeviceActivation.objects.select_related("person").filter(activation_id=activation_id).first()
    if activation is None:
        raise NotFound()
    return activation


def _expired() -> ApplicationError:
    return ApplicationError("ACTIVATION_CODE_EXPIRED", _("The code has expired. Start the activation again to get a new code."), status=410)


def _too_many_tries() -> ApplicationError:
    return ApplicationError(
        "TOO_MANY_ATTEMPTS", _("Too many wrong codes. Start the activation again to get a new code."), {"tries_left": 0}, status=429
    )


def device_activation_verify(*, activation_id, code: str, ip: str = "") -> DeviceActivation:
    """Check the SMS code. A try is claimed by one conditional UPDATE before the comparison."""
    activation = _activation_get(activation_id)
    if activation.status == A.CODE_VERIFIED:
        return activation
    if activation.status != A.CODE_SENT:
        raise _too_many_tries() if activation.failure_reason == "too_many_tries" else _expired()
    if activation.is_expired:
        DeviceActivation.objects.filter(pk=activation.pk, status=A.CODE_SENT).update(status=A.FAILED, failure_reason="expired")
        audit_log_write(action="nafath.activation_failed", person=activation.person, obj=activation, ip=ip, reason="expired")
        raise _expired()
    max_tries = settings.NAFATH_ACTIVATION_CODE_MAX_TRIES
    claimed = DeviceActivation.objects.filter(pk=activation.pk, status=A.CODE_SENT, code_tries__lt=max_tries).update(
        code_tries=F("code_tries") + 1
    )
    if claimed != 1:
        raise _too_many_tries()
    activation.refresh_from_db(fields=["code_tries"])
    right = activation.person_id is not None and hmac.compare_digest(
        activation.code_digest, _code_digest(activation.activation_id, str(code or "").strip())
    )
    if right:
        DeviceActivation.objects.filter(pk=activation.pk, status=A.CODE_SENT).update(status=A.CODE_VERIFIED, verified_at=timezone.now())
        audit_log_write(action="nafath.activation_code_verified", person=activation.person, obj=activation, ip=ip)
        activation.refresh_from_db()
        return activation
    left = max_tries - activation.code_tries
    audit_log_write(action="nafath.activation_code_wrong", person=activation.person, obj=activation, ip=ip, tries_left=left)
    if left <= 0:
        DeviceActivation.objects.filter(pk=activation.pk, status=A.CODE_SENT).update(status=A.FAILED, failure_reason="too_many_tries")
        raise _too_many_tries()
    msg = ngettext("The code is not correct. You have %(n)d more try.", "The code is not correct. You have %(n)d more tries.", left) % {
        "n": left
    }
    raise ApplicationError("INVALID_CODE", msg, {"tries_left": left, "fields": {"code": [msg]}})


def pin_validate(pin: str) -> None:
    n = settings.NAFATH_PIN_LENGTH
    if not (isinstance(pin, str) and len(pin) == n and pin.isascii() and pin.isdigit()):
        msg = _("Choose a PIN of exactly %(n)d digits.") % {"n": n}
        raise ApplicationError("INVALID_PIN", msg, {"fields": {"pin": [msg]}})
    if len(set(pin)) == 1 or pin in "01234567890" or pin in "9876543210":
        msg = _("This PIN is too easy to guess. Avoid repeated or consecutive digits.")
        raise ApplicationError("WEAK_PIN", msg, {"fields": {"pin": [msg]}})


def device_activation_complete(
    *, activation_id, pin: str, selfie: bytes, label: str = "Nafath app", ip: str = ""
) -> tuple[Device, str | None]:
    """The PIN and the selfie: returns the new device and its token (shown once). The device is
    ACTIVE on a face MATCH, PENDING (an officer decides) on REVIEW or without a photo on file."""
    activation = _activation_get(activation_id)
    if activation.status != A.CODE_VERIFIED or activation.person_id is None:
        raise ApplicationError("INVALID_STATE", _("Verify the code sent by SMS first."), {"status": activation.status}, status=409)
    pin_validate(pin)
    claimed = DeviceActivation.objects.filter(
        pk=activation.pk, status=A.CODE_VERIFIED, selfie_tries__lt=settings.NAFATH_ACTIVATION_SELFIE_MAX_TRIES
    ).update(selfie_tries=F("selfie_tries") + 1)
    if claimed != 1:
        DeviceActivation.objects.filter(pk=activation.pk, status=A.CODE_VERIFIED).update(status=A.FAILED, failure_reason="selfie_tries")
        raise ApplicationError("TOO_MANY_ATTEMPTS", _("Too many selfies were refused. Start the activation again."), status=429)
    person = activation.person
    # Slow work first, outside any lock: sanitise the upload and run the face engine.
    image = image_sanitize(data=selfie)
    on_file = person_on_file_encoding(person=person)
    try:
        result = photo_check_run(jpeg=image.jpeg, on_file_encoding=on_file)
    except FaceEngineError as exc:
        log.warning("face engine failed during a device activation: %s", exc)
        raise ApplicationError(
            "FACE_CHECK_UNAVAILABLE", _("The face check is not available right now. Try again in a minute."), status=503
        ) from exc
    # A selfie is not an ID photo: only the face itself matters (one face, the match).
    blocking = [r for r in result.reasons if r.code in ("NO_FACE", "MULTIPLE_FACES", "FACE_MISMATCH")]
    if blocking:
        audit_log_write(action="nafath.activation_selfie_refused", person=person, obj=activation, ip=ip, reasons=[r.code for r in blocking])
        raise ApplicationError(
            "SELFIE_REFUSED",
            " ".join(r.message for r in blocking),
            {"reasons": [{"code": r.code, "message": r.message} for r in blocking], "fields": {"selfie": [r.message for r in blocking]}},
        )
    decision = result.face_match.decision if result.face_match else "NO_PHOTO_ON_FILE"
    status = D.ACTIVE if decision == "MATCH" else D.PENDING
    token = new_token()
    now = timezone.now()
    # A pending device keeps its selfie (encrypted) for the officer who decides.
    selfie_name = (
        private_storage.save(f"photos/nafath-selfies/{uuid.uuid4().hex}.jpg", ContentFile(encrypt_bytes(image.jpeg)))
        if status == D.PENDING
        else ""
    )
    with transaction.atomic():
        locked = DeviceActivation.objects.select_for_update().get(pk=activation.pk)
        if locked.status != A.CODE_VERIFIED:
            raise ApplicationError("INVALID_STATE", _("This activation is already finished."), {"status": locked.status}, status=409)
        device = Device.objects.create(
            person=person,
            label=(label or "Nafath app")[:100],
            token_digest=token_digest(token),
            pin_hash=make_password(pin),
            status=status,
            activated_at=now if status == D.ACTIVE else None,
            face_decision=decision,
            face_distance=result.face_match.distance if result.face_match else None,
            selfie=selfie_name,
        )
        locked.status, locked.completed_at, locked.device = A.COMPLETED, now, device
        locked.save(update_fields=["status", "completed_at", "device"])
        audit_log_write(
            action="nafath.device_activated" if status == D.ACTIVE else "nafath.device_pending",
            person=person,
            obj=device,
            to_status=status,
            ip=ip,
            face=decision,
            distance=result.face_match.distance if result.face_match else None,
            label=device.label,
        )
        if status == D.ACTIVE:
            _replace_older(device)
            _tell_activated(device)
    return device, token


def _replace_older(device: Device) -> list[int]:
    """Keep at most NAFATH_MAX_ACTIVE_DEVICES active devices: revoke the oldest others and tell
    the person about each. Called in the transaction that activates `device`."""
    keep = max(1, settings.NAFATH_MAX_ACTIVE_DEVICES) - 1
    others = list(
        Device.objects.select_for_update()
        .filter(person_id=device.person_id, status=D.ACTIVE)
        .exclude(pk=device.pk)
        .order_by("-activated_at", "-created_at", "-id")
    )
    replaced = others[keep:]
    now = timezone.now()
    for old in replaced:
        Device.objects.filter(pk=old.pk, status=D.ACTIVE).update(status=D.REVOKED, revoked_at=now, revoked_reason="replaced")
        audit_log_write(
            action="nafath.device_revoked", person=old.person, obj=old, from_status=D.ACTIVE, to_status=D.REVOKED, reason="replaced"
        )
        when = timezone.localtime(now)  # written by each language, both calendars (notifications)
        notification_send(
            person=old.person,
            kind="nafath_device_replaced",
            event_key=f"nafath-device-replaced-{old.pk}",
            title=REPLACED_TITLE,
            body=REPLACED_BODY,
            context={"label": old.label, "when": when},
            link="/nafath/devices/",
        )
    return [d.pk for d in replaced]


def _tell_activated(device: Device) -> None:
    notification_send(
        person=device.person,
        kind="nafath_device_activated",
        event_key=f"nafath-device-activated-{device.pk}",
        title=ACTIVATED_TITLE,
        body=ACTIVATED_BODY,
        context={"label": device.label},
        link="/nafath/devices/",
    )


def device_approve(*, device_id: int, officer) -> Device:
    """An officer approves a PENDING device (after comparing the selfie): it becomes ACTIVE and
    replaces the person's older device."""
    with transaction.atomic():
        device = Device.objects.select_for_update().select_related("person").get(pk=device_id)
        if device.status != D.PENDING:
            raise ApplicationError("INVALID_STATE", _("Only a device waiting for approval can be approved."), status=409)
        device.status, device.activated_at = D.ACTIVE, timezone.now()
        device.save(update_fields=["status", "activated_at"])
        _selfie_delete_on_commit(device)
        audit_log_write(
            action="nafath.device_approved", person=device.person, officer=officer, obj=device, from_status=D.PENDING, to_status=D.ACTIVE
        )
        _replace_older(device)
        notification_send(
            person=device.person,
            kind="nafath_device_approved",
            event_key=f"nafath-device-approved-{device.pk}",
            title=PENDING_APPROVED_TITLE,
            body=PENDING_APPROVED_BODY,
            context={"label": device.label},
            link="/nafath/devices/",
        )
    return device


def device_revoke(*, person: Person | None, device_id: int, reason: str = "revoked", officer=None, ip: str = "") -> Device:
    """Revoke a device (its token and its app sessions stop working at once). `person` scopes it:
    another person's device is a 404. An officer passes person=None."""
    with transaction.atomic():
        qs = Device.objects.select_for_update().select_related("person")
        if person is not None:
            qs = qs.filter(person=person)
        device = qs.filter(pk=device_id).first()
        if device is None:
            raise NotFound()
        if device.status == D.REVOKED:
            return device
        before = device.status
        device.status, device.revoked_at, device.revoked_reason = D.REVOKED, timezone.now(), reason[:20]
        device.save(update_fields=["status", "revoked_at", "revoked_reason"])
        _selfie_delete_on_commit(device)
        audit_log_write(
            action="nafath.device_revoked",
            person=device.person,
            officer=officer,
            obj=device,
            from_status=before,
            to_status=D.REVOKED,
            reason=reason,
            ip=ip,
        )
    return device


def _selfie_delete_on_commit(device: Device) -> None:
    """The decision is made: the selfie is no longer needed (biometric data is kept no longer than needed)."""
    name = device.selfie
    if not name:
        return
    Device.objects.filter(pk=device.pk).update(selfie="")
    device.selfie = ""
    on_commit_robust(lambda: private_storage.delete(name))


def device_selfie_read(*, device_id: int, officer, ip: str = "") -> bytes | None:
    """A pending device's selfie for an officer deciding on it; each read is audited (and shows in
    the person's activity as an officer opening their photo)."""
    device = Device.objects.select_related("person").filter(pk=device_id).first()
    if device is None:
        raise NotFound()
    data = None
    if device.selfie:
        with private_storage.open(device.selfie, "rb") as f:
            data = decrypt_bytes(f.read())
    audit_log_write(action="nafath.device_selfie_read", person=device.person, officer=officer, obj=device, ip=ip, found=data is not None)
    return data


# --- the PIN check and the device lock --------------------------------------------------------
def locked_error(device: Device) -> ApplicationError:
    until = timezone.localtime(device.locked_until)
    minutes = max(1, int((device.locked_until - timezone.now()).total_seconds() + 59) // 60)
    return ApplicationError(
        "DEVICE_LOCKED",
        ngettext(
            "Too many wrong PINs: this device is locked until %(time)s (%(minutes)d minute). Try again then.",
            "Too many wrong PINs: this device is locked until %(time)s (%(minutes)d minutes). Try again then.",
            minutes,
        )
        % {"time": formats.time_format(until, "H:i"), "minutes": minutes},
        {"locked_until": device.locked_until.isoformat(), "retry_after": minutes * 60},
        status=423,
    )


def device_pin_check(*, device: Device, pin: str, ip: str = "") -> bool:
    """Check a PIN against one ACTIVE device. Each wrong PIN is counted by ONE conditional UPDATE
    that also sets the lock when it reaches NAFATH_DEVICE_LOCK_AFTER_FAILURES, and a try is
    refused before the comparison once the count is there: concurrent wrong PINs cannot overshoot.
    Raises DEVICE_LOCKED (423) while locked; True on the right PIN (the count starts again)."""
    now = timezone.now()
    limit = settings.NAFATH_DEVICE_LOCK_AFTER_FAILURES
    # A lock that has run out starts a fresh count.
    Device.objects.filter(pk=device.pk, locked_until__lte=now).update(pin_failures=0, locked_until=None)
    # Claim a try: only while under the limit and not locked.
    lock_until = now + dt.timedelta(seconds=settings.NAFATH_DEVICE_LOCK_SECONDS)
    claimed = (
        Device.objects.filter(pk=device.pk, status=D.ACTIVE, pin_failures__lt=limit)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .update(
            pin_failures=F("pin_failures") + 1,
            locked_until=Case(When(pin_failures__gte=limit - 1, then=Value(lock_until)), default=F("locked_until")),
        )
    )
    if claimed != 1:
        device.refresh_from_db(fields=["locked_until", "pin_failures", "status"])
        if device.locked_until is None:  # the last allowed try is still being checked elsewhere
            device.locked_until = lock_until
        raise locked_error(device)
    if check_password(pin or "", device.pin_hash):
        Device.objects.filter(pk=device.pk).update(pin_failures=0, locked_until=None, last_seen_at=timezone.now())
        return True
    device.refresh_from_db(fields=["pin_failures", "locked_until"])
    audit_log_write(
        action="auth.failed", person=device.person, obj=device, ip=ip, reason="wrong_pin", what="nafath_app", failures=device.pin_failures
    )
    if device.pin_failures >= limit:
        audit_log_write(action="nafath.device_locked", person=device.person, obj=device, ip=ip, until=device.locked_until.isoformat())
        raise locked_error(device)
    return False


def access_tokens_revoke_for_request(*, nafath_request_id: int) -> int:
    return AccessToken.objects.filter(nafath_request_id=nafath_request_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
