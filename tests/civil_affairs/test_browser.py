"""The whole ID renewal journey in Chromium against the live server, with the real face engine
on the shared photographs: eligibility, upload, the live check, delivery choice, card payment,
tracking until approved; then a rejected photo with its advice (Arabic, RTL).

A real Celery worker (Redis, the `faces` queue, dlib) runs the photo check and the payment's
follow-up, so the page really follows the check live: it shows "checking", polls its status
and reloads itself when the worker has decided."""

import datetime as dt

import pytest

from tests.officers import officer_login

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.faces]


def _page(browser, live_server, cookie, lang):
    ctx = browser.new_context(viewport={"width": 1100, "height": 1000}, locale="ar-SA" if lang == "ar" else "en-US")
    ctx.add_cookies([cookie, {"name": "absher_lang", "value": lang, "url": live_server.url}])
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    return ctx, page


def test_id_renewal_journey(celery_worker, browser, live_server, session_cookie_for, artifacts, faces_dir, tmp_path):
    from biometrics.enrol import person_photo_enroll
    from civil_affairs.models import IdRenewal
    from core import dates
    from registry.models import NationalIdCard
    from tests.factories import AddressFactory, IdCardFactory, OfficeFactory, PersonFactory
    from tests.photo_images import compliant, to_jpeg, two_faces

    person = PersonFactory(name_en="Mohammed Alqahtani", name_ar="محمد القحطاني")
    IdCardFactory(person=person, expiry_date=dates.today() + dt.timedelta(days=60))
    address = AddressFactory(person=person, deliverable=True, city="Riyadh", district="Olaya")
    AddressFactory(person=person, deliverable=False, short_address="FARA0001", is_primary=False)
    OfficeFactory(name_en="Civil Affairs — Olaya branch", name_ar="الأحوال المدنية — فرع العليا")
    person_photo_enroll(person=person, data=(faces_dir / "obama_1.jpg").read_bytes())
    selfie = tmp_path / "selfie.jpg"
    selfie.write_bytes(to_jpeg(compliant("obama_2.jpg")))

    ctx, page = _page(browser, live_server, session_cookie_for(person), "en")
    # 1. eligibility and the photo rules
    page.goto(f"{live_server.url}/civil-affairs/id-renewal/")
    assert page.get_by_test_id("eligible").is_visible()
    assert page.locator(".idr-example").count() == 7
    page.screenshot(path=str(artifacts / "idrenewal-1-eligibility-rules-en.png"), full_page=True)
    # 2. upload: the check runs, the page shows the result
    page.get_by_test_id("photo-input").set_input_files(str(selfie))
    page.get_by_test_id("photo-submit").click()
    page.wait_for_url("**/civil-affairs/id-renewal/*/")
    if page.get_by_test_id("check-pending").count():  # the worker is still checking: the page waits live
        page.screenshot(path=str(artifacts / "idrenewal-2a-checking-live-en.png"), full_page=True)
    page.get_by_test_id("check-passed").wait_for(timeout=90_000)
    renewal = IdRenewal.objects.get(person=person)
    assert renewal.status == "AWAITING_DELIVERY_CHOICE" and renewal.face_decision == "MATCH"
    assert page.get_by_test_id("reference").inner_text() == renewal.reference
    # served through the authorised view: wait until the browser has loaded it (the page has just
    # refreshed itself), then it must be a real picture (a refused one ends complete with no width)
    page.wait_for_function("() => { const i = document.querySelector('img.idr-thumb'); return i && i.complete; }", timeout=15_000)
    assert page.locator("img.idr-thumb").evaluate("img => img.naturalWidth") > 0
    page.screenshot(path=str(artifacts / "idrenewal-2-check-passed-delivery-en.png"), full_page=True)
    # 3. delivery to the deliverable address
    page.get_by_test_id("method-post").check()
    page.get_by_test_id("address-select").select_option(str(address.pk))
    page.get_by_test_id("delivery-submit").click()
    page.get_by_test_id("payment").wait_for()
    assert page.get_by_test_id("payment-total").inner_text() == "17.50"
    assert page.get_by_test_id("status").get_attribute("data-status") == "AWAITING_PAYMENT"
    page.screenshot(path=str(artifacts / "idrenewal-3-payment-summary-en.png"), full_page=True)
    # 4. card payment on the payments checkout, back to the request
    page.get_by_test_id("pay-card").click()
    page.get_by_test_id("card-number").fill("4111111111111111")
    page.get_by_test_id("card-expiry-month").fill("12")
    page.get_by_test_id("card-expiry-year").fill(str(dates.today().year + 2))
    page.get_by_test_id("card-cvv").fill("123")
    page.screenshot(path=str(artifacts / "idrenewal-4-checkout-en.png"), full_page=True)
    page.get_by_test_id("card-pay").click()
    page.wait_for_url(f"**/civil-affairs/id-renewal/{renewal.pk}/")
    page.locator('[data-testid="status"][data-status="APPROVED"]').wait_for(timeout=60_000)
    renewal.refresh_from_db()
    assert renewal.status == "APPROVED"
    new_card = NationalIdCard.objects.get(person=person, status="ACTIVE")
    assert renewal.new_card_id == new_card.pk
    assert page.get_by_test_id("new-expiry").inner_text().endswith(new_card.expiry_date.strftime("%Y/%m/%d"))
    history = page.get_by_test_id("history").inner_text()
    for label in ("Checking the photo", "Choose delivery or pickup", "Awaiting payment", "In process", "Approved"):
        assert label in history
    page.screenshot(path=str(artifacts / "idrenewal-5-approved-tracking-en.png"), full_page=True)
    # the same page in Arabic
    ctx.add_cookies([{"name": "absher_lang", "value": "ar", "url": live_server.url}])
    page.reload()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "تمت الموافقة" in page.get_by_test_id("status").inner_text()
    page.screenshot(path=str(artifacts / "idrenewal-6-approved-tracking-ar.png"), full_page=True)
    ctx.close()

    # 5. a photo breaking a quality rule is refused on the page before any request exists (no
    # attempt spent); a compliant photo of someone else is refused by the worker's face match,
    # with advice the person can act on (Arabic)
    other = PersonFactory()
    IdCardFactory(person=other, expiry_date=dates.today() - dt.timedelta(days=5))
    person_photo_enroll(person=other, data=(faces_dir / "obama_1.jpg").read_bytes())
    two = tmp_path / "two.jpg"
    two.write_bytes(to_jpeg(two_faces()))
    bad = tmp_path / "someone-else.jpg"
    bad.write_bytes(to_jpeg(compliant("biden_2.jpg")))
    ctx, page = _page(browser, live_server, session_cookie_for(other), "ar")
    page.goto(f"{live_server.url}/civil-affairs/id-renewal/")
    assert page.get_by_test_id("late-fine").inner_text().startswith("100.00")
    page.get_by_test_id("photo-input").set_input_files(str(two))
    page.get_by_test_id("photo-submit").click()
    form_text = page.locator("#photo-form").inner_text()
    assert "لم تُحتسب محاولة" in form_text and "أكثر من وجه" in form_text
    assert IdRenewal.objects.filter(person=other).count() == 0
    page.screenshot(path=str(artifacts / "idrenewal-7a-photo-refused-before-sending-ar.png"), full_page=True)
    page.get_by_test_id("photo-input").set_input_files(str(bad))
    page.get_by_test_id("photo-submit").click()
    page.get_by_test_id("check-failed").wait_for(timeout=60_000)
    codes = page.locator(".idr-advice li").evaluate_all("els => els.map(e => e.dataset.code)")
    assert codes == ["FACE_MISMATCH"]
    assert IdRenewal.objects.get(person=other).status == "PHOTO_REJECTED"
    page.screenshot(path=str(artifacts / "idrenewal-7-photo-rejected-ar.png"), full_page=True)
    # sending the same photo again is refused at once
    page.get_by_test_id("start-again").click()
    page.get_by_test_id("photo-input").set_input_files(str(bad))
    page.get_by_test_id("photo-submit").click()
    assert "سبق رفض هذه الصورة" in page.locator("#photo-form").inner_text()
    assert IdRenewal.objects.filter(person=other).count() == 1
    page.screenshot(path=str(artifacts / "idrenewal-8-same-photo-refused-ar.png"), full_page=True)
    ctx.close()


