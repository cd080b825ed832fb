"""The card gateway is an interface with the sandbox as one implementation, and every payment
sandbox lives behind SANDBOXES_ENABLED: with it off (production's default) the sandbox bank and
card checkout do not exist, and nothing can be paid that way."""

from decimal import Decimal

import pytest
from django.urls import reverse

from payments.gateway import ChargeResult, SandboxCardGateway, card_gateway
from payments.models import Payment, PaymentEvent
from tests.payments.test_services import CARD, make_payment

pytestmark = pytest.mark.django_db


class ApprovingGateway:
    """A stand-in for a real acquirer, configured by PAYMENT_CARD_GATEWAY."""

    name = "test-acquirer"

    def charge(self, *, card_number, expiry_month, expiry_year, cvv, amount):
        return ChargeResult(approved=True, last4=card_number[-4:])


def test_the_sandbox_is_the_gateway_only_while_sandboxes_are_on(settings):
    settings.SANDBOXES_ENABLED = True
    assert isinstance(card_gateway(), SandboxCardGateway)
    settings.SANDBOXES_ENABLED = False
    settings.PAYMENT_CARD_GATEWAY = ""
    assert card_gateway() is None
    settings.PAYMENT_CARD_GATEWAY = "tests.payments.test_gateway.ApprovingGateway"
    assert card_gateway().name == "test-acquirer"


def test_the_sandbox_declines_its_test_cards_and_approves_the_rest(settings):
    gw = SandboxCardGateway()
    declined = settings.PAYMENT_SANDBOX_DECLINED_CARDS[0]
    assert gw.charge(card_number=declined, expiry_month=1, expiry_year=2030, cvv="123", amount=Decimal("1")).approved is False
    assert gw.charge(card_number="4111111111111111", expiry_month=1, expiry_year=2030, cvv="123", amount=Decimal("1")) == ChargeResult(
        True, "1111"
    )


def test_with_sandboxes_off_the_sandbox_bank_and_card_checkout_do_not_exist(settings, person, api_client_for, web_client_for):
    settings.SANDBOXES_ENABLED = False
    settings.PAYMENT_CARD_GATEWAY = ""
    p = make_payment(person)
    web = web_client_for(person)
    assert web.get(reverse("payments:sadad_bank")).status_code == 404
    assert web.post(reverse("payments:sadad_bank"), {"bill_number": p.bill_number, "action": "pay"}).status_code == 404
    page = web.get(reverse("payments:checkout", kwargs={"pk": p.pk})).content.decode()
    assert 'data-testid="card-form"' not in page and 'data-testid="open-sandbox-bank"' not in page
    assert 'data-testid="sandbox-banner"' not in page and p.bill_number in page  # SADAD stays
    assert web.post(reverse("payments:checkout", kwargs={"pk": p.pk}), {**CARD, "idempotency_key": "k1"}).status_code == 404
    r = api_client_for(person).post(f"/api/v1/payments/{p.pk}/card/", CARD, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    p.refresh_from_db()
    assert p.status == Payment.Status.PENDING and not PaymentEvent.objects.filter(payment=p, action="pay").exists()


def test_with_sandboxes_on_the_same_pages_work(settings, person, api_client_for, web_client_for):
    settings.SANDBOXES_ENABLED = True
    p = make_payment(person)
    assert web_client_for(person).get(reverse("payments:sadad_bank")).status_code == 200
    page = web_client_for(person).get(reverse("payments:checkout", kwargs={"pk": p.pk})).content.decode()
    assert 'data-testid="card-form"' in page and 'data-testid="sandbox-banner"' in page
    r = api_client_for(person).post(f"/api/v1/payments/{p.pk}/card/", CARD, format="json", HTTP_IDEMPOTENCY_KEY="k3")
    assert r.status_code == 200 and r.json()["status"] == "PAID" and r.json()["card_last4"] == "1111"


def test_a_configured_gateway_charges_in_production(settings, person, api_client_for):
    """Production with a real acquirer: card checkout goes through the interface, no sandbox."""
    settings.SANDBOXES_ENABLED = False
    settings.PAYMENT_CARD_GATEWAY = "tests.payments.test_gateway.ApprovingGateway"
    p = make_payment(person)
    declined = settings.PAYMENT_SANDBOX_DECLINED_CARDS[0]  # the sandbox's test card means nothing to a real gateway
    r = api_client_for(person).post(
        f"/api/v1/payments/{p.pk}/card/", {**CARD, "card_number": declined}, format="json", HTTP_IDEMPOTENCY_KEY="k4"
    )
    assert r.status_code == 200 and r.json()["status"] == "PAID"


def test_an_outsider_gets_404_whatever_the_gateway(settings, person, outsider, api_client_for):
    settings.SANDBOXES_ENABLED = True
    p = make_payment(person)
    r = api_client_for(outsider).post(f"/api/v1/payments/{p.pk}/card/", CARD, format="json", HTTP_IDEMPOTENCY_KEY="k5")
    assert r.status_code == 404
    p.refresh_from_db()
    assert p.status == Payment.Status.PENDING
