"""Payments API (API.md): card payments with Idempotency-Key, signed SADAD notifications,
receipts, expiry; concurrency on PostgreSQL with threads. (Outstanding fines: tests/fines/test_api.py.)"""

import datetime as dt
import io
import json
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from payments.models import IdempotencyKey, Payment, PaymentEvent, SadadNotification
from payments.services import (
    payment_expire_due,
    payment_fulfil,
    payment_mark_paid,
    payment_pay_by_card,
    sadad_notification_receive,
    sadad_sign,
)
from tests.payments.test_services import CALLS, CARD, make_payment
from tests.race import run_race


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield


def card_url(p):
    return f"/api/v1/payments/{p.pk}/card/"


# --- list and detail -------------------------------------------------------------------------
def test_list_and_detail_shape(person, outsider, api_client_for):
    p = make_payment(person)
    c = api_client_for(person)
    r = c.get(f"/api/v1/payments/{p.pk}/")
    assert r.status_code == 200
    body = r.json()
    # Timestamps carry the Riyadh offset; the instant is the bill's due time.
    assert dt.datetime.fromisoformat(body["sadad"]["due_at"]) == p.due_at and body["sadad"]["due_at"].endswith("+03:00")
    body["sadad"]["due_at"] = p.due_at.isoformat()
    assert body == {
        "id": p.pk,
        "reference": p.reference,
        "status": "PENDING",
        "amount": "117.50",
        "currency": "SAR",
        "items": [{"code": "C0", "description": "Fee 0", "amount": "100.00"}, {"code": "C1", "description": "Fee 1", "amount": "17.50"}],
        "sadad": {"biller_code": p.biller_code, "bill_number": p.bill_number, "due_at": p.due_at.isoformat()},
        "method": None,
        "paid_at": None,
        "card_last4": None,
        "refunded_at": None,
    }
    assert [x["id"] for x in c.get("/api/v1/payments/").json()["payments"]] == [p.pk]
    o = api_client_for(outsider)
    assert o.get(f"/api/v1/payments/{p.pk}/").json()["error"]["code"] == "NOT_FOUND"
    assert o.get("/api/v1/payments/").json()["payments"] == []


def test_unauthenticated_is_401(person, client):
    p = make_payment(person)
    r = client.get(f"/api/v1/payments/{p.pk}/")
    assert r.status_code == 401 and r.json()["error"]["code"] == "NOT_AUTHENTICATED"


