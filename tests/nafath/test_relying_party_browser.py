"""The browser journey through the sample relying party (examples/relying_party, Authlib), in
Chromium, in Arabic and English: "Sign in with Nafath" at the relying party → the portal's
number page naming it → the Nafath app shows the relying party's name and the person picks the
number → the consent page → back at the relying party, which checked the ID token (signature,
issuer, audience, nonce) and shows the person's claims. Screenshots are kept."""

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RP_DIR = ROOT / "examples" / "relying_party"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def relying_party(live_server, transactional_db, settings):
    """The sample relying party served by `runserver` on 127.0.0.1 only, registered in the portal."""
    from tests.nafath.oidc_helpers import make_rp

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    app = make_rp(
        name_en="Sample Ministry Portal",
        name_ar="بوابة الوزارة التجريبية",
        redirect=f"{base}/callback/",
        secret="sample-rp-secret-0123456789",
    )
    app.post_logout_redirect_uris = f"{base}/signed-out/"
    app.save(update_fields=["post_logout_redirect_uris"])
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="rp.settings",
        NAFATH_ISSUER=live_server.url,
        RP_CLIENT_ID=app.client_id,
        RP_CLIENT_SECRET="sample-rp-secret-0123456789",
    )
    log = open(Path(settings.ARTIFACTS_DIR) / f"relying-party-{port}.log", "w+")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        [sys.executable, str(RP_DIR / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
        cwd=RP_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail("the relying party exited:\n" + log.read()[-3000:])
            time.sleep(0.2)
    else:
        proc.terminate()
        pytest.fail("the relying party did not start in 30 s")
    try:
        yield base, app
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_sign_in_with_nafath_at_the_sample_relying_party(browser, live_server, relying_party, artifacts, settings, lang):
    from core.models import AuditLog
    from nafath.models import NafathRequest
    from nafath.services import pairwise_sub
    from portal.demo import seed
    from registry.models import Person

    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"oidc-browser-{uuid.uuid4().hex}"}}
    rp_url, app = relying_party
    who = seed()["people"]["citizen_due"]
    person = Person.objects.get(id_number=who["id_number"])
    rp_name = "بوابة الوزارة التجريبية" if lang == "ar" else "Sample Ministry Portal"

    desk = browser.new_context(viewport={"width": 1200, "height": 900}, locale="ar-SA" if lang == "ar" else "en-US")
    phone = browser.new_context(viewport={"width": 360, "height": 780}, locale="ar-SA" if lang == "ar" else "en-US")
    for ctx in (desk, phone):
        ctx.add_cookies([{"name": "absher_lang", "value": lang, "url": live_server.url}])
    try:
        # 1. the relying party's button sends the browser to the portal's Nafath number page
        page = desk.new_page()
        page.goto(f"{rp_url}/")
        page.get_by_test_id("rp-sign-in").click()
        page.wait_for_url(re.compile(r".*/login/\?next=.*"))
        assert rp_name in page.get_by_test_id("login-relying-party").inner_text()
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        page.get_by_test_id("id-number").fill(who["id_number"])
        page.get_by_test_id("login-submit").click()
        number = page.get_by_test_id("nafath-number").inner_text().strip()
        page.screenshot(path=str(artifacts / f"oidc-number-page-{lang}.png"), full_page=True)

        # 2. the Nafath app shows the relying party's name as the request's service; pick the number
        nafath = phone.new_page()
        nafath.goto(f"{live_server.url}/nafath-app/")
        nafath.get_by_test_id("app-id-number").fill(who["id_number"])
        nafath.get_by_test_id("app-pin").fill(who["nafath_pin"])
        nafath.get_by_test_id("app-signin-submit").click()
        nafath.get_by_test_id(f"choice-{number}").wait_for()
        assert rp_name in nafath.content()
        nafath.screenshot(path=str(artifacts / f"oidc-nafath-app-{lang}.png"), full_page=True)
        nafath.get_by_test_id(f"choice-{number}").click()

        # 3. the number page follows by itself to the consent page, in the person's language
        page.get_by_test_id("consent").wait_for(timeout=15_000)
        assert rp_name in page.get_by_test_id("consent-title").inner_text()
        page.screenshot(path=str(artifacts / f"oidc-consent-{lang}.png"), full_page=True)
        page.set_viewport_size({"width": 360, "height": 780})
        page.screenshot(path=str(artifacts / f"oidc-consent-{lang}-360.png"), full_page=True)
        page.get_by_test_id("consent-allow").click()

        # 4. back at the relying party, which verified the ID token and shows the claims
        page.get_by_test_id("rp-claims").wait_for(timeout=15_000)
        assert page.url.startswith(rp_url)
        claim = lambda k: page.locator(f'[data-claim="{k}"]').inner_text().strip()  # noqa: E731
        assert claim("national_id") == person.id_number
        assert claim("name#ar") == person.name_ar and claim("name#en") == person.name_en
        assert claim("sub") == pairwise_sub(person=person, relying_party=app.relying_party, client_id=app.client_id)
        page.set_viewport_size({"width": 1200, "height": 900})
        page.screenshot(path=str(artifacts / f"oidc-relying-party-signed-in-{lang}.png"), full_page=True)
        req = NafathRequest.objects.get(person=person, status="COMPLETED")
        assert req.oidc_client_id == app.client_id
        assert AuditLog.objects.filter(action="oidc.authorized", person=person, data__relying_party=app.client_id).count() == 1

        # 5. signing out at the relying party ends the portal session too
        page.get_by_test_id("rp-logout").click()
        page.get_by_test_id("rp-sign-in").wait_for(timeout=15_000)
        page.goto(f"{live_server.url}/dashboard/")
        page.wait_for_url(re.compile(r".*/login/.*"))
    finally:
        desk.close()
        phone.close()
