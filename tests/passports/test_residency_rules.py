"""The residency rules of issue 10: the age limit of sons and daughters, proof of study and of single
status (officer review, not a block), whose unpaid violations block, insurance valid today or through
the new expiry, the passport's own minimum validity, the checks page's rule table, and the query
count of the family page. One test per check code, exact assertions."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from core import dates
from passports.services import renewal_submit
from passports.services.eligibility import CODES, assess
from payments.services import payment_mark_paid
from registry.models import HealthInsurance, Iqama, Passport
from tests.factories import (
    AddressFactory,
    FamilyMemberFactory,
    InsuranceFactory,
    IqamaFactory,
    PassportFactory,
    PersonFactory,
    ResidentFactory,
    TrafficViolationFactory,
)
from tests.officers import officer_login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def born_years_ago(years: int, days_more: int = 1) -> dt.date:
    """A birth date making the person exactly `years` old today (turned `years` `days_more` days ago)."""
    return dates.add_months(dates.today(), -12 * years) - dt.timedelta(days=days_more)


@pytest.fixture
def head():
    h = ResidentFactory(name_en="Head")
    IqamaFactory(person=h, expiry_date=dates.today() + dt.timedelta(days=300))
    AddressFactory(person=h)
    return h


def member(head, relation, age, **person):
    p = ResidentFactory(birth_date=born_years_ago(age), gender="F" if relation in ("WIFE", "DAUGHTER") else "M", **person)
    IqamaFactory(person=p)
    PassportFactory(person=p)
    InsuranceFactory(person=p)
    return FamilyMemberFactory(head=head, person=p, relation=relation)


def outcome(m, months=6):
    a = assess(member=m, months=months)
    return [c.code for c in a.failed], [c.code for c in a.for_review]


def check(m, code, months=6):
    return next(c for c in assess(member=m, months=months).checks if c.code == code)


def test_the_new_codes_are_listed_in_their_order():
    assert CODES[:6] == [
        "HEAD_IQAMA_INVALID",
        "DEPENDENT_OVER_AGE_LIMIT",
        "PROOF_OF_STUDY",
        "PROOF_OF_SINGLE_STATUS",
        "UNPAID_VIOLATIONS",
        "HEAD_UNPAID_VIOLATIONS",
    ]


# --- DEPENDENT_OVER_AGE_LIMIT -----------------------------------------------------------------
@pytest.mark.parametrize("relation", ["SON", "DAUGHTER"])
def test_son_or_daughter_over_the_limit_cannot_be_renewed(head, relation):
    m = member(head, relation, 26, proof_of_study_on_file=True, proof_of_single_status_on_file=True)
    assert outcome(m) == (["DEPENDENT_OVER_AGE_LIMIT"], [])
    c = check(m, "DEPENDENT_OVER_AGE_LIMIT")
    assert c.passed is False and c.review is False
    assert c.message == "Sons and daughters over 25 years old cannot be renewed as dependents."
    assert c.fix == "Transfer the services of this son or daughter to a sponsor (an employer) who renews the iqama."
    with pytest.raises(Exception) as e:
        renewal_submit(head=head, items=[{"dependent_id": m.pk, "months": 6}])
    assert e.value.code == "NOT_ELIGIBLE"


def test_the_limit_itself_is_allowed_and_a_wife_is_never_over_it(head):
    assert outcome(member(head, "SON", 25, proof_of_study_on_file=True)) == ([], [])
    assert outcome(member(head, "WIFE", 40)) == ([], [])
    assert outcome(member(head, "FATHER", 70)) == ([], [])


def test_the_age_limit_is_a_setting(head, settings):
    settings.DEPENDENT_AGE_LIMIT = 21
    m = member(head, "SON", 22, proof_of_study_on_file=True)
    assert outcome(m) == (["DEPENDENT_OVER_AGE_LIMIT"], [])
    assert check(m, "DEPENDENT_OVER_AGE_LIMIT").message == "Sons and daughters over 21 years old cannot be renewed as dependents."


# --- PROOF_OF_STUDY / PROOF_OF_SINGLE_STATUS: officer review ----------------------------------
def test_son_18_to_the_limit_without_proof_of_study_goes_to_review(head):
    m = member(head, "SON", 19)
    a = assess(member=m, months=6)
    assert (a.eligible, a.needs_review) == (True, True)
    assert outcome(m) == ([], ["PROOF_OF_STUDY"])
    c = check(m, "PROOF_OF_STUDY")
    assert (c.passed, c.review, c.ok) == (True, True, False)
    assert c.message == "A son aged 18 to 25 needs proof of study on file: without it an officer reviews the renewal after payment."
    m.person.proof_of_study_on_file = True
    m.person.save()
    assert outcome(m) == ([], [])
    assert check(m, "PROOF_OF_STUDY").message == "No proof of study is needed, or it is on file."


def test_son_under_18_needs_no_proof(head):
    assert outcome(member(head, "SON", 17)) == ([], [])


def test_adult_daughter_without_proof_of_single_status_goes_to_review(head):
    m = member(head, "DAUGHTER", 18)
    assert outcome(m) == ([], ["PROOF_OF_SINGLE_STATUS"])
    c = check(m, "PROOF_OF_SINGLE_STATUS")
    assert (c.passed, c.review) == (True, True)
    assert "an officer reviews the renewal after payment" in c.message
    assert outcome(member(head, "DAUGHTER", 17)) == ([], [])
    assert outcome(member(head, "DAUGHTER", 20, proof_of_single_status_on_file=True)) == ([], [])


def test_a_review_check_lets_the_head_pay_and_the_renewal_goes_to_an_officer(head, django_capture_on_commit_callbacks, api_client_for):
    m = member(head, "SON", 20)
    body = api_client_for(head).get(f"/api/v1/passports/dependents/{m.pk}/iqama-renewal/quote/?months=6").json()
    assert (body["eligible"], body["needs_review"]) == (True, True)
    study = next(c for c in body["checks"] if c["code"] == "PROOF_OF_STUDY")
    assert (study["passed"], study["review"]) == (True, True)
    old_expiry = Iqama.objects.get(person=m.person).expiry_date
    r = renewal_submit(head=head, items=[{"dependent_id": m.pk, "months": 6}])
    assert r.status == "AWAITING_PAYMENT"
    fee_line = r.payment.items.get(code="IQAMA_FEE")
    assert fee_line.description_en.startswith("Iqama renewal fee (Dependent or companion aged 18 or over) — ")
    assert fee_line.description_ar.startswith("رسوم تجديد الإقامة (تابع أو مرافق عمره 18 سنة فأكثر) — ")
    with django_capture_on_commit_callbacks(execute=True):
        payment_mark_paid(payment_id=r.payment_id, method="SADAD", bank_reference=f"BR-{r.pk}")
    r.refresh_from_db()
    assert r.status == "UNDER_REVIEW"
    assert r.stop_reason == f"{m.person.id_number}: PROOF_OF_STUDY"
    assert r.items.get().applied_at is None
    # the officer's page marks the review check as such
    from django.contrib.auth.models import User
    from django.test import Client

    officer = Client()
    officer_login(officer, User.objects.create_superuser("rules-officer", "o@example.com", "pass-123-rules"))
    page = officer.get(reverse("admin:passports_iqamarenewal_decide", args=[r.pk])).content.decode()
    assert "<td><code>PROOF_OF_STUDY</code></td><td>⚠ مراجعة موظف</td>" in page  # officers read Arabic by default
    assert Iqama.objects.get(person=m.person).expiry_date == old_expiry  # nothing applied before the officer decides


# --- whose violations block ------------------------------------------------------------------
def test_the_dependents_own_violations_block_and_say_whose(head, api_client_for):
    m = member(head, "WIFE", 30)
    TrafficViolationFactory(person=m.person)
    assert outcome(m) == (["UNPAID_VIOLATIONS"], [])
    c = check(m, "UNPAID_VIOLATIONS")
    assert c.message == "The dependent (not you) has unpaid fines or traffic violations: they block this renewal."
    assert c.fix_url == reverse("fines:outstanding")
    body = api_client_for(head).get(f"/api/v1/passports/dependents/{m.pk}/iqama-renewal/quote/?months=3").json()
    v = next(x for x in body["checks"] if x["code"] == "UNPAID_VIOLATIONS")
    assert (v["passed"], v["fix_url"]) == (False, reverse("fines:outstanding"))


def test_the_heads_violations_do_not_block_by_default(head):
    m = member(head, "WIFE", 30)
    TrafficViolationFactory(person=head)
    assert outcome(m) == ([], [])
    c = check(m, "HEAD_UNPAID_VIOLATIONS")
    assert c.passed is True and c.message == "Your own unpaid fines and violations, as head of family, do not block this renewal."


def test_the_heads_violations_block_when_the_setting_says_so(head, settings):
    settings.IQAMA_HEAD_VIOLATIONS_BLOCK = True
    m = member(head, "WIFE", 30)
    assert outcome(m) == ([], [])
    TrafficViolationFactory(person=head)
    assert outcome(m) == (["HEAD_UNPAID_VIOLATIONS"], [])
    c = check(m, "HEAD_UNPAID_VIOLATIONS")
    assert c.message == "You, the head of family, have unpaid fines or traffic violations: they block your dependents' renewals."
    assert c.fix_url == reverse("fines:outstanding")


# --- insurance and passport ----------------------------------------------------------------------
def test_insurance_valid_today_is_enough_by_default(head):
    m = member(head, "WIFE", 30)
    HealthInsurance.objects.filter(person=m.person).update(expiry_date=dates.today())
    assert outcome(m, 12) == ([], [])
    HealthInsurance.objects.filter(person=m.person).update(expiry_date=dates.today() - dt.timedelta(days=1))
    assert outcome(m, 12) == (["HEALTH_INSURANCE"], [])
    assert check(m, "HEALTH_INSURANCE").message == "Health insurance is not valid today (expired or missing)."


def test_insurance_through_the_new_expiry_when_the_setting_says_so(head, settings):
    settings.IQAMA_INSURANCE_VALID_THROUGH = "new_expiry"
    m = member(head, "WIFE", 30)
    new_expiry = assess(member=m, months=12).quote.new_expiry
    HealthInsurance.objects.filter(person=m.person).update(expiry_date=new_expiry - dt.timedelta(days=1))
    assert outcome(m, 12) == (["HEALTH_INSURANCE"], [])
    assert check(m, "HEALTH_INSURANCE", 12).message == "Health insurance does not cover the whole new iqama period."
    HealthInsurance.objects.filter(person=m.person).update(expiry_date=new_expiry)
    assert outcome(m, 12) == ([], [])


def test_the_passport_minimum_for_an_iqama_is_its_own_setting_apart_from_the_visas(head, settings):
    m = member(head, "WIFE", 30)
    Passport.objects.filter(person=m.person).update(expiry_date=dates.today() + dt.timedelta(days=60))
    settings.VISA_PASSPORT_MIN_DAYS = 30
    settings.PASSPORT_MIN_VALIDITY_DAYS = 90
    assert outcome(m) == (["PASSPORT_VALIDITY"], [])
    settings.VISA_PASSPORT_MIN_DAYS = 90
    settings.PASSPORT_MIN_VALIDITY_DAYS = 60
    assert outcome(m) == ([], [])


# --- the quote shows its fee row; the checks page lists the rules with their sources ------------
def test_quote_page_shows_the_fee_row_that_applied(head, web_client_for):
    wife = member(head, "WIFE", 30)
    worker = member(head, "DOMESTIC_WORKER", 35)
    child = member(head, "SON", 8)
    q = f"?d={wife.pk}&m{wife.pk}=6&d={worker.pk}&m{worker.pk}=12&d={child.pk}&m{child.pk}=3"
    page = web_client_for(head).get(reverse("passports:quote") + q).content.decode()
    assert (
        f'data-testid="fee-row-{wife.pk}" data-row="ADULT">Dependent or companion aged 18 or over: <span class="ltr">500.00</span>' in page
    )
    assert f'data-testid="fee-row-{worker.pk}" data-row="WORKER">Worker (domestic worker): <span class="ltr">650.00</span>' in page
    assert f'data-testid="fee-row-{child.pk}" data-row="UNDER_18">Dependent under 18: <span class="ltr">500.00</span>' in page
    # 2400 + 250, 4800 + 650, 1200 + 125
    assert 'data-testid="quote-total">9,425.00' in page


def test_foreign_wife_of_a_saudi_has_her_row(api_client_for):
    h = PersonFactory(kind="citizen")  # a Saudi head of family
    IqamaFactory(person=h, expiry_date=dates.today() + dt.timedelta(days=300))
    AddressFactory(person=h)
    wife = member(h, "WIFE", 30)
    body = api_client_for(h).get(f"/api/v1/passports/dependents/{wife.pk}/iqama-renewal/quote/?months=12").json()
    assert body["iqama_fee_row"] == {"code": "SAUDI_WIFE", "label": "Foreign wife of a Saudi", "per_year": "500.00"}
    assert {i["code"]: i["amount"] for i in body["fees"]["items"]}["IQAMA_FEE"] == "500.00"


def test_checks_page_shows_review_and_the_rules_with_their_sources(head, web_client_for):
    m = member(head, "DAUGHTER", 19)
    page = web_client_for(head).get(reverse("passports:checks") + f"?d={m.pk}&m{m.pk}=6").content.decode()
    assert 'data-testid="some-review"' in page and 'data-testid="all-eligible"' in page
    assert 'data-testid="check-PROOF_OF_SINGLE_STATUS" data-passed="true" data-review="true"' in page
    assert 'data-testid="to-quote"' in page
    assert 'data-testid="rules"' in page
    # each rule's row: its label, its figure and where the figure comes from (cells carry their
    # column's label for the phone's stacked cards)
    rows = {
        label: (value, source, source_label)
        for label, value, source, source_label in re.findall(
            r'<tr><td[^>]*>([^<]+)</td><td[^>]*><span class="ltr">([^<]+)</span></td><td[^>]*data-source="(\w)"[^>]*>([^<]+)</td></tr>',
            page,
        )
    }
    assert rows["Age limit for sons and daughters as dependents"] == ("25", "C", "sources disagree")
    assert {(s, lbl) for _v, s, lbl in rows.values()} >= {("U", "chosen here"), ("P", "published")}
    ar = web_client_for(head, lang="ar").get(reverse("passports:checks") + f"?d={m.pk}&m{m.pk}=6").content.decode()
    assert "القواعد ومصادرها" in ar


def test_family_page_query_count_does_not_grow_with_the_family(head, web_client_for):
    """One query per kind of record for the whole family (iqamas, passports, insurance, exams, fines,
    address): two more dependents, with the new rules failing or asking for review, add no query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = web_client_for(head)
    member(head, "SON", 19)
    member(head, "DAUGHTER", 20)
    c.get(reverse("passports:family"))
    with CaptureQueriesContext(connection) as two:
        assert c.get(reverse("passports:family")).status_code == 200
    member(head, "SON", 26)
    TrafficViolationFactory(person=member(head, "WIFE", 30).person)
    with CaptureQueriesContext(connection) as four:
        page = c.get(reverse("passports:family")).content.decode()
    assert page.count('data-badge="BLOCKED"') == 2
    assert page.count('data-testid="review-') == 2  # the son of 19 and the daughter of 20, not blocked
    assert len(four) == len(two), [q["sql"][:80] for q in four.captured_queries]
    assert len(two) <= 12
