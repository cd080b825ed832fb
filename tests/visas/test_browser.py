"""Exit/re-entry visas in Chromium against the live server: a head of family issues a single visa for
himself and a multiple visa for his wife in one application, pays by card, prints the PDF, and the
sandbox border records their exit and return. Screenshots in Arabic and English, desktop and 360 px.
Tasks run eagerly in the live server (the real-worker path has its own test)."""

import datetime as dt

import pytest

from tests.pdfcheck import pdftotext, png_page

pytestmark = [pytest.mark.browser]
SIZES = {"desktop": {"width": 1200, "height": 900}, "360": {"width": 360, "height": 740}}
# The most lines a traveller's field label takes ("Type", "Months": one line each, never broken letter by letter).
LABEL_LINES = """() => Math.max(0, ...[...document.querySelectorAll('.visa-traveller label')].flatMap(l => [...l.childNodes]
  .filter(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim())
  .map(n => { const r = document.createRange(); r.selectNodeContents(n); return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; })))"""


def _page(browser, live_server, cookie, lang, size="desktop"):
    ctx = browser.new_context(viewport=SIZES[size], locale="ar-SA" if lang == "ar" else "en-US")
    ctx.add_cookies([cookie, {"name": "absher_lang", "value": lang, "url": live_server.url}])
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    return ctx, page


def _shots(browser, live_server, cookie, artifacts, path, name):
    """The page in both languages at desktop and 360 px; checks direction and that nothing is wider than the phone."""
    for lang in ("ar", "en"):
        for size in SIZES:
            ctx, page = _page(browser, live_server, cookie, lang, size)
            page.goto(f"{live_server.url}{path}")
            assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
            if size == "360" and path.startswith("/visas/"):  # the visa pages (the dashboard is the portal's)
                assert page.evaluate("document.documentElement.scrollWidth") <= 360, f"{path} overflows 360 px ({lang})"
                assert page.evaluate(LABEL_LINES) <= 1, f"{path}: a field label breaks inside its words ({lang})"
            page.screenshot(path=str(artifacts / f"visa-{name}-{lang}-{size}.png"), full_page=True)
            ctx.close()


