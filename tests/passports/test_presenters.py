"""passports.presenters: the checks page's conditions made ready to print (issue 12). Each condition's
`<li>` is made once per process for each key; these tests hold the parts of the key that change what
it shows: the language, whether sandboxes are on, the condition's own parameters."""

import pytest
from django.test import override_settings
from django.utils import translation

from passports.presenters import check_item_html, checks_html, months_label, rules_rows_html
from passports.services.eligibility import Check, rules_table


def test_a_met_condition_is_one_item_without_a_fix():
    html = check_item_html(Check("OUTSIDE_KINGDOM", True, {}))
    assert html.startswith('<li class="check-pass" data-testid="check-OUTSIDE_KINGDOM" data-passed="true" data-review="false">')
    assert "check-fix" not in html


def test_a_failed_condition_says_how_to_fix_it_with_the_portal_link():
    with translation.override("en"):
        html = check_item_html(Check("UNPAID_VIOLATIONS", False, {}))
    assert 'class="check-fail"' in html and 'data-passed="false"' in html
    assert "How to fix:" in html
    assert 'data-testid="fix-UNPAID_VIOLATIONS"' in html and "Pay the dependent&#x27;s violations" in html


def test_a_condition_for_an_officer_is_marked_for_review():
    with translation.override("en"):
        html = check_item_html(Check("PROOF_OF_STUDY", True, {"limit": 25, "adult": 21}, review=True))
    assert 'class="check-review"' in html and 'data-review="true"' in html
    assert "Officer review" in html and "A son aged 21 to 25" in html


def test_each_language_gets_its_own_text_from_the_same_check():
    check = Check("PASSPORT_VALIDITY", False, {"days": 90})
    with translation.override("en"):
        en = check_item_html(check)
    with translation.override("ar"):
        ar = check_item_html(check)
    with translation.override("en"):
        assert check_item_html(check) == en
    assert en != ar
    assert "90" in en and "90" in ar
    assert "How to fix:" in en and "How to fix:" not in ar


def test_the_sandbox_link_follows_the_setting():
    check = Check("MEDICAL_EXAM", False, {"dependent": 41})
    with translation.override("en"), override_settings(SANDBOXES_ENABLED=True):
        on = check_item_html(check)
    with translation.override("en"), override_settings(SANDBOXES_ENABLED=False):
        off = check_item_html(check)
    assert 'data-testid="fix-MEDICAL_EXAM"' in on and "?dependent=41" in on
    assert "fix-MEDICAL_EXAM" not in off and "How to fix:" in off


def test_each_dependent_gets_his_own_link():
    with override_settings(SANDBOXES_ENABLED=True):
        a = check_item_html(Check("MEDICAL_EXAM", False, {"dependent": 1}))
        b = check_item_html(Check("MEDICAL_EXAM", False, {"dependent": 2}))
    assert "?dependent=1" in a and "?dependent=2" in b


def test_parameters_are_escaped():
    html = check_item_html(Check("PERIOD_NOT_ALLOWED", False, {"periods": "<b>3</b>"}))
    assert "<b>" not in html and "&lt;b&gt;3&lt;/b&gt;" in html


def test_a_parameter_that_cannot_be_a_key_is_still_shown():
    html = check_item_html(Check("PERIOD_NOT_ALLOWED", False, {"periods": ["3", "6"]}))
    assert "[&#x27;3&#x27;, &#x27;6&#x27;]" in html


def test_checks_html_joins_the_items_in_order():
    html = checks_html([Check("OUTSIDE_KINGDOM", True, {}), Check("REPORTED_ABSENT", False, {})])
    assert html.index("check-OUTSIDE_KINGDOM") < html.index("check-REPORTED_ABSENT")
    assert html.count("<li ") == 2


@pytest.mark.parametrize(("language", "one", "many"), [("en", "1 month", "12 months")])
def test_months_label(language, one, many):
    with translation.override(language):
        assert months_label(1) == one and months_label(12) == many


def test_rules_rows_show_every_rule():
    with translation.override("en"):
        rules = rules_table()
        html = rules_rows_html(rules)
    assert html.count("<tr>") == len(rules)
    assert all(r.label in html or r.label.replace("'", "&#x27;") in html for r in rules)
    assert 'data-label="Figure"' in html and 'data-label="Source"' in html


def _row(badge, checks=(), *, name_en="Resident <b>1</b>", periods=(3, 6, 12)):
    """A family row without the database: an unsaved member and an assessment holding `checks`."""
    import datetime as dt

    from passports.selectors import FamilyRow
    from passports.services.eligibility import Assessment
    from registry.models import FamilyMember, Person

    dep = Person(id_number="2123456789", name_ar="مقيم", name_en=name_en, kind="resident", birth_date=dt.date(2008, 1, 1))
    member = FamilyMember(pk=7, person=dep, relation="SON")
    assessment = Assessment(member=member, months=periods[0], quote=None, checks=tuple(checks))
    day = dt.date(2026, 12, 1)
    return FamilyRow(
        member=member,
        iqama_expiry=day,
        passport_expiry=None,
        insurance_expiry=day,
        badge=badge,
        assessment=assessment,
        periods=list(periods),
    )


def test_a_family_row_is_escaped_and_labelled_once():
    from passports.presenters import family_rows

    with translation.override("en"):
        [row] = family_rows([_row("DUE")])
    assert row.key == "7" and row.badge == "DUE"
    assert "Resident &lt;b&gt;1&lt;/b&gt;" in row.html and "<b>1</b>" not in row.html
    assert 'data-testid="badge-7" data-badge="DUE"' in row.html and "Due for renewal" in row.html
    assert 'data-testid="select-7">' in row.html and "disabled" not in row.html
    assert '<td data-label="Passport expiry">—</td>' in row.html
    assert row.html.count("<option ") == 3 and '<option value="12">12 months</option>' in row.html


def test_a_blocked_row_lists_what_fails_and_a_review_row_what_an_officer_decides():
    from passports.presenters import family_rows

    with translation.override("en"):
        blocked, review, busy = family_rows(
            [
                _row("BLOCKED", [Check("REPORTED_ABSENT", False, {}), Check("OUTSIDE_KINGDOM", True, {})]),
                _row("DUE", [Check("PROOF_OF_STUDY", True, {"limit": 25, "adult": 21}, review=True)]),
                _row("IN_PROGRESS", [Check("PROOF_OF_STUDY", True, {"limit": 25, "adult": 21}, review=True)]),
            ]
        )
    assert "Blocked" in blocked.html and blocked.html.count('<ul class="badge-reasons"><li>') == 1
    assert "reported absent" in blocked.html.lower() and "Officer review" not in blocked.html
    assert 'data-testid="review-7"' in review.html and "A son aged 21 to 25" in review.html
    assert "Renewal in progress" in busy.html and 'data-testid="select-7" disabled>' in busy.html
    assert "review-7" not in busy.html


def test_the_stepper_marks_the_current_step_in_each_language():
    from passports.presenters import stepper_html

    steps = [("One", "done"), ("Two", "current"), ("Three", "")]
    with translation.override("en"):
        en = stepper_html(steps)
    with translation.override("ar"):
        ar = stepper_html(steps)
    assert en.startswith('<ol class="stepper" aria-label="Steps">')
    assert '<li class="done">One</li><li class="current" aria-current="step">Two</li><li class="">Three</li>' in en
    assert 'aria-label="Steps"' not in ar and en != ar
    assert stepper_html([("One", "current"), ("Two", ""), ("Three", "")]).count("aria-current") == 1


def test_a_met_condition_is_one_entry_whatever_the_dependent():
    from passports.presenters import _check_item_cached

    _check_item_cached.cache_clear()
    a = check_item_html(Check("MEDICAL_EXAM", True, {"dependent": 1}))
    b = check_item_html(Check("MEDICAL_EXAM", True, {"dependent": 2}))
    assert a == b and _check_item_cached.cache_info().currsize == 1
    check_item_html(Check("MEDICAL_EXAM", False, {"dependent": 1}))
    check_item_html(Check("MEDICAL_EXAM", False, {"dependent": 2}))
    assert _check_item_cached.cache_info().currsize == 3
