"""Payment list/detail pages, the admin (filters, search, refund action with history) and the
sandbox outbox in admin."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditLog
from notifications.models import Notification, SmsOutbox
from payments.services import payment_mark_paid
from tests.payments.test_services import CALLS, make_payment


def test_list_page_only_own_payments_with_bounded_queries(person, outsider, web_client_for):
    mine = [make_payment(person) for _ in range(3)]
    theirs = make_payment(outsider)
    c = web_client_for(person)
    c.get(reverse("payments:list"))  # warm the session
    with CaptureQueriesContext(connection) as q:
        r = c.get(reverse("payments:list"))
    html = r.content.decode()
    assert all(p.reference in html for p in mine) and theirs.reference not in html
    assert len(q) <= 8, [x["sql"] for x in q]
    make_payment(person)
    with CaptureQueriesContext(connection) as q2:
        c.get(reverse("payments:list"))
    assert len(q2) == len(q)  # no query per row


def test_detail_page_and_outsider_404(person, outsider, web_client_for):
    p = make_payment(person)
    html = web_client_for(person).get(reverse("payments:detail", kwargs={"pk": p.pk})).content.decode()
    assert p.bill_number in html and "117.50" in html and "Bill issued" in html
    assert web_client_for(outsider).get(reverse("payments:detail", kwargs={"pk": p.pk})).status_code == 404


def test_admin_search_filter_and_refund_action(person, admin_client, admin_user, django_capture_on_commit_callbacks):
    paid = make_payment(person)
    with django_capture_on_commit_callbacks(execute=True):
        payment_mark_paid(payment_id=paid.pk, method="SADAD", bank_reference="BR-ADM")
    pending = make_payment(person)
    url = reverse("admin:payments_payment_changelist")
    assert paid.reference in admin_client.get(url, {"q": person.id_number}).content.decode()
    html = admin_client.get(url, {"q": paid.bill_number}).content.decode()
    assert paid.reference in html and pending.reference not in html
    html = admin_client.get(url, {"status__exact": "PENDING", "method__exact": ""}).content.decode()
    assert pending.reference in html and paid.reference not in html
    # no reason: refused, nothing changes
    admin_client.post(url, {"action": "refund", "_selected_action": [paid.pk], "reason": ""})
    paid.refresh_from_db()
    assert paid.status == "PAID"
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client.post(url, {"action": "refund", "_selected_action": [paid.pk, pending.pk], "reason": "Duplicate payment"})
    assert r.status_code == 302
    paid.refresh_from_db()
    pending.refresh_from_db()
    assert (paid.status, paid.refund_reason, pending.status) == ("REFUNDED", "Duplicate payment", "PENDING")
    assert AuditLog.objects.get(action="payment.refunded", object_id=str(paid.pk)).officer_id == admin_user.pk
    assert CALLS[-1] == ("refunded", paid.pk)
    assert Notification.objects.filter(person=person, event_key=f"payment:{paid.pk}:refunded").count() == 1
    change = admin_client.get(reverse("admin:payments_payment_change", args=[paid.pk])).content.decode()
    assert "refunded" in change and "BR-ADM" in change  # the history and the SADAD notification


def test_admin_sms_outbox_lists_messages(person, admin_client, django_capture_on_commit_callbacks):
    p = make_payment(person)
    with django_capture_on_commit_callbacks(execute=True):
        payment_mark_paid(payment_id=p.pk, method="CARD")
    sms = SmsOutbox.objects.get(to=person.mobile)
    html = admin_client.get(reverse("admin:notifications_smsoutbox_changelist")).content.decode()
    assert person.mobile in html and p.reference in sms.body
