"""A real Celery worker on Redis: a SADAD payment is handed over to its request once, even when
the bank's notification is replayed and the hand-over task is queued again."""

import datetime as dt
import json
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.conftest import wait_for


@pytest.mark.worker
def test_sadad_payment_fulfilled_once_by_the_worker(celery_worker, client):
    from fines.services import outstanding_payment_create
    from payments.models import Payment, PaymentEvent
    from payments.services import sadad_sign
    from payments.tasks import payment_fulfil_task
    from registry.models import Fine
    from tests.factories import PersonFactory

    person = PersonFactory()
    v = Fine.objects.create(
        kind=Fine.Kind.TRAFFIC,
        person=person,
        reference="TV-W1",
        description_ar="س",
        description_en="Speeding",
        amount=Decimal("150.00"),
        issued_on=dt.date(2026, 3, 1),
    )
    p = outstanding_payment_create(person=person, selection=[("traffic", v.pk)])
    raw = json.dumps(
        {"bill_number": p.bill_number, "amount": "150.00", "paid_at": timezone.now().isoformat(), "bank_reference": "W-BR-1"}
    ).encode()
    for _ in range(2):  # the bank retries
        r = client.post(
            "/api/v1/payments/sadad/notifications/",
            data=raw,
            content_type="application/json",
            HTTP_X_SADAD_SIGNATURE=sadad_sign(raw_body=raw),
        )
        assert r.status_code == 200
    payment_fulfil_task.delay(p.pk)  # and a duplicate hand-over message
    wait_for(lambda: Fine.objects.filter(pk=v.pk, paid_at__isnull=False).exists(), timeout=60, message="violation settled by the worker")
    time.sleep(2)
    assert PaymentEvent.objects.filter(payment=p, action="fulfilled").count() == 1
    assert PaymentEvent.objects.filter(payment=p, action="settled").count() == 1
    assert Payment.objects.get(pk=p.pk).fulfilled_at is not None
    assert Fine.objects.get(pk=v.pk).paid_by == p.reference
