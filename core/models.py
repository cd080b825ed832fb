"""The registry kept by the portal: people, national addresses, traffic violations, and the
audit trail. Documents (ID cards, iqamas, passports, ...) live in the app of their domain."""
import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import dates
from core.i18n import localized


class Person(models.Model):
    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        RESIDENT = "resident", _("Resident")

    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    id_number = models.CharField(_("ID number"), max_length=10, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    birth_date = models.DateField(_("birth date"))
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    nationality = models.CharField(_("nationality"), max_length=3, default="SAU", help_text="ISO 3166 alpha-3")
    mobile = models.CharField(_("mobile"), max_length=10, blank=True, help_text="05XXXXXXXX")
    email = models.EmailField(_("email"), blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=2, default="ar")
    # Biometrics on file (sensitive: the photo lives in private storage, the encoding is encrypted).
    photo = models.CharField(_("photo on file"), max_length=255, blank=True, help_text="path in private storage")
    photo_enrolled_at = models.DateTimeField(_("photo enrolled at"), null=True, blank=True)
    face_encoding = models.BinaryField(_("face encoding (encrypted)"), null=True, blank=True, editable=False)
    face_model = models.CharField(_("face model"), max_length=100, blank=True)
    fingerprint_on_file = models.BooleanField(_("fingerprints on file"), default=False)
    # Border control and labour office flags (residents).
    inside_kingdom = models.BooleanField(_("inside the Kingdom"), default=True)
    reported_absent = models.BooleanField(_("reported absent"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["id_number"]
        indexes = [models.Index(fields=["name_en"]), models.Index(fields=["name_ar"])]

    def __str__(self):
        return f"{self.id_number} {self.name}"

    # A Person is what request.user is for API calls authenticated by a Nafath token.
    @property
    def is_authenticated(self):
        return True

    @property
    def is_anonymous(self):
        return False

    @property
    def name(self):
        return localized(self.name_ar, self.name_en)

    @property
    def is_citizen(self):
        return self.kind == self.Kind.CITIZEN

    def age(self, on: dt.date | None = None) -> int:
        return dates.age_on(self.birth_date, on or dates.today())


class NationalAddress(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("person"))
    building_number = models.CharField(_("building number"), max_length=4)
    street = models.CharField(_("street"), max_length=200)
    district = models.CharField(_("district"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    postal_code = models.CharField(_("postal code"), max_length=5)
    additional_number = models.CharField(_("additional number"), max_length=4)
    short_address = models.CharField(_("short address"), max_length=8, help_text="4 letters + 4 digits")
    deliverable = models.BooleanField(_("inside postal coverage"), default=True)
    is_primary = models.BooleanField(_("primary"), default=True)

    class Meta:
        verbose_name = _("national address")
        verbose_name_plural = _("national addresses")
        ordering = ["-is_primary", "id"]

    def __str__(self):
        return f"{self.short_address} {self.building_number} {self.street}, {self.district}, {self.city} {self.postal_code}"


class TrafficViolation(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="traffic_violations", verbose_name=_("person"))
    reference = models.CharField(_("violation number"), max_length=20, unique=True)
    description_ar = models.CharField(_("description (Arabic)"), max_length=200)
    description_en = models.CharField(_("description (English)"), max_length=200)
    amount = models.DecimalField(_("amount (SAR)"), max_digits=10, decimal_places=2)
    issued_on = models.DateField(_("issued on"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    payment = models.ForeignKey("payments.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("traffic violation")
        verbose_name_plural = _("traffic violations")
        ordering = ["issued_on"]

    def __str__(self):
        return f"{self.reference} {self.amount}"

    @property
    def description(self):
        return localized(self.description_ar, self.description_en)


class AuditLog(models.Model):
    """Append-only trail of every sign-in, answer, transition and officer decision."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    officer = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32, blank=True)
    ip = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}:{self.object_id}"
