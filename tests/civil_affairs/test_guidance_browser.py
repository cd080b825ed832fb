"""Live guidance in Chromium with its fake camera fed a Y4M video built at test time from a
shared photograph: the first frames are the face in shadow (too dark), the rest the compliant
ID photo. The page polls the quick check about once a second: the aria-live hint says "More
light", then that the photo passes, and the shutter button enables; the photo taken is the
4:5 part inside the face-shaped frame, sent with source CAMERA and the time it was taken.
Screenshots at 360 px and desktop, Arabic and English."""

import datetime as dt

import numpy as np
import pytest
from PIL import Image

pytestmark = [pytest.mark.browser, pytest.mark.faces]

SIZE = (480, 600)  # 4:5, what the stage shows; at least 400 x 500 for the photo itself


def write_y4m(path, frames, fps="1:1"):
    """A YUV4MPEG2 file (4:2:0) Chromium's --use-file-for-fake-video-capture plays in a loop;
    1:1 is one frame a second (Chromium plays nothing at a fractional rate such as 1:2)."""
    w, h = frames[0].size
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{fps} Ip A1:1 C420jpeg\n".encode())
        for img in frames:
            y, cb, cr = img.convert("YCbCr").split()
            f.write(b"FRAME\n")
            f.write(np.asarray(y, dtype=np.uint8).tobytes())
            for c in (cb, cr):
                f.write(np.asarray(c.resize((w // 2, h // 2), Image.BILINEAR), dtype=np.uint8).tobytes())


@pytest.fixture
def camera_video(tmp_path, faces_dir):
    from tests import photo_images as pi

    bad = pi.dark("obama_1.jpg").resize(SIZE, Image.LANCZOS)
    good = pi.compliant("obama_1.jpg").resize(SIZE, Image.LANCZOS)
    path = tmp_path / "camera.y4m"
    write_y4m(path, [bad] * 6 + [good] * 50)  # 6 s in shadow, then 50 s of the good photo
    return path


def _launch(browser, video):
    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    return browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )


def _wait_hint(page, code, timeout, seen):
    """Wait until the page shows the hint `code`; `seen` collects every hint code shown."""
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        now = page.evaluate("document.getElementById('camera-stage').dataset.hintCode || ''")
        if now and (not seen or seen[-1] != now):
            seen.append(now)
        if now == code:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"hint {code} not shown in {timeout} s; seen {seen}; text {page.get_by_test_id('camera-hint').inner_text()!r}")


def _person():
    from core import dates
    from tests.factories import IdCardFactory, PersonFactory

    p = PersonFactory(name_en="Khalid Alharbi", name_ar="خالد الحربي")
    IdCardFactory(person=p, expiry_date=dates.today() + dt.timedelta(days=60))
    return p


@pytest.mark.parametrize("lang, width", [("en", 1100), ("ar", 360), ("ar", 1100), ("en", 360)])
def test_live_guidance_from_a_bad_frame_to_a_good_one(browser, live_server, session_cookie_for, artifacts, camera_video, lang, width):
    from civil_affairs.models import IdRenewal, IdRenewalEvent

    person = _person()
    cam = _launch(browser, camera_video)
    try:
        ctx = cam.new_context(viewport={"width": width, "height": 900}, permissions=["camera"], locale="ar-SA" if lang == "ar" else "en-US")
        ctx.add_cookies([session_cookie_for(person), {"name": "absher_lang", "value": lang, "url": live_server.url}])
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        quick_checks = []
        page.on("response", lambda r: quick_checks.append(r.status) if r.url.endswith("/id-renewal/quick-check/") else None)
        page.goto(f"{live_server.url}/civil-affairs/id-renewal/")
        page.get_by_test_id("camera-open").click()
        hint, shoot, stage = page.get_by_test_id("camera-hint"), page.get_by_test_id("camera-shoot"), page.locator("#camera-stage")
        assert hint.get_attribute("aria-live") == "polite"
        # the face in shadow: "More light", the shutter disabled
        seen = []
        _wait_hint(page, "MORE_LIGHT", 30, seen)
        more_light = {"en": "More light", "ar": "مزيدًا من الإضاءة"}[lang]
        assert hint.inner_text() == more_light
        assert shoot.is_disabled()
        assert shoot.inner_text() == {"en": "Take the photo (follow the hint first)", "ar": "التقط الصورة (اتبع الإرشاد أولًا)"}[lang]
        assert "is-bad" in stage.get_attribute("class")
        page.screenshot(path=str(artifacts / f"idrenewal-camera-hint-{lang}-{width}.png"), full_page=True)
        # the good photo: the hint says it passes, the shutter enables and says so
        _wait_hint(page, "READY", 40, seen)
        # from the bad frame to the good one; the switch itself may read as movement ("Hold still")
        assert seen[seen.index("MORE_LIGHT") :] in (["MORE_LIGHT", "READY"], ["MORE_LIGHT", "HOLD_STILL_MOVING", "READY"]), seen
        assert (
            hint.inner_text()
            == {
                "en": "Ready: the photo passes every quality rule. Hold still and take it.",
                "ar": "جاهزة: الصورة تستوفي جميع شروط الجودة. اثبت والتقطها.",
            }[lang]
        )
        assert shoot.is_enabled()
        assert (
            shoot.inner_text()
            == {"en": "Take the photo: it passes every quality rule", "ar": "التقط الصورة: تستوفي جميع شروط الجودة"}[lang]
        )
        assert "is-ok" in stage.get_attribute("class")
        if width <= 400:
            assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling on a phone
        page.screenshot(path=str(artifacts / f"idrenewal-camera-ready-{lang}-{width}.png"), full_page=True)
        # the polling stored nothing
        assert IdRenewal.objects.filter(person=person).count() == 0 and IdRenewalEvent.objects.count() == 0
        assert len(quick_checks) >= 2 and set(quick_checks) == {200}
        before = dt.datetime.now(dt.UTC)
        shoot.click()
        page.wait_for_url("**/civil-affairs/id-renewal/*/", timeout=60_000)
        renewal = IdRenewal.objects.get(person=person)
        assert (renewal.photo_width, renewal.photo_height) == SIZE  # the 4:5 part at the camera's size
        assert renewal.photo_source == "CAMERA"
        assert before - dt.timedelta(seconds=5) <= renewal.photo_captured_at <= dt.datetime.now(dt.UTC)
        ctx.close()
    finally:
        cam.close()


def test_a_moving_camera_is_told_to_hold_still(browser, live_server, session_cookie_for, artifacts, tmp_path, faces_dir):
    """The head jumping from one side to the other between two polls: the page says "Hold
    still" (told by the page itself: the quick check keeps nothing between frames) and the
    shutter stays disabled."""
    from tests import photo_images as pi

    left = pi.compliant("obama_1.jpg", cx=0.35).resize(SIZE, Image.LANCZOS)
    right = pi.compliant("obama_1.jpg", cx=0.65).resize(SIZE, Image.LANCZOS)
    video = tmp_path / "moving.y4m"
    write_y4m(video, [left, right] * 15)
    person = _person()
    cam = _launch(browser, video)
    try:
        ctx = cam.new_context(viewport={"width": 1100, "height": 900}, permissions=["camera"])
        ctx.add_cookies([session_cookie_for(person), {"name": "absher_lang", "value": "en", "url": live_server.url}])
        page = ctx.new_page()
        page.goto(f"{live_server.url}/civil-affairs/id-renewal/")
        page.get_by_test_id("camera-open").click()
        seen = []
        _wait_hint(page, "HOLD_STILL_MOVING", 25, seen)
        assert page.get_by_test_id("camera-hint").inner_text() == "Hold still"
        assert page.get_by_test_id("camera-shoot").is_disabled()
        assert "READY" not in seen
        page.screenshot(path=str(artifacts / "idrenewal-camera-hold-still-en-1100.png"), full_page=True)
        ctx.close()
    finally:
        cam.close()
