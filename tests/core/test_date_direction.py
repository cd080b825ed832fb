"""Dates read in one direction on a page: each date (both calendars, and the time when there is
one) is isolated in the page's reading direction, so Arabic pages always read Hijri first from
the right and English pages from the left, whatever text or number stands next to it."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from core.dates import hijri_iso

TEMPLATE = Template(
    '{% load portal %}<span class="ltr">X-1 {{ d|dual_date }}</span> {{ t|dual_datetime }} [{{ none|dual_date|default:"—" }}]'
)


@pytest.mark.parametrize(("lang", "direction", "marker"), [("ar", "rtl", "هـ"), ("en", "ltr", "AH")])
def test_dates_are_isolated_in_the_pages_direction(lang, direction, marker):
    day = dt.date(2026, 11, 22)
    moment = timezone.make_aware(dt.datetime(2026, 11, 22, 14, 5), timezone.get_default_timezone())
    hijri = hijri_iso(day).replace("-", "/")
    with translation.override(lang):
        html = TEMPLATE.render(Context({"d": day, "t": moment, "none": None}))
    assert f'<bdi class="date" dir="{direction}">{hijri} {marker} — 2026/11/22</bdi>' in html
    assert f'<bdi class="date" dir="{direction}">{hijri} {marker} — 2026/11/22 14:05</bdi>' in html
    assert "[—]" in html  # no date: the template's default, no empty element


@pytest.mark.django_db
def test_arabic_receipt_page_dates_read_right_to_left(person, web_client_for):
    from payments.services import payment_mark_paid
    from tests.payments.test_services import make_payment

    p = make_payment(person)
    payment_mark_paid(payment_id=p.pk, method="CARD", card_last4="1111")
    html = web_client_for(person, lang="ar").get(f"/payments/{p.pk}/receipt/").content.decode()
    paid = html[html.index('data-testid="receipt-paid-at"') :]
    assert paid.split(">", 1)[1].startswith('<bdi class="date" dir="rtl">') and "هـ" in paid.split("</bdi>")[0]
