"""Civil affairs registry: national ID cards, fines and offices."""
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.models import Person


class NationalIdCard(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", _("Active")
        REPLACED = "REPLACED", _("Replaced")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="id_cards", verbose_name=_("person"))
    version = models.PositiveSmallIntegerField(_("card version"), default=1)
    issue_date = models.DateField(_("issue date"))
    expiry_date = models.DateField(_("expiry date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        verbose_name = _("national ID card")
        verbose_name_plural = _("national ID cards")
        ordering = ["-issue_date"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=models.Q(status="ACTIVE"), name="one_active_id_card"),
        ]

    def __str__(self):
        return f"{self.person.id_number} v{self.version} → {self.expiry_date}"


class CivilAffairsFine(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="civil_fines", verbose_name=_("person"))
    reference = models.CharField(_("fine number"), max_length=20, unique=True)
    reason_ar = models.CharField(_("reason (Arabic)"), max_length=200)
    reason_en = models.CharField(_("reason (English)"), max_length=200)
    amount = models.DecimalField(_("amount (SAR)"), max_digits=10, decimal_places=2)
    issued_on = models.DateField(_("issued on"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    payment = models.ForeignKey("payments.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("civil affairs fine")
        verbose_name_plural = _("civil affairs fines")
        ordering = ["issued_on"]

    def __str__(self):
        return f"{self.reference} {self.amount}"

    @property
    def reason(self):
        return self.reason_en if (get_language() or "ar").startswith("en") else self.reason_ar


class Office(models.Model):
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    city_ar = models.CharField(_("city (Arabic)"), max_length=100)
    city_en = models.CharField(_("city (English)"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("civil affairs office")
        verbose_name_plural = _("civil affairs offices")
        ordering = ["city_en", "name_en"]

    def __str__(self):
        return self.name_en

    @property
    def name(self):
        return self.name_en if (get_language() or "ar").startswith("en") else self.name_ar

    @property
    def city(self):
        return self.city_en if (get_language() or "ar").startswith("en") else self.city_ar
