"""Exit/re-entry visas: an application (one payment for one or several travellers), the visas it
issues, their history, paid extensions, and the sandbox border's crossings. People, iqamas,
passports, family links and fines are the registry's."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import StatusHistory
from registry.models import Fine, Person


class VisaApplication(models.Model):
    """What one POST creates: the visas of the caller and his dependents, paid by one payment."""

    applicant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="visa_applications", verbose_name=_("applicant"))
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    payment = models.OneToOneField(
        "payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("payment")
    )
    # The confirmation form's token (or the API's Idempotency-Key): the same form twice makes one application.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visa application")
        verbose_name_plural = _("visa applications")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.reference

    @property
    def status(self) -> str:
        """The application's status is its visas' while they wait for the payment; after that, each visa has its own."""
        statuses = {v.status for v in self.visas.all()}
        if len(statuses) == 1:
            return statuses.pop()
        return Visa.Status.ISSUED if Visa.Status.AWAITING_PAYMENT not in statuses else Visa.Status.AWAITING_PAYMENT

    @property
    def total(self):
        return sum((v.fee for v in self.visas.all()), start=0)


class Visa(models.Model):
    class Type(models.TextChoices):
        SINGLE = "SINGLE", _("Single (one exit and return)")
        MULTIPLE = "MULTIPLE", _("Multiple (any number of trips)")

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "AWAITING_PAYMENT", _("Awaiting payment")
        ISSUED = "ISSUED", _("Issued, not used yet")
        USED_EXIT = "USED_EXIT", _("Used: outside the Kingdom")
        RETURNED = "RETURNED", _("Returned")
        LAPSED = "LAPSED", _("Lapsed unused")
        CANCELLED = "CANCELLED", _("Cancelled")

    # Statuses of an open visa: the traveller may have one at a time (partial unique index).
    OPEN = (Status.AWAITING_PAYMENT, Status.ISSUED, Status.USED_EXIT)

    application = models.ForeignKey(VisaApplication, on_delete=models.PROTECT, related_name="visas", verbose_name=_("application"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="visas", verbose_name=_("traveller"))
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    months = models.PositiveSmallIntegerField(_("months"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.AWAITING_PAYMENT, db_index=True)
    number = models.CharField(_("visa number"), max_length=12, null=True, blank=True, unique=True)
    fee = models.DecimalField(_("fee (SAR)"), max_digits=10, decimal_places=2)
    extension_fees = models.DecimalField(_("extension fees paid (SAR)"), max_digits=10, decimal_places=2, default=0)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    use_by = models.DateField(_("exit before"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    checks_at_submit = models.JSONField(default=list, blank=True)
    lapse_warned_at = models.DateTimeField(_("lapse warning sent at"), null=True, blank=True)
    fine = models.OneToOneField(
        Fine, null=True, blank=True, on_delete=models.PROTECT, related_name="unused_visa", verbose_name=_("unused-visa fine")
    )
    fine_waived_at = models.DateTimeField(_("fine waived at"), null=True, blank=True)
    fine_waived_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("fine waived by")
    )
    fine_waive_reason = models.CharField(_("reason for the waiver"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("exit/re-entry visa")
        verbose_name_plural = _("exit/re-entry visas")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=["AWAITING_PAYMENT", "ISSUED", "USED_EXIT"]),
                name="visa_one_open_per_traveller",
            ),
            models.CheckConstraint(condition=models.Q(months__gte=1), name="visa_months_positive"),
        ]

    def __str__(self):
        return f"{self.number or self.application.reference} {self.person.id_number} {self.status}"


class VisaEvent(StatusHistory):
    """The history of a visa (core.transitions writes it)."""

    visa = models.ForeignKey(Visa, on_delete=models.CASCADE, related_name="events", verbose_name=_("visa"))

    class Meta(StatusHistory.Meta):
        verbose_name = _("visa history entry")
        verbose_name_plural = _("visa history")


class VisaExtension(models.Model):
    """Extra months bought while the traveller is abroad; valid_until moves when it is paid."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "AWAITING_PAYMENT", _("Awaiting payment")
        APPLIED = "APPLIED", _("Applied")
        CLOSED = "CLOSED", _("Closed unpaid")
        REFUNDED = "REFUNDED", _("Refunded (could not be applied)")

    visa = models.ForeignKey(Visa, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("visa"))
    months = models.PositiveSmallIntegerField(_("extra months"))
    fee = models.DecimalField(_("fee (SAR)"), max_digits=10, decimal_places=2)
    valid_until_before = models.DateField(_("valid until before"))
    valid_until_after = models.DateField(_("valid until after"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.AWAITING_PAYMENT)
    payment = models.OneToOneField("payments.Payment", on_delete=models.PROTECT, related_name="+", verbose_name=_("payment"))
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visa extension")
        verbose_name_plural = _("visa extensions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["visa"], condition=models.Q(status="AWAITING_PAYMENT"), name="visa_one_pending_extension"),
        ]

    def __str__(self):
        return f"{self.visa} +{self.months}m {self.status}"


class BorderCrossing(models.Model):
    """An exit or a return recorded at the (sandbox) border."""

    class Direction(models.TextChoices):
        EXIT = "EXIT", _("Exit")
        RETURN = "RETURN", _("Return")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="border_crossings", verbose_name=_("traveller"))
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices)
    visa = models.ForeignKey(Visa, null=True, blank=True, on_delete=models.PROTECT, related_name="crossings", verbose_name=_("visa"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    port = models.CharField(_("border post"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("border crossing")
        verbose_name_plural = _("border crossings")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.person.id_number} {self.direction} {self.at:%Y-%m-%d %H:%M}"
