import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.models import Person


class Device(models.Model):
    """A registered Nafath app installation of one person. Token and PIN are stored hashed."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="nafath_devices", verbose_name=_("person"))
    label = models.CharField(_("device"), max_length=100, default="Nafath app")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    pin_hash = models.CharField(max_length=200, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Nafath device")
        verbose_name_plural = _("Nafath devices")

    def __str__(self):
        return f"{self.person.id_number} {self.label}"


class AccessToken(models.Model):
    """A bearer token for the citizen API, issued by a completed Nafath request."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="access_tokens")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self):
        return f"token of person {self.person_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class NafathRequest(models.Model):
    """One sign-in request: the person confirms it in their Nafath app by picking the number
    the portal shows. Unknown ID numbers get a request too (person=None) that no device ever
    sees and that simply expires, so the answer never tells whether an ID is registered."""

    class Status(models.TextChoices):
        WAITING = "WAITING", _("Waiting")
        COMPLETED = "COMPLETED", _("Completed")
        REJECTED = "REJECTED", _("Rejected")
        EXPIRED = "EXPIRED", _("Expired")

    class Channel(models.TextChoices):
        API = "api", _("API")
        WEB = "web", _("Web page")

    FINAL = (Status.COMPLETED, Status.REJECTED, Status.EXPIRED)

    transaction_id = models.UUIDField(_("transaction"), default=uuid.uuid4, unique=True, editable=False)
    id_number = models.CharField(_("ID number"), max_length=10, db_index=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="nafath_requests", verbose_name=_("person")
    )
    random_number = models.PositiveSmallIntegerField(_("number"))
    choices = models.JSONField(_("choices"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    channel = models.CharField(_("channel"), max_length=3, choices=Channel.choices, default=Channel.API)
    service = models.CharField(_("service"), max_length=100, blank=True)
    client_ip = models.CharField(_("client address"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_reason = models.CharField(_("reason"), max_length=20, blank=True)
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # API: the first read after COMPLETED carries the access token (claimed once).
    token_claimed_at = models.DateTimeField(null=True, blank=True)
    # Web page: only the browser session that started the request may sign in with it, once.
    web_nonce_digest = models.CharField(max_length=64, blank=True, editable=False)
    web_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Nafath request")
        verbose_name_plural = _("Nafath requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["id_number"], condition=models.Q(status="WAITING"), name="nafath_one_waiting_per_id"),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self):
        return f"{self.transaction_id} {self.id_number} {self.status}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.WAITING and self.expires_at <= timezone.now()

    @property
    def seconds_left(self) -> int:
        if self.status != self.Status.WAITING:
            return 0
        return max(0, int((self.expires_at - timezone.now()).total_seconds()))

    @property
    def service_label(self) -> str:
        """The service in the reader's language (stored as its untranslated English text)."""
        return gettext(self.service) if self.service else ""

    @property
    def countdown_text(self) -> str:
        left = self.seconds_left
        return f"{left // 60}:{left % 60:02d}"
