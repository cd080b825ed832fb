"""The ministry's records: people, national ID cards, iqamas, passports, family links,
health insurance, medical exams, national addresses, offices and fines.

This app knows no service. Services read and write these rows through their own services;
officers edit them in admin, where every change is recorded in the audit log with who,
when and what changed, and guarded by the optimistic `version` field."""

import datetime as dt

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from core import dates
from core.i18n import localized


class VersionedRecord(models.Model):
    """A registry row officers may edit: two officers cannot overwrite each other's change."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


PERSON_FILTERS = ("kind", "gender", "nationality", "inside_kingdom", "reported_absent", "fingerprint_on_file")


class Person(VersionedRecord):
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
    # Documents on file that some residency rules ask for (sons 18+ studying, adult daughters single).
    proof_of_study_on_file = models.BooleanField(_("proof of study on file"), default=False)
    proof_of_single_status_on_file = models.BooleanField(_("proof of single status on file"), default=False)
    # Border control and labour office flags (residents).
    inside_kingdom = models.BooleanField(_("inside the Kingdom"), default=True)
    reported_absent = models.BooleanField(_("reported absent"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["id_number"]
        indexes = [
            models.Index(fields=["name_en"]),
            models.Index(fields=["name_ar"]),
            # Officers' search by any part of a name, in either script (Django's icontains is
            # UPPER(col) LIKE UPPER(%term%)): trigram GIN on UPPER(name), PostgreSQL only (core/pg.py).
            GinIndex(OpClass(Upper("name_ar"), name="gin_trgm_ops"), name="person_name_ar_trgm"),
            GinIndex(OpClass(Upper("name_en"), name="gin_trgm_ops"), name="person_name_en_trgm"),
            # Each admin list filter, with the list's order after it.
            *[models.Index(fields=[f, "id_number"], name=f"person_{f[:14]}_idn") for f in PERSON_FILTERS],
        ]

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


class NationalAddress(VersionedRecord):
    """Street, district and city in Arabic (`street`, ...) and in English (`street_en`, ...), as
    names are stored; pages show the active language's (`street_name`, ..., `label`)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("person"))
    building_number = models.CharField(_("building number"), max_length=4)
    street = models.CharField(_("street (Arabic)"), max_length=200)
    district = models.CharField(_("district (Arabic)"), max_length=200)
    city = models.CharField(_("city (Arabic)"), max_length=100)
    street_en = models.CharField(_("street (English)"), max_length=200, blank=True)
    district_en = models.CharField(_("district (English)"), max_length=200, blank=True)
    city_en = models.CharField(_("city (English)"), max_length=100, blank=True)
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

    # The active language's words; an address recorded in Arabic only shows its Arabic in English.
    @property
    def street_name(self) -> str:
        return localized(self.street, self.street_en or self.street)

    @property
    def district_name(self) -> str:
        return localized(self.district, self.district_en or self.district)

    @property
    def city_name(self) -> str:
        return localized(self.city, self.city_en or self.city)

    @property
    def label(self) -> str:
        """`RRRD2929 — Olaya, Riyadh 12211` in the active language (Arabic: "العليا، الرياض")."""
        comma = localized("، ", ", ")
        return f"{self.short_address} — {self.district_name}{comma}{self.city_name} {self.postal_code}"


class Office(VersionedRecord):
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
        return localized(self.name_ar, self.name_en)

    @property
    def city(self):
        return localized(self.city_ar, self.city_en)


class NationalIdCard(VersionedRecord):
    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", _("Active")
        REPLACED = "REPLACED", _("Replaced")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="id_cards", verbose_name=_("person"))
    card_version = models.PositiveSmallIntegerField(_("card version"), default=1)
    issue_date = models.DateField(_("issue date"))
    expiry_date = models.DateField(_("expiry date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        verbose_name = _("national ID card")
        verbose_name_plural = _("national ID cards")
        ordering = ["-issue_date"]
        indexes = [models.Index(fields=["issue_date", "id"], name="idcard_issue_date"), models.Index(fields=["status", "issue_date"])]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=models.Q(status="ACTIVE"), name="one_active_id_card"),
        ]

    def __str__(self):
        return f"{self.person.id_number} v{self.card_version} → {self.expiry_date}"


