"""End to end with a real Celery worker on Redis and the real face engine (dlib) on the shared
photographs: upload → photo check on the `faces` queue → delivery → payment → APPROVED; the
check queued twice for the same photo decides once."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.faces]


def _worker_log(worker) -> str:
    worker.log_file.seek(0)
    return worker.log_file.read()


def test_real_worker_upload_to_approved_and_check_decides_once(celery_worker, faces_dir, api_client_for, settings):
    from biometrics.enrol import person_photo_enroll
    from civil_affairs.models import IdRenewal, IdRenewalEvent
    from civil_affairs.tasks import photo_check_renewal_task
    from core import dates
    from core.models import AuditLog
    from notifications.models import Notification
    from payments.models import Payment
    from payments.services import payment_mark_paid
    from registry.models import NationalIdCard
    from tests.factories import AddressFactory, IdCardFactory, PersonFactory
    from tests.photo_images import compliant, to_jpeg

    assert settings.FACE_ENGINE.endswith("DlibFaceEngine")
    person = PersonFactory()
    IdCardFactory(person=person, expiry_date=dates.today() + dt.timedelta(days=60))
    address = AddressFactory(person=person, deliverable=True)
    person_photo_enroll(person=person, data=(faces_dir / "obama_1.jpg").read_bytes())
    selfie = to_jpeg(compliant("obama_2.jpg"))

    c = api_client_for(person)
    r = c.post("/api/v1/civil-affairs/id-renewals/", {"photo": SimpleUploadedFile("selfie.jpg", selfie, "image/jpeg")}, format="multipart")
    assert r.status_code == 202, r.content
    pk = r.json()["id"]
    photo_check_renewal_task.delay(pk)  # the same check queued a second time (a redelivery)

    renewal = wait_for(lambda: IdRenewal.objects.exclude(status="PHOTO_CHECK").filter(pk=pk).first(), timeout=90, message="the photo check")
    assert renewal.status == "AWAITING_DELIVERY_CHOICE", (renewal.check_reasons, renewal.check_metrics)
    assert renewal.check_status == "PASSED"
    assert renewal.face_decision == "MATCH"
    assert 0 < renewal.face_distance <= settings.FACE_MATCH_TOLERANCE
    # Both deliveries of the task have finished, and only one decided.
    wait_for(
        lambda: len(re.findall(r"photo_check_renewal_task\[[^\]]+\] succeeded", _worker_log(celery_worker))) >= 2,
        timeout=90,
        message="both photo_check runs to finish",
    )
    log = _worker_log(celery_worker)
    results = sorted(re.findall(r"photo_check_renewal_task\[[^\]]+\] succeeded in [\d.]+s: '(\w+)'", log))
    assert results in (["applied", "not_claimed"], ["already_decided", "applied"]), results
    assert (
        AuditLog.objects.filter(
            action="id_renewal.awaiting_delivery_choice", object_id=str(pk), to_status="AWAITING_DELIVERY_CHOICE"
        ).count()
        == 1
    )
    assert IdRenewalEvent.objects.filter(renewal_id=pk, to_status="AWAITING_DELIVERY_CHOICE").count() == 1
    assert "civil_affairs.tasks.photo_check_renewal_task" in log

    body = c.post(f"/api/v1/civil-affairs/id-renewals/{pk}/delivery/", {"method": "POST", "address_id": address.pk}, format="json").json()
    assert body["status"] == "AWAITING_PAYMENT"
    assert body["payment"]["amount"] == f"{settings.ID_DELIVERY_FEE:.2f}"
    payment_mark_paid(payment_id=body["payment"]["id"], method="CARD")  # the worker fulfils it

    renewal = wait_for(lambda: IdRenewal.objects.filter(pk=pk, status="APPROVED").first(), timeout=60, message="approval")
    assert Payment.objects.get(pk=body["payment"]["id"]).fulfilled_at is not None
    card = NationalIdCard.objects.get(person=person, status="ACTIVE")
    assert renewal.new_card_id == card.pk
    assert card.expiry_date == dates.add_months(dates.today(), 12 * settings.ID_CARD_VALIDITY_YEARS)
    assert NationalIdCard.objects.filter(person=person, status="REPLACED").count() == 1
    assert list(IdRenewalEvent.objects.filter(renewal_id=pk).values_list("to_status", flat=True)) == [
        "PHOTO_CHECK",
        "AWAITING_DELIVERY_CHOICE",
        "AWAITING_PAYMENT",
        "IN_PROCESS",
        "APPROVED",
    ]
    # The notification is sent after the approval commits (on_commit): wait for it instead of racing it.
    wait_for(
        lambda: Notification.objects.filter(person=person, event_key=f"id_renewal:{pk}:APPROVED").exists(),
        timeout=30,
        message="the APPROVED notification",
    )
    assert Notification.objects.filter(person=person, event_key=f"id_renewal:{pk}:APPROVED").count() == 1
