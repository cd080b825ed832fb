"""The Nafath app's own sign-in (ID number + device PIN), with no lock-out by ID number."""

import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.idnumbers import normalize_id_number
from core.services import audit_log_write
from nafath.models import Device
from nafath.services.devices import device_pin_check
from nafath.services.limits import (
    incr,
    pin_backoff_check,
    pin_backoff_failure,
    pin_backoff_success,
    pin_key,
    rate_limited,
    release,
)

# A valid hash that matches no PIN: unknown IDs cost as much time as known ones.
_DUMMY_PIN_HASH = None


# --- the Nafath app's own sign-in (ID number + device PIN) --------------------------------
def nafath_app_sign_in(*, id_number: str, pin: str, ip: str, client_id: str = "", device_id: int | None = None) -> Device:
    """Find the person's ACTIVE device whose PIN matches. No lock-out by ID number: whoever knows an
    ID number cannot stop its owner's device from signing in.

    - `device_id`: the device this app installation signed in as before (the owner's own device,
      from a signed cookie). Its wrong PINs count on that device only (devices.device_pin_check: one
      conditional UPDATE, locked for NAFATH_DEVICE_LOCK_SECONDS after NAFATH_DEVICE_LOCK_AFTER_FAILURES).
    - Anyone else's tries count per app installation (`client_id`) and per client address, with
      backoff (limits.pin_backoff_check), and on a per-ID-number counter for such clients only
      (NAFATH_PIN_MAX_FAILURES_PER_ID): they never touch the owner's device or its lock.
    Every counter takes its try atomically BEFORE the PIN is compared, so concurrent wrong PINs
    cannot overshoot. An unknown ID number costs a dummy hash check and fails like a wrong PIN."""
    global _DUMMY_PIN_HASH
    normalized = normalize_id_number(id_number) or ""
    devices = list(
        Device.objects.select_related("person").filter(person__id_number=normalized, status=Device.Status.ACTIVE).order_by("-id")
    )
    own = next((d for d in devices if device_id is not None and d.pk == device_id), None)
    if own is not None:
        if device_pin_check(device=own, pin=pin, ip=ip):
            return _app_signed_in(own, ip)
        raise _invalid_credentials()
    keys = [pin_key("ip", ip)] + ([pin_key("client", client_id)] if client_id else [])
    taken = pin_backoff_check(keys=keys, ip=ip, id_number=normalized)
    per_id = pin_key("id", normalized or str(id_number)[:20])
    slot = incr(f"{per_id}:n", timeout=settings.NAFATH_RATE_LIMIT_WINDOW_SECONDS)
    if slot > settings.NAFATH_PIN_MAX_FAILURES_PER_ID:
        release(f"{per_id}:n")
        for k, _slot in taken:
            release(f"{k}:n")
        raise rate_limited(retry_after=settings.NAFATH_RATE_LIMIT_WINDOW_SECONDS, ip=ip, id_number=normalized, what="pin")
    match = next((d for d in devices if check_password(pin or "", d.pin_hash)), None)
    if match is not None:
        pin_backoff_success(taken=taken)
        release(f"{per_id}:n")
        return _app_signed_in(match, ip)
    pin_backoff_failure(taken=taken)
    if not devices:
        if _DUMMY_PIN_HASH is None:
            _DUMMY_PIN_HASH = make_password(secrets.token_hex(8))
        check_password(pin or "", _DUMMY_PIN_HASH)
    audit_log_write(
        action="auth.failed",
        person=devices[0].person if devices else None,
        ip=ip,
        reason="wrong_pin",
        what="nafath_app",
        id_number=normalized,
    )
    raise _invalid_credentials()


def _app_signed_in(device: Device, ip: str) -> Device:
    Device.objects.filter(pk=device.pk).update(last_seen_at=timezone.now())
    audit_log_write(action="nafath.app_signed_in", person=device.person, obj=device, ip=ip)
    return device


def _invalid_credentials() -> ApplicationError:
    return ApplicationError("INVALID_CREDENTIALS", _("The ID number or the PIN is not correct."), status=401)
