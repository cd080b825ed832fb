"""The family iqama renewal request, its items and history. Iqamas, passports, family links,
insurance and medical exams are the registry's."""

from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import StatusHistory
from registry.models import FamilyMember, Person


# --- Family iqama renewal (issue 5) ---------------------------------------------------------
class BilledFee(NamedTuple):
    code: str  # DEPENDENT_LEVY, IQAMA_FEE, LATE_FINE (API.md; passports.services.fees)
    amount: object


class BilledFees(NamedTuple):
    items: list[BilledFee]
    total: object


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

    head = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="iqama_renewals", verbose_name=_("head of family"))
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.AWAITING_PAYMENT, db_index=True)
    payment = models.OneToOneField(
        "payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("payment")
    )
    # The token of the review form (or the API's idempotency key): a second submit of the same form is refused.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    stop_reason = models.TextField(_("why it stopped for review"), blank=True)
    decision_reason = models.TextField(_("officer's reason"), blank=True)
    decided_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    processing_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Optimistic lock (core.transitions): every move bumps it; a decision names the version it was made on.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("family iqama renewal")
        verbose_name_plural = _("family iqama renewals")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at", "id"], name="iqamarenewal_created"),
            models.Index(fields=["status", "created_at"], name="iqamarenewal_status_created"),
        ]

    def __str__(self):
        return f"{self.reference} {self.status}"

    @property
    def total(self):
        """What the request costs: the sum of its items (reads the prefetched items)."""
        return sum((i.total for i in self.items.all()), start=0)

    @property
    def shown_stop_reason(self) -> str:
        """Why the re-check stopped, while it matters to the head (under review, or rejected for it)."""
        return self.stop_reason if self.status in (self.Status.UNDER_REVIEW, self.Status.REJECTED) else ""


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

    @property
    def fees(self) -> BilledFees:
        """The fee items this dependent was billed (no late fine when none was due) and their total."""
        items = [BilledFee("DEPENDENT_LEVY", self.levy), BilledFee("IQAMA_FEE", self.iqama_fee)]
        if self.late_fine:
            items.append(BilledFee("LATE_FINE", self.late_fine))
        return BilledFees(items, self.total)

    @property
    def shown_checks(self) -> list[dict]:
        """The checks the head sees: after payment when they ran, else those at submit."""
        return self.checks_at_payment or self.checks_at_submit


class IqamaRenewalEvent(StatusHistory):
    """The history of a renewal (core.transitions writes it), shown to the head of family."""

    renewal = models.ForeignKey(IqamaRenewal, on_delete=models.CASCADE, related_name="events", verbose_name=_("renewal"))

    class Meta(StatusHistory.Meta):
        verbose_name = _("renewal history entry")
        verbose_name_plural = _("renewal history")
