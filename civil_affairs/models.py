"""The national ID renewal request and its history. The records it reads and writes (people,
cards, offices, addresses, fines) are the registry's."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import StatusHistory
from registry.models import NationalIdCard, Office, Person

# Statuses in which a request is still "in progress" (it blocks a second one) and the final ones.
# The partial unique constraint below needs them when the model is built; civil_affairs.flow
# checks at import that they are exactly the statuses with and without a move in ID_RENEWAL.
OPEN_STATUSES = (
    "PHOTO_CHECK",
    "AWAITING_DELIVERY_CHOICE",
    "AWAITING_PAYMENT",
    "IN_PROCESS",
    "UNDER_REVIEW",
    "APPROVED",
    "PRINTING",
    "OUT_FOR_DELIVERY",
    "READY_FOR_PICKUP",
)
FINAL_STATUSES = ("PHOTO_REJECTED", "DELIVERED", "COLLECTED", "REJECTED", "CANCELLED")


class IdRenewal(models.Model):
    """A national ID renewal request: photo → check → delivery choice → payment → approval → card."""

    class Status(models.TextChoices):
        PHOTO_CHECK = "PHOTO_CHECK", _("Checking the photo")
        PHOTO_REJECTED = "PHOTO_REJECTED", _("Photo rejected")
        AWAITING_DELIVERY_CHOICE = "AWAITING_DELIVERY_CHOICE", _("Choose delivery or pickup")
        AWAITING_PAYMENT = "AWAITING_PAYMENT", _("Awaiting payment")
        IN_PROCESS = "IN_PROCESS", _("In process")
        UNDER_REVIEW = "UNDER_REVIEW", _("Under review by an officer")
        APPROVED = "APPROVED", _("Approved")
        PRINTING = "PRINTING", _("Card printing")
        OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY", _("Out for delivery")
        READY_FOR_PICKUP = "READY_FOR_PICKUP", _("Ready for pickup")
        DELIVERED = "DELIVERED", _("Delivered")
        COLLECTED = "COLLECTED", _("Collected")
        REJECTED = "REJECTED", _("Rejected")
        CANCELLED = "CANCELLED", _("Cancelled")

    class CheckStatus(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        PASSED = "PASSED", _("Passed")
        FAILED = "FAILED", _("Failed")

    class PhotoSource(models.TextChoices):
        UPLOAD = "UPLOAD", _("Uploaded file")
        CAMERA = "CAMERA", _("The page's camera")

    class Delivery(models.TextChoices):
        POST = "POST", _("Postal delivery")
        PICKUP = "PICKUP", _("Pickup at an office")

    OPEN_STATUSES = OPEN_STATUSES
    FINAL_STATUSES = FINAL_STATUSES

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="id_renewals", verbose_name=_("person"))
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.PHOTO_CHECK, db_index=True)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, db_index=True)
    # Eligibility facts frozen at request time.
    old_card = models.ForeignKey(NationalIdCard, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    id_expiry = models.DateField(_("ID expiry when requested"), null=True, blank=True)
    late_fine = models.DecimalField(_("late fine (SAR)"), max_digits=10, decimal_places=2, default=0)
    # The new photo (biometric: private storage, encrypted) and its check.
    photo = models.CharField(_("photo"), max_length=255, blank=True, help_text="path in private storage (encrypted)")
    photo_sha256 = models.CharField(max_length=64, db_index=True)
    photo_width = models.PositiveIntegerField(default=0)
    photo_height = models.PositiveIntegerField(default=0)
    photo_deleted_at = models.DateTimeField(_("photo deleted at"), null=True, blank=True)
    # Where the photo came from: an uploaded file carries no trustworthy date (its metadata is
    # stripped, and could be edited); a photo taken with the page's camera records when.
    photo_source = models.CharField(_("photo source"), max_length=10, choices=PhotoSource.choices, default=PhotoSource.UPLOAD)
    photo_captured_at = models.DateTimeField(_("photo taken at"), null=True, blank=True)
    # For an officer, never a refusal: e.g. POSSIBLE_GLASSES on a man's photo (the request is referred).
    photo_flags = models.JSONField(_("photo flags"), default=list, blank=True)
    photo_encoding = models.BinaryField(null=True, blank=True, editable=False)
    check_status = models.CharField(_("photo check"), max_length=10, choices=CheckStatus.choices, default=CheckStatus.PENDING)
    check_attempts = models.PositiveSmallIntegerField(default=0)
    check_started_at = models.DateTimeField(null=True, blank=True)
    check_reasons = models.JSONField(default=list, blank=True)
    check_metrics = models.JSONField(default=dict, blank=True)
    check_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    face_decision = models.CharField(_("face match"), max_length=10, blank=True)
    face_distance = models.FloatField(_("face distance"), null=True, blank=True)
    match_tolerance = models.FloatField(null=True, blank=True)
    reject_tolerance = models.FloatField(null=True, blank=True)
    face_model = models.CharField(max_length=100, blank=True)
    # Receiving the card.
    delivery_method = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices, blank=True)
    address = models.ForeignKey("registry.NationalAddress", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey("payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Decision.
    new_card = models.ForeignKey(NationalIdCard, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("ID renewal")
        verbose_name_plural = _("ID renewals")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The officers' queue: its order (time in status), and each filter with that order after it.
            models.Index(fields=["status_changed_at", "id"], name="idrenewal_changed"),
            models.Index(fields=["status", "status_changed_at"], name="idrenewal_status_changed"),
            models.Index(fields=["face_decision", "status_changed_at"], name="idrenewal_face_changed"),
            models.Index(fields=["check_status", "status_changed_at"], name="idrenewal_check_changed"),
            models.Index(fields=["delivery_method", "status_changed_at"], name="idrenewal_delivery_changed"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=list(OPEN_STATUSES)),
                name="one_open_id_renewal_per_person",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.status}"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


class IdRenewalEvent(StatusHistory):
    """The request's history (core.models.StatusHistory, written by core.transitions): one row
    when it is created and one per move; the person sees each status reached."""

    renewal = models.ForeignKey(IdRenewal, on_delete=models.CASCADE, related_name="events")

    class Meta(StatusHistory.Meta):
        verbose_name = _("ID renewal event")
        verbose_name_plural = _("ID renewal events")

    @property
    def status_display(self) -> str:
        """The status reached, in the active language."""
        try:
            return str(IdRenewal.Status(self.to_status).label)
        except ValueError:
            return self.to_status
