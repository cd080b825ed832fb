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


def stepper_html(steps: list[tuple[str, str]]) -> SafeString:
    """The steps of the renewal as the stepper shows them ([(label, "done" | "current" | "")]),
    made once per process for each step and language (every page of the renewal prints it)."""
    return _stepper_cached(tuple((str(label), state) for label, state in steps), get_language())


@functools.lru_cache(maxsize=64)
def _stepper_cached(steps: tuple, language) -> SafeString:
    items = format_html_join(
        "",
        '<li class="{}"{}>{}</li>',
        ((state, mark_safe(' aria-current="step"') if state == "current" else "", label) for label, state in steps),
    )
    return format_html('<ol class="stepper" aria-label="{}">{}</ol>', _("Steps"), items)


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
    # A dependent's id only goes into a fix link, and a condition met outright has none: the met
    # medical exam of every dependent of the country is one entry, not one each.
    params = {k: v for k, v in c.params.items() if k != "dependent"} if c.ok else c.params
    try:
        key = (c.code, c.passed, c.review, tuple(sorted(params.items())))
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
    return format_html_join("\n", "{}", ((check_item_html(c),) for c in checks))


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
    """One dependent's row on the family page, ready to print: `html` is the whole <tr>."""

    key: str  # the member's id
    badge: str  # IN_PROGRESS, BLOCKED, EXPIRED, DUE, VALID
    html: str


def family_rows(rows: list[selectors.FamilyRow]) -> list[FamilyRowView]:
    """The family page's rows. What every row repeats (the cell labels, the badges, each set of
    periods' <option>s) is made once per page, each label translated once; a row is one format_html."""
    options = {
        periods: format_html_join("", '<option value="{}">{}</option>', ((p, months_label(p)) for p in periods))
        for periods in {tuple(r.periods) for r in rows}
    }
    labels = {
        "relation": _("Relation"),
        "iqama": _("Iqama expiry"),
        "passport": _("Passport expiry"),
        "insurance": _("Insurance expiry"),
        "status": _("Status"),
        "period": _("Period"),
        "dependent": _("Dependent"),
        "companion": _("Companion"),
        "review": _("Officer review"),
    }
    badges = {
        "IN_PROGRESS": format_html('<span class="status status-warn">{}</span>', _("Renewal in progress")),
        "BLOCKED": format_html('<span class="status status-bad">{}</span>', _("Blocked")),
        "EXPIRED": format_html('<span class="status status-bad">{}</span>', _("Expired: renew now")),
        "DUE": format_html('<span class="status status-warn">{}</span>', _("Due for renewal")),
        "VALID": format_html('<span class="status status-ok">{}</span>', _("Valid")),
    }
    return [_family_row_view(r, options[tuple(r.periods)], labels, badges) for r in rows]


def _reasons(messages: list[str]) -> SafeString:
    return format_html('<ul class="badge-reasons">{}</ul>', format_html_join("", "<li>{}</li>", ((m,) for m in messages)))


def _family_row_view(r: selectors.FamilyRow, options: str, t: dict, badges: dict) -> FamilyRowView:
    m, a = r.member, r.assessment
    key = str(m.pk)
    status = badges.get(r.badge, badges["VALID"])
    if r.badge == "BLOCKED" and a is not None:
        status = format_html("{}\n            {}", status, _reasons([c.message for c in a.failed]))
    if a is not None and r.badge not in ("BLOCKED", "IN_PROGRESS") and a.for_review:
        review = format_html('<span class="status status-warn" data-testid="review-{}">{}</span>', key, t["review"])
        status = format_html("{}\n          <br>{}\n            {}", status, review, _reasons([c.message for c in a.for_review]))
    html = format_html(
        '<tr data-testid="dependent-{key}">\n'
        '        <td class="pick"><input type="checkbox" name="d" value="{key}" id="d{key}" data-testid="select-{key}"{disabled}></td>\n'
        '        <td class="row-title"><label for="d{key}">{name}</label><br><span class="muted ltr">{id_number}</span></td>\n'
        '        <td data-label="{t_relation}">{relation}<br><span class="muted">{category}</span></td>\n'
        '        <td data-label="{t_iqama}">{iqama}</td>\n'
        '        <td data-label="{t_passport}">{passport}</td>\n'
        '        <td data-label="{t_insurance}">{insurance}</td>\n'
        '        <td class="status-cell" data-label="{t_status}" data-testid="badge-{key}" data-badge="{badge}">\n'
        "          {status}\n"
        "        </td>\n"
        '        <td data-label="{t_period}"><select name="m{key}" data-testid="months-{key}" aria-label="{t_period}">{options}</select></td>\n'
        "      </tr>",
        key=key,
        disabled=mark_safe(" disabled") if r.badge == "IN_PROGRESS" else "",
        name=m.person.name,
        id_number=m.person.id_number,
        relation=relation_label(m),
        category=t["dependent"] if m.category == "DEPENDENT" else t["companion"],
        iqama=dual_date(r.iqama_expiry),
        passport=dual_date(r.passport_expiry) or "—",
        insurance=dual_date(r.insurance_expiry) or "—",
        badge=r.badge,
        status=status,
        options=options,
        t_relation=t["relation"],
        t_iqama=t["iqama"],
        t_passport=t["passport"],
        t_insurance=t["insurance"],
        t_status=t["status"],
        t_period=t["period"],
    )
    return FamilyRowView(key=key, badge=r.badge, html=html)
