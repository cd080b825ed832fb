"""The conditions of DOMAIN.md "Family iqama renewal", checked for one dependent.

Each check has a code (API.md), a result, and — rendered in the active language — what it means
and how to fix it, with a link when the portal itself can fix it. Stored as [{"code", "passed",
"review", "params"}] so a stored result re-renders in either language.

A check either passes, fails (the dependent cannot be renewed: `passed` false), or asks for an
officer (`review` true, `passed` true: the renewal may be submitted and paid, and after payment it
goes to an officer's review instead of the automatic approval)."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from core import dates
from core.errors import ApplicationError
from passports.services.facts import Facts, load_facts
from passports.services.fees import FEE_ROWS, Quote, fee_per_year, fee_row_for, fee_row_label, renewal_quote
from registry.models import FamilyMember, MedicalExam, Person

# The order the checks are shown in.
CODES = [
    "HEAD_IQAMA_INVALID",
    "DEPENDENT_OVER_AGE_LIMIT",
    "PROOF_OF_STUDY",
    "PROOF_OF_SINGLE_STATUS",
    "UNPAID_VIOLATIONS",
    "HEAD_UNPAID_VIOLATIONS",
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
    "DEPENDENT_OVER_AGE_LIMIT": (
        _("Within the age limit for a son or daughter (%(limit)s years)."),
        _("Sons and daughters over %(limit)s years old cannot be renewed as dependents."),
        _("Transfer the services of this son or daughter to a sponsor (an employer) who renews the iqama."),
        "",
    ),
    "PROOF_OF_STUDY": (
        _("No proof of study is needed, or it is on file."),
        _("A son aged %(adult)s to %(limit)s needs proof of study on file: without it an officer reviews the renewal after payment."),
        _("Submit the proof of study (a certificate of enrolment) at a passports office, or let an officer review the request."),
        "",
    ),
    "PROOF_OF_SINGLE_STATUS": (
        _("No proof of single status is needed, or it is on file."),
        _(
            "An adult daughter (%(adult)s or over) needs proof of single status on file: without it an officer reviews the renewal "
            "after payment."
        ),
        _("Submit the proof of single status at a passports office, or let an officer review the request."),
        "",
    ),
    "UNPAID_VIOLATIONS": (
        _("The dependent has no unpaid fines or traffic violations."),
        _("The dependent (not you) has unpaid fines or traffic violations: they block this renewal."),
        _("Pay the dependent's violations and fines under outstanding fines, then check again."),
        "fines:outstanding",
    ),
    "HEAD_UNPAID_VIOLATIONS": (
        _("Your own unpaid fines and violations, as head of family, do not block this renewal."),
        _("You, the head of family, have unpaid fines or traffic violations: they block your dependents' renewals."),
        _("Pay your own violations and fines under outstanding fines, then check again."),
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
        _("Health insurance is valid today."),
        _("Health insurance is not valid today (expired or missing)."),
        _("Renew the health insurance policy, then check again."),
        "",
    ),
    "MEDICAL_EXAM": (
        _("No medical exam is pending."),
        _("A medical exam is required and has not been passed."),
        _("Take the medical exam at an approved medical centre; the result reaches the portal automatically."),
        "passports:medical_centre",
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


# A variant of a check's texts, chosen by a setting and stored in params["variant"].
VARIANTS = {
    ("HEALTH_INSURANCE", "new_expiry"): (
        _("Health insurance is valid through the new expiry date."),
        _("Health insurance does not cover the whole new iqama period."),
        _("Renew or extend the health insurance policy to at least the new expiry date."),
        "",
    ),
}

# Codes whose unmet condition sends the renewal to an officer instead of blocking it.
REVIEW_CODES = ("PROOF_OF_STUDY", "PROOF_OF_SINGLE_STATUS")
# Fix links to a sandbox page: shown only while sandboxes are enabled.
SANDBOX_FIXES = ("MEDICAL_EXAM",)


@dataclass(frozen=True)
class Check:
    code: str
    passed: bool
    params: dict
    review: bool = False  # not blocking, but an officer decides (the condition is not met)

    @property
    def _texts(self):
        return VARIANTS.get((self.code, self.params.get("variant")), TEXTS[self.code])

    @property
    def ok(self) -> bool:
        """Met outright (neither failed nor waiting for an officer)."""
        return self.passed and not self.review

    @property
    def message(self) -> str:
        ok, bad, _fix, _url = self._texts
        text = ok if self.ok else bad
        return str(text) % self.params if self.params else str(text)

    @property
    def fix(self) -> str:
        if self.ok:
            return ""
        fix = self._texts[2]
        return str(fix) % self.params if self.params else str(fix)

    @property
    def fix_url(self) -> str:
        name = self._texts[3]
        if self.ok or not name:
            return ""
        if self.code in SANDBOX_FIXES and not settings.SANDBOXES_ENABLED:
            return ""
        try:
            url = reverse(name)
        except NoReverseMatch:
            return ""
        if self.code == "MEDICAL_EXAM" and self.params.get("dependent"):
            url += f"?dependent={self.params['dependent']}"
        return url

    def as_json(self) -> dict:
        return {"code": self.code, "passed": self.passed, "review": self.review, "params": self.params}


def check_from_json(d: dict) -> Check:
    return Check(d["code"], bool(d["passed"]), d.get("params") or {}, bool(d.get("review", False)))


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

    @property
    def for_review(self) -> list[Check]:
        """Unmet conditions an officer decides on after payment (the renewal is not blocked)."""
        return [c for c in self.checks if c.review]

    @property
    def needs_review(self) -> bool:
        return bool(self.for_review)


def allowed_periods(member: FamilyMember) -> list[int]:
    if member.is_domestic_worker:
        return list(settings.IQAMA_DOMESTIC_WORKER_PERIODS_MONTHS)
    return list(settings.IQAMA_PERIODS_MONTHS)


def all_periods() -> list[int]:
    return sorted(set(settings.IQAMA_PERIODS_MONTHS) | set(settings.IQAMA_DOMESTIC_WORKER_PERIODS_MONTHS))


def _age_rules(member: FamilyMember, age: int) -> dict:
    """DEPENDENT_OVER_AGE_LIMIT, PROOF_OF_STUDY, PROOF_OF_SINGLE_STATUS: (passed, review, params).
    Only sons and daughters: a wife, parents and workers are never over the limit."""
    limit, adult = settings.DEPENDENT_AGE_LIMIT, settings.IQAMA_ADULT_AGE
    params = {"limit": limit, "adult": adult}
    dep = member.person
    R = FamilyMember.Relation
    child = member.relation in (R.SON, R.DAUGHTER)
    over = child and age > limit
    study_missing = member.relation == R.SON and adult <= age <= limit and not dep.proof_of_study_on_file
    single_missing = member.relation == R.DAUGHTER and adult <= age <= limit and not dep.proof_of_single_status_on_file
    return {
        "DEPENDENT_OVER_AGE_LIMIT": (not over, False, params),
        "PROOF_OF_STUDY": (True, study_missing, params),
        "PROOF_OF_SINGLE_STATUS": (True, single_missing, params),
    }


def assess(*, member: FamilyMember, months: int, today: dt.date | None = None, facts: Facts | None = None) -> Assessment:
    """Every condition for renewing `member`'s iqama for `months` months, and the quote. `facts` (from
    load_facts) lets a page assess a whole family with one query per kind of record."""
    today = today or dates.today()
    head: Person = member.head
    dep: Person = member.person
    facts = facts or load_facts(head=head, members=[member])
    iqama = facts.iqamas.get(dep.pk)
    if iqama is None:
        raise ApplicationError("IQAMA_NOT_FOUND", _("This dependent has no iqama on record; contact the passports office."), status=409)
    age = dep.age(today)
    row = fee_row_for(relation=member.relation, age=age, head_is_citizen=head.is_citizen)
    quote = renewal_quote(expiry=iqama.expiry_date, months=months, late_renewal_count=iqama.late_renewal_count, fee_row=row, today=today)

    head_iqama_expiry = facts.head_iqama_expiry
    passport_until = facts.passport_until.get(dep.pk)
    insurance_until = facts.insurance_until.get(dep.pk)
    exam_result = facts.exam_result.get(dep.pk)
    min_days = settings.PASSPORT_MIN_VALIDITY_DAYS
    periods = allowed_periods(member)
    unpaid = facts.unpaid
    head_blocks = settings.IQAMA_HEAD_VIOLATIONS_BLOCK
    insurance_through = settings.IQAMA_INSURANCE_VALID_THROUGH
    insurance_needed_until = quote.new_expiry if insurance_through == "new_expiry" else today

    results = {
        "HEAD_IQAMA_INVALID": (head_iqama_expiry is not None and head_iqama_expiry >= today, {}),
        "UNPAID_VIOLATIONS": (dep.pk not in unpaid, {}),
        "HEAD_UNPAID_VIOLATIONS": (not (head_blocks and head.pk in unpaid), {}),
        "PASSPORT_VALIDITY": (passport_until is not None and (passport_until - today).days >= min_days, {"days": min_days}),
        "NATIONAL_ADDRESS": (facts.head_has_address, {}),
        "HEALTH_INSURANCE": (
            insurance_until is not None and insurance_until >= insurance_needed_until,
            {"variant": insurance_through} if insurance_through == "new_expiry" else {},
        ),
        "MEDICAL_EXAM": (exam_result is None or exam_result == MedicalExam.Result.PASSED, {"dependent": member.pk}),
        # Biometrics: fingerprints on file stand for the biometric enrolment (the registry keeps the
        # photo of a resident with the fingerprints; Person.photo is the civil-affairs selfie). See docs/passports.md.
        "BIOMETRICS": (dep.age(today) < settings.BIOMETRICS_MIN_AGE or dep.fingerprint_on_file, {"age": settings.BIOMETRICS_MIN_AGE}),
        "OUTSIDE_KINGDOM": (dep.inside_kingdom, {}),
        "REPORTED_ABSENT": (not dep.reported_absent, {}),
        "REPEATED_LATE_RENEWAL": (not quote.late_blocked, {}),
        "PERIOD_NOT_ALLOWED": (months in periods, {"periods": ", ".join(str(p) for p in periods)}),
    }
    checks = [Check(code, bool(results[code][0]), results[code][1]) for code in CODES if code in results]
    for code, (passed, review, params) in _age_rules(member, age).items():
        checks.append(Check(code, passed, params, review))
    order = {code: i for i, code in enumerate(CODES)}
    checks = tuple(sorted(checks, key=lambda c: order[c.code]))
    return Assessment(member=member, months=months, quote=quote, checks=checks)


# The figures behind the checks and the fees, with where each comes from: "P" published (Saudi news
# sites and expat guides), "C" the sources disagree (the figure is one of theirs), "U" chosen here.
SOURCE_LABELS = {"P": _("published"), "C": _("sources disagree"), "U": _("chosen here")}


@dataclass(frozen=True)
class Rule:
    label: str
    value: str
    source: str  # P, C or U

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS[self.source])


def rules_table() -> list[Rule]:
    """What the checks page shows under "The rules and their sources" (docs/passports.md has the same table)."""
    s = settings
    through = _("the new expiry") if s.IQAMA_INSURANCE_VALID_THROUGH == "new_expiry" else _("today")
    rows = [
        Rule(str(_("Age limit for sons and daughters as dependents")), str(s.DEPENDENT_AGE_LIMIT), "C"),
        Rule(str(_("Age from which sons need proof of study and daughters proof of single status")), str(s.IQAMA_ADULT_AGE), "P"),
        Rule(
            str(_("The head's own unpaid violations block the renewal")), str(_("yes") if s.IQAMA_HEAD_VIOLATIONS_BLOCK else _("no")), "U"
        ),
        Rule(
            str(_("Health insurance must be valid through")), str(through), "P" if s.IQAMA_INSURANCE_VALID_THROUGH != "new_expiry" else "U"
        ),
        Rule(str(_("Passport valid for at least (days), iqama renewal")), str(s.PASSPORT_MIN_VALIDITY_DAYS), "U"),
        Rule(str(_("Passport valid for at least (days), exit/re-entry visa")), str(s.VISA_PASSPORT_MIN_DAYS), "P"),
        Rule(str(_("Dependents' levy per month (SAR)")), str(s.DEPENDENT_LEVY_PER_MONTH), "P"),
    ]
    for row, (_setting, _label, source) in FEE_ROWS.items():
        rows.append(Rule(str(_("Iqama fee per year (SAR): %(row)s") % {"row": fee_row_label(row)}), str(fee_per_year(row)), source))
    return rows