def test_head_issues_single_and_multiple_pays_prints_and_crosses_the_border(
    browser, live_server, session_cookie_for, artifacts, transactional_db
):
    from core import dates
    from registry.models import Person
    from tests.factories import FamilyMemberFactory, IqamaFactory, PassportFactory, ResidentFactory
    from visas.models import BorderCrossing, Visa, VisaApplication

    today = dates.today()
    head = ResidentFactory(name_en="Ahmed Hassan Mahmoud", name_ar="أحمد حسن محمود")
    IqamaFactory(person=head, expiry_date=today + dt.timedelta(days=400))
    PassportFactory(person=head, expiry_date=today + dt.timedelta(days=1500))
    wife = FamilyMemberFactory(head=head, relation="WIFE", person__name_en="Mona Ali Ibrahim", person__name_ar="منى علي إبراهيم").person
    IqamaFactory(person=wife, expiry_date=today + dt.timedelta(days=400))
    PassportFactory(person=wife, expiry_date=today + dt.timedelta(days=1500))
    cookie = session_cookie_for(head)

    _shots(browser, live_server, cookie, artifacts, "/dashboard/", "0-dashboard")
    _shots(browser, live_server, cookie, artifacts, "/visas/", "1-choose")

    # English, desktop: choose both travellers, see every condition and the quote, confirm, pay by card.
    ctx, page = _page(browser, live_server, cookie, "en")
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_test_id("service-visas").click()
    page.wait_for_url("**/visas/")
    page.get_by_test_id(f"pick-{head.pk}").check()
    page.get_by_test_id(f"type-{head.pk}").select_option("SINGLE")
    page.get_by_test_id(f"months-{head.pk}").select_option("2")
    page.get_by_test_id(f"pick-{wife.pk}").check()
    page.get_by_test_id(f"type-{wife.pk}").select_option("MULTIPLE")
    page.get_by_test_id(f"months-{wife.pk}").select_option("4")
    page.get_by_test_id("to-checks").click()
    page.wait_for_url("**/visas/apply/**")
    checks_path = page.url.removeprefix(live_server.url)
    assert page.get_by_test_id("all-eligible").is_visible()
    for p in (head, wife):
        card = page.get_by_test_id(f"assessment-{p.pk}")
        assert card.get_attribute("data-eligible") == "true"
        assert card.locator("[data-testid^=check-]").count() == 8
    assert page.get_by_test_id(f"fee-{head.pk}").inner_text().strip() == "200.00"
    assert page.get_by_test_id(f"fee-{wife.pk}").inner_text().strip() == "700.00"
    assert page.get_by_test_id("total").inner_text().strip() == "900.00"
    _shots(browser, live_server, cookie, artifacts, checks_path, "2-checks")
    page.locator("input[name=confirm]").check()
    page.get_by_test_id("confirm").click()
    page.wait_for_url("**/visas/applications/*/")
    app = VisaApplication.objects.get(applicant=head)
    assert page.get_by_test_id("reference").inner_text().strip() == app.reference
    page.screenshot(path=str(artifacts / "visa-3-application-unpaid-en-desktop.png"), full_page=True)
    page.get_by_test_id("pay-card").click()
    page.wait_for_url("**/payments/*/checkout/")
    page.get_by_test_id("card-number").fill("4111111111111111")
    page.get_by_test_id("card-expiry-month").fill("12")
    page.get_by_test_id("card-expiry-year").fill(str(today.year + 2))
    page.get_by_test_id("card-cvv").fill("123")
    page.get_by_test_id("card-pay").click()
    page.wait_for_url(f"**/visas/applications/{app.pk}/")
    page.get_by_test_id(f"app-visa-{head.pk}").wait_for()
    assert page.get_by_test_id(f"app-visa-{head.pk}").get_attribute("data-status") == "ISSUED"
    assert page.get_by_test_id(f"app-visa-{wife.pk}").get_attribute("data-status") == "ISSUED"
    page.screenshot(path=str(artifacts / "visa-4-application-paid-en-desktop.png"), full_page=True)
    mine = Visa.objects.get(person=head)
    hers = Visa.objects.get(person=wife)
    assert (mine.type, hers.type) == ("SINGLE", "MULTIPLE")

    # The visa page: number, both calendars, QR code; the PDF prints.
    page.goto(f"{live_server.url}/visas/{hers.pk}/")
    assert page.get_by_test_id("visa-number").inner_text().strip() == hers.number
    assert page.get_by_test_id("valid-until").get_attribute("data-date") == dates.add_months(today, 4).isoformat()
    assert "AH" in page.get_by_test_id("valid-until").inner_text()
    assert page.get_by_test_id("qr").locator("svg").count() == 1
    href = page.get_by_test_id("pdf").get_attribute("href")  # the page's "Print (PDF)" button
    assert href == f"/visas/{hers.pk}/pdf/"
    pdf = page.request.get(f"{live_server.url}{href}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"
    printed = artifacts / "visa-journey-wife.pdf"
    printed.write_bytes(pdf.body())
    text = pdftotext(printed)
    assert hers.number in text and "Mona Ali Ibrahim" in text and "منى علي إبراهيم" in text and "4 months" in text
    png_page(printed, artifacts / "visa-journey-wife-pdf.png")  # page 1 as an image, to be looked at
    ctx.close()
    _shots(browser, live_server, cookie, artifacts, f"/visas/{hers.pk}/", "5-visa-issued")

    # The sandbox border (Arabic, phone): both leave, then both return.
    ctx, page = _page(browser, live_server, cookie, "ar", "360")
    page.goto(f"{live_server.url}/visas/")
    page.get_by_test_id("to-border").click()
    page.wait_for_url("**/visas/sandbox/border/")
    assert page.get_by_test_id("sandbox-banner").is_visible()
    for direction in ("EXIT", "RETURN"):
        for p in (head, wife):
            page.select_option("select[name=person]", str(p.pk))
            page.get_by_test_id(f"direction-{direction}").locator("input").check()
            page.get_by_test_id("border-submit").click()
            page.wait_for_url("**/visas/sandbox/border/")
            assert page.get_by_test_id(f"where-{p.pk}").get_attribute("data-inside") == ("false" if direction == "EXIT" else "true")
        if direction == "EXIT":
            assert (Visa.objects.get(pk=mine.pk).status, Visa.objects.get(pk=hers.pk).status) == ("USED_EXIT", "USED_EXIT")
            assert not Person.objects.get(pk=head.pk).inside_kingdom
            page.screenshot(path=str(artifacts / "visa-6-border-exit-ar-360.png"), full_page=True)
    ctx.close()
    assert (Visa.objects.get(pk=mine.pk).status, Visa.objects.get(pk=hers.pk).status) == ("RETURNED", "RETURNED")
    assert BorderCrossing.objects.count() == 4
    _shots(browser, live_server, cookie, artifacts, "/visas/sandbox/border/", "7-border")
    _shots(browser, live_server, cookie, artifacts, f"/visas/{hers.pk}/", "8-visa-returned")

    # The history shows each move; the single visa cannot exit again, the multiple one can.
    ctx, page = _page(browser, live_server, cookie, "en")
    page.goto(f"{live_server.url}/visas/{mine.pk}/")
    assert page.get_by_test_id("status").get_attribute("data-status") == "RETURNED"
    assert page.get_by_test_id("history").locator("li").count() == 4
    page.goto(f"{live_server.url}/visas/sandbox/border/")
    page.select_option("select[name=person]", str(head.pk))
    page.get_by_test_id("direction-EXIT").locator("input").check()
    page.get_by_test_id("border-submit").click()
    assert "no valid exit/re-entry visa" in page.content()
    ctx.close()
