"""Headless Chromium: activation (ID number → SMS code → PIN and selfie), My devices (revoke) and
My activity ("this was not me"), at 360 px and on a desktop, in Arabic and English. Screenshots
are kept: nafath-{activate-code,activate-done,devices,activity}-{ar,en}[-360].png."""

import io
import re
import uuid

import pytest
from PIL import Image


def _selfie(tmp_path):
    p = tmp_path / "selfie.jpg"
    Image.new("RGB", (600, 800), (230, 230, 230)).save(p, "JPEG")
    return str(p)


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_activate_then_manage_devices_and_activity(
    browser, live_server, transactional_db, artifacts, settings, tmp_path, lang, session_cookie_for
):
    from core.models import AuditLog
    from nafath import services
    from nafath.models import Device
    from notifications.models import SmsOutbox
    from tests.factories import PersonFactory

    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"dev-browser-{uuid.uuid4().hex}"}}
    settings.FACE_ENGINE = "biometrics.face.ScenarioFaceEngine"
    settings.FACE_ENGINE_SCENARIO = "match"
    person = PersonFactory(name_en="Sara Alharbi", name_ar="سارة الحربي")
    old, _ = services.device_register(person=person, pin="1234", label="Old phone")

    for width in (360, 1200):
        ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="ar-SA" if lang == "ar" else "en-US")
        ctx.add_cookies([{"name": "absher_lang", "value": lang, "url": live_server.url}, session_cookie_for(person)])
        suffix = f"{lang}-360" if width == 360 else lang
        page = ctx.new_page()
        try:
            if width == 360:
                # activation from the signed-in portal (no photo on file: the device waits for an officer)
                page.goto(f"{live_server.url}/nafath/activate/")
                assert page.get_by_test_id("activate-id-number").input_value() == person.id_number
                page.get_by_test_id("activate-submit").click()
                page.get_by_test_id("activate-code").wait_for()
                code = re.search(r"\b(\d{6})\b", SmsOutbox.objects.filter(to=person.mobile).latest("id").body).group(1)
                page.get_by_test_id("activate-code").fill("000000" if code != "000000" else "111111")
                page.get_by_test_id("activate-submit").click()
                page.get_by_test_id("activate-code-error").wait_for()
                page.screenshot(path=str(artifacts / f"nafath-activate-code-{suffix}.png"), full_page=True)
                page.get_by_test_id("activate-code").fill(code)
                page.get_by_test_id("activate-submit").click()
                page.get_by_test_id("activate-pin").fill("483920")
                page.get_by_test_id("activate-pin-again").fill("483920")
                page.get_by_test_id("activate-selfie").set_input_files(_selfie(tmp_path))
                page.get_by_test_id("activate-submit").click()
                result = page.get_by_test_id("activate-result")
                result.wait_for()
                assert result.get_attribute("data-status") == "PENDING"
                page.screenshot(path=str(artifacts / f"nafath-activate-done-{suffix}.png"), full_page=True)
                assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling

            page.goto(f"{live_server.url}/nafath/devices/")
            page.get_by_test_id(f"device-{old.pk}").wait_for()
            page.screenshot(path=str(artifacts / f"nafath-devices-{suffix}.png"), full_page=True)
            if width == 1200:
                page.get_by_test_id(f"device-revoke-{old.pk}").click()
                page.wait_for_selector(f'[data-testid="device-{old.pk}"][data-status="REVOKED"]')
                old.refresh_from_db()
                assert old.status == "REVOKED"

            page.goto(f"{live_server.url}/nafath/activity/")
            page.get_by_test_id("activity").wait_for()
            page.screenshot(path=str(artifacts / f"nafath-activity-{suffix}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            if width == 1200:
                entry = AuditLog.objects.filter(action="nafath.device_pending", person=person).latest("id")
                page.get_by_test_id(f"not-me-{entry.pk}").click()
                page.wait_for_url(f"{live_server.url}/nafath/activity/")
                assert AuditLog.objects.filter(action="nafath.activity_disowned", person=person, object_id=str(entry.pk)).count() == 1
                assert Device.objects.get(pk=entry.object_id).status == "REVOKED"
        finally:
            ctx.close()
    assert io is not None
