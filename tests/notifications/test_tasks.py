"""A real Celery worker on Redis: a notification is delivered once even when its task runs twice."""

import pytest
from django.utils.translation import gettext_lazy

from notifications.models import Delivery, SmsOutbox
from tests.conftest import wait_for


@pytest.mark.worker
def test_delivery_once_when_task_runs_twice(celery_worker):
    from notifications.services import notification_send
    from notifications.tasks import notification_deliver_task
    from tests.factories import PersonFactory

    person = PersonFactory(email="")
    n = notification_send(
        person=person,
        kind="payment_paid",
        event_key="w-1",
        title=gettext_lazy("Payment received"),
        body=gettext_lazy("Payment refunded"),
        link="",
    )
    d = Delivery.objects.get(notification=n, channel="SMS")
    # notification_send queued it once on commit (autocommit here); queue it twice more.
    notification_deliver_task.delay(d.pk)
    notification_deliver_task.delay(d.pk)
    wait_for(lambda: Delivery.objects.filter(pk=d.pk, status="SENT").exists(), timeout=60, message="SMS delivered by the worker")
    import time

    time.sleep(2)  # let the duplicate tasks finish
    assert SmsOutbox.objects.filter(to=person.mobile).count() == 1
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("SENT", 1)
    celery_worker.log_file.seek(0)
    log = celery_worker.log_file.read()
    assert log.count("notifications.tasks.notification_deliver_task") >= 3
    assert "'skipped'" in log