# --- card with Idempotency-Key -------------------------------------------------------------------
def test_card_pays_once_and_replays_same_answer(person, api_client_for, django_capture_on_commit_callbacks):
    p = make_payment(person)
    c = api_client_for(person)
    with django_capture_on_commit_callbacks(execute=True):
        r1 = c.post(card_url(p), CARD, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert r1.status_code == 200, r1.content
    assert (r1.json()["status"], r1.json()["method"], r1.json()["card_last4"]) == ("PAID", "CARD", "1111")
    with django_capture_on_commit_callbacks(execute=True):
        r2 = c.post(card_url(p), CARD, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert r2.status_code == 200 and r2.json() == r1.json() and r2["Idempotent-Replayed"] == "true"
    assert PaymentEvent.objects.filter(payment=p, action="pay").count() == 1
    assert CALLS == [("paid", p.pk)]
    # the card number and CVV are nowhere in the database
    row = IdempotencyKey.objects.get(person=person, key="key-1")
    assert "4111111111111111" not in json.dumps(row.response_body) and "4111111111111111" not in row.request_hash
    # another key on a paid payment: 409 ALREADY_PAID
    r3 = c.post(card_url(p), CARD, format="json", HTTP_IDEMPOTENCY_KEY="key-2")
    assert r3.status_code == 409 and r3.json()["error"]["code"] == "ALREADY_PAID"


def test_same_key_different_body_is_422(person, api_client_for):
    p = make_payment(person)
    c = api_client_for(person)
    c.post(card_url(p), {**CARD, "card_number": "4000000000000002"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    r = c.post(card_url(p), CARD, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert r.status_code == 422 and r.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    p.refresh_from_db()
    assert p.status == "PENDING"


def test_declined_card_is_402_and_replayed(person, api_client_for):
    p = make_payment(person)
    c = api_client_for(person)
    body = {**CARD, "card_number": "4000000000000002"}
    r = c.post(card_url(p), body, format="json", HTTP_IDEMPOTENCY_KEY="d1")
    assert r.status_code == 402 and r.json()["error"]["code"] == "CARD_DECLINED"
    r2 = c.post(card_url(p), body, format="json", HTTP_IDEMPOTENCY_KEY="d1")
    assert r2.status_code == 402 and r2.json() == r.json()
    p.refresh_from_db()
    assert p.status == "PENDING"
    assert PaymentEvent.objects.filter(payment=p, action="card_declined").count() == 1


def test_card_attempts_capped_after_declines_sadad_still_open(person, api_client_for, client, settings):
    settings.PAYMENT_CARD_MAX_DECLINES = 2
    p = make_payment(person)
    c = api_client_for(person)
    for i in range(2):
        r = c.post(card_url(p), {**CARD, "card_number": "4000000000000002"}, format="json", HTTP_IDEMPOTENCY_KEY=f"d{i}")
        assert r.status_code == 402
    r = c.post(card_url(p), CARD, format="json", HTTP_IDEMPOTENCY_KEY="good")
    assert r.status_code == 429 and r.json()["error"]["code"] == "CARD_ATTEMPTS_EXCEEDED"
    p.refresh_from_db()
    assert p.status == "PENDING"
    raw = sadad_body(p)
    assert post_sadad(client, raw, sadad_sign(raw_body=raw)).status_code == 200
    p.refresh_from_db()
    assert p.status == "PAID" and p.method == "SADAD"


@pytest.mark.parametrize(
    "change,field",
    [
        ({"card_number": "1234"}, "card_number"),
        ({"cvv": "12"}, "cvv"),
        ({"expiry_year": 2001}, "expiry_year"),
        ({"expiry_month": 13}, "expiry_month"),
    ],
)
def test_bad_card_input_is_400_with_field(person, api_client_for, change, field):
    p = make_payment(person)
    r = api_client_for(person).post(card_url(p), {**CARD, **change}, format="json", HTTP_IDEMPOTENCY_KEY="v")
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_ERROR"
    assert field in r.json()["error"]["details"]["fields"]
    assert IdempotencyKey.objects.count() == 0


def test_missing_idempotency_key_is_400(person, api_client_for):
    p = make_payment(person)
    r = api_client_for(person).post(card_url(p), CARD, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "IDEMPOTENCY_KEY_REQUIRED"
    p.refresh_from_db()
    assert p.status == "PENDING"


def test_outsider_cannot_pay_anothers_payment(person, outsider, api_client_for):
    p = make_payment(person)
    r = api_client_for(outsider).post(card_url(p), CARD, format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    p.refresh_from_db()
    assert p.status == "PENDING" and IdempotencyKey.objects.count() == 0


def test_expired_bill_cannot_be_paid_and_is_expired_by_the_periodic_task(person, api_client_for):
    p = make_payment(person)
    Payment.objects.filter(pk=p.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    r = api_client_for(person).post(card_url(p), CARD, format="json", HTTP_IDEMPOTENCY_KEY="e")
    assert r.status_code == 409 and r.json()["error"]["code"] == "PAYMENT_EXPIRED"
    fresh = make_payment(person)
    assert payment_expire_due() == 1
    p.refresh_from_db()
    fresh.refresh_from_db()
    assert (p.status, fresh.status) == ("EXPIRED", "PENDING")


# --- SADAD notifications ----------------------------------------------------------------------------
def sadad_body(p, **over):
    data = {
        "bill_number": p.bill_number,
        "amount": f"{p.amount:.2f}",
        "paid_at": timezone.now().isoformat(),
        "bank_reference": "BR-1",
        **over,
    }
    return json.dumps(data).encode()


def post_sadad(client, raw, sig):
    return client.post("/api/v1/payments/sadad/notifications/", data=raw, content_type="application/json", HTTP_X_SADAD_SIGNATURE=sig)


def test_sadad_notification_applies_once_and_replay_is_200(person, client, django_capture_on_commit_callbacks):
    p = make_payment(person)
    raw = sadad_body(p)
    with django_capture_on_commit_callbacks(execute=True):
        r = post_sadad(client, raw, sadad_sign(raw_body=raw))
    assert r.status_code == 200 and r.json()["status"] == "APPLIED"
    p.refresh_from_db()
    assert (p.status, p.method, p.bank_reference) == ("PAID", "SADAD", "BR-1")
    with django_capture_on_commit_callbacks(execute=True):
        r2 = post_sadad(client, raw, sadad_sign(raw_body=raw))
    assert r2.status_code == 200 and r2.json()["status"] == "ALREADY_APPLIED"
    assert SadadNotification.objects.count() == 1
    assert PaymentEvent.objects.filter(payment=p, action="pay").count() == 1
    assert CALLS == [("paid", p.pk)]
    assert Notification.objects.filter(person=person, kind="payment_paid").count() == 1


@pytest.mark.parametrize("case", ["forged", "wrong_secret", "stale", "future", "missing", "tampered"])
def test_bad_signature_changes_nothing(person, client, case):
    p = make_payment(person)
    raw = sadad_body(p)
    sig = {
        "forged": f"t={int(time.time())},v1={'0' * 64}",
        "wrong_secret": sadad_sign(raw_body=raw, secret="not-the-secret"),
        "stale": sadad_sign(raw_body=raw, timestamp=int(time.time()) - 301),
        "future": sadad_sign(raw_body=raw, timestamp=int(time.time()) + 301),
        "missing": "",
        "tampered": sadad_sign(raw_body=sadad_body(p, amount="1.00")),
    }[case]
    r = post_sadad(client, raw, sig)
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_SIGNATURE"
    p.refresh_from_db()
    assert p.status == "PENDING" and SadadNotification.objects.count() == 0


def test_wrong_amount_is_409_and_unknown_bill_404(person, client):
    p = make_payment(person)
    raw = sadad_body(p, amount="117.49")
    r = post_sadad(client, raw, sadad_sign(raw_body=raw))
    assert r.status_code == 409 and r.json()["error"]["code"] == "AMOUNT_MISMATCH"
    assert r.json()["error"]["details"] == {"expected": "117.50", "received": "117.49"}
    assert PaymentEvent.objects.get(payment=p, action="sadad_refused").data["code"] == "AMOUNT_MISMATCH"
    raw = sadad_body(p, bill_number="999999999999")
    r = post_sadad(client, raw, sadad_sign(raw_body=raw))
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    raw = b'{"bill_number": 1}'
    r = post_sadad(client, raw, sadad_sign(raw_body=raw))
    assert r.status_code == 400 and r.json()["error"]["code"] == "MALFORMED_REQUEST"
    p.refresh_from_db()
    assert p.status == "PENDING" and SadadNotification.objects.count() == 0


def test_second_bank_reference_for_paid_bill_is_refused(person, client):
    p = make_payment(person)
    raw = sadad_body(p)
    assert post_sadad(client, raw, sadad_sign(raw_body=raw)).status_code == 200
    raw2 = sadad_body(p, bank_reference="BR-2")
    r = post_sadad(client, raw2, sadad_sign(raw_body=raw2))
    assert r.status_code == 409 and r.json()["error"]["code"] == "ALREADY_PAID"
    p.refresh_from_db()
    assert p.bank_reference == "BR-1" and SadadNotification.objects.count() == 1


def test_sandbox_bank_page_pays_through_the_signed_path(person, outsider, web_client_for):
    p = make_payment(person)
    o = web_client_for(outsider)
    r = o.post(reverse("payments:sadad_bank"), {"bill_number": p.bill_number, "action": "pay"})
    assert r.status_code == 200 and "No bill of yours has this number." in r.content.decode()
    p.refresh_from_db()
    assert p.status == "PENDING"
    c = web_client_for(person)
    assert p.bill_number in c.get(reverse("payments:sadad_bank"), {"bill_number": p.bill_number}).content.decode()
    r = c.post(reverse("payments:sadad_bank"), {"bill_number": p.bill_number, "action": "pay"})
    assert r.status_code == 302 and r["Location"] == reverse("payments:receipt", kwargs={"pk": p.pk})
    p.refresh_from_db()
    n = SadadNotification.objects.get()
    assert (p.status, p.method, p.bank_reference) == ("PAID", "SADAD", n.bank_reference)
    assert n.bank_reference.startswith("SBX-")


# --- concurrency: real threads, separate connections --------------------------------------------------
def run_concurrently(fn, n=2):
    """The shared harness (tests/race.py): (values, errors)."""
    outcomes = run_race(fn, n)
    return [o.value for o in outcomes], [o.error for o in outcomes if not o.ok]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_card_payments_same_key_charge_once():
    from payments.api import payment_output
    from tests.factories import PersonFactory

    person = PersonFactory()
    p = make_payment(person)
    results, errors = run_concurrently(
        lambda i: payment_pay_by_card(
            person=person,
            payment_id=p.pk,
            idempotency_key="same",
            card_number="4111111111111111",
            expiry_month=12,
            expiry_year=timezone.now().year + 1,
            cvv="123",
            render=payment_output,
        )
    )
    assert errors == []
    assert [r.status for r in results] == [200, 200]
    assert results[0].body == results[1].body
    assert sorted(r.replayed for r in results) == [False, True]
    assert PaymentEvent.objects.filter(payment=p, action="pay").count() == 1
    assert IdempotencyKey.objects.filter(person=person).count() == 1
    assert CALLS == [("paid", p.pk)]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_card_payments_different_keys_charge_once():
    from payments.api import payment_output
    from tests.factories import PersonFactory

    person = PersonFactory()
    p = make_payment(person)
    results, errors = run_concurrently(
        lambda i: payment_pay_by_card(
            person=person,
            payment_id=p.pk,
            idempotency_key=f"key-{i}",
            card_number="4111111111111111",
            expiry_month=12,
            expiry_year=timezone.now().year + 1,
            cvv="123",
            render=payment_output,
        )
    )
    assert errors == []
    assert sorted(r.status for r in results) == [200, 409]
    assert [r.body["error"]["code"] for r in results if r.status == 409] == ["ALREADY_PAID"]
    assert PaymentEvent.objects.filter(payment=p, action="pay").count() == 1
    assert CALLS == [("paid", p.pk)]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sadad_notifications_apply_once():
    from tests.factories import PersonFactory

    person = PersonFactory()
    p = make_payment(person)
    raw = sadad_body(p)
    sig = sadad_sign(raw_body=raw)
    results, errors = run_concurrently(lambda i: sadad_notification_receive(raw_body=raw, signature=sig))
    assert errors == []
    assert sorted(r.status for r in results) == ["ALREADY_APPLIED", "APPLIED"]
    assert SadadNotification.objects.count() == 1
    assert PaymentEvent.objects.filter(payment=p, action="pay").count() == 1
    assert CALLS == [("paid", p.pk)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_fulfilment_runs_once():
    from tests.factories import PersonFactory

    person = PersonFactory()
    p = make_payment(person)
    Payment.objects.filter(pk=p.pk).update(status="PAID", paid_at=timezone.now(), method="CARD")
    results, errors = run_concurrently(lambda i: payment_fulfil(payment_id=p.pk), n=4)
    assert errors == []
    assert sorted(results) == [False, False, False, True]
    assert CALLS == [("paid", p.pk)]
    assert PaymentEvent.objects.filter(payment=p, action="fulfilled").count() == 1


def test_fulfilment_handler_failure_rolls_back_the_claim(person, monkeypatch):
    p = make_payment(person)
    Payment.objects.filter(pk=p.pk).update(status="PAID", paid_at=timezone.now(), method="CARD")

    def boom(*, payment_id):
        raise RuntimeError("request app down")

    monkeypatch.setattr("tests.payments.test_services.on_paid", boom)
    with pytest.raises(RuntimeError):
        payment_fulfil(payment_id=p.pk)
    p.refresh_from_db()
    assert p.fulfilled_at is None  # a retry can still hand over
    monkeypatch.undo()
    assert payment_fulfil(payment_id=p.pk) is True and payment_fulfil(payment_id=p.pk) is False
    assert CALLS == [("paid", p.pk)]


# --- receipts ------------------------------------------------------------------------------------------
def test_receipt_page_and_pdf(person, outsider, web_client_for):
    from pypdf import PdfReader

    p = make_payment(person)
    c = web_client_for(person)
    assert c.get(reverse("payments:receipt", kwargs={"pk": p.pk})).status_code == 404  # not paid yet
    payment_mark_paid(payment_id=p.pk, method="CARD", card_last4="1111")
    html = c.get(reverse("payments:receipt", kwargs={"pk": p.pk})).content.decode()
    assert p.reference in html and "117.50" in html and p.bill_number in html and "AH" in html
    r = c.get(reverse("payments:receipt_pdf", kwargs={"pk": p.pk}))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "117.50" in text and p.reference in text and p.bill_number in text and "100.00" in text
    assert web_client_for(outsider).get(reverse("payments:receipt_pdf", kwargs={"pk": p.pk})).status_code == 404
