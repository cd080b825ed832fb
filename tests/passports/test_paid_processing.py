"""Right after the payment, before the worker re-checks the request: the family renewal's page
says "payment received, processing", links to the receipt and offers neither payment nor cancel."""

import re

import pytest
from django.urls import reverse

from payments.services import payment_fulfil, payment_mark_paid
from tests.passports.test_flow import fam, renewal  # noqa: F401 (fixtures)


@pytest.mark.parametrize(("lang", "received"), [("en", "Payment received, processing"), ("ar", "تم استلام السداد، جارٍ المعالجة")])
def test_paid_renewal_says_received_until_the_worker_moves_it(fam, renewal, web_client_for, lang, received):  # noqa: F811
    head, _m = fam
    w = web_client_for(head, lang=lang)
    url = reverse("passports:detail", kwargs={"pk": renewal.pk})
    html = w.get(url).content.decode()
    assert 'data-testid="pay-card"' in html and 'data-testid="cancel"' in html and 'data-testid="payment-received"' not in html
    payment_mark_paid(payment_id=renewal.payment_id, method="CARD", card_last4="1111")
    html = w.get(url).content.decode()
    assert 'data-testid="payment-received"' in html
    assert re.search(r'data-testid="status"[^>]*>([^<]*)<', html).group(1) == received
    assert reverse("payments:receipt", kwargs={"pk": renewal.payment_id}) in html
    assert 'data-testid="pay-card"' not in html and 'data-testid="cancel"' not in html and 'data-testid="bill-number"' not in html
    assert '<meta http-equiv="refresh"' in html  # moves on by itself, with or without JavaScript
    payment_fulfil(payment_id=renewal.payment_id)
    renewal.refresh_from_db()
    assert renewal.status == "PROCESSING"  # the re-check is the worker's next task
    html = w.get(url).content.decode()
    assert 'data-testid="payment-received"' not in html and 'data-testid="processing"' in html
    assert reverse("payments:receipt", kwargs={"pk": renewal.payment_id}) in html
