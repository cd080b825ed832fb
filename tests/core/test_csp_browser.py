"""Issue 11 item 6 in Chromium: pages whose scripts matter (the ID photo page with its camera,
the Nafath app, the login page's countdown, Swagger UI) still work under the strict
Content-Security-Policy, and the browser reports no CSP violation on any of them."""

import datetime as dt
import uuid

import pytest

CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + (e.lineNumber || ''));
});
"""


def _launch(browser):
    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    return browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"],
    )


def _watch(page, console):
    page.on(
        "console", lambda m: console.append(m.text) if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text else None
    )


def _violations(page, console):
    return list(page.evaluate("window.__csp || []")) + console


@pytest.mark.browser
def test_photo_page_camera_and_quick_check_work_under_the_csp(browser, live_server, session_cookie_for, settings):
    from core import dates
    from tests.factories import IdCardFactory, PersonFactory

    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"csp-test-{uuid.uuid4().hex}"}}
    person = PersonFactory()
    IdCardFactory(person=person, expiry_date=dates.today() + dt.timedelta(days=60))
    cam = _launch(browser)
    try:
        ctx = cam.new_context(permissions=["camera"], locale="en-US")
        ctx.add_init_script(CSP_LISTENER)
        ctx.add_cookies([session_cookie_for(person), {"name": "absher_lang", "value": "en", "url": live_server.url}])
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        console: list[str] = []
        _watch(page, console)
        checks = []
        page.on("response", lambda r: checks.append(r.status) if r.url.endswith("/id-renewal/quick-check/") else None)
        resp = page.goto(f"{live_server.url}/civil-affairs/id-renewal/")
        assert "camera=(self)" in resp.headers["permissions-policy"]
        assert "script-src 'self'" in resp.headers["content-security-policy"]
        page.get_by_test_id("camera-open").click()
        page.wait_for_function("() => !document.getElementById('camera-stage').closest('[hidden]')")
        page.wait_for_function("() => document.getElementById('camera-stage').dataset.hintCode", timeout=40_000)
        assert checks, "the page's script never sent a frame"
        assert _violations(page, console) == []
    finally:
        cam.close()


@pytest.mark.browser
def test_login_countdown_nafath_app_and_swagger_work_under_the_csp(browser, live_server, transactional_db, settings):
    from nafath import services
    from tests.factories import PersonFactory

    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"csp-test-{uuid.uuid4().hex}"}}
    person = PersonFactory()
    services.device_register(person=person, pin="1234")
    ctx = browser.new_context(locale="en-US")
    ctx.add_init_script(CSP_LISTENER)
    ctx.add_cookies([{"name": "absher_lang", "value": "en", "url": live_server.url}])
    try:
        console: list[str] = []
        login = ctx.new_page()
        _watch(login, console)
        login.goto(f"{live_server.url}/login/")
        login.get_by_test_id("id-number").fill(person.id_number)
        login.get_by_test_id("login-submit").click()
        # login.js counts down: the text changes from the server's value within two seconds
        first = login.get_by_test_id("countdown").inner_text()
        login.wait_for_function(
            f"() => document.querySelector('[data-testid=countdown]').textContent.trim() !== {first.strip()!r}", timeout=10_000
        )
        assert _violations(login, console) == []

        app = ctx.new_page()
        _watch(app, console)
        app.goto(f"{live_server.url}/nafath-app/")
        app.get_by_test_id("app-id-number").fill(person.id_number)
        app.get_by_test_id("app-pin").fill("1234")
        app.get_by_test_id("app-signin-submit").click()
        app.get_by_test_id("app-person").wait_for()
        app.wait_for_timeout(2500)  # app.js polls the waiting requests
        assert _violations(app, console) == []

        docs = ctx.new_page()
        _watch(docs, console)
        docs.goto(f"{live_server.url}/api/v1/docs/")
        docs.locator(".swagger-ui .info").wait_for(timeout=20_000)  # Swagger UI's script ran
        assert _violations(docs, console) == []
    finally:
        ctx.close()
