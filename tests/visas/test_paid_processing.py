"""Right after the payment, before the worker issues the visas: the application and each visa's
page say "payment received, processing", link to the receipt and offer no cancel."""

import re

import pytest
from django.urls import reverse

from payments.services import payment_fulfil, payment_mark_paid


@pytest.mark.parametrize(("lang", "received"), [("en", "Payment received, processing"), ("ar", "تم استلام السداد، جارٍ المعالجة")])
def test_paid_application_says_received_until_the_visas_are_issued(fam, submit, web_client_for, lang, received):
    head, _wife = fam
    app = submit([(head, "SINGLE", 2)])
    visa = app.visas.get()
    w = web_client_for(head, lang=lang)
    app_url = reverse("visas:application", kwargs={"pk": app.pk})
    visa_url = reverse("visas:detail", kwargs={"pk": visa.pk})
    assert 'data-testid="cancel"' in w.get(visa_url).content.decode()
    payment_mark_paid(payment_id=app.payment_id, method="CARD", card_last4="1111")
    receipt = reverse("payments:receipt", kwargs={"pk": app.payment_id})
    for url in (app_url, visa_url):
        html = w.get(url).content.decode()
        assert 'data-testid="payment-received"' in html and receipt in html, url
        assert 'data-testid="cancel"' not in html and 'data-testid="pay-card"' not in html, url
        assert '<meta http-equiv="refresh"' in html, url
    status = re.search(r'data-testid="status"[^>]*>([^<]*)<', w.get(visa_url).content.decode()).group(1)
    assert status == received
    payment_fulfil(payment_id=app.payment_id)
    html = w.get(app_url).content.decode()
    assert 'data-testid="payment-received"' not in html and receipt in html
    assert 'data-testid="payment-received"' not in w.get(visa_url).content.decode()
