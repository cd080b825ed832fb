"""Nafath app devices once they exist: registering one (demo data, tests), one active device
per person (the older ones replaced and the person told), an officer's approval of a pending
device, revocation, a pending device's selfie, and the PIN check with its lock. The activation
that creates a device (ID number → SMS code → PIN and selfie) is in activation.py.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.crypto import decrypt_bytes
from core.errors import ApplicationError, NotFound
from core.services import audit_log_write
from core.storage import private_storage
from core.transitions import on_commit_robust
from nafath.models import AccessToken, Device
from nafath.tokens import new_token, token_digest
from notifications.services import notification_send
from registry.models import Person

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


def device_replace_older(device: Device) -> list[int]:
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


def device_tell_activated(device: Device) -> None:
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
        device_replace_older(device)
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
