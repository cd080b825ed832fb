"""The residency rules in Chromium, Arabic and English, at 360 px and on a desktop: a son over the
age limit is blocked with the transfer fix, an adult daughter without proof of single status goes
to an officer (not blocked), the rules table with its sources, the quote naming the fee row, and the
sandbox medical centre reached from MEDICAL_EXAM's fix link clearing the check.
Screenshots: artifacts/screenshots/residency-*.png."""

import pytest

pytestmark = [pytest.mark.browser]

SIZES = {"phone": {"width": 360, "height": 780}, "desktop": {"width": 1280, "height": 900}}


def _page(browser, live_server, cookie, lang, size):
    ctx = browser.new_context(viewport=SIZES[size], locale="ar-SA" if lang == "ar" else "en-US")
    ctx.add_cookies([cookie, {"name": "absher_lang", "value": lang, "url": live_server.url}])
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    return ctx, page


def _no_horizontal_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_residency_rules_pages(browser, live_server, session_cookie_for, artifacts, transactional_db, settings):
    from core import dates
    from registry.models import MedicalExam
    from tests.factories import AddressFactory, FamilyMemberFactory, InsuranceFactory, IqamaFactory, PassportFactory, ResidentFactory

    settings.SANDBOXES_ENABLED = True
    head = ResidentFactory(name_en="Khalid Head", name_ar="خالد")
    IqamaFactory(person=head)
    AddressFactory(person=head)

    def member(relation, age, name_en, name_ar, **kw):
        p = ResidentFactory(birth_date=dates.add_months(dates.today(), -12 * age - 1), name_en=name_en, name_ar=name_ar, **kw)
        IqamaFactory(person=p)
        PassportFactory(person=p)
        InsuranceFactory(person=p)
        return FamilyMemberFactory(head=head, person=p, relation=relation)

    old_son = member("SON", 27, "Tariq (27)", "طارق", proof_of_study_on_file=True)
    daughter = member("DAUGHTER", 20, "Layla (20)", "ليلى", gender="F")
    wife = member("WIFE", 35, "Noura", "نورة", gender="F")
    MedicalExam.objects.create(person=wife.person, result=MedicalExam.Result.REQUIRED)
    cookie = session_cookie_for(head)
    q = f"?d={old_son.pk}&m{old_son.pk}=6&d={daughter.pk}&m{daughter.pk}=6&d={wife.pk}&m{wife.pk}=6"

    for lang in ("ar", "en"):
        for size in ("phone", "desktop"):
            ctx, page = _page(browser, live_server, cookie, lang, size)
            page.goto(f"{live_server.url}/passports/iqama-renewal/checks/{q}")
            assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
            son_card = page.get_by_test_id(f"checks-{old_son.pk}")
            assert son_card.get_attribute("data-eligible") == "false"
            assert son_card.get_by_test_id("check-DEPENDENT_OVER_AGE_LIMIT").get_attribute("data-passed") == "false"
            d_card = page.get_by_test_id(f"checks-{daughter.pk}")
            assert d_card.get_attribute("data-eligible") == "true"
            assert d_card.get_by_test_id("check-PROOF_OF_SINGLE_STATUS").get_attribute("data-review") == "true"
            assert page.get_by_test_id("some-review").is_visible()
            page.get_by_test_id("rules").locator("summary").click()
            assert page.get_by_test_id("rules").locator("td[data-source=C]").count() == 1
            if lang == "en":
                assert "Transfer the services of this son or daughter to a sponsor" in son_card.inner_text()
            else:
                assert "انقل خدمات هذا الابن أو البنت إلى كفيل" in son_card.inner_text()
            if size == "phone":
                assert _no_horizontal_overflow(page), "the checks page scrolls sideways at 360 px"
            page.screenshot(path=str(artifacts / f"residency-1-checks-{lang}-{size}.png"), full_page=True)
            ctx.close()

    # English desktop: the quote names the fee row; then the medical centre from the fix link.
    ctx, page = _page(browser, live_server, cookie, "en", "desktop")
    page.goto(f"{live_server.url}/passports/iqama-renewal/quote/?d={daughter.pk}&m{daughter.pk}=6")
    assert page.get_by_test_id(f"fee-row-{daughter.pk}").get_attribute("data-row") == "ADULT"
    assert page.get_by_test_id("quote-total").inner_text().strip() == "2,650.00"
    assert page.evaluate(
        "(() => { const c = document.querySelector('[data-testid=quote]').getBoundingClientRect();"
        " const t = document.querySelector('[data-testid=quote] .quote-scroll').getBoundingClientRect(); return t.right <= c.right + 1; })()"
    ), "the quote table runs out of its card"
    page.screenshot(path=str(artifacts / "residency-2-quote-en-desktop.png"), full_page=True)
    page.goto(f"{live_server.url}/passports/iqama-renewal/checks/?d={wife.pk}&m{wife.pk}=6")
    page.get_by_test_id("fix-MEDICAL_EXAM").click()
    page.wait_for_url("**/passports/sandbox/medical-centre/**")
    assert page.get_by_test_id("sandbox-banner").is_visible()
    page.screenshot(path=str(artifacts / "residency-3-medical-en-desktop.png"), full_page=True)
    page.locator("select[name=dependent]").select_option(str(wife.pk))
    page.get_by_test_id("result-PASSED").locator("input").check()
    page.get_by_test_id("medical-submit").click()
    page.wait_for_url("**/passports/sandbox/medical-centre/**")
    assert page.get_by_test_id(f"exam-{wife.pk}").get_attribute("data-result") == "PASSED"
    page.goto(f"{live_server.url}/passports/iqama-renewal/checks/?d={wife.pk}&m{wife.pk}=6")
    assert page.get_by_test_id(f"checks-{wife.pk}").get_attribute("data-eligible") == "true"
    ctx.close()

    for size in ("phone", "desktop"):
        ctx, page = _page(browser, live_server, cookie, "ar", size)
        page.goto(f"{live_server.url}/passports/sandbox/medical-centre/?dependent={wife.pk}")
        assert page.get_by_test_id("sandbox-banner").is_visible()
        if size == "phone":
            assert _no_horizontal_overflow(page), "the medical centre scrolls sideways at 360 px"
        page.screenshot(path=str(artifacts / f"residency-4-medical-ar-{size}.png"), full_page=True)
        page.goto(f"{live_server.url}/passports/iqama-renewal/quote/?d={daughter.pk}&m{daughter.pk}=6")
        if size == "phone":
            assert _no_horizontal_overflow(page), "the quote page scrolls sideways at 360 px (the table scrolls in its card)"
        page.screenshot(path=str(artifacts / f"residency-5-quote-ar-{size}.png"), full_page=True)
        ctx.close()
