"""The periodic expiry task runs in a real Celery worker (Redis broker, the test database)."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import wait_for


@pytest.mark.worker
def test_expiry_task_in_a_real_worker(celery_worker, settings):
    import uuid

    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"nafath-test-{uuid.uuid4().hex}"}}
    from core.models import AuditLog
    from nafath import services
    from nafath.models import NafathRequest
    from nafath.tasks import nafath_requests_expire
    from tests.factories import PersonFactory

    overdue, fresh = PersonFactory(), PersonFactory()
    services.nafath_request_start(id_number=overdue.id_number, ip="10.0.0.1")
    services.nafath_request_start(id_number=fresh.id_number, ip="10.0.0.2")
    NafathRequest.objects.filter(person=overdue).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    nafath_requests_expire.delay()
    wait_for(lambda: NafathRequest.objects.get(person=overdue).status == "EXPIRED", timeout=30, message="expiry in the worker")
    assert NafathRequest.objects.get(person=fresh).status == "WAITING"
    assert AuditLog.objects.filter(action="nafath.expired", person=overdue).count() == 1
