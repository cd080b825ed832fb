"""What the family, checks and request pages print, made ready before the template runs (issue 12).

Django's template engine costs a few microseconds per variable, filter and `{% include %}`; a page
that lists every condition of every dependent (15 a dependent) spent most of its time there. The
rows below carry strings ready to print (ids as strings, dates in both calendars, labels translated
once), and each condition's `<li>` is one `format_html` (escaped as the template escaped it), the
same markup on the checks page and on a request's page.
"""

import functools
from dataclasses import dataclass

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from core.templatetags.portal import dual_date
from passports import selectors
from passports.services.eligibility import Assessment, Check
from registry.models import FamilyMember

# The label of a condition's fix link, by its code (the others link to the address help page).
FIX_LINK_LABELS = {
    "UNPAID_VIOLATIONS": gettext_lazy("Pay the dependent's violations"),
    "HEAD_UNPAID_VIOLATIONS": gettext_lazy("Pay your own violations"),
    "MEDICAL_EXAM": gettext_lazy("Open the sandbox medical centre"),
}
FIX_LINK_DEFAULT = gettext_lazy("How to register an address")


def relation_label(member: FamilyMember) -> str:
    """The relation's label from its choice (get_relation_display translates every choice per call)."""
    return str(FamilyMember.Relation(member.relation).label)


def months_label(months: int) -> str:
    return ngettext("%(months)s month", "%(months)s months", months) % {"months": months}


def check_item_html(c: Check) -> SafeString:
    """One condition as a list item: what it means, "Officer review" when an officer decides, and
    when it is not met outright how to fix it, with the portal's own link where there is one.

    A pure function of the check, the language and what its link reverses against (the URLconf,
    the script prefix, whether sandboxes are on): made once per process for each such key (the
    same conditions recur across dependents and families; only a few carry a dependent's id)."""
    try:
        key = (c.code, c.passed, c.review, tuple(sorted(c.params.items())))
        hash(key)
    except TypeError:  # a parameter that is not hashable (none today): made each time
        return _check_item_html(c)
    return _check_item_cached(key, get_language(), settings.SANDBOXES_ENABLED, get_urlconf(), get_script_prefix())


@functools.lru_cache(maxsize=4096)
def _check_item_cached(key, language, sandboxes, urlconf, prefix) -> SafeString:
    code, passed, review, params = key
    return _check_item_html(Check(code, passed, dict(params), review))


def _check_item_html(c: Check) -> SafeString:
    css = "check-review" if c.review else "check-pass" if c.passed else "check-fail"
    review = format_html(' <span class="status status-warn">{}</span>', _("Officer review")) if c.review else ""
    fix = ""
    if not c.ok:
        url = c.fix_url
        link = (
            format_html(' <a href="{}" data-testid="fix-{}">{}</a>', url, c.code, FIX_LINK_LABELS.get(c.code, FIX_LINK_DEFAULT))
            if url
            else ""
        )
        fix = format_html('\n  <div class="check-fix">{} {}{}</div>', _("How to fix:"), c.fix, link)
    return format_html(
        '<li class="{}" data-testid="check-{}" data-passed="{}" data-review="{}">\n  <span>{}</span>{}{}\n</li>',
        css,
        c.code,
        "true" if c.passed else "false",
        "true" if c.review else "false",
        c.message,
        review,
        fix,
    )


def checks_html(checks) -> SafeString:
    return mark_safe("\n".join(check_item_html(c) for c in checks))  # each item is format_html's, escaped


def rules_rows_html(rules) -> SafeString:
    """The rows of "The rules and their sources" (eligibility.rules_table), the cell labels translated once."""
    figure, source = _("Figure"), _("Source")
    return format_html_join(
        "",
        '<tr><td class="row-title">{}</td><td data-label="{}"><span class="ltr">{}</span></td><td data-label="{}" data-source="{}">{}</td></tr>',
        ((r.label, figure, r.value, source, r.source, r.source_label) for r in rules),
    )


@dataclass(frozen=True)
class AssessmentView:
    """One dependent's section of the checks page, ready to print."""

    key: str
    name: str
    relation: str
    eligible: bool
    months: str  # "12 months", translated
    old_expiry: str  # both calendars, HTML
    open_checks: str  # the <li>s of what fails or waits for an officer (HTML), "" when none
    met_checks: str  # the <li>s of what is met (HTML), "" when none
    met_count: int
    met_summary: str  # "13 conditions met", translated


def assessment_view(a: Assessment) -> AssessmentView:
    open_, met = [c for c in a.checks if not c.ok], [c for c in a.checks if c.ok]
    return AssessmentView(
        key=str(a.member.pk),
        name=a.member.person.name,
        relation=relation_label(a.member),
        eligible=a.eligible,
        months=months_label(a.months),
        old_expiry=dual_date(a.quote.old_expiry),
        open_checks=checks_html(open_),
        met_checks=checks_html(met),
        met_count=len(met),
        met_summary=ngettext("%(n)s condition met", "%(n)s conditions met", len(met)) % {"n": len(met)},
    )


@dataclass(frozen=True)
class FamilyRowView:
    """One dependent's row on the family page with every value ready to print: the template makes no
    lookups through the models, formats no number and translates nothing per row."""

    key: str  # the member's id, a string: the template prints it seven times a row
    name: str
    id_number: str
    relation: str
    dependent: bool  # a dependent, not a companion
    iqama_expiry: str  # both calendars, HTML (core's dual_date)
    passport_expiry: str
    insurance_expiry: str
    badge: str  # IN_PROGRESS, BLOCKED, EXPIRED, DUE, VALID
    failed: list  # BLOCKED: the messages of what fails
    for_review: list  # not blocked: the messages of what an officer decides
    period_options: str  # the period select's <option>s (HTML, made once per set of periods)


def family_rows(rows: list[selectors.FamilyRow]) -> list[FamilyRowView]:
    """The family page's rows; each set of periods' options is made once per page (each label
    translated once), not per dependent."""
    options = {
        periods: format_html_join("", '<option value="{}">{}</option>', ((p, months_label(p)) for p in periods))
        for periods in {tuple(r.periods) for r in rows}
    }
    return [_family_row_view(r, options) for r in rows]


def _family_row_view(r: selectors.FamilyRow, options: dict) -> FamilyRowView:
    m, a = r.member, r.assessment
    blocked_or_open = r.badge in ("BLOCKED", "IN_PROGRESS")
    return FamilyRowView(
        key=str(m.pk),
        name=m.person.name,
        id_number=m.person.id_number,
        relation=relation_label(m),
        dependent=m.category == "DEPENDENT",
        iqama_expiry=dual_date(r.iqama_expiry),
        passport_expiry=dual_date(r.passport_expiry),
        insurance_expiry=dual_date(r.insurance_expiry),
        badge=r.badge,
        failed=[c.message for c in a.failed] if a is not None and r.badge == "BLOCKED" else [],
        for_review=[c.message for c in a.for_review] if a is not None and not blocked_or_open else [],
        period_options=options[tuple(r.periods)],
    )
