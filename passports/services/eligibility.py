"""The conditions of DOMAIN.md "Family iqama renewal", checked for one dependent.

Each check has a code (API.md), a result, and — rendered in the active language — what it means
and how to fix it, with a link when the portal itself can fix it. Stored as [{"code", "passed"}]
so a stored result re-renders in either language."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from core import dates
from core.errors import ApplicationError
from passports.services.fees import Quote, renewal_quote
from registry.models import FamilyMember, HealthInsurance, Iqama, MedicalExam, NationalAddress, Passport, Person
from registry.selectors import fines_unpaid

# The order the checks are shown in.
CODES = [
    "HEAD_IQAMA_INVALID",
    "UNPAID_VIOLATIONS",
    "PASSPORT_VALIDITY",
    "NATIONAL_ADDRESS",
    "HEALTH_INSURANCE",
    "MEDICAL_EXAM",
    "BIOMETRICS",
    "OUTSIDE_KINGDOM",
    "REPORTED_ABSENT",
    "REPEATED_LATE_RENEWAL",
    "PERIOD_NOT_ALLOWED",
]

# code: (shown when passed, shown when failed: what it means, how to fix it, URL name that fixes it or "")
TEXTS = {
    "HEAD_IQAMA_INVALID": (
        _("Your own iqama is valid."),
        _("Your own iqama (as head of family) has expired or is missing."),
        _("Renew your own iqama first; then renew your dependents."),
        "",
    ),
    "UNPAID_VIOLATIONS": (
        _("No unpaid fines or traffic violations for the dependent or for you."),
        _("There are unpaid fines or traffic violations for the dependent or for you."),
        _("Pay the outstanding violations and fines, then check again."),
        "fines:outstanding",
    ),
    "PASSPORT_VALIDITY": (
        _("The passport is valid for at least %(days)s more days."),
        _("The passport expires in less than %(days)s days (or is missing)."),
        _("Renew the passport at the embassy of its country and update it at the passports office."),
        "",
    ),
    "NATIONAL_ADDRESS": (
        _("You have a registered national address."),
        _("You have no registered national address."),
        _("Register your national address with Saudi Post (National Address), then check again."),
        "passports:address_help",
    ),
    "HEALTH_INSURANCE": (
        _("Health insurance is valid through the new expiry date."),
        _("Health insurance does not cover the whole new iqama period."),
        _("Renew or extend the health insurance policy to at least the new expiry date."),
        "",
    ),
    "MEDICAL_EXAM": (
        _("No medical exam is pending."),
        _("A medical exam is required and has not been passed."),
        _("Take the medical exam at an approved medical centre; the result reaches the portal automatically."),
        "",
    ),
    "BIOMETRICS": (
        _("Fingerprints and photo are on file."),
        _("Fingerprints and photo are not on file (required from age %(age)s)."),
        _("Visit a passports office to record fingerprints and a photo."),
        "",
    ),
    "OUTSIDE_KINGDOM": (
        _("The dependent is inside the Kingdom."),
        _("The dependent is outside the Kingdom."),
        _("An iqama is renewed only while its holder is inside the Kingdom; renew after the return."),
        "",
    ),
    "REPORTED_ABSENT": (
        _("The dependent has not been reported absent."),
        _("The dependent has been reported absent from work (huroob)."),
        _("Contact the passports office to settle the absence report."),
        "",
    ),
    "REPEATED_LATE_RENEWAL": (
        _("No repeated late renewal."),
        _("This would be the third late renewal of this iqama: it cannot be renewed online."),
        _("Contact the passports office (a deportation case may be opened)."),
        "",
    ),
    "PERIOD_NOT_ALLOWED": (
        _("The period is allowed for this dependent."),
        _("This period is not allowed for this dependent."),
        _("Choose one of the allowed periods: %(periods)s months."),
        "",
    ),
}


@dataclass(frozen=True)
class Check:
    code: str
    passed: bool
    params: dict

    @property
    def message(self) -> str:
        ok, bad, _fix, _url = TEXTS[self.code]
        return str(ok if self.passed else bad) % self.params if self.params else str(ok if self.passed else bad)

    @property
    def fix(self) -> str:
        if self.passed:
            return ""
        fix = TEXTS[self.code][2]
        return str(fix) % self.params if self.params else str(fix)

    @property
    def fix_url(self) -> str:
        name = TEXTS[self.code][3]
        if self.passed or not name:
            return ""
        try:
            return reverse(name)
        except NoReverseMatch:
            return ""

    def as_json(self) -> dict:
        return {"code": self.code, "passed": self.passed, "params": self.params}


def check_from_json(d: dict) -> Check:
    return Check(d["code"], bool(d["passed"]), d.get("params") or {})


@dataclass(frozen=True)
class Assessment:
    member: FamilyMember
    months: int
    quote: Quote
    checks: tuple[Check, ...]

    @property
    def eligible(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]


def allowed_periods(member: FamilyMember) -> list[int]:
    if member.is_domestic_worker:
        return list(settings.IQAMA_DOMESTIC_WORKER_PERIODS_MONTHS)
    return list(settings.IQAMA_PERIODS_MONTHS)


def all_periods() -> list[int]:
    return sorted(set(settings.IQAMA_PERIODS_MONTHS) | set(settings.IQAMA_DOMESTIC_WORKER_PERIODS_MONTHS))


def _has_unpaid(person_ids: list[int]) -> bool:
    return fines_unpaid(person_ids=person_ids).exists()


def assess(*, member: FamilyMember, months: int, today: dt.date | None = None) -> Assessment:
    """Every condition for renewing `member`'s iqama for `months` months, and the quote."""
    today = today or dates.today()
    head: Person = member.head
    dep: Person = member.person
    iqama = Iqama.objects.filter(person=dep).first()
    if iqama is None:
        raise ApplicationError("IQAMA_NOT_FOUND", _("This dependent has no iqama on record; contact the passports office."), status=409)
    quote = renewal_quote(expiry=iqama.expiry_date, months=months, late_renewal_count=iqama.late_renewal_count, today=today)

    head_iqama = Iqama.objects.filter(person=head).only("expiry_date").first()
    passport = Passport.objects.filter(person=dep, current=True).order_by("-expiry_date").first()
    insurance_until = HealthInsurance.objects.filter(person=dep).order_by("-expiry_date").values_list("expiry_date", flat=True).first()
    exam = MedicalExam.objects.filter(person=dep).order_by("-id").first()
    min_days = settings.PASSPORT_MIN_VALIDITY_DAYS
    periods = allowed_periods(member)

    results = {
        "HEAD_IQAMA_INVALID": (head_iqama is not None and head_iqama.expiry_date >= today, {}),
        "UNPAID_VIOLATIONS": (not _has_unpaid([head.pk, dep.pk]), {}),
        "PASSPORT_VALIDITY": (passport is not None and (passport.expiry_date - today).days >= min_days, {"days": min_days}),
        "NATIONAL_ADDRESS": (NationalAddress.objects.filter(person=head).exists(), {}),
        "HEALTH_INSURANCE": (insurance_until is not None and insurance_until >= quote.new_expiry, {}),
        "MEDICAL_EXAM": (exam is None or exam.result == MedicalExam.Result.PASSED, {}),
        # Biometrics: fingerprints on file stand for the biometric enrolment (the registry keeps the
        # photo of a resident with the fingerprints; Person.photo is the civil-affairs selfie). See docs/passports.md.
        "BIOMETRICS": (dep.age(today) < settings.BIOMETRICS_MIN_AGE or dep.fingerprint_on_file, {"age": settings.BIOMETRICS_MIN_AGE}),
        "OUTSIDE_KINGDOM": (dep.inside_kingdom, {}),
        "REPORTED_ABSENT": (not dep.reported_absent, {}),
        "REPEATED_LATE_RENEWAL": (not quote.late_blocked, {}),
        "PERIOD_NOT_ALLOWED": (months in periods, {"periods": ", ".join(str(p) for p in periods)}),
    }
    checks = tuple(Check(code, bool(results[code][0]), results[code][1]) for code in CODES)
    return Assessment(member=member, months=months, quote=quote, checks=checks)
