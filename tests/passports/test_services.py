"""Family iqama renewal: conditions on the demo family, API contract, submission rules, payment →
re-check → APPROVED / UNDER_REVIEW, officer decisions, pages, and outsiders on every endpoint and page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from core import dates
from core.models import AuditLog
from notifications.models import Notification
from passports.models import IqamaRenewal, IqamaRenewalItem
from passports.services import renewal_approve, renewal_reject, renewal_submit
from passports.services.eligibility import assess
from payments.models import Payment
from payments.services import payment_mark_paid
from registry.models import FamilyMember, HealthInsurance, Iqama, MedicalExam, NationalAddress, Person
from tests.factories import CivilFineFactory, TrafficViolationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fam(db):
    from portal.demo import seed

    out = seed()
    head = Person.objects.get(id_number=out["people"]["head_of_family"]["id_number"])
    members = {k: FamilyMember.objects.select_related("person", "head").get(pk=v["id"]) for k, v in out["dependents"].items()}
    return head, members


def failed_codes(member, months=6):
    return [c.code for c in assess(member=member, months=months).failed]


def test_demo_family_conditions(fam):
    _head, m = fam
    assert failed_codes(m["wife_ok"]) == []
    assert failed_codes(m["son_ok"]) == []
    assert failed_codes(m["daughter_passport_expiring"]) == ["PASSPORT_VALIDITY"]
    assert failed_codes(m["son_no_insurance"]) == ["HEALTH_INSURANCE"]
    assert failed_codes(m["wife2_medical_required"]) == ["MEDICAL_EXAM"]
    assert failed_codes(m["son_expired"]) == []
    assert failed_codes(m["worker_domestic"], 6) == ["PERIOD_NOT_ALLOWED"]
    assert failed_codes(m["worker_domestic"], 12) == []


def test_every_condition_fails_with_its_own_code(fam):
    head, m = fam
    wife = m["wife_ok"]
    p = wife.person
    p.inside_kingdom = False
    p.reported_absent = True
    p.fingerprint_on_file = False
    p.save()
    NationalAddress.objects.filter(person=head).delete()
    TrafficViolationFactory(person=p)
    Iqama.objects.filter(person=head).update(expiry_date=dates.today() - dt.timedelta(days=1))
    Iqama.objects.filter(person=p).update(expiry_date=dates.today() - dt.timedelta(days=10), late_renewal_count=2)
    assert failed_codes(wife) == [
        "HEAD_IQAMA_INVALID",
        "UNPAID_VIOLATIONS",
        "NATIONAL_ADDRESS",
        "BIOMETRICS",
        "OUTSIDE_KINGDOM",
        "REPORTED_ABSENT",
        "REPEATED_LATE_RENEWAL",
    ]


def test_biometrics_not_required_under_min_age_and_civil_fine_of_dependent_blocks(fam, settings):
    _head, m = fam
    son = m["son_ok"]
    son.person.fingerprint_on_file = False
    son.person.birth_date = dates.today() - dt.timedelta(days=365 * (settings.BIOMETRICS_MIN_AGE - 1))
    son.person.save()
    assert failed_codes(son) == []
    CivilFineFactory(person=son.person)
    assert failed_codes(son) == ["UNPAID_VIOLATIONS"]


def test_insurance_must_cover_new_expiry_when_the_setting_says_so_and_medical_exam_passed_clears(fam, settings):
    settings.IQAMA_INSURANCE_VALID_THROUGH = "new_expiry"
    _head, m = fam
    wife = m["wife_ok"]
    iq = Iqama.objects.get(person=wife.person)
    new_expiry_12 = dates.add_months(iq.expiry_date, 12)
    HealthInsurance.objects.filter(person=wife.person).update(expiry_date=new_expiry_12 - dt.timedelta(days=1))
    assert failed_codes(wife, 12) == ["HEALTH_INSURANCE"]
    HealthInsurance.objects.filter(person=wife.person).update(expiry_date=new_expiry_12)
    assert failed_codes(wife, 12) == []
    MedicalExam.objects.create(person=m["wife2_medical_required"].person, result=MedicalExam.Result.PASSED)
    assert failed_codes(m["wife2_medical_required"]) == []


# --- API ------------------------------------------------------------------------------------
def test_dependents_list_only_own(fam, api_client_for, outsider):
    head, m = fam
    r = api_client_for(head).get("/api/v1/passports/dependents/")
    assert r.status_code == 200
    ids = {d["id"] for d in r.json()["dependents"]}
    assert ids == {x.pk for x in m.values()}
    wife = next(d for d in r.json()["dependents"] if d["id"] == m["wife_ok"].pk)
    assert wife["relation"] == "WIFE" and wife["iqama_number"] == m["wife_ok"].person.id_number
    assert wife["name"] == {"ar": "منى علي إبراهيم", "en": "Mona Ali Ibrahim"}
    assert wife["iqama_expiry"]["gregorian"] == (dates.today() + dt.timedelta(days=25)).isoformat()
    assert set(wife["iqama_expiry"]) == {"gregorian", "hijri"}
    assert wife["passport_expiry"]["gregorian"] == (dates.today() + dt.timedelta(days=1200)).isoformat()
    assert wife["insurance_expiry"]["gregorian"] == (dates.today() + dt.timedelta(days=500)).isoformat()
    assert api_client_for(outsider).get("/api/v1/passports/dependents/").json() == {"dependents": []}


def test_api_needs_a_token(fam):
    from rest_framework.test import APIClient

    _head, m = fam
    c = APIClient()
    for url in [
        "/api/v1/passports/dependents/",
        f"/api/v1/passports/dependents/{m['wife_ok'].pk}/iqama-renewal/quote/?months=6",
        "/api/v1/passports/iqama-renewals/",
    ]:
        r = c.get(url)
        assert r.status_code == 401 and r.json()["error"]["code"] == "NOT_AUTHENTICATED"
    r = c.post("/api/v1/passports/iqama-renewals/", {"items": [{"dependent_id": m["wife_ok"].pk, "months": 6}]}, format="json")
    assert r.status_code == 401
    assert IqamaRenewal.objects.count() == 0


def test_quote_api(fam, api_client_for, settings):
    head, m = fam
    c = api_client_for(head)
    r = c.get(f"/api/v1/passports/dependents/{m['son_expired'].pk}/iqama-renewal/quote/?months=6")
    assert r.status_code == 200
    body = r.json()
    assert body["eligible"] is True
    assert body["checks"][0]["code"] == "HEAD_IQAMA_INVALID" and all(x["passed"] for x in body["checks"])
    assert body["fees"] == {
        "items": [
            {"code": "DEPENDENT_LEVY", "amount": "2400.00"},
            {"code": "IQAMA_FEE", "amount": "250.00"},
            {"code": "LATE_FINE", "amount": "500.00"},
        ],
        "total": "3150.00",
    }
    # son_expired is 18: the adult row of the fee table priced his iqama fee
    assert body["iqama_fee_row"] == {"code": "ADULT", "label": "Dependent or companion aged 18 or over", "per_year": "500.00"}
    assert body["needs_review"] is False
    assert body["new_expiry"]["gregorian"] == dates.add_months(dates.today(), 6).isoformat()

    r = c.get(f"/api/v1/passports/dependents/{m['daughter_passport_expiring'].pk}/iqama-renewal/quote/?months=3")
    failed = [x for x in r.json()["checks"] if not x["passed"]]
    assert r.json()["eligible"] is False
    assert [x["code"] for x in failed] == ["PASSPORT_VALIDITY"]
    assert "90" in failed[0]["message"] and failed[0]["fix"]

    for bad in ["5", "abc", "", "-3"]:
        r = c.get(f"/api/v1/passports/dependents/{m['wife_ok'].pk}/iqama-renewal/quote/?months={bad}")
        assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_PERIOD"
    r = c.get(f"/api/v1/passports/dependents/{m['wife_ok'].pk}/iqama-renewal/quote/")
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_PERIOD"


def test_quote_unpaid_violation_links_to_outstanding(fam, api_client_for):
    head, m = fam
    TrafficViolationFactory(person=m["wife_ok"].person)
    r = api_client_for(head).get(f"/api/v1/passports/dependents/{m['wife_ok'].pk}/iqama-renewal/quote/?months=3")
    v = next(x for x in r.json()["checks"] if x["code"] == "UNPAID_VIOLATIONS")
    assert v["passed"] is False and v["fix_url"] == reverse("fines:outstanding")


def test_quote_of_another_heads_dependent_is_404(fam, api_client_for, outsider):
    _head, m = fam
    r = api_client_for(outsider).get(f"/api/v1/passports/dependents/{m['wife_ok'].pk}/iqama-renewal/quote/?months=6")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"


def test_submit_two_dependents_one_payment(fam, api_client_for):
    head, m = fam
    r = api_client_for(head).post(
        "/api/v1/passports/iqama-renewals/",
        {"items": [{"dependent_id": m["wife_ok"].pk, "months": 6}, {"dependent_id": m["worker_domestic"].pk, "months": 12}]},
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["status"] == "AWAITING_PAYMENT" and body["reference"].startswith("IQR-")
    assert [i["dependent_id"] for i in body["items"]] == [m["wife_ok"].pk, m["worker_domestic"].pk]
    # 6 months: 2400 + 250 (the wife, adult row); 12 months: 4800 + 650 (the worker row)
    assert body["payment"]["amount"] == "8100.00" and body["total"] == "8100.00"
    assert [i["code"] for i in body["payment"]["items"]] == ["DEPENDENT_LEVY", "IQAMA_FEE", "DEPENDENT_LEVY", "IQAMA_FEE"]
    assert Payment.objects.filter(purpose="iqama_renewal").count() == 1
    p = Payment.objects.get(purpose="iqama_renewal")
    assert p.object_id == str(body["id"]) and p.person == head and p.amount == Decimal("8100.00")
    assert AuditLog.objects.filter(action="iqama_renewal.submitted", object_id=str(body["id"])).count() == 1
    r2 = api_client_for(head).get(f"/api/v1/passports/iqama-renewals/{body['id']}/")
    assert r2.status_code == 200 and r2.json()["history"][0]["status"] == "AWAITING_PAYMENT"


def test_submit_refusals_leave_nothing(fam, api_client_for, outsider):
    head, m = fam
    c = api_client_for(head)
    url = "/api/v1/passports/iqama-renewals/"
    # not eligible
    r = c.post(
        url,
        {"items": [{"dependent_id": m["wife_ok"].pk, "months": 6}, {"dependent_id": m["son_no_insurance"].pk, "months": 6}]},
        format="json",
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "NOT_ELIGIBLE"
    items = r.json()["error"]["details"]["items"]
    assert [(i["dependent_id"], i["eligible"], [c["code"] for c in i["checks"]]) for i in items] == [
        (m["wife_ok"].pk, True, []),
        (m["son_no_insurance"].pk, False, ["HEALTH_INSURANCE"]),
    ]
    # period
    r = c.post(url, {"items": [{"dependent_id": m["wife_ok"].pk, "months": 7}]}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_PERIOD"
    # domestic worker, 6 months: a check, not a bad period
    r = c.post(url, {"items": [{"dependent_id": m["worker_domestic"].pk, "months": 6}]}, format="json")
    assert r.status_code == 409 and r.json()["error"]["details"]["items"][0]["checks"][0]["code"] == "PERIOD_NOT_ALLOWED"
    # empty, duplicate, malformed
    assert c.post(url, {"items": []}, format="json").status_code == 400
    r = c.post(
        url, {"items": [{"dependent_id": m["wife_ok"].pk, "months": 6}, {"dependent_id": m["wife_ok"].pk, "months": 3}]}, format="json"
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "DUPLICATE_DEPENDENT"
    r = c.post(url, {"items": "nope"}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_ERROR"
    # another head's dependent (the outsider asks for the head's wife; the head mixes in an unknown id)
    r = api_client_for(outsider).post(url, {"items": [{"dependent_id": m["wife_ok"].pk, "months": 6}]}, format="json")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    r = c.post(url, {"items": [{"dependent_id": m["wife_ok"].pk, "months": 6}, {"dependent_id": 999999, "months": 6}]}, format="json")
    assert r.status_code == 404
    assert IqamaRenewal.objects.count() == 0 and IqamaRenewalItem.objects.count() == 0
    assert Payment.objects.filter(purpose="iqama_renewal").count() == 0


def test_cannot_submit_twice(fam, api_client_for):
    head, m = fam
    c = api_client_for(head)
    url = "/api/v1/passports/iqama-renewals/"
    body = {"items": [{"dependent_id": m["wife_ok"].pk, "months": 6}], "idempotency_key": "k" * 20}
    assert c.post(url, body, format="json").status_code == 201
    r = c.post(url, body, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "ALREADY_SUBMITTED"
    r = c.post(
        url, {"items": [{"dependent_id": m["wife_ok"].pk, "months": 3}, {"dependent_id": m["son_ok"].pk, "months": 3}]}, format="json"
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "RENEWAL_IN_PROGRESS"
    assert r.json()["error"]["details"]["items"][0]["dependent_id"] == m["wife_ok"].pk
    assert IqamaRenewal.objects.count() == 1 and Payment.objects.filter(purpose="iqama_renewal").count() == 1


def test_database_refuses_a_second_open_item_per_dependent(fam):
    from django.db import IntegrityError, transaction

    head, m = fam
    r = renewal_submit(head=head, items=[{"dependent_id": m["wife_ok"].pk, "months": 6}])
    item = r.items.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        IqamaRenewalItem.objects.create(
            renewal=r,
            member=item.member,
            months=3,
            old_expiry=item.old_expiry,
            new_expiry=item.new_expiry,
            levy=0,
            iqama_fee=0,
            late_fine=0,
            total=0,
        )


def test_renewal_detail_and_cancel_of_another_head_are_404(fam, api_client_for, outsider):
    head, m = fam
    r = renewal_submit(head=head, items=[{"dependent_id": m["wife_ok"].pk, "months": 6}])
    o = api_client_for(outsider)
    assert o.get(f"/api/v1/passports/iqama-renewals/{r.pk}/").status_code == 404
    assert o.post(f"/api/v1/passports/iqama-renewals/{r.pk}/cancel/").status_code == 404
    assert o.get("/api/v1/passports/iqama-renewals/").json() == {"renewals": []}
    r.refresh_from_db()
    assert r.status == "AWAITING_PAYMENT"
    c = api_client_for(head)
    resp = c.post(f"/api/v1/passports/iqama-renewals/{r.pk}/cancel/")
    assert resp.status_code == 200 and resp.json()["status"] == "CANCELLED"
    assert not IqamaRenewalItem.objects.filter(is_open=True).exists()
    assert c.post(f"/api/v1/passports/iqama-renewals/{r.pk}/cancel/").json()["error"]["code"] == "INVALID_STATE"
    # the dependent is free again
    assert renewal_submit(head=head, items=[{"dependent_id": m["wife_ok"].pk, "months": 3}]).status == "AWAITING_PAYMENT"


# --- payment, re-check, officer ---------------------------------------------------------------
def pay(renewal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payment_mark_paid(payment_id=renewal.payment_id, method="SADAD", bank_reference=f"BR-{renewal.pk}")
    renewal.refresh_from_db()
    return renewal


def test_paid_request_is_approved_and_iqamas_move(fam, django_capture_on_commit_callbacks, api_client_for):
    head, m = fam
    today = dates.today()
    wife_old = Iqama.objects.get(person=m["wife_ok"].person).expiry_date
    r = renewal_submit(
        head=head, items=[{"dependent_id": m["wife_ok"].pk, "months": 9}, {"dependent_id": m["son_expired"].pk, "months": 3}]
    )
    r = pay(r, django_capture_on_commit_callbacks)
    assert r.status == "APPROVED"
    wife_iq = Iqama.objects.get(person=m["wife_ok"].person)
    son_iq = Iqama.objects.get(person=m["son_expired"].person)
    assert wife_iq.expiry_date == dates.add_months(wife_old, 9) and wife_iq.late_renewal_count == 0
    assert son_iq.expiry_date == dates.add_months(today, 3) and son_iq.late_renewal_count == 1
    assert [e.to_status for e in r.events.all()] == ["AWAITING_PAYMENT", "PROCESSING", "APPROVED"]
    assert not IqamaRenewalItem.objects.filter(renewal=r, is_open=True).exists()
    n = Notification.objects.get(person=head, kind="iqama_renewal")
    assert r.reference in n.body_en and n.link == reverse("passports:detail", kwargs={"pk": r.pk})
    body = api_client_for(head).get(f"/api/v1/passports/iqama-renewals/{r.pk}/").json()
    assert body["status"] == "APPROVED"
    assert body["items"][1]["new_expiry"]["gregorian"] == dates.add_months(today, 3).isoformat()
    assert body["items"][1]["iqama_expiry"] == body["items"][1]["new_expiry"]


def test_change_after_quote_sends_to_review_then_officer_rejects_and_refunds(fam, django_capture_on_commit_callbacks, admin_user):
    head, m = fam
    old = Iqama.objects.get(person=m["wife_ok"].person).expiry_date
    r = renewal_submit(head=head, items=[{"dependent_id": m["wife_ok"].pk, "months": 6}, {"dependent_id": m["son_ok"].pk, "months": 6}])
    HealthInsurance.objects.filter(person=m["son_ok"].person).delete()
    r = pay(r, django_capture_on_commit_callbacks)
    assert r.status == "UNDER_REVIEW"
    assert r.stop_reason == f"{m['son_ok'].person.id_number}: HEALTH_INSURANCE"
    assert Iqama.objects.get(person=m["wife_ok"].person).expiry_date == old  # nothing applied
    assert Notification.objects.filter(person=head, event_key=f"iqama_renewal:{r.pk}:UNDER_REVIEW").count() == 1
    with pytest.raises(Exception) as e:
        renewal_reject(renewal_id=r.pk, officer=admin_user, reason="  ")
    assert e.value.code == "REASON_REQUIRED"
    with django_capture_on_commit_callbacks(execute=True):
        renewal_reject(renewal_id=r.pk, officer=admin_user, reason="No insurance", expected_version=r.version)
    r.refresh_from_db()
    assert r.status == "REJECTED" and r.decided_by == admin_user
    assert Payment.objects.get(pk=r.payment_id).status == "REFUNDED"
    assert not IqamaRenewalItem.objects.filter(is_open=True).exists()
    assert AuditLog.objects.filter(action="iqama_renewal.rejected", officer=admin_user, object_id=str(r.pk)).count() == 1
    assert r.events.filter(note="payment refunded").count() == 1


def test_fee_change_after_quote_goes_to_review_and_officer_approves_with_version(fam, django_capture_on_commit_callbacks, admin_user):
    head, m = fam
    r = renewal_submit(head=head, items=[{"dependent_id": m["wife_ok"].pk, "months": 6}])
    # the iqama expired meanwhile (now late: a fine that was not paid)
    Iqama.objects.filter(person=m["wife_ok"].person).update(expiry_date=dates.today() - dt.timedelta(days=5))
    r = pay(r, django_capture_on_commit_callbacks)
    assert r.status == "UNDER_REVIEW" and "FEES_CHANGED(2650.00→3150.00)" in r.stop_reason
    stale = r.version - 1
    with pytest.raises(Exception) as e:
        renewal_approve(renewal_id=r.pk, officer=admin_user, reason="ok", expected_version=stale)
    assert e.value.code == "STALE_VERSION"
    r.refresh_from_db()
    assert r.status == "UNDER_REVIEW"
    renewal_approve(renewal_id=r.pk, officer=admin_user, reason="Fine waived by officer", expected_version=r.version)
    r.refresh_from_db()
    assert r.status == "APPROVED"
    iq = Iqama.objects.get(person=m["wife_ok"].person)
    assert iq.expiry_date == dates.add_months(dates.today(), 6) and iq.late_renewal_count == 1
    with pytest.raises(Exception) as e:
        renewal_reject(renewal_id=r.pk, officer=admin_user, reason="too late")
    assert e.value.code == "INVALID_STATE"
    assert Payment.objects.get(pk=r.payment_id).status == "PAID"  # approved fees are not refunded


def test_paid_after_cancel_is_refunded(fam, django_capture_on_commit_callbacks):
    from passports.services import renewal_cancel

    head, m = fam
    r = renewal_submit(head=head, items=[{"dependent_id": m["wife_ok"].pk, "months": 6}])
    renewal_cancel(renewal_id=r.pk, head=head)
    r = pay(r, django_capture_on_commit_callbacks)
    assert r.status == "CANCELLED"
    assert Payment.objects.get(pk=r.payment_id).status == "REFUNDED"


def test_process_runs_twice_decides_once(fam, django_capture_on_commit_callbacks):
    from passports.services import renewal_process

    head, m = fam
    old = Iqama.objects.get(person=m["wife_ok"].person).expiry_date
    r = pay(renewal_submit(head=head, items=[{"dependent_id": m["wife_ok"].pk, "months": 3}]), django_capture_on_commit_callbacks)
    assert r.status == "APPROVED"
    renewal_process(renewal_id=r.pk)
    assert Iqama.objects.get(person=m["wife_ok"].person).expiry_date == dates.add_months(old, 3)
    assert r.events.count() == 3


# --- admin ---------------------------------------------------------------------------------------
def test_admin_review_queue_and_decision(fam, django_capture_on_commit_callbacks, admin_client, client):
    head, m = fam
    r = renewal_submit(head=head, items=[{"dependent_id": m["son_ok"].pk, "months": 6}])
    HealthInsurance.objects.filter(person=m["son_ok"].person).delete()
    r = pay(r, django_capture_on_commit_callbacks)
    lst = admin_client.get(reverse("admin:passports_iqamarenewal_changelist") + "?status__exact=UNDER_REVIEW")
    assert lst.status_code == 200 and r.reference in lst.content.decode()
    url = reverse("admin:passports_iqamarenewal_decide", args=[r.pk])
    page = admin_client.get(url).content.decode()
    assert "HEALTH_INSURANCE" in page and r.stop_reason in page
    assert client.get(url).status_code == 302  # not an officer: to the admin login
    resp = admin_client.post(url, {"decision": "approve", "reason": "insurance renewed by phone", "version": r.version - 1})
    r.refresh_from_db()
    assert resp.status_code == 302 and r.status == "UNDER_REVIEW"
    admin_client.post(url, {"decision": "approve", "reason": "insurance renewed by phone", "version": r.version})
    r.refresh_from_db()
    assert r.status == "APPROVED" and r.decision_reason == "insurance renewed by phone"
    assert admin_client.get(reverse("admin:passports_iqamarenewal_change", args=[r.pk])).status_code == 200


# --- pages ---------------------------------------------------------------------------------------
def test_pages_walk_and_double_submit(fam, web_client_for):
    head, m = fam
    c = web_client_for(head)
    page = c.get(reverse("passports:family")).content.decode()
    assert "Mona Ali Ibrahim" in page and "Maria Santos" in page
    assert f'data-testid="badge-{m["daughter_passport_expiring"].pk}" data-badge="BLOCKED"' in page
    assert f'data-testid="badge-{m["wife_ok"].pk}" data-badge="DUE"' in page
    q = f"?d={m['wife_ok'].pk}&m{m['wife_ok'].pk}=6&d={m['daughter_passport_expiring'].pk}"
    page = c.get(reverse("passports:checks") + q).content.decode()
    assert 'data-testid="check-PASSPORT_VALIDITY" data-passed="false"' in page and 'data-testid="continue-eligible"' in page
    # the quote page refuses an ineligible selection
    assert c.get(reverse("passports:quote") + q).status_code == 302
    q = f"?d={m['wife_ok'].pk}&m{m['wife_ok'].pk}=6"
    page = c.get(reverse("passports:quote") + q).content.decode()
    assert 'data-testid="quote-total">2,650.00' in page
    import re

    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    r1 = c.post(reverse("passports:quote") + q, {"token": token, "confirm": "on"})
    renewal = IqamaRenewal.objects.get()
    assert r1.status_code == 302 and r1.url == reverse("passports:detail", kwargs={"pk": renewal.pk})
    r2 = c.post(reverse("passports:quote") + q, {"token": token, "confirm": "on"})
    assert r2.status_code == 302 and r2.url == reverse("passports:detail", kwargs={"pk": renewal.pk})
    assert IqamaRenewal.objects.count() == 1
    page = c.get(r1.url).content.decode()
    assert renewal.reference in page and renewal.payment.bill_number in page
    assert reverse("payments:checkout", kwargs={"pk": renewal.payment_id}) in page


def test_pages_of_outsider(fam, web_client_for, outsider, client):
    head, m = fam
    r = renewal_submit(head=head, items=[{"dependent_id": m["wife_ok"].pk, "months": 6}])
    o = web_client_for(outsider)
    page = o.get(reverse("passports:family")).content.decode()
    assert "Mona" not in page
    assert o.get(reverse("passports:checks") + f"?d={m['son_ok'].pk}").status_code == 404
    assert o.get(reverse("passports:quote") + f"?d={m['son_ok'].pk}&m{m['son_ok'].pk}=6").status_code == 404
    assert (
        o.post(reverse("passports:quote") + f"?d={m['son_ok'].pk}&m{m['son_ok'].pk}=6", {"token": "x" * 32, "confirm": "on"}).status_code
        == 404
    )
    assert o.get(reverse("passports:detail", kwargs={"pk": r.pk})).status_code == 404
    assert o.post(reverse("passports:cancel", kwargs={"pk": r.pk})).status_code == 404
    r.refresh_from_db()
    assert r.status == "AWAITING_PAYMENT" and IqamaRenewal.objects.count() == 1
    # signed out: to the login page
    resp = client.get(reverse("passports:family"))
    assert resp.status_code == 302 and resp.url.startswith("/login/")


def test_address_help_page_in_arabic(fam, web_client_for):
    head, _m = fam
    page = web_client_for(head, lang="ar").get(reverse("passports:address_help")).content.decode()
    assert 'dir="rtl"' in page


# --- unpaid bills, the sweeper, robustness -----------------------------------------------------
def test_expired_bill_frees_the_dependents(fam):
    from passports.services import renewal_processing_sweep

    head, m = fam
    r1 = renewal_submit(head=head, items=[{"dependent_id": m["wife_ok"].pk, "months": 6}])
    r2 = renewal_submit(head=head, items=[{"dependent_id": m["son_ok"].pk, "months": 6}])
    assert renewal_processing_sweep() == 0
    Payment.objects.filter(pk__in=[r1.payment_id, r2.payment_id]).update(status="EXPIRED")
    # a new submission for the wife closes the stale request first
    r3 = renewal_submit(head=head, items=[{"dependent_id": m["wife_ok"].pk, "months": 3}])
    r1.refresh_from_db()
    assert r1.status == "CANCELLED" and r3.status == "AWAITING_PAYMENT"
    # the sweeper closes the other one
    assert renewal_processing_sweep() == 1
    r2.refresh_from_db()
    assert r2.status == "CANCELLED" and r2.events.last().note == "payment expired"
    assert list(IqamaRenewalItem.objects.filter(is_open=True).values_list("renewal_id", flat=True)) == [r3.pk]


def test_sweeper_requeues_stuck_processing(fam, django_capture_on_commit_callbacks, settings):
    from passports.services import renewal_processing_sweep

    head, m = fam
    r = renewal_submit(head=head, items=[{"dependent_id": m["wife_ok"].pk, "months": 6}])
    # the payment arrived but the broker lost the re-check message
    IqamaRenewal.objects.filter(pk=r.pk).update(status="PROCESSING")
    settings.IQAMA_RENEWAL_STUCK_AFTER_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert renewal_processing_sweep() == 1
    r.refresh_from_db()
    assert r.status == "APPROVED"


def test_dependent_without_iqama_is_a_409_not_a_500(fam, api_client_for):
    head, m = fam
    Iqama.objects.filter(person=m["son_ok"].person).delete()
    c = api_client_for(head)
    r = c.get(f"/api/v1/passports/dependents/{m['son_ok'].pk}/iqama-renewal/quote/?months=3")
    assert r.status_code == 409 and r.json()["error"]["code"] == "IQAMA_NOT_FOUND"
    assert c.get("/api/v1/passports/dependents/").status_code == 200
    assert c.get("/passports/").status_code in (200, 302)


def test_dependents_list_query_count_does_not_grow(fam, api_client_for, django_assert_max_num_queries):
    head, _m = fam
    c = api_client_for(head)
    with django_assert_max_num_queries(8):
        r = c.get("/api/v1/passports/dependents/")
    assert len(r.json()["dependents"]) == 7


def test_family_page_query_count_is_bounded(fam, web_client_for, django_assert_max_num_queries):
    head, _m = fam
    c = web_client_for(head)
    # every dependent is assessed for the badge, from one query per kind of record for the whole family
    with django_assert_max_num_queries(15):
        r = c.get(reverse("passports:family"))
    assert r.status_code == 200
