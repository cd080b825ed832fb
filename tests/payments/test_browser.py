"""Browser journey: a person pays an outstanding traffic violation by card, sees the receipt,
downloads the PDF (it opens and holds the amount) and finds the notification in the inbox."""

import datetime as dt
import io
import pathlib
from decimal import Decimal

import pytest


@pytest.mark.browser
def test_pay_outstanding_violation_by_card(browser, live_server, session_cookie_for, artifacts):
    from pypdf import PdfReader

    from payments.models import Payment, PaymentEvent
    from registry.models import Fine
    from tests.factories import PersonFactory

    person = PersonFactory(name_en="Fahad Al-Otaibi", name_ar="فهد العتيبي")
    v = Fine.objects.create(
        kind=Fine.Kind.TRAFFIC,
        person=person,
        reference="TV-5501",
        description_ar="تجاوز الإشارة الحمراء",
        description_en="Crossing a red light",
        amount=Decimal("500.00"),
        issued_on=dt.date(2026, 9, 14),
    )
    ctx = browser.new_context(viewport={"width": 1100, "height": 1000}, locale="ar-SA", accept_downloads=True)
    ctx.add_cookies([session_cookie_for(person), {"name": "absher_lang", "value": "ar", "url": live_server.url}])
    page = ctx.new_page()
    page.goto(f"{live_server.url}/payments/outstanding/")
    assert page.locator('[data-testid="outstanding-TV-5501"]').is_checked()
    page.screenshot(path=str(artifacts / "payments-1-outstanding-ar.png"), full_page=True)
    page.click('[data-testid="outstanding-pay"]')
    page.wait_for_url("**/checkout/")
    assert "500.00" in page.locator('[data-testid="payment-total"]').inner_text()
    assert page.locator('[data-testid="sandbox-banner"]').is_visible()
    page.screenshot(path=str(artifacts / "payments-2-checkout-ar.png"), full_page=True)

    # a declined card first: stays on the page with the bank's answer, nothing paid
    page.fill('[data-testid="card-number"]', "4000000000000002")
    page.fill('[data-testid="card-expiry-month"]', "12")
    page.fill('[data-testid="card-expiry-year"]', str(dt.date.today().year + 2))
    page.fill('[data-testid="card-cvv"]', "123")
    page.click('[data-testid="card-pay"]')
    page.wait_for_selector('[data-testid="payment-error"]')
    assert Payment.objects.get().status == "PENDING"

    # English for the rest of the journey
    ctx.add_cookies([{"name": "absher_lang", "value": "en", "url": live_server.url}])
    page.reload()  # re-posts the declined form: the same key, the stored answer, shown in English
    assert "The card was declined by the bank" in page.locator('[data-testid="payment-error"]').inner_text()
    assert PaymentEvent.objects.filter(action="card_declined").count() == 1
    page.goto(page.url)
    page.screenshot(path=str(artifacts / "payments-3-checkout-en.png"), full_page=True)
    page.fill('[data-testid="card-number"]', "4111 1111 1111 1111")
    page.fill('[data-testid="card-expiry-month"]', "12")
    page.fill('[data-testid="card-expiry-year"]', str(dt.date.today().year + 2))
    page.fill('[data-testid="card-cvv"]', "123")
    page.click('[data-testid="card-pay"]')
    page.wait_for_url("**/receipt/")
    payment = Payment.objects.get()
    assert payment.status == "PAID" and payment.card_last4 == "1111"
    assert page.locator('[data-testid="receipt-reference"]').inner_text() == payment.reference
    assert "500.00" in page.locator('[data-testid="payment-total"]').inner_text()
    page.screenshot(path=str(artifacts / "payments-4-receipt-en.png"), full_page=True)
    v.refresh_from_db()
    assert v.paid_at is not None and v.paid_by == payment.reference

    with page.expect_download() as dl:
        page.click('[data-testid="receipt-pdf"]')
    pdf_path = dl.value.path()
    text = PdfReader(io.BytesIO(pathlib.Path(pdf_path).read_bytes())).pages[0].extract_text()
    assert "500.00" in text and payment.reference in text and "Traffic violation TV-5501" in text

    assert page.locator('[data-testid="unread-count"]').inner_text() == "1"
    page.click('[data-testid="inbox-link"]')
    page.wait_for_url("**/notifications/")
    item = page.locator('[data-testid="notification-payment_paid"]')
    assert "Payment received" in item.inner_text() and "500.00" in item.inner_text()
    page.screenshot(path=str(artifacts / "payments-5-inbox-en.png"), full_page=True)
    ctx.add_cookies([{"name": "absher_lang", "value": "ar", "url": live_server.url}])
    page.goto(f"{live_server.url}/payments/{payment.pk}/receipt/")
    page.screenshot(path=str(artifacts / "payments-6-receipt-ar.png"), full_page=True)
    page.goto(f"{live_server.url}/notifications/")
    page.screenshot(path=str(artifacts / "payments-7-inbox-ar.png"), full_page=True)
    page.click('[data-testid="notification-open"]')
    page.wait_for_url(f"**/payments/{payment.pk}/receipt/")
    assert page.locator('[data-testid="unread-count"]').count() == 0
    ctx.close()
