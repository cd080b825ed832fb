"""The family iqama renewal in Chromium against the live server: a head of family renews two
dependents in one request, pays by card, and sees the approval and the new expiry dates; a blocked
dependent shows its reasons. Tasks run eagerly in the live server (the real-worker path has its own test)."""

import pytest

pytestmark = [pytest.mark.browser]


def _page(browser, live_server, cookie, lang):
    ctx = browser.new_context(viewport={"width": 1200, "height": 1000}, locale="ar-SA" if lang == "ar" else "en-US")
    ctx.add_cookies([cookie, {"name": "absher_lang", "value": lang, "url": live_server.url}])
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    return ctx, page


def test_family_iqama_renewal_journey(browser, live_server, session_cookie_for, artifacts, transactional_db):
    from core import dates
    from passports.models import IqamaRenewal
    from portal.demo import seed
    from registry.models import FamilyMember, Iqama, Person

    out = seed()
    head = Person.objects.get(id_number=out["people"]["head_of_family"]["id_number"])
    m = {k: FamilyMember.objects.get(pk=v["id"]) for k, v in out["dependents"].items()}
    wife, son, daughter = m["wife_ok"], m["son_expired"], m["daughter_passport_expiring"]
    wife_old = Iqama.objects.get(person=wife.person).expiry_date
    cookie = session_cookie_for(head)

    # Arabic first: the family page and a blocked dependent's reasons, right to left.
    ctx, page = _page(browser, live_server, cookie, "ar")
    page.goto(f"{live_server.url}/passports/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.get_by_test_id(f"badge-{daughter.pk}").get_attribute("data-badge") == "BLOCKED"
    page.screenshot(path=str(artifacts / "iqama-1-family-ar.png"), full_page=True)
    page.get_by_test_id(f"select-{daughter.pk}").check()
    page.get_by_test_id("check-selected").click()
    page.wait_for_url("**/passports/iqama-renewal/checks/**")
    card = page.get_by_test_id(f"checks-{daughter.pk}")
    assert card.get_attribute("data-eligible") == "false"
    assert card.get_by_test_id("check-PASSPORT_VALIDITY").get_attribute("data-passed") == "false"
    assert page.get_by_test_id("to-quote").count() == 0 and page.get_by_test_id("continue-eligible").count() == 0
    page.screenshot(path=str(artifacts / "iqama-2-checks-blocked-ar.png"), full_page=True)
    ctx.close()

    # English: two dependents (and the blocked one), continue with the eligible ones, pay by card.
    ctx, page = _page(browser, live_server, cookie, "en")
    page.goto(f"{live_server.url}/passports/")
    page.screenshot(path=str(artifacts / "iqama-3-family-en.png"), full_page=True)
    for dep in (wife, son, daughter):
        page.get_by_test_id(f"select-{dep.pk}").check()
    page.get_by_test_id(f"months-{wife.pk}").select_option("12")
    page.get_by_test_id(f"months-{son.pk}").select_option("6")
    page.get_by_test_id("check-selected").click()
    page.wait_for_url("**/passports/iqama-renewal/checks/**")
    assert page.get_by_test_id(f"checks-{wife.pk}").get_attribute("data-eligible") == "true"
    assert page.get_by_test_id(f"checks-{son.pk}").get_attribute("data-eligible") == "true"
    assert page.get_by_test_id(f"checks-{daughter.pk}").get_attribute("data-eligible") == "false"
    assert "less than 90 days" in page.get_by_test_id(f"checks-{daughter.pk}").inner_text()
    page.screenshot(path=str(artifacts / "iqama-4-checks-en.png"), full_page=True)
    page.get_by_test_id("continue-eligible").click()
    page.wait_for_url("**/passports/iqama-renewal/quote/**")
    # 12 months: 4800 + 500 (adult row); 6 months late: 2400 + 250 (adult row: he is 18) + 500 fine
    assert page.get_by_test_id("quote-total").inner_text().strip() == "8,450.00"
    assert page.get_by_test_id(f"late-fine-{son.pk}").inner_text().strip() == "500.00"
    page.screenshot(path=str(artifacts / "iqama-5-quote-en.png"), full_page=True)
    page.locator("input[name=confirm]").check()
    page.get_by_test_id("submit-renewal").click()
    page.wait_for_url("**/passports/iqama-renewals/*/")
    renewal = IqamaRenewal.objects.get(head=head)
    assert page.get_by_test_id("reference").inner_text().strip() == renewal.reference
    assert page.get_by_test_id("status").get_attribute("data-status") == "AWAITING_PAYMENT"
    page.get_by_test_id("pay-card").click()
    page.wait_for_url("**/payments/*/checkout/")
    page.get_by_test_id("card-number").fill("4111111111111111")
    page.get_by_test_id("card-expiry-month").fill("12")
    page.get_by_test_id("card-expiry-year").fill(str(dates.today().year + 2))
    page.get_by_test_id("card-cvv").fill("123")
    page.get_by_test_id("card-pay").click()
    page.wait_for_url(f"**/passports/iqama-renewals/{renewal.pk}/")
    page.get_by_test_id("approved").wait_for()
    assert page.get_by_test_id("status").get_attribute("data-status") == "APPROVED"
    new_wife = dates.add_months(wife_old, 12)
    new_son = dates.add_months(dates.today(), 6)
    assert page.get_by_test_id(f"iqama-now-{wife.pk}").get_attribute("data-date") == new_wife.isoformat()
    assert page.get_by_test_id(f"iqama-now-{son.pk}").get_attribute("data-date") == new_son.isoformat()
    assert f"{new_wife:%Y/%m/%d}" in page.get_by_test_id(f"item-{wife.pk}").inner_text()
    page.screenshot(path=str(artifacts / "iqama-6-approved-en.png"), full_page=True)
    assert Iqama.objects.get(person=son.person).late_renewal_count == 1
    # back on the family page both now show as renewed, the daughter still blocked
    page.goto(f"{live_server.url}/passports/")
    assert page.get_by_test_id(f"badge-{wife.pk}").get_attribute("data-badge") == "VALID"
    assert page.get_by_test_id(f"badge-{daughter.pk}").get_attribute("data-badge") == "BLOCKED"
    ctx.close()

    # the result in Arabic
    ctx, page = _page(browser, live_server, cookie, "ar")
    page.goto(f"{live_server.url}/passports/iqama-renewals/{renewal.pk}/")
    page.screenshot(path=str(artifacts / "iqama-7-approved-ar.png"), full_page=True)
    ctx.close()

    # An officer's review: a condition changed after the quote (insurance lapsed), the request stops for review;
    # the officer sees each dependent's checks and why it stopped, and rejects with a reason (refund).
    from django.contrib.auth.models import User

    from passports.services import renewal_submit
    from payments.models import Payment
    from payments.services import payment_mark_paid
    from registry.models import HealthInsurance
    from tests.officers import officer_device, totp_now

    son_ok = m["son_ok"]
    r2 = renewal_submit(head=head, items=[{"dependent_id": son_ok.pk, "months": 6}])
    HealthInsurance.objects.filter(person=son_ok.person).delete()
    payment_mark_paid(payment_id=r2.payment_id, method="SADAD", bank_reference="BR-BROWSER-REVIEW")
    r2.refresh_from_db()
    assert r2.status == "UNDER_REVIEW"
    iqama_officer = User.objects.create_superuser("iqama-officer", "officer@example.com", "officer-pass-123")
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/passports/iqamarenewal/%3Fstatus__exact%3DUNDER_REVIEW")
    page.fill("#id_username", "iqama-officer")
    page.fill("#id_password", "officer-pass-123")
    page.fill("#id_otp_token", totp_now(officer_device(iqama_officer)))  # the admin's second factor
    page.click("input[type=submit]")
    page.click(f'a[href="/admin/passports/iqamarenewal/{r2.pk}/decide/"]')
    page.wait_for_url(f"**/admin/passports/iqamarenewal/{r2.pk}/decide/")
    assert page.get_by_test_id("stop-reason").inner_text() == f"{son_ok.person.id_number}: HEALTH_INSURANCE"
    page.screenshot(path=str(artifacts / "iqama-8-officer-review.png"), full_page=True)
    page.check("input[name=decision][value=reject]")
    page.fill("textarea[name=reason]", "Health insurance lapsed before the renewal")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/passports/iqamarenewal/**")
    r2.refresh_from_db()
    assert r2.status == "REJECTED" and r2.decision_reason == "Health insurance lapsed before the renewal"
    assert Payment.objects.get(pk=r2.payment_id).status == "REFUNDED"
    ctx.close()