def test_officer_review_page(browser, live_server, artifacts, settings, django_user_model, django_capture_on_commit_callbacks):
    """An officer sees the new photo and the photo on file side by side, the distance and the
    quality results, and rejects with a reason (scenario engine: a REVIEW match)."""
    from django.conf import settings as dj_settings
    from django.test import Client

    from biometrics.enrol import person_photo_enroll
    from civil_affairs import services
    from civil_affairs.models import IdRenewal
    from core import dates
    from core.models import AuditLog
    from payments.models import Payment
    from payments.services import payment_fulfil, payment_mark_paid
    from tests.factories import AddressFactory, IdCardFactory, PersonFactory
    from tests.photo_images import synthetic_portrait

    settings.FACE_ENGINE = "biometrics.face.ScenarioFaceEngine"
    settings.FACE_ENGINE_SCENARIO = "review"
    person = PersonFactory()
    IdCardFactory(person=person, expiry_date=dates.today() + dt.timedelta(days=30))
    address = AddressFactory(person=person)
    person_photo_enroll(person=person, data=synthetic_portrait())
    renewal = services.renewal_create(person=person, photo_data=synthetic_portrait(size=(640, 800)))  # on_commit: checked at once
    renewal = services.renewal_delivery_choose(person=person, renewal_id=renewal.pk, method="POST", address_id=address.pk)
    payment_mark_paid(payment_id=renewal.payment_id, method="CARD")
    payment_fulfil(payment_id=renewal.payment_id)
    renewal.refresh_from_db()
    assert renewal.status == "UNDER_REVIEW"

    officer = django_user_model.objects.create_user("reviewer", password="x", is_staff=True, is_superuser=True)
    c = officer_login(Client(), officer)
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    ctx.add_cookies(
        [
            {"name": dj_settings.SESSION_COOKIE_NAME, "value": c.cookies[dj_settings.SESSION_COOKIE_NAME].value, "url": live_server.url},
            {"name": "absher_lang", "value": "en", "url": live_server.url},
        ]
    )
    page = ctx.new_page()
    page.goto(f"{live_server.url}/admin/civil_affairs/idrenewal/?status__exact=UNDER_REVIEW")
    assert renewal.reference in page.content()
    page.screenshot(path=str(artifacts / "idrenewal-9-officer-queue-en.png"), full_page=True)
    page.goto(f"{live_server.url}/admin/civil_affairs/idrenewal/{renewal.pk}/review/")
    assert page.locator("img").evaluate_all("imgs => imgs.filter(i => i.naturalWidth > 0).length") == 2
    page.screenshot(path=str(artifacts / "idrenewal-10-officer-review-en.png"), full_page=True)
    page.locator('input[name="decision"][value="reject"]').check()
    page.locator('textarea[name="reason"]').fill("The new photo does not show the same person")
    page.locator('input[type="submit"]').click()
    page.get_by_test_id("review-status").wait_for()
    assert IdRenewal.objects.get(pk=renewal.pk).status == "REJECTED"
    assert Payment.objects.get(pk=renewal.payment_id).status == "REFUNDED"
    reads = AuditLog.objects.filter(action="id_renewal.photo_read", officer=officer, object_id=str(renewal.pk))
    assert {d["which"] for d in reads.values_list("data", flat=True)} == {"new", "on_file"}  # every read logged
    page.screenshot(path=str(artifacts / "idrenewal-11-officer-rejected-en.png"), full_page=True)
    ctx.close()
