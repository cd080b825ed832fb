"""Payments: refunds, the checkout page, card payments with Idempotency-Key, SADAD
notifications, receipts and the outstanding page."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from notifications.models import Notification
from payments import hooks
from payments.models import IdempotencyKey, PaymentEvent
from payments.services import LineItem, payment_create, payment_mark_paid, payment_refund

CALLS = []


def on_paid(*, payment_id):
    CALLS.append(("paid", payment_id))


def on_refunded(*, payment_id):
    CALLS.append(("refunded", payment_id))


hooks.register("test_purpose", on_paid="tests.payments.test_services.on_paid", on_refunded="tests.payments.test_services.on_refunded")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield


def make_payment(person, amounts=("100.00", "17.50"), purpose="test_purpose"):
    items = [
        LineItem(code=f"C{i}", kind="FEE", description_ar=f"رسم {i}", description_en=f"Fee {i}", amount=Decimal(a))
        for i, a in enumerate(amounts)
    ]
    return payment_create(person=person, purpose=purpose, object_id="1", items=items)


CARD = {"card_number": "4111111111111111", "expiry_month": 12, "expiry_year": timezone.now().year + 2, "cvv": "123"}


# --- refunds ----------------------------------------------------------------------------------
def test_refund_moves_money_state_calls_handler_once_and_notifies(person, django_capture_on_commit_callbacks):
    p = make_payment(person)
    with django_capture_on_commit_callbacks(execute=True):
        payment_mark_paid(payment_id=p.pk, method="CARD")
    assert CALLS == [("paid", p.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        refunded = payment_refund(payment_id=p.pk, reason="Request rejected")
    p.refresh_from_db()
    assert (p.status, p.refund_reason) == ("REFUNDED", "Request rejected")
    assert p.refunded_at is not None and p.refund_handed_over_at is not None
    assert refunded.status == "REFUNDED"
    assert CALLS == [("paid", p.pk), ("refunded", p.pk)]
    n = Notification.objects.get(person=person, event_key=f"payment:{p.pk}:refunded")
    assert "117.50" in n.body_en and "Request rejected" in n.body_en and "117.50" in n.body_ar
    assert list(p.events.values_list("action", flat=True)) == ["created", "pay", "fulfilled", "refund", "refund_handed_over"]
    assert AuditLog.objects.filter(action="payment.refunded", object_id=str(p.pk), to_status="REFUNDED").count() == 1
    # again: nothing more happens
    with django_capture_on_commit_callbacks(execute=True):
        payment_refund(payment_id=p.pk, reason="again")
    p.refresh_from_db()
    assert p.refund_reason == "Request rejected"
    assert CALLS == [("paid", p.pk), ("refunded", p.pk)]
    assert Notification.objects.filter(person=person, kind="payment_refunded").count() == 1


def test_refund_of_pending_payment_is_refused(person):
    from core.errors import ApplicationError

    p = make_payment(person)
    with pytest.raises(ApplicationError) as e:
        payment_refund(payment_id=p.pk, reason="x")
    assert (e.value.code, e.value.status) == ("INVALID_STATE", 409)
    p.refresh_from_db()
    assert p.status == "PENDING" and p.refunded_at is None


# --- the checkout page ---------------------------------------------------------------------------
def test_checkout_page_shows_items_total_bill_and_card_form(person, web_client_for):
    p = make_payment(person)
    r = web_client_for(person).get(reverse("payments:checkout", kwargs={"pk": p.pk}))
    assert r.status_code == 200
    html = r.content.decode()
    for needle in (
        "117.50",
        "100.00",
        "17.50",
        p.bill_number,
        p.biller_code,
        "Fee 0",
        'data-testid="card-number"',
        'data-testid="card-expiry-month"',
        'data-testid="card-expiry-year"',
        'data-testid="card-cvv"',
        'data-testid="card-pay"',
        "Sandbox",
    ):
        assert needle in html, needle


def test_checkout_card_payment_pays_and_redirects_to_receipt(person, web_client_for, django_capture_on_commit_callbacks):
    p = make_payment(person)
    c = web_client_for(person)
    data = {**CARD, "idempotency_key": "abc123"}
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(reverse("payments:checkout", kwargs={"pk": p.pk}), data)
    assert r.status_code == 302 and r["Location"] == reverse("payments:receipt", kwargs={"pk": p.pk})
    p.refresh_from_db()
    assert (p.status, p.method, p.card_last4) == ("PAID", "CARD", "1111")
    assert p.fulfilled_at is not None and CALLS == [("paid", p.pk)]
    # a double submit of the same form charges nothing more and lands on the receipt
    r2 = c.post(reverse("payments:checkout", kwargs={"pk": p.pk}), data)
    assert r2.status_code == 302
    assert PaymentEvent.objects.filter(payment=p, action="pay").count() == 1
    assert IdempotencyKey.objects.filter(person=person).count() == 1


def test_checkout_redirects_to_request_page_when_purpose_has_one(person, web_client_for):
    hooks.register("test_with_page", on_paid="tests.payments.test_services.on_paid", detail_url_name="payments:detail")
    p = make_payment(person, purpose="test_with_page")
    p.object_id = str(p.pk)
    p.save(update_fields=["object_id"])
    r = web_client_for(person).post(reverse("payments:checkout", kwargs={"pk": p.pk}), {**CARD, "idempotency_key": "k1"})
    assert r.status_code == 302 and r["Location"] == reverse("payments:detail", kwargs={"pk": p.pk})


def test_checkout_declined_card_leaves_payment_pending(person, web_client_for):
    p = make_payment(person)
    r = web_client_for(person).post(
        reverse("payments:checkout", kwargs={"pk": p.pk}), {**CARD, "card_number": "4000000000000002", "idempotency_key": "k2"}
    )
    assert r.status_code == 200
    assert 'data-testid="payment-error"' in r.content.decode()
    p.refresh_from_db()
    assert p.status == "PENDING" and p.card_last4 == ""
    assert PaymentEvent.objects.filter(payment=p, action="card_declined").count() == 1


def test_checkout_invalid_card_number_is_a_form_error(person, web_client_for):
    p = make_payment(person)
    r = web_client_for(person).post(
        reverse("payments:checkout", kwargs={"pk": p.pk}), {**CARD, "card_number": "4111111111111112", "idempotency_key": "k3"}
    )
    assert r.status_code == 200 and "Enter a valid card number." in r.content.decode()
    p.refresh_from_db()
    assert p.status == "PENDING"
    assert IdempotencyKey.objects.count() == 0


def test_checkout_of_another_persons_payment_is_404_and_changes_nothing(person, outsider, web_client_for):
    p = make_payment(person)
    c = web_client_for(outsider)
    assert c.get(reverse("payments:checkout", kwargs={"pk": p.pk})).status_code == 404
    assert c.post(reverse("payments:checkout", kwargs={"pk": p.pk}), {**CARD, "idempotency_key": "k4"}).status_code == 404
    p.refresh_from_db()
    assert p.status == "PENDING"
    assert IdempotencyKey.objects.count() == 0


def test_stale_form_resent_with_another_card_gets_a_plain_message(person, web_client_for):
    p = make_payment(person)
    c = web_client_for(person)
    url = reverse("payments:checkout", kwargs={"pk": p.pk})
    c.post(url, {**CARD, "card_number": "4000000000000002", "idempotency_key": "same-form"})
    r = c.post(url, {**CARD, "idempotency_key": "same-form"})  # back button, another card, same form key
    assert "This form was already sent with other card details." in r.content.decode()
    p.refresh_from_db()
    assert p.status == "PENDING"
