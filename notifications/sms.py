"""The SMS gateway interface and its sandbox backend. settings.SMS_BACKEND picks the backend;
a real provider's backend implements `send` the same way and raises TransientSmsError for
failures worth retrying (timeouts, 5xx, throttling)."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from notifications.models import SmsOutbox


class TransientSmsError(Exception):
    """The gateway could not take the message now: retry later."""


class SmsBackend:
    def send(self, *, to: str, body: str, language: str, idempotency_key: str) -> str:
        """Send one message; returns the provider's message id. Sending twice with one
        idempotency_key must deliver once."""
        raise NotImplementedError


class SandboxSmsBackend(SmsBackend):
    """Keeps every message in the SmsOutbox table (officers read it in admin)."""

    def send(self, *, to: str, body: str, language: str, idempotency_key: str) -> str:
        try:
            with transaction.atomic():
                msg = SmsOutbox.objects.create(idempotency_key=idempotency_key, to=to, body=body, language=language)
        except IntegrityError:
            msg = SmsOutbox.objects.get(idempotency_key=idempotency_key)
        return f"sandbox-{msg.pk}"


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
