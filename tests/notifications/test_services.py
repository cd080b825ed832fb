"""Notifications: inbox once per event, deliveries by SMS (sandbox outbox) and email in the
person's language, once per event and channel, retries on transient failure; inbox page and API."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.translation import gettext_lazy

from notifications.models import Delivery, Notification, SmsOutbox
from notifications.services import TransientDeliveryError, notification_deliver, notification_send
from notifications.sms import SandboxSmsBackend, TransientSmsError

TITLE = gettext_lazy("Payment received")
BODY = gettext_lazy("We received SAR %(amount)s for payment %(reference)s (SADAD bill %(bill_number)s). Thank you.")
CTX = {"amount": "117.50", "reference": "PAY-X", "bill_number": "123456789012"}


def send(person, key="evt-1", link="/payments/"):
    return notification_send(person=person, kind="payment_paid", event_key=key, title=TITLE, body=BODY, context=CTX, link=link)


def test_send_once_per_event_and_deliver_by_sms_and_email_in_persons_language(person, django_capture_on_commit_callbacks):
    person.preferred_language = "en"
    person.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=True):
        n1 = send(person)
    with django_capture_on_commit_callbacks(execute=True):
        n2 = send(person)
    assert n1.pk == n2.pk and Notification.objects.filter(person=person).count() == 1
    assert n1.title_ar == "تم استلام الدفعة" and n1.title_en == "Payment received"
    assert set(Delivery.objects.values_list("channel", "status")) == {("SMS", "SENT"), ("EMAIL", "SENT")}
    sms = SmsOutbox.objects.get()
    assert sms.to == person.mobile and sms.language == "en"
    assert "We received SAR 117.50 for payment PAY-X" in sms.body
    assert len(mail.outbox) == 1
    m = mail.outbox[0]
    assert m.to == [person.email] and m.subject.startswith("Payment received")
    assert "http://localhost:8000/payments/" in m.body
    assert m.extra_headers["Message-ID"] == f"<n{n1.pk}.EMAIL@absher.example>"


def test_arabic_person_gets_arabic_sms(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(person)
    body = SmsOutbox.objects.get().body
    assert "استلمنا مبلغ 117.50 ريال" in body and "We received" not in body
    assert "تم استلام الدفعة" in mail.outbox[0].subject


def test_delivery_task_running_twice_sends_once(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        send(person)
    d = Delivery.objects.get(channel="SMS")
    assert notification_deliver(delivery_id=d.pk) == "sent"
    assert notification_deliver(delivery_id=d.pk) == "skipped"
    assert SmsOutbox.objects.count() == 1
    e = Delivery.objects.get(channel="EMAIL")
    notification_deliver(delivery_id=e.pk)
    notification_deliver(delivery_id=e.pk)
    assert len(mail.outbox) == 1
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("SENT", 1)


def test_gateway_deduplicates_on_idempotency_key(db):
    b = SandboxSmsBackend()
    a = b.send(to="0500000000", body="x", language="ar", idempotency_key="k")
    c = b.send(to="0500000000", body="x", language="ar", idempotency_key="k")
    assert a == c and SmsOutbox.objects.count() == 1


def test_transient_failure_is_retried_then_sent(person, django_capture_on_commit_callbacks, monkeypatch, settings):
    with django_capture_on_commit_callbacks(execute=False):
        send(person)
    d = Delivery.objects.get(channel="SMS")
    original = SandboxSmsBackend.send
    calls = {"n": 0}

    def flaky(self, **kw):
        calls["n"] += 1
        if calls["n"] == 1:
            raise TransientSmsError("gateway timeout")
        return original(self, **kw)

    monkeypatch.setattr(SandboxSmsBackend, "send", flaky)
    with pytest.raises(TransientDeliveryError):
        notification_deliver(delivery_id=d.pk)
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_error) == ("PENDING", 1, "gateway timeout")
    assert SmsOutbox.objects.count() == 0
    assert notification_deliver(delivery_id=d.pk) == "sent"
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("SENT", 2) and SmsOutbox.objects.count() == 1


def test_gives_up_after_max_attempts(person, django_capture_on_commit_callbacks, monkeypatch, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=False):
        send(person)
    d = Delivery.objects.get(channel="SMS")

    def down(self, **kw):
        raise TransientSmsError("down")

    monkeypatch.setattr(SandboxSmsBackend, "send", down)
    with pytest.raises(TransientDeliveryError):
        notification_deliver(delivery_id=d.pk)
    assert notification_deliver(delivery_id=d.pk) == "failed"
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("FAILED", 2)
    assert notification_deliver(delivery_id=d.pk) == "skipped"


def test_no_mobile_no_sms(person, django_capture_on_commit_callbacks):
    person.mobile = ""
    person.save(update_fields=["mobile"])
    with django_capture_on_commit_callbacks(execute=True):
        send(person)
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["EMAIL"]
    assert SmsOutbox.objects.count() == 0


# --- API ---------------------------------------------------------------------------------------
def test_api_list_and_read(person, outsider, api_client_for):
    n = send(person)
    c = api_client_for(person, lang="en")
    body = c.get("/api/v1/notifications/").json()
    assert body["unread"] == 1
    assert body["notifications"][0] | {"created_at": None} == {
        "id": n.pk,
        "kind": "payment_paid",
        "title": "Payment received",
        "body": "We received SAR 117.50 for payment PAY-X (SADAD bill 123456789012). Thank you.",
        "created_at": None,
        "read": False,
        "link": "/payments/",
    }
    o = api_client_for(outsider)
    r = o.post(f"/api/v1/notifications/{n.pk}/read/")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    n.refresh_from_db()
    assert n.read_at is None
    assert o.get("/api/v1/notifications/").json() == {"notifications": [], "unread": 0}
    r = c.post(f"/api/v1/notifications/{n.pk}/read/")
    assert r.status_code == 204
    assert c.get("/api/v1/notifications/").json()["unread"] == 0


def test_api_arabic_by_default(person, api_client_for):
    send(person)
    body = api_client_for(person, lang="ar").get("/api/v1/notifications/").json()
    assert body["notifications"][0]["title"] == "تم استلام الدفعة"


# --- inbox page ------------------------------------------------------------------------------------
def test_inbox_page_unread_count_mark_read_and_open(person, outsider, web_client_for):
    n = send(person, link="/payments/")
    send(person, key="evt-2", link="https://evil.example/")
    c = web_client_for(person)
    html = c.get(reverse("notifications:inbox")).content.decode()
    assert "Payment received" in html and 'data-testid="unread-count">2<' in html
    o = web_client_for(outsider)
    assert o.post(reverse("notifications:read", kwargs={"pk": n.pk})).status_code == 404
    assert o.get(reverse("notifications:open", kwargs={"pk": n.pk})).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None
    r = c.get(reverse("notifications:open", kwargs={"pk": n.pk}))
    assert r.status_code == 302 and r["Location"] == "/payments/"
    n.refresh_from_db()
    assert n.read_at is not None
    evil = Notification.objects.get(event_key="evt-2")
    r = c.get(reverse("notifications:open", kwargs={"pk": evil.pk}))
    assert r["Location"] == reverse("notifications:inbox")  # no open redirect
    c.post(reverse("notifications:read_all"))
    assert Notification.objects.filter(person=person, read_at__isnull=True).count() == 0


def test_inbox_requires_login(client):
    r = client.get(reverse("notifications:inbox"))
    assert r.status_code == 302 and r["Location"].startswith("/login/")
