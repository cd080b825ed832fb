"""The family iqama renewal request, its items and history. Iqamas, passports, family links,
insurance and medical exams are the registry's."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import FamilyMember, Person


# --- Family iqama renewal (issue 5) ---------------------------------------------------------
class IqamaRenewal(models.Model):
    """One request by a head of family to renew the iqamas of one or several dependents,
    paid by one payment."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "AWAITING_PAYMENT", _("Awaiting payment")
        PROCESSING = "PROCESSING", _("Processing")
        UNDER_REVIEW = "UNDER_REVIEW", _("Under review by an officer")
        APPROVED = "APPROVED", _("Approved")
        REJECTED = "REJECTED", _("Rejected (refunded)")
        CANCELLED = "CANCELLED", _("Cancelled")

    OPEN_STATUSES = (Status.AWAITING_PAYMENT, Status.PROCESSING, Status.UNDER_REVIEW)

    head = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="iqama_renewals", verbose_name=_("head of family"))
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.AWAITING_PAYMENT, db_index=True)
    payment = models.OneToOneField("payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("payment"))
    # The token of the review form (or the API's idempotency key): a second submit of the same form is refused.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    stop_reason = models.TextField(_("why it stopped for review"), blank=True)
    decision_reason = models.TextField(_("officer's reason"), blank=True)
    decided_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    processing_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Optimistic lock for officers: a decision names the version it was made on.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("family iqama renewal")
        verbose_name_plural = _("family iqama renewals")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.reference} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class IqamaRenewalItem(models.Model):
    """One dependent in a renewal, with the quote it was paid on and the checks of each pass."""

    renewal = models.ForeignKey(IqamaRenewal, on_delete=models.CASCADE, related_name="items", verbose_name=_("renewal"))
    member = models.ForeignKey(FamilyMember, on_delete=models.PROTECT, related_name="iqama_renewal_items", verbose_name=_("dependent"))
    months = models.PositiveSmallIntegerField(_("months"))
    old_expiry = models.DateField(_("expiry before"))
    new_expiry = models.DateField(_("new expiry"))
    levy = models.DecimalField(_("dependents' levy"), max_digits=10, decimal_places=2)
    iqama_fee = models.DecimalField(_("iqama fee"), max_digits=10, decimal_places=2)
    late_fine = models.DecimalField(_("late fine"), max_digits=10, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=10, decimal_places=2)
    late = models.BooleanField(_("late renewal"), default=False)
    # True while the renewal is open: at most one open item per dependent (partial unique index).
    is_open = models.BooleanField(default=True, editable=False)
    checks_at_submit = models.JSONField(default=list, blank=True)
    checks_at_payment = models.JSONField(default=list, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dependent in a renewal")
        verbose_name_plural = _("dependents in a renewal")
        ordering = ["renewal", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=models.Q(is_open=True), name="iqama_renewal_one_open_per_dependent"),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="iqama_renewal_item_total_not_negative"),
        ]

    def __str__(self):
        return f"{self.renewal.reference} {self.member.person.id_number} {self.months}m"


class IqamaRenewalEvent(models.Model):
    """The history of a renewal shown to the head of family."""

    renewal = models.ForeignKey(IqamaRenewal, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
