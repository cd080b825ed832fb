import datetime as dt

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from core.models import Person
from core.services import audit_log_write
from nafath.models import AccessToken, Device
from nafath.tokens import new_token, token_digest


def device_register(*, person: Person, pin: str, token: str | None = None, label: str = "Nafath app") -> tuple[Device, str]:
    """Register a Nafath app for a person; returns the device and its token (shown once)."""
    token = token or new_token()
    device = Device.objects.create(person=person, label=label, token_digest=token_digest(token), pin_hash=make_password(pin))
    audit_log_write(action="nafath.device_registered", person=person, obj=device)
    return device, token


def access_token_issue(*, person: Person) -> tuple[AccessToken, str]:
    raw = new_token()
    token = AccessToken.objects.create(
        person=person,
        token_digest=token_digest(raw),
        expires_at=timezone.now() + dt.timedelta(seconds=settings.ACCESS_TOKEN_LIFETIME_SECONDS),
    )
    return token, raw


@transaction.atomic
def access_token_revoke(*, token: AccessToken) -> None:
    AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_log_write(action="auth.logout", person=token.person, obj=token)
