from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Person


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

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > timezone.now()
