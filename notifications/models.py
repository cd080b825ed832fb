from django.db import models
from django.utils.translation import gettext_lazy as _

from core.i18n import localized
from registry.models import Person


class Notification(models.Model):
    """One inbox entry. `event_key` makes a notification for one event unique per person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=50)
    event_key = models.CharField(max_length=200)
    title_ar = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    body_ar = models.TextField()
    body_en = models.TextField()
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["person", "event_key"], name="one_notification_per_event")]

    def __str__(self):
        return f"{self.person.id_number} {self.kind}"

    @property
    def title(self):
        return localized(self.title_ar, self.title_en)

    @property
    def body(self):
        return localized(self.body_ar, self.body_en)


class Delivery(models.Model):
    """One notification sent on one channel. `idempotency_key` (notification + channel) is unique,
    so a notification is queued once per channel; the status moves PENDING → SENDING → SENT by
    compare-and-set, so a task that runs twice sends once."""

    class Channel(models.TextChoices):
        SMS = "SMS", _("SMS")
        EMAIL = "EMAIL", _("Email")

    class Status(models.TextChoices):
        PENDING = "PENDING", _("Waiting")
        SENDING = "SENDING", _("Sending")
        SENT = "SENT", _("Sent")
        FAILED = "FAILED", _("Failed")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    idempotency_key = models.CharField(max_length=120, unique=True)
    to = models.CharField(_("to"), max_length=254)
    language = models.CharField(max_length=2, default="ar")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.channel} {self.to} {self.status}"


class SmsOutbox(models.Model):
    """The sandbox SMS gateway's outbox: every message it 'sent'. The gateway deduplicates on
    the sender's idempotency key, like a real provider's client reference."""

    idempotency_key = models.CharField(max_length=120, unique=True)
    to = models.CharField(_("to"), max_length=20)
    body = models.TextField(_("message"))
    language = models.CharField(_("language"), max_length=2)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SMS (sandbox outbox)")
        verbose_name_plural = _("SMS (sandbox outbox)")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.to}: {self.body[:40]}"
