import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

from core.i18n import localized
from registry.models import Person


def new_salt() -> str:
    return secrets.token_hex(16)


class Device(models.Model):
    """A registered Nafath app installation of one person. Token and PIN are stored hashed.
    Only an ACTIVE device answers requests or authenticates; a PENDING one waits for an officer
    (the selfie needed a review, or there is no photo on file)."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("Waiting for an officer's approval")
        ACTIVE = "ACTIVE", _("Active")
        REVOKED = "REVOKED", _("Revoked")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="nafath_devices", verbose_name=_("person"))
    label = models.CharField(_("device"), max_length=100, default="Nafath app")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    pin_hash = models.CharField(max_length=200, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("why revoked"), max_length=20, blank=True)
    # Wrong PINs in a row, counted by one UPDATE (no concurrent overshoot); locked until then.
    pin_failures = models.PositiveSmallIntegerField(_("wrong PINs in a row"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    face_decision = models.CharField(_("face check"), max_length=20, blank=True)
    face_distance = models.FloatField(_("face distance"), null=True, blank=True)
    # A pending device's selfie, encrypted in private storage, for the officer who decides; deleted
    # once the device is approved or revoked.
    selfie = models.CharField(_("selfie"), max_length=255, blank=True, editable=False)

    class Meta:
        verbose_name = _("Nafath device")
        verbose_name_plural = _("Nafath devices")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.person.id_number} {self.label}"

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


class DeviceActivation(models.Model):
    """Activating a Nafath app: the ID number, a one-time code sent by SMS to the mobile on file
    (limited tries, expiring), then a PIN and a selfie. The activation_id is the only handle the
    client holds; the code is stored as a digest. Unknown ID numbers get an activation too
    (person=None, no SMS): the answer never tells whether an ID number is registered."""

    class Status(models.TextChoices):
        CODE_SENT = "CODE_SENT", _("Code sent")
        CODE_VERIFIED = "CODE_VERIFIED", _("Code verified")
        COMPLETED = "COMPLETED", _("Completed")
        FAILED = "FAILED", _("Failed")

    activation_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    id_number = models.CharField(_("ID number"), max_length=10, db_index=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="nafath_activations", verbose_name=_("person")
    )
    code_digest = models.CharField(max_length=64, editable=False)
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.CODE_SENT)
    code_tries = models.PositiveSmallIntegerField(_("code tries"), default=0)
    selfie_tries = models.PositiveSmallIntegerField(_("selfie tries"), default=0)
    failure_reason = models.CharField(_("reason"), max_length=30, blank=True)
    client_ip = models.CharField(_("client address"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("code expires at"))
    verified_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    device = models.OneToOneField(
        Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="activation", verbose_name=_("device")
    )

    class Meta:
        verbose_name = _("device activation")
        verbose_name_plural = _("device activations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.id_number} {self.status}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class AccessToken(models.Model):
    """A bearer token for the citizen API, issued by a completed Nafath request."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="access_tokens")
    nafath_request = models.ForeignKey("NafathRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
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
    service = models.CharField(_("service"), max_length=200, blank=True)
    # A relying party's sign-in: its name in Arabic (`service` holds the English one) and client id.
    service_ar = models.CharField(_("service (Arabic)"), max_length=200, blank=True)
    oidc_client_id = models.CharField(_("relying party"), max_length=100, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    # The browser session this request signed in (to end it when the person says "this was not me").
    web_session_key = models.CharField(max_length=40, blank=True, editable=False)
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
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            # The officers' list: its order, and each filter with the order after it.
            models.Index(fields=["created_at", "id"], name="nafathreq_created"),
            models.Index(fields=["status", "created_at"], name="nafathreq_status_created"),
            models.Index(fields=["channel", "created_at"], name="nafathreq_channel_created"),
            models.Index(fields=["answer_reason", "created_at"], name="nafathreq_reason_created"),
        ]

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
        if self.oidc_client_id:  # a relying party's own names, both stored
            return self.service_ar if (get_language() or "ar").startswith("ar") and self.service_ar else self.service
        return gettext(self.service) if self.service else ""

    @property
    def countdown_text(self) -> str:
        left = self.seconds_left
        return f"{left // 60}:{left % 60:02d}"


class RelyingParty(models.Model):
    """A portal that signs people in through Nafath (OpenID Connect). Officers register it in
    admin: the OAuth application (client id, secret, redirect URIs) with these names and scopes."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="relying_party", verbose_name=_("application")
    )
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    allowed_scopes = models.CharField(
        _("allowed scopes"), max_length=200, default="openid profile", help_text=_("Space-separated: openid, profile, national_id")
    )
    # The pairwise `sub` of a person differs between relying parties: HMAC(SECRET_KEY, salt, person).
    pairwise_salt = models.CharField(max_length=64, default=new_salt, editable=False)

    class Meta:
        verbose_name = _("relying party")
        verbose_name_plural = _("relying parties")

    def __str__(self):
        return self.name_en

    @property
    def name(self):
        return localized(self.name_ar, self.name_en)

    @property
    def scopes(self) -> list[str]:
        return self.allowed_scopes.split()


class OidcSubject(models.Model):
    """The Django user that stands for a person in django-oauth-toolkit's grants and tokens
    (they point to AUTH_USER_MODEL). It has no usable password and no staff rights, so it cannot
    sign in anywhere; it only carries the person through the OAuth tables."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="oidc_subject")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nafath_subject")

    class Meta:
        verbose_name = _("OpenID subject")
        verbose_name_plural = _("OpenID subjects")

    def __str__(self):
        return f"{self.person_id} → {self.user_id}"
