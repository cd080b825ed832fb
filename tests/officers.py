"""Officers in tests: the admin requires a verified second factor (core/officers.py), so a test
that signs an officer in also verifies a TOTP device for him in that session."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def officer_device(user) -> TOTPDevice:
    """The officer's confirmed TOTP device (made once)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True
    )


def officer_login(client, user):
    """client.force_login plus a verified TOTP device in that session (django_otp's login)."""
    device = officer_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def totp_now(device) -> str:
    """The device's current code (what the officer's authenticator app shows)."""
    return f"{TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits).token():0{device.digits}d}"
