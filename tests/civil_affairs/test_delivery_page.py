"""The delivery step of the ID renewal page: the only deliverable address is chosen already, only
the chosen method's list shows, addresses read in the page's language, and choosing postal
delivery with what the page offers goes on to the payment. Then, paid but not yet moved on by the
worker, the page says "payment received, processing" and links to the receipt."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civil_affairs.models import IdRenewal
from core import dates
from payments.services import payment_fulfil, payment_mark_paid
from tests.civil_affairs.test_services import SCENARIO, enroll, portrait
from tests.factories import AddressFactory, IdCardFactory, OfficeFactory


@pytest.fixture(autouse=True)
def scenario_engine(settings):
    settings.FACE_ENGINE = SCENARIO
    settings.FACE_ENGINE_SCENARIO = "match"


@pytest.fixture
def due(person):
    """A citizen whose ID expires in 60 days, one deliverable address (primary), a photo on file."""
    IdCardFactory(person=person, expiry_date=dates.today() + dt.timedelta(days=60))
    AddressFactory(person=person, deliverable=True)
    enroll(person)
    return person


def started(w, person, captured):
    with captured(execute=True):
        r = w.post(reverse("civil_affairs:start"), {"photo": SimpleUploadedFile("me.jpg", portrait(), "image/jpeg")})
    assert r.status_code == 302
    return IdRenewal.objects.get(person=person)


def options(html: str) -> list[tuple[str, bool, str]]:
    select = re.search(r'<select[^>]*data-testid="address-select".*?</select>', html, re.S).group(0)
    return [(v, bool(sel), label) for v, sel, label in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)]


def test_the_only_deliverable_address_is_chosen_and_postal_goes_on_to_payment(due, web_client_for, django_capture_on_commit_callbacks):
    AddressFactory(
        person=due, deliverable=False, is_primary=False, short_address="RFAR0001", district="منطقة نائية", district_en="Remote area"
    )
    OfficeFactory()
    w = web_client_for(due)
    renewal = started(w, due, django_capture_on_commit_callbacks)
    html = w.get(reverse("civil_affairs:detail", kwargs={"pk": renewal.pk})).content.decode()
    good = due.addresses.get(deliverable=True)
    # One choice, selected, no empty "—" to fall on; the undeliverable one is only listed as such.
    assert options(html) == [(str(good.pk), True, f"{good.short_address} — Olaya, Riyadh {good.postal_code}")]
    assert 'data-testid="undeliverable"' in html and "RFAR0001 — Remote area, Riyadh" in html
    # Each list is tied to its method (the page script shows only the chosen one).
    assert re.search(r'<p data-show-for="POST"[^>]*>\s*<label for="id_address_id"', html)
    assert re.search(r'<p data-show-for="PICKUP"[^>]*>\s*<label for="id_office_id"', html)
    # What a browser sends: postal delivery and the address the page chose.
    r = w.post(reverse("civil_affairs:delivery", kwargs={"pk": renewal.pk}), {"method": "POST", "address_id": options(html)[0][0]})
    assert r.status_code == 302, r.content.decode()[:2000]
    renewal.refresh_from_db()
    assert (renewal.status, renewal.delivery_method, renewal.address_id) == ("AWAITING_PAYMENT", "POST", good.pk)


def test_arabic_page_shows_the_address_in_arabic(due, web_client_for, django_capture_on_commit_callbacks):
    w = web_client_for(due, lang="ar")
    renewal = started(w, due, django_capture_on_commit_callbacks)
    html = w.get(reverse("civil_affairs:detail", kwargs={"pk": renewal.pk})).content.decode()
    [(_, selected, label)] = options(html)
    assert selected and "العليا، الرياض" in label and "Olaya" not in html


def test_several_deliverable_addresses_the_primary_is_chosen(due, web_client_for, django_capture_on_commit_callbacks):
    other = AddressFactory(person=due, deliverable=True, is_primary=False, district_en="Malaz")
    w = web_client_for(due)
    renewal = started(w, due, django_capture_on_commit_callbacks)
    opts = options(w.get(reverse("civil_affairs:detail", kwargs={"pk": renewal.pk})).content.decode())
    primary = due.addresses.get(is_primary=True)
    assert [v for v, sel, _ in opts if sel] == [str(primary.pk)]
    assert {v for v, _, _ in opts} == {"", str(primary.pk), str(other.pk)}


def test_no_deliverable_address_postal_is_off_with_the_reason(person, web_client_for, django_capture_on_commit_callbacks):
    IdCardFactory(person=person, expiry_date=dates.today() + dt.timedelta(days=60))
    AddressFactory(person=person, deliverable=False)
    enroll(person)
    office = OfficeFactory()
    w = web_client_for(person)
    renewal = started(w, person, django_capture_on_commit_callbacks)
    html = w.get(reverse("civil_affairs:detail", kwargs={"pk": renewal.pk})).content.decode()
    assert re.search(r'value="POST" data-testid="method-post"\s*disabled', html) and 'data-testid="no-deliverable"' in html
    assert 'data-testid="address-select"' not in html
    r = w.post(reverse("civil_affairs:delivery", kwargs={"pk": renewal.pk}), {"method": "POST"})
    assert r.status_code == 400 and "choose pickup at an office" in r.content.decode()
    r = w.post(reverse("civil_affairs:delivery", kwargs={"pk": renewal.pk}), {"method": "PICKUP", "office_id": office.pk})
    assert r.status_code == 302


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_paid_request_says_payment_received_until_the_worker_moves_it(due, web_client_for, django_capture_on_commit_callbacks, lang):
    w = web_client_for(due, lang=lang)
    renewal = started(w, due, django_capture_on_commit_callbacks)
    r = w.post(reverse("civil_affairs:delivery", kwargs={"pk": renewal.pk}), {"method": "POST", "address_id": due.addresses.get().pk})
    assert r.status_code == 302
    renewal.refresh_from_db()
    url = reverse("civil_affairs:detail", kwargs={"pk": renewal.pk})
    html = w.get(url).content.decode()
    assert 'data-testid="cancel"' in html and 'data-testid="payment-received"' not in html
    # The bank has paid; the worker has not handed the payment over yet.
    payment_mark_paid(payment_id=renewal.payment_id, method="CARD", card_last4="1111")
    html = w.get(url).content.decode()
    received = "Payment received, processing" if lang == "en" else "تم استلام السداد، جارٍ المعالجة"
    assert 'data-testid="payment-received"' in html and received in html
    assert reverse("payments:receipt", kwargs={"pk": renewal.payment_id}) in html
    assert 'data-testid="cancel"' not in html and 'data-testid="pay-card"' not in html
    status = re.search(r'data-testid="status"[^>]*>([^<]*)<', html).group(1)
    assert status == received
    # The worker moves it on: the usual status again, the receipt still one click away.
    payment_fulfil(payment_id=renewal.payment_id)
    html = w.get(url).content.decode()
    assert 'data-testid="payment-received"' not in html
    assert reverse("payments:receipt", kwargs={"pk": renewal.payment_id}) in html