class Iqama(VersionedRecord):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="iqama", verbose_name=_("person"))
    issue_date = models.DateField(_("issue date"))
    expiry_date = models.DateField(_("expiry date"))
    late_renewal_count = models.PositiveSmallIntegerField(
        _("late renewals so far"), default=0, help_text=_("Renewals made more than the grace period after expiry.")
    )
    levy_paid_until = models.DateField(
        _("dependents' levy paid until"),
        null=True,
        blank=True,
        help_text=_("Empty: the levy is paid up to the iqama's expiry (renewals pay it with the iqama)."),
    )

    class Meta:
        verbose_name = _("iqama")
        verbose_name_plural = _("iqamas")

    def __str__(self):
        return f"{self.person.id_number} → {self.expiry_date}"


class Passport(VersionedRecord):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="passports", verbose_name=_("person"))
    number = models.CharField(_("passport number"), max_length=20)
    issuing_country = models.CharField(_("issuing country"), max_length=3)
    expiry_date = models.DateField(_("expiry date"))
    current = models.BooleanField(_("current"), default=True)

    class Meta:
        verbose_name = _("passport")
        verbose_name_plural = _("passports")
        ordering = ["-current", "-expiry_date"]
        indexes = [models.Index(fields=["current", "expiry_date"], name="passport_current_expiry"), models.Index(fields=["number"])]

    def __str__(self):
        return f"{self.number} ({self.issuing_country}) → {self.expiry_date}"


class FamilyMember(VersionedRecord):
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
        indexes = [models.Index(fields=["head", "id"], name="familymember_head_id"), models.Index(fields=["relation", "head", "id"])]

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


class HealthInsurance(VersionedRecord):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="insurances", verbose_name=_("person"))
    provider = models.CharField(_("provider"), max_length=100)
    policy_number = models.CharField(_("policy number"), max_length=40)
    expiry_date = models.DateField(_("expiry date"))

    class Meta:
        verbose_name = _("health insurance")
        verbose_name_plural = _("health insurances")
        ordering = ["-expiry_date"]
        indexes = [models.Index(fields=["expiry_date", "id"], name="insurance_expiry"), models.Index(fields=["policy_number"])]

    def __str__(self):
        return f"{self.provider} {self.policy_number} → {self.expiry_date}"


class MedicalExam(VersionedRecord):
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


class Fine(VersionedRecord):
    """Every fine or violation on a person's record, whatever authority issued it. A payment
    settles it by reference (payments keeps the link on its line item)."""

    class Kind(models.TextChoices):
        CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs fine")
        TRAFFIC = "traffic", _("Traffic violation")
        VISA = "visa", _("Unused exit/re-entry visa fine")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="fines", verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    reference = models.CharField(_("fine number"), max_length=20, unique=True)
    description_ar = models.CharField(_("description (Arabic)"), max_length=200)
    description_en = models.CharField(_("description (English)"), max_length=200)
    amount = models.DecimalField(_("amount (SAR)"), max_digits=10, decimal_places=2)
    issued_on = models.DateField(_("issued on"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.CharField(_("paid by payment"), max_length=20, blank=True, help_text=_("the payment's reference"))

    class Meta:
        verbose_name = _("fine")
        verbose_name_plural = _("fines")
        ordering = ["issued_on", "id"]
        indexes = [models.Index(fields=["person", "kind"], condition=models.Q(paid_at__isnull=True), name="fine_unpaid_by_person")]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="fine_amount_not_negative")]

    def __str__(self):
        return f"{self.reference} {self.amount}"

    @property
    def description(self):
        return localized(self.description_ar, self.description_en)

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None


class Holiday(models.Model):
    """A public holiday of the ministry's calendar: no working day (the ID card's issuance counts
    working days: Sunday to Thursday, less these dates). Officers keep the table in admin."""

    date = models.DateField(_("date"), unique=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name_en}"

    @property
    def name(self):
        return localized(self.name_ar, self.name_en)
