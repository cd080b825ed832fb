"""Headless Chromium: a demo person signs in through the login page and the Nafath app page,
in Arabic and in English; a wrong pick ends in a rejection message. Screenshots are kept."""

import uuid

import pytest

EASTERN = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _context(browser, live_server, lang, phone=False):
    ctx = browser.new_context(
        viewport={"width": 420, "height": 860} if phone else {"width": 1200, "height": 900},
        locale="ar-SA" if lang == "ar" else "en-US",
    )
    ctx.add_cookies([{"name": "absher_lang", "value": lang, "url": live_server.url}])
    return ctx


def _portal_start(ctx, live_server, id_number, lang, artifacts=None):
    page = ctx.new_page()
    page.goto(f"{live_server.url}/login/")
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    if artifacts:
        page.screenshot(path=str(artifacts / f"nafath-login-form-{lang}.png"), full_page=True)
    # Arabic visitors type Eastern Arabic digits
    page.get_by_test_id("id-number").fill(id_number.translate(EASTERN) if lang == "ar" else id_number)
    page.get_by_test_id("login-submit").click()
    number = page.get_by_test_id("nafath-number").inner_text().strip()
    assert len(number) == 2 and number.isdigit()
    page.wait_for_function("() => /^\\d+:\\d\\d$/.test(document.querySelector('[data-testid=countdown]').textContent.trim())")
    return page, number


def _app_open(ctx, live_server, id_number, pin):
    app = ctx.new_page()
    app.goto(f"{live_server.url}/nafath-app/")
    app.get_by_test_id("app-id-number").fill(id_number)
    app.get_by_test_id("app-pin").fill(pin)
    app.get_by_test_id("app-signin-submit").click()
    app.get_by_test_id("app-person").wait_for()
    return app


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_nafath_login_in_the_browser(browser, live_server, transactional_db, artifacts, settings, lang):
    from core.models import AuditLog
    from nafath.models import NafathRequest
    from portal.demo import seed
    from registry.models import Person

    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"nafath-test-{uuid.uuid4().hex}"}}
    demo = seed()
    who = demo["people"]["citizen_due"]
    person = Person.objects.get(id_number=who["id_number"])

    portal_ctx = _context(browser, live_server, lang)
    phone_ctx = _context(browser, live_server, lang, phone=True)
    try:
        # 1. the portal shows a number and a countdown
        portal, number = _portal_start(portal_ctx, live_server, who["id_number"], lang, artifacts)
        portal.screenshot(path=str(artifacts / f"nafath-login-waiting-{lang}.png"), full_page=True)
        assert portal.get_by_test_id("countdown").inner_text().strip() != "0:00"

        # 2. the Nafath app lists the request with three numbers; the person picks the right one
        app = _app_open(phone_ctx, live_server, who["id_number"], who["nafath_pin"])
        choices = app.locator(".choices button[data-testid^=choice-]")
        assert choices.count() == 3
        offered = sorted(choices.all_inner_texts())
        assert number in offered and len(set(offered)) == 3
        app.screenshot(path=str(artifacts / f"nafath-app-{lang}.png"), full_page=True)
        app.get_by_test_id(f"choice-{number}").click()
        app.get_by_test_id("app-empty").wait_for()

        # 3. the first page follows by itself and lands on the dashboard
        portal.wait_for_url(f"{live_server.url}/dashboard/", timeout=15_000)
        assert (person.name_ar if lang == "ar" else person.name_en) in portal.content()
        portal.screenshot(path=str(artifacts / f"nafath-dashboard-{lang}.png"), full_page=True)
        assert NafathRequest.objects.get(id_number=who["id_number"]).status == "COMPLETED"
        assert AuditLog.objects.filter(action="auth.signed_in", person=person).count() == 1

        # 4. a wrong pick: another demo person, a fresh browser; the portal shows the rejection
        other = demo["people"]["citizen_not_due"]
        portal2_ctx = _context(browser, live_server, lang)
        try:
            # the app is open before the request starts: it must pick the request up by itself
            app.get_by_test_id("app-signout").click()
            app2 = _app_open(phone_ctx, live_server, other["id_number"], other["nafath_pin"])
            app2.get_by_test_id("app-empty").wait_for()
            portal2, number2 = _portal_start(portal2_ctx, live_server, other["id_number"], lang)
            app2.get_by_test_id(f"choice-{number2}").wait_for(timeout=10_000)
            wrong = next(t for t in app2.locator(".choices button").all_inner_texts() if t.strip() != number2)
            app2.get_by_test_id(f"choice-{wrong.strip()}").click()
            portal2.locator("[data-final=REJECTED]").wait_for(timeout=15_000)
            text = portal2.get_by_test_id("login-status").inner_text()
            assert ("رُفض طلب تسجيل الدخول." if lang == "ar" else "The sign-in was rejected.") in text
            portal2.get_by_test_id("login-restart").wait_for()
            portal2.screenshot(path=str(artifacts / f"nafath-login-rejected-{lang}.png"), full_page=True)
            assert "/dashboard/" not in portal2.url
            assert NafathRequest.objects.get(id_number=other["id_number"]).status == "REJECTED"
            # "start again" brings the form back
            portal2.get_by_test_id("login-restart").click()
            portal2.get_by_test_id("login-form").wait_for()

            # 5. nobody answers: when the countdown runs out the page shows that the request expired
            settings.NAFATH_REQUEST_LIFETIME_SECONDS = 3
            portal3, _ = _portal_start(portal2_ctx, live_server, other["id_number"], lang)
            portal3.locator("[data-final=EXPIRED]").wait_for(timeout=15_000)
            assert ("انتهت مهلة طلب تسجيل الدخول." if lang == "ar" else "The sign-in request expired.") in portal3.get_by_test_id(
                "login-status"
            ).inner_text()
            portal3.screenshot(path=str(artifacts / f"nafath-login-expired-{lang}.png"), full_page=True)
            assert NafathRequest.objects.filter(id_number=other["id_number"], status="EXPIRED").count() == 1
        finally:
            portal2_ctx.close()
    finally:
        portal_ctx.close()
        phone_ctx.close()
