"""The payment flow declared once (payments/flow.py) and moved by core.transitions: every move
writes one history row and one audit row "payment.<to>", bumps the version, refuses an illegal
move with 409 INVALID_STATE; the payer's notification runs after commit and robustly, so a
broken message never undoes a payment; payments names no service."""

import datetime as dt
import pathlib
import re

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from core.models import AuditLog
from core.transitions import can
from notifications.models import Notification
from payments import notices
from payments.flow import LAPSED, PAID_OR_AFTER, PAYMENT, payment_has_receipt
from payments.models import Payment, PaymentEvent
from payments.services import payment_expire, payment_fail, payment_mark_paid, payment_refund
from tests.payments.test_services import CALLS, make_payment

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield


def test_the_table_answers_what_each_status_allows(person):
    p = make_payment(person)
    assert PAYMENT.actions(p) == ["pay", "expire", "fail"]
    assert can(p, "pay") and not can(p, "refund")
    assert PAYMENT.statuses_allowing("refund") == ["PAID"]
    assert PAID_OR_AFTER == {"PAID", "REFUNDED"}
    assert LAPSED == {"EXPIRED", "FAILED"}
    for status, receipt in (("PENDING", False), ("PAID", True), ("REFUNDED", True), ("EXPIRED", False), ("FAILED", False)):
        p.status = status
        assert payment_has_receipt(p) is receipt, status
    assert all(PAYMENT.is_final(s) for s in ("REFUNDED", "EXPIRED", "FAILED"))


@pytest.mark.parametrize(
    "action,audit", [("pay", "payment.paid"), ("expire", "payment.expired"), ("fail", "payment.failed"), ("refund", "payment.refunded")]
)
def test_each_move_writes_one_history_row_one_audit_row_and_bumps_the_version(person, django_capture_on_commit_callbacks, action, audit):
    p = make_payment(person)
    with django_capture_on_commit_callbacks(execute=True):
        if action == "pay":
            payment_mark_paid(payment_id=p.pk, method="SADAD", bank_reference="BR-F")
        elif action == "expire":
            Payment.objects.filter(pk=p.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
            assert payment_expire(payment_id=p.pk) is True
        elif action == "fail":
            payment_fail(payment_id=p.pk, reason="request withdrawn")
        else:
            payment_mark_paid(payment_id=p.pk, method="CARD")
            payment_refund(payment_id=p.pk, reason="rejected")
    p.refresh_from_db()
    event = PaymentEvent.objects.get(payment=p, action=action)
    assert (event.from_status, event.to_status) == (PAYMENT.statuses_allowing(action)[0], p.status)
    assert AuditLog.objects.filter(action=audit, object_id=str(p.pk)).count() == 1
    moves = 2 if action == "refund" else 1
    assert p.version == 1 + moves
    if action == "fail":
        assert event.note == "request withdrawn"


def test_an_illegal_move_is_409_and_changes_nothing(person):
    p = make_payment(person)
    payment_fail(payment_id=p.pk, reason="withdrawn")
    for call in (lambda: payment_mark_paid(payment_id=p.pk, method="CARD"), lambda: payment_refund(payment_id=p.pk, reason="x")):
        with pytest.raises(ApplicationError) as e:
            call()
        assert (e.value.code, e.value.status) == ("INVALID_STATE", 409)
    p.refresh_from_db()
    assert (p.status, p.version) == ("FAILED", 2)
    assert list(p.events.values_list("action", flat=True)) == ["created", "fail"]
    # expiring a failed bill is no move at all
    Payment.objects.filter(pk=p.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    assert payment_expire(payment_id=p.pk) is False


def test_the_notification_is_not_sent_inside_the_payments_transaction(person, django_capture_on_commit_callbacks):
    p = make_payment(person)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        payment_mark_paid(payment_id=p.pk, method="CARD")
        assert not Notification.objects.filter(person=person).exists()
    assert not Notification.objects.filter(person=person).exists()
    assert len(callbacks) == 2  # the notification and the hand-over task, both after commit
    for fn in callbacks:
        fn()
    assert Notification.objects.filter(person=person, event_key=f"payment:{p.pk}:paid").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_broken_notification_never_undoes_a_paid_payment(monkeypatch, caplog):
    """A translation with a placeholder the context lacks makes the notifier raise (KeyError): the
    payment stays PAID and committed, and the hand-over to the request still runs."""
    from tests.factories import PersonFactory

    person = PersonFactory()
    p = make_payment(person)
    kind, title, _body, url = notices.MESSAGES[Payment.Status.PAID]
    monkeypatch.setitem(notices.MESSAGES, Payment.Status.PAID, (kind, title, gettext_lazy("Paid %(no_such_placeholder)s"), url))
    payment, changed = payment_mark_paid(payment_id=p.pk, method="CARD", card_last4="1111")
    assert changed and payment.status == "PAID"
    fresh = Payment.objects.get(pk=p.pk)  # read back from the database: committed
    assert (fresh.status, fresh.card_last4) == ("PAID", "1111") and fresh.fulfilled_at is not None
    assert CALLS == [("paid", p.pk)]
    assert not Notification.objects.filter(person=person).exists()
    assert AuditLog.objects.filter(action="payment.paid", object_id=str(p.pk)).count() == 1
    assert "no_such_placeholder" in caplog.text


def test_sadad_answer_is_rendered_by_its_serializer(person, client):
    from payments.services import sadad_sign
    from tests.payments.test_api import post_sadad, sadad_body

    p = make_payment(person)
    raw = sadad_body(p)
    body = post_sadad(client, raw, sadad_sign(raw_body=raw)).json()
    assert body == {"status": "APPLIED", "bill_number": p.bill_number, "payment_status": "PAID"}
    assert post_sadad(client, raw, sadad_sign(raw_body=raw)).json() == {
        "status": "ALREADY_APPLIED",
        "bill_number": p.bill_number,
        "payment_status": "PAID",
    }


def test_detail_page_history_and_buttons_follow_the_table(person, web_client_for, django_capture_on_commit_callbacks):
    p = make_payment(person)
    c = web_client_for(person)
    html = c.get(reverse("payments:detail", kwargs={"pk": p.pk})).content.decode()
    assert reverse("payments:checkout", kwargs={"pk": p.pk}) in html and reverse("payments:receipt", kwargs={"pk": p.pk}) not in html
    assert 'class="status status-warn" data-testid="payment-status"' in html
    with django_capture_on_commit_callbacks(execute=True):
        payment_mark_paid(payment_id=p.pk, method="CARD")
    with django_capture_on_commit_callbacks(execute=True):
        payment_refund(payment_id=p.pk, reason="rejected")
    html = c.get(reverse("payments:detail", kwargs={"pk": p.pk})).content.decode()
    assert reverse("payments:checkout", kwargs={"pk": p.pk}) not in html and reverse("payments:receipt", kwargs={"pk": p.pk}) in html
    assert 'class="status status-bad" data-testid="payment-status"' in html
    for action, label in (("created", "Bill issued"), ("pay", "Paid"), ("fulfilled", "Handed over to the request"), ("refund", "Refunded")):
        assert f'data-testid="event-{action}"' in html and label in html


def test_payments_names_no_service():
    """No model, URL name or purpose string of a service app anywhere under payments/ (templates
    included): a request is reached only through the hooks its service registered."""
    names = re.compile(r"civil_affairs|passports|fines[.:]|\boutstanding\b|id_renewal|iqama|visa", re.IGNORECASE)
    offenders = []
    for path in (ROOT / "payments").rglob("*"):
        if path.suffix not in {".py", ".html", ".txt"} or "migrations" in path.parts:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if names.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []
