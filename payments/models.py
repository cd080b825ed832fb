from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.i18n import localized
from core.models import StatusHistory
from registry.models import Person


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "PENDING", _("Awaiting payment")
        PAID = "PAID", _("Paid")
        FAILED = "FAILED", _("Failed")
        EXPIRED = "EXPIRED", _("Expired")
        REFUNDED = "REFUNDED", _("Refunded")

    class Method(models.TextChoices):
        SADAD = "SADAD", _("SADAD")
        CARD = "CARD", _("Card (mada)")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="payments", verbose_name=_("person"))
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    # What the payment pays for: a purpose registered in payments.hooks and the object's id.
    purpose = models.CharField(_("purpose"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    amount = models.DecimalField(_("amount (SAR)"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="SAR")
    biller_code = models.CharField(_("SADAD biller code"), max_length=10)
    bill_number = models.CharField(_("SADAD bill number"), max_length=20, unique=True)
    due_at = models.DateTimeField(_("due at"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=64, null=True, blank=True, unique=True)
    fulfilled_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    # Card payments keep the last four digits only: never the number or the CVV.
    card_last4 = models.CharField(_("card last 4 digits"), max_length=4, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    refund_reason = models.CharField(_("refund reason"), max_length=300, blank=True)
    # Set once the purpose's on_refunded handler has run (compare-and-set: exactly once).
    refund_handed_over_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["purpose", "object_id"]),
            # The officers' list: its order, and each filter with the order after it.
            models.Index(fields=["created_at", "id"], name="payment_created"),
            models.Index(fields=["status", "created_at"], name="payment_status_created"),
            models.Index(fields=["method", "created_at"], name="payment_method_created"),
            models.Index(fields=["purpose", "created_at"], name="payment_purpose_created"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=Decimal("0")), name="payment_amount_not_negative")]

    def __str__(self):
        return f"{self.reference} {self.amount} {self.status}"


class PaymentItem(models.Model):
    class Code(models.TextChoices):
        FEE = "FEE", _("Fee")
        LEVY = "LEVY", _("Levy")
        FINE = "FINE", _("Fine")
        DELIVERY = "DELIVERY", _("Delivery")

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="items")
    # The billing service's own code for the line (a fee, a levy, a fine); payments only shows it.
    code = models.CharField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=Code.choices)
    description_ar = models.CharField(max_length=200)
    description_en = models.CharField(max_length=200)
    amount = models.DecimalField(_("amount (SAR)"), max_digits=12, decimal_places=2)
    # What the item settles, when it settles a registry row (a fine or a violation).
    settles_type = models.CharField(max_length=64, blank=True)
    settles_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=Decimal("0")), name="payment_item_amount_not_negative")]

    def __str__(self):
        return f"{self.code} {self.amount}"

    @property
    def description(self):
        return localized(self.description_ar, self.description_en)


class PaymentEvent(StatusHistory):
    """The history of a payment (core.models.StatusHistory): every move of payments.flow.PAYMENT
    (action "pay", "expire", "fail", "refund"), the bill's creation, and what is not a status
    change (card_declined, sadad_refused, fulfilled, settled, refund_handed_over)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")

    class Meta(StatusHistory.Meta):
        verbose_name = _("payment event")
        verbose_name_plural = _("payment history")


class IdempotencyKey(models.Model):
    """One row per (person, Idempotency-Key): the hash of the first request and the answer
    given to it. The unique constraint makes concurrent requests with one key wait for the
    first to commit, then replay its answer."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "key"], name="one_idempotency_key_per_person")]

    def __str__(self):
        return f"{self.key} → {self.response_status}"


class SadadNotification(models.Model):
    """Every notification the bank sent that passed the signature check. bank_reference is
    unique: a replay is recognised and applied once."""

    bank_reference = models.CharField(max_length=64, unique=True)
    bill_number = models.CharField(max_length=20)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    paid_at = models.DateTimeField()
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="sadad_notifications")
    received_at = models.DateTimeField(auto_now_add=True)
    raw_body = models.TextField()

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.bank_reference} {self.bill_number} {self.amount}"
