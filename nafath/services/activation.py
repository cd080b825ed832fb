"""Nafath device activation, step by step (state lives in DeviceActivation, never in the client):
1. device_activation_start: a one-time code by SMS to the mobile on file (the same answer for an
   unknown ID number, which gets no SMS), expiring after NAFATH_ACTIVATION_CODE_LIFETIME_SECONDS.
2. device_activation_verify: the code, at most NAFATH_ACTIVATION_CODE_MAX_TRIES tries; each try is
   claimed by one UPDATE before it is compared, so concurrent guesses cannot overshoot.
3. device_activation_complete: a PIN of NAFATH_PIN_LENGTH digits and a selfie, matched against
   the photo on file by the biometrics engine (outside any lock). MATCH → the device is ACTIVE;
   REVIEW or no photo on file → PENDING until an officer approves it; NO_MATCH or a bad photo →
   refused with the reasons (NAFATH_ACTIVATION_SELFIE_MAX_TRIES selfies per activation).

The device once it exists (approval, revocation, replacing older ones) is in devices.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from biometrics.check import photo_check_run
from biometrics.enrol import person_on_file_encoding
from biometrics.face import FaceEngineError
from biometrics.upload import image_sanitize
from core.crypto import encrypt_bytes
from core.errors import ApplicationError, NotFound
from core.idnumbers import normalize_id_number
from core.services import audit_log_write
from core.storage import private_storage
from core.transitions import on_commit_robust
from nafath.models import Device, DeviceActivation
from nafath.services.devices import device_replace_older, device_tell_activated
from nafath.services.limits import check_start_limits
from nafath.tokens import new_token, token_digest
from notifications.sms import get_sms_backend
from registry.models import Person

log = logging.getLogger(__name__)
A = DeviceActivation.Status
D = Device.Status

SMS_CODE_TEXT = gettext_lazy("Nafath: your activation code is %(code)s. It expires in %(minutes)d minutes. Never share it with anyone.")


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
            device_replace_older(device)
            device_tell_activated(device)
    return device, token
