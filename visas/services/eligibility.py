"""The conditions of DOMAIN.md "Exit/re-entry visas", checked for one traveller, type and period.

Each check has a code (API.md), a result and, in the active language, what it means and how to fix
it, with a link where the portal can fix it. Stored as [{"code", "passed", "params"}] so a stored
result re-renders in either language."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from core import dates
from registry.models import FamilyMember, Fine, Iqama, Passport, Person
from registry.selectors import fines_unpaid
from visas.models import Visa
from visas.services.fees import VisaQuote, visa_quote

CODES = [
    "IQAMA_VALIDITY",
    "PASSPORT_VALIDITY",
    "UNPAID_VIOLATIONS",
    "LEVY_UNPAID",
    "OPEN_VISA",
    "OUTSIDE_KINGDOM",
    "REPORTED_ABSENT",
    "UNPAID_VISA_FINE",
]

# code: (shown when passed, shown when failed, how to fix it, URL name that fixes it or "")
TEXTS = {
    "IQAMA_VALIDITY": (
        _("The iqama is valid for the whole period (until %(until)s)."),
        _("The iqama expires before the end of the visa's period (%(until)s), or there is none."),
        _("Renew the iqama first, or choose a shorter period."),
        "",
    ),
    "PASSPORT_VALIDITY": (
        _("The passport is valid for at least %(days)s more days."),
        _("The passport expires in less than %(days)s days (or is missing)."),
        _("Renew the passport at the embassy of its country and update it at the passports office."),
        "",
    ),
    "UNPAID_VIOLATIONS": (
        _("No unpaid traffic violations of the traveller."),
        _("The traveller has unpaid traffic violations."),
        _("Pay the traffic violations, then check again."),
        "fines:outstanding",
    ),
    "LEVY_UNPAID": (
        _("The dependents' levy is paid up to the visa's end."),
        _("The dependents' levy is paid only until %(paid_until)s, before the visa's end (%(until)s)."),
        _("Pay the levy by renewing the dependent's iqama for a longer period, or choose a shorter visa."),
        "passports:family",
    ),
    "OPEN_VISA": (
        _("No other open visa for this traveller."),
        _("This traveller already has an open visa (%(number)s)."),
        _("Use or cancel the open visa first."),
        "visas:index",
    ),
    "OUTSIDE_KINGDOM": (
        _("The traveller is inside the Kingdom."),
        _("The traveller is outside the Kingdom."),
        _("A visa is issued only while its holder is inside the Kingdom; to stay longer abroad, extend the visa in use."),
        "",
    ),
    "REPORTED_ABSENT": (
        _("The traveller has not been reported absent."),
        _("The traveller has been reported absent from work (huroob)."),
        _("Contact the passports office to settle the absence report."),
        "",
    ),
    "UNPAID_VISA_FINE": (
        _("No unpaid fine for an unused visa."),
        _("A fine for an earlier visa left unused is unpaid."),
        _("Pay the unused-visa fine in outstanding fines, then check again."),
        "fines:outstanding",
    ),
}


@dataclass(frozen=True)
class Check:
    code: str
    passed: bool
    params: dict

    def _text(self, i: int) -> str:
        text = str(TEXTS[self.code][i])
        params = {
            k: (dates.dual_date(dt.date.fromisoformat(v)) if k in ("until", "paid_until") and v else v) for k, v in self.params.items()
        }
        return text % params if params else text

    @property
    def message(self) -> str:
        return self._text(0 if self.passed else 1)

    @property
    def fix(self) -> str:
        return "" if self.passed else self._text(2)

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
    person: Person
    quote: VisaQuote
    checks: tuple[Check, ...]

    @property
    def eligible(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    @property
    def type(self) -> str:
        return self.quote.type

    @property
    def months(self) -> int:
        return self.quote.months


def open_visa(person_id: int, today: dt.date) -> Visa | None:
    """The traveller's open visa: waiting for payment, issued, in use, or a multiple one still valid."""
    qs = Visa.objects.filter(person_id=person_id)
    v = qs.filter(status__in=Visa.OPEN).first()
    if v is None:
        v = qs.filter(status=Visa.Status.RETURNED, type=Visa.Type.MULTIPLE, valid_until__gte=today).first()
    return v


def assess(*, person: Person, visa_type: str, months: int, today: dt.date | None = None) -> Assessment:
    """Every condition for an exit/re-entry visa of `person`, and the quote (period from today)."""
    today = today or dates.today()
    quote = visa_quote(visa_type=visa_type, months=months, start=today)
    until = quote.valid_until
    iqama = Iqama.objects.filter(person=person).first()
    passport = Passport.objects.filter(person=person, current=True).order_by("-expiry_date").first()
    min_days = settings.VISA_PASSPORT_MIN_DAYS
    is_dependent = FamilyMember.objects.filter(person=person).exists()
    levy_until = (iqama.levy_paid_until or iqama.expiry_date) if iqama else None
    other = open_visa(person.pk, today)
    results = {
        "IQAMA_VALIDITY": (iqama is not None and iqama.expiry_date >= until, {"until": until.isoformat()}),
        "PASSPORT_VALIDITY": (passport is not None and (passport.expiry_date - today).days >= min_days, {"days": min_days}),
        "UNPAID_VIOLATIONS": (not fines_unpaid(person_ids=[person.pk], kinds=[Fine.Kind.TRAFFIC]).exists(), {}),
        # The levy is the dependents' (the head's own levy is his employer's): it must reach the visa's end.
        "LEVY_UNPAID": (
            not is_dependent or (levy_until is not None and levy_until >= until),
            {"until": until.isoformat(), "paid_until": levy_until.isoformat() if levy_until else ""},
        ),
        "OPEN_VISA": (other is None, {"number": (other.number or other.application.reference) if other else ""}),
        "OUTSIDE_KINGDOM": (person.inside_kingdom, {}),
        "REPORTED_ABSENT": (not person.reported_absent, {}),
        "UNPAID_VISA_FINE": (not fines_unpaid(person_ids=[person.pk], kinds=[Fine.Kind.VISA]).exists(), {}),
    }
    checks = tuple(Check(code, *results[code]) for code in CODES)
    return Assessment(person, quote, checks)
