"""Passports registry: iqamas, passports, family links, health insurance, medical exams."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Person


class Iqama(models.Model):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="iqama", verbose_name=_("person"))
    issue_date = models.DateField(_("issue date"))
    expiry_date = models.DateField(_("expiry date"))
    late_renewal_count = models.PositiveSmallIntegerField(
        _("late renewals so far"), default=0, help_text=_("Renewals made more than the grace period after expiry.")
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("iqama")
        verbose_name_plural = _("iqamas")

    def __str__(self):
        return f"{self.person.id_number} → {self.expiry_date}"


class Passport(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="passports", verbose_name=_("person"))
    number = models.CharField(_("passport number"), max_length=20)
    issuing_country = models.CharField(_("issuing country"), max_length=3)
    expiry_date = models.DateField(_("expiry date"))
    current = models.BooleanField(_("current"), default=True)

    class Meta:
        verbose_name = _("passport")
        verbose_name_plural = _("passports")
        ordering = ["-current", "-expiry_date"]

    def __str__(self):
        return f"{self.number} ({self.issuing_country}) → {self.expiry_date}"


class FamilyMember(models.Model):
    """A dependent or companion sponsored by a head of family."""

    class Relation(models.TextChoices):
        WIFE = "WIFE", _("Wife")
        SON = "SON", _("Son")
        DAUGHTER = "DAUGHTER", _("Daughter")
        FATHER = "FATHER", _("Father")
        MOTHER = "MOTHER", _("Mother")
        FATHER_IN_LAW = "FATHER_IN_LAW", _("Father-in-law")
        MOTHER_IN_LAW = "MOTHER_IN_LAW", _("Mother-in-law")
        DOMESTIC_WORKER = "DOMESTIC_WORKER", _("Domestic worker")

    class Category(models.TextChoices):
        DEPENDENT = "DEPENDENT", _("Dependent")
        COMPANION = "COMPANION", _("Companion")

    head = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="family_members", verbose_name=_("head of family"))
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="sponsorship", verbose_name=_("family member"))
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    is_first_wife = models.BooleanField(_("first wife"), default=True, help_text=_("Further wives are companions."))

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        ordering = ["head", "id"]

    def __str__(self):
        return f"{self.head.id_number} → {self.person.id_number} ({self.relation})"

    @property
    def category(self) -> str:
        """Wife, sons under 18 and daughters are dependents; everyone else a companion."""
        r = self.relation
        if r == self.Relation.WIFE and self.is_first_wife:
            return self.Category.DEPENDENT
        if r == self.Relation.DAUGHTER:
            return self.Category.DEPENDENT
        if r == self.Relation.SON and self.person.age() < 18:
            return self.Category.DEPENDENT
        return self.Category.COMPANION

    @property
    def is_domestic_worker(self) -> bool:
        return self.relation == self.Relation.DOMESTIC_WORKER


class HealthInsurance(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="insurances", verbose_name=_("person"))
    provider = models.CharField(_("provider"), max_length=100)
    policy_number = models.CharField(_("policy number"), max_length=40)
    expiry_date = models.DateField(_("expiry date"))

    class Meta:
        verbose_name = _("health insurance")
        verbose_name_plural = _("health insurances")
        ordering = ["-expiry_date"]

    def __str__(self):
        return f"{self.provider} {self.policy_number} → {self.expiry_date}"


class MedicalExam(models.Model):
    class Result(models.TextChoices):
        REQUIRED = "REQUIRED", _("Required, not yet taken")
        PASSED = "PASSED", _("Passed")
        FAILED = "FAILED", _("Failed")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="medical_exams", verbose_name=_("person"))
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, default=Result.REQUIRED)
    exam_date = models.DateField(_("exam date"), null=True, blank=True)
    centre = models.CharField(_("medical centre"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("medical exam")
        verbose_name_plural = _("medical exams")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.person.id_number} {self.result}"
