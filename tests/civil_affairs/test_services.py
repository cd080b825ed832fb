"""The national ID renewal flow end to end with the photo engine's scenario double (no dlib):
eligibility, upload, the check, delivery, payment, approval or review, the card's journey,
and who may see what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civil_affairs import services
from civil_affairs.models import IdRenewal, IdRenewalEvent
from civil_affairs.services import photo_check as photo_check_services
from core import dates
from core.models import AuditLog
from notifications.models import Notification
from payments.models import Payment
from registry.models import NationalIdCard
from tests.factories import AddressFactory, CivilFineFactory, IdCardFactory, OfficeFactory, PersonFactory, ResidentFactory
from tests.officers import officer_login

SCENARIO = "biometrics.face.ScenarioFaceEngine"
pytestmark = pytest.mark.django_db


def portrait() -> bytes:
    from tests.photo_images import synthetic_portrait

    return synthetic_portrait()


@pytest.fixture(autouse=True)
def scenario_engine(settings):
    settings.FACE_ENGINE = SCENARIO
    settings.FACE_ENGINE_SCENARIO = "match"
    return settings


def private_path(name):
    from pathlib import Path

    from core.storage import private_storage

    return Path(private_storage.path(name))


def enroll(person):
    from biometrics.enrol import person_photo_enroll

    person_photo_enroll(person=person, data=portrait())
    person.refresh_from_db()


@pytest.fixture
def due(person):
    """A citizen whose ID expires in 60 days, with a deliverable address and a photo on file."""
    IdCardFactory(person=person, expiry_date=dates.today() + dt.timedelta(days=60))
    AddressFactory(person=person, deliverable=True)
    enroll(person)
    return person


def upload(client, data=None, name="me.jpg"):
    return client.post(
        "/api/v1/civil-affairs/id-renewals/", {"photo": SimpleUploadedFile(name, data or portrait(), "image/jpeg")}, format="multipart"
    )


def start(client, captured):
    with captured(execute=True):
        r = upload(client)
    assert r.status_code == 202, r.content
    return IdRenewal.objects.get(pk=r.json()["id"])


# --- eligibility ---------------------------------------------------------------------------
def test_eligibility_due(api_client_for, due):
    r = api_client_for(due).get("/api/v1/civil-affairs/id-renewal/eligibility/")
    assert r.status_code == 200
    body = r.json()
    assert body["eligible"] is True
    assert body["reasons"] == []
    assert body["days_to_expiry"] == 60
    assert body["late_fine"] == "0.00"
    assert body["id_expiry"]["gregorian"] == (dates.today() + dt.timedelta(days=60)).isoformat()


def test_eligibility_expired_has_late_fine_and_fines(api_client_for, person, settings):
    IdCardFactory(person=person, expiry_date=dates.today() - dt.timedelta(days=30))
    CivilFineFactory(person=person, amount=Decimal("150.00"))
    body = api_client_for(person).get("/api/v1/civil-affairs/id-renewal/eligibility/").json()
    assert body["eligible"] is True
    assert body["late_fine"] == f"{settings.ID_LATE_FINE:.2f}" == "100.00"
    assert body["days_to_expiry"] == -30
    assert [f["amount"] for f in body["unpaid_fines"]] == ["150.00"]


def test_eligibility_closed_reasons(api_client_for, person):
    IdCardFactory(person=person, expiry_date=dates.today() + dt.timedelta(days=400))
    body = api_client_for(person).get("/api/v1/civil-affairs/id-renewal/eligibility/").json()
    assert body["eligible"] is False
    assert [r["code"] for r in body["reasons"]] == ["NOT_IN_RENEWAL_WINDOW"]
    assert body["reasons"][0]["message"]

    resident = ResidentFactory()
    body = api_client_for(resident).get("/api/v1/civil-affairs/id-renewal/eligibility/").json()
    assert [r["code"] for r in body["reasons"]] == ["NOT_A_CITIZEN", "NO_ID_CARD"]


def test_eligibility_arabic_message(api_client_for, person):
    IdCardFactory(person=person, expiry_date=dates.today() + dt.timedelta(days=400))
    body = api_client_for(person, lang="ar").get("/api/v1/civil-affairs/id-renewal/eligibility/").json()
    assert any("\u0600" <= ch <= "\u06ff" for ch in body["reasons"][0]["message"])


def test_not_eligible_upload_refused_nothing_written(api_client_for, person, django_capture_on_commit_callbacks):
    IdCardFactory(person=person, expiry_date=dates.today() + dt.timedelta(days=400))
    with django_capture_on_commit_callbacks(execute=True):
        r = upload(api_client_for(person))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "NOT_ELIGIBLE"
    assert [x["code"] for x in r.json()["error"]["details"]["reasons"]] == ["NOT_IN_RENEWAL_WINDOW"]
    assert IdRenewal.objects.count() == 0


def test_second_renewal_while_one_in_progress(api_client_for, due, django_capture_on_commit_callbacks):
    c = api_client_for(due)
    start(c, django_capture_on_commit_callbacks)
    r = upload(c)
    assert r.status_code == 409
    assert [x["code"] for x in r.json()["error"]["details"]["reasons"]] == ["RENEWAL_IN_PROGRESS"]
    assert IdRenewal.objects.filter(person=due).count() == 1
    body = c.get("/api/v1/civil-affairs/id-renewal/eligibility/").json()
    assert [x["code"] for x in body["reasons"]] == ["RENEWAL_IN_PROGRESS"]


# --- upload and the check ------------------------------------------------------------------
def test_upload_checks_photo_and_accepts(api_client_for, due, django_capture_on_commit_callbacks):
    c = api_client_for(due)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = upload(c)
    assert r.status_code == 202
    assert set(r.json()) == {"id", "reference", "status"}
    assert r.json()["status"] == "PHOTO_CHECK"
    renewal = IdRenewal.objects.get(pk=r.json()["id"])
    # stored encrypted, outside the public media path
    raw = private_path(renewal.photo).read_bytes()
    assert not raw.startswith(b"\xff\xd8")
    assert services.renewal_photo_bytes(renewal=renewal).startswith(b"\xff\xd8")
    assert c.get(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/").json()["photo_check"] == {
        "status": "PENDING",
        "reasons": [],
        "face_match": None,
    }
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()  # the queued photo_check task, run eagerly
    body = c.get(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/").json()
    assert body["status"] == "AWAITING_DELIVERY_CHOICE"
    assert body["photo_check"] == {"status": "PASSED", "reasons": [], "face_match": {"decision": "MATCH", "distance": 0.0}}
    assert [h["status"] for h in body["history"]] == ["PHOTO_CHECK", "AWAITING_DELIVERY_CHOICE"]
    renewal.refresh_from_db()
    assert renewal.photo_encoding and not bytes(renewal.photo_encoding).startswith(b"\x00")
    assert Notification.objects.filter(person=due, event_key=f"id_renewal:{renewal.pk}:AWAITING_DELIVERY_CHOICE").count() == 1


def test_rejected_photo_with_advice_and_same_image_refused(api_client_for, due, django_capture_on_commit_callbacks, settings):
    settings.ID_PHOTO_UPLOAD_PRECHECK = False  # the worker's own refusal (with the pre-check the upload is refused first: test_guidance.py)
    settings.FACE_ENGINE_SCENARIO = "multiple_faces"
    c = api_client_for(due)
    renewal = start(c, django_capture_on_commit_callbacks)
    body = c.get(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/").json()
    assert body["status"] == "PHOTO_REJECTED"
    assert body["photo_check"]["status"] == "FAILED"
    assert [x["code"] for x in body["photo_check"]["reasons"]] == ["MULTIPLE_FACES"]
    assert "More than one face" in body["photo_check"]["reasons"][0]["message"]
    # The same image again: refused at once, nothing created.
    settings.FACE_ENGINE_SCENARIO = "match"
    r = upload(c)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "PHOTO_ALREADY_REJECTED"
    assert IdRenewal.objects.filter(person=due).count() == 1
    # A different photo starts a new request.
    from tests.photo_images import synthetic_portrait

    with django_capture_on_commit_callbacks(execute=True):
        r = upload(c, synthetic_portrait(size=(640, 800)))
    assert r.status_code == 202
    assert IdRenewal.objects.get(pk=r.json()["id"]).status == "AWAITING_DELIVERY_CHOICE"


def test_mismatch_rejected_and_no_photo_on_file_goes_on(api_client_for, due, django_capture_on_commit_callbacks, settings):
    settings.FACE_ENGINE_SCENARIO = "mismatch"
    c = api_client_for(due)
    renewal = start(c, django_capture_on_commit_callbacks)
    body = c.get(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/").json()
    assert body["status"] == "PHOTO_REJECTED"
    assert [x["code"] for x in body["photo_check"]["reasons"]] == ["FACE_MISMATCH"]
    assert body["photo_check"]["face_match"] == {"decision": "NO_MATCH", "distance": 0.8}

    settings.FACE_ENGINE_SCENARIO = "match"
    person = PersonFactory()
    IdCardFactory(person=person, expiry_date=dates.today() + dt.timedelta(days=10))
    c = api_client_for(person)
    renewal = start(c, django_capture_on_commit_callbacks)  # no photo on file: no face match
    assert renewal.status == "AWAITING_DELIVERY_CHOICE"
    assert renewal.face_decision == ""
    assert c.get(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/").json()["photo_check"]["face_match"] is None
    # ... and after payment it waits for an officer instead of being approved
    office = OfficeFactory()
    with django_capture_on_commit_callbacks(execute=True):
        body = c.post(
            f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/delivery/", {"method": "PICKUP", "office_id": office.pk}, format="json"
        ).json()
    assert body["status"] == "IN_PROCESS" and body["payment"] is None  # nothing to pay for a pickup in time
    assert IdRenewal.objects.get(pk=renewal.pk).status == "UNDER_REVIEW"
    assert IdRenewalEvent.objects.get(renewal=renewal, to_status="UNDER_REVIEW").note == "FACE_MATCH_NONE"


def test_invalid_image_400(api_client_for, due):
    r = upload(api_client_for(due), b"not an image at all" * 10)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "INVALID_IMAGE"
    r = api_client_for(due).post("/api/v1/civil-affairs/id-renewals/", {}, format="multipart")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"
    assert IdRenewal.objects.count() == 0


def test_rate_limited(api_client_for, due, django_capture_on_commit_callbacks, settings):
    settings.ID_PHOTO_ATTEMPTS_MAX = 2
    c = api_client_for(due)
    for _ in range(2):
        renewal = start(c, django_capture_on_commit_callbacks)
        services.renewal_cancel(person=due, renewal_id=renewal.pk)
    r = upload(c)
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "RATE_LIMITED"
    assert 0 < r.json()["error"]["details"]["retry_after"] <= settings.ID_PHOTO_ATTEMPTS_WINDOW_SECONDS
    assert int(r["Retry-After"]) == r.json()["error"]["details"]["retry_after"]
    assert IdRenewal.objects.filter(person=due).count() == 2


def test_check_run_twice_decides_once(api_client_for, due, django_capture_on_commit_callbacks, monkeypatch):
    """A second worker finishes while the first is still in the slow check: the first then finds
    the request decided and changes nothing."""
    with django_capture_on_commit_callbacks(execute=False):
        r = upload(api_client_for(due))
    pk = r.json()["id"]
    real = photo_check_services.photo_engine_check
    inner = []

    def racing_check(**kw):
        if not inner:
            inner.append("running")
            inner[0] = services.renewal_photo_check(renewal_id=pk)  # the other worker, to the end
        return real(**kw)

    monkeypatch.setattr(photo_check_services, "photo_engine_check", racing_check)
    assert services.renewal_photo_check(renewal_id=pk) == "already_decided"
    assert inner == ["applied"]
    assert services.renewal_photo_check(renewal_id=pk) == "not_claimed"
    renewal = IdRenewal.objects.get(pk=pk)
    assert renewal.status == "AWAITING_DELIVERY_CHOICE"
    assert renewal.check_attempts == 2
    assert IdRenewalEvent.objects.filter(renewal=renewal).count() == 2
    assert (
        AuditLog.objects.filter(
            action="id_renewal.awaiting_delivery_choice", object_id=str(pk), to_status="AWAITING_DELIVERY_CHOICE"
        ).count()
        == 1
    )


def test_poison_image_gives_up_after_max_tries(api_client_for, due, django_capture_on_commit_callbacks, monkeypatch, settings):
    with django_capture_on_commit_callbacks(execute=False):
        pk = upload(api_client_for(due)).json()["id"]

    def crash(**kw):
        raise RuntimeError("worker died decoding this image")

    monkeypatch.setattr(photo_check_services, "photo_engine_check", crash)
    for _ in range(settings.ID_PHOTO_CHECK_MAX_TRIES):
        with pytest.raises(RuntimeError):
            services.renewal_photo_check(renewal_id=pk)
    assert IdRenewal.objects.get(pk=pk).status == "PHOTO_CHECK"
    assert services.renewal_photo_check(renewal_id=pk) == "gave_up"
    renewal = IdRenewal.objects.get(pk=pk)
    assert renewal.status == "PHOTO_REJECTED"
    assert renewal.check_reasons == [{"code": "CHECK_FAILED", "message": ""}]
    assert renewal.check_attempts == settings.ID_PHOTO_CHECK_MAX_TRIES


def test_sweeper_requeues_stuck_checks(api_client_for, due, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=False):
        pk = upload(api_client_for(due)).json()["id"]  # the message is "lost": never run
    assert services.renewal_photo_check_sweep() == 0  # not stuck yet
    IdRenewal.objects.filter(pk=pk).update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.renewal_photo_check_sweep() == 1  # eager in tests: the re-queued check runs
    assert IdRenewal.objects.get(pk=pk).status == "AWAITING_DELIVERY_CHOICE"
    assert services.renewal_photo_check_sweep() == 0


def test_rejected_photos_purged_after_retention(api_client_for, due, django_capture_on_commit_callbacks, settings):
    settings.ID_PHOTO_UPLOAD_PRECHECK = False  # a photo the worker refuses
    settings.FACE_ENGINE_SCENARIO = "no_face"
    renewal = start(api_client_for(due), django_capture_on_commit_callbacks)
    renewal.refresh_from_db()
    path = private_path(renewal.photo)
    assert path.exists()
    assert services.renewal_photo_purge() == 0
    IdRenewal.objects.filter(pk=renewal.pk).update(status_changed_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert services.renewal_photo_purge() == 1
    assert not path.exists()
    renewal.refresh_from_db()
    assert renewal.photo_deleted_at is not None and renewal.photo_encoding is None
    assert services.renewal_photo_purge() == 0


# --- delivery, payment, approval ---------------------------------------------------------------
def pay(payment):
    from payments.services import payment_fulfil, payment_mark_paid

    payment_mark_paid(payment_id=payment.pk, method="CARD")
    payment_fulfil(payment_id=payment.pk)


def test_delivery_post_pay_approve_card_journey(api_client_for, due, django_capture_on_commit_callbacks, settings):
    c = api_client_for(due)
    renewal = start(c, django_capture_on_commit_callbacks)
    old_card = NationalIdCard.objects.get(person=due, status="ACTIVE")
    address = due.addresses.get()
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/delivery/", {"method": "POST", "address_id": address.pk}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "AWAITING_PAYMENT"
    assert body["delivery"]["method"] == "POST" and body["delivery"]["address_id"] == address.pk
    assert body["payment"]["amount"] == f"{settings.ID_DELIVERY_FEE:.2f}" == "17.50"
    assert [i["code"] for i in body["payment"]["items"]] == ["ID_DELIVERY_FEE"]
    assert body["payment"]["status"] == "PENDING"
    # a second choice is refused
    r = c.post(
        f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/delivery/", {"method": "PICKUP", "office_id": OfficeFactory().pk}, format="json"
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "INVALID_STATE"

    payment = Payment.objects.get(pk=body["payment"]["id"])
    with django_capture_on_commit_callbacks(execute=True):
        pay(payment)
    renewal.refresh_from_db()
    assert renewal.status == "APPROVED"
    old_card.refresh_from_db()
    assert old_card.status == "REPLACED"
    new = NationalIdCard.objects.get(person=due, status="ACTIVE")
    assert new.card_version == old_card.card_version + 1
    assert new.issue_date == dates.today()
    assert new.expiry_date == dates.add_months(dates.today(), 12 * settings.ID_CARD_VALIDITY_YEARS)
    assert renewal.new_card_id == new.pk

    settings.ID_CARD_STAGE_DELAYS_SECONDS = {"APPROVED": 0, "PRINTING": 0, "OUT_FOR_DELIVERY": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert services.renewal_card_progress() == 1
        assert services.renewal_card_progress() == 1
        assert services.renewal_card_progress() == 1
        assert services.renewal_card_progress() == 0
    body = c.get(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/").json()
    assert body["status"] == "DELIVERED"
    assert [h["status"] for h in body["history"]] == [
        "PHOTO_CHECK",
        "AWAITING_DELIVERY_CHOICE",
        "AWAITING_PAYMENT",
        "IN_PROCESS",
        "APPROVED",
        "PRINTING",
        "OUT_FOR_DELIVERY",
        "DELIVERED",
    ]
    keys = set(Notification.objects.filter(person=due, kind="id_renewal").values_list("event_key", flat=True))
    assert keys == {
        f"id_renewal:{renewal.pk}:{s}"
        for s in ["AWAITING_DELIVERY_CHOICE", "AWAITING_PAYMENT", "IN_PROCESS", "APPROVED", "PRINTING", "OUT_FOR_DELIVERY", "DELIVERED"]
    }


def test_expired_with_fine_pickup_one_payment_settles_fine(api_client_for, person, django_capture_on_commit_callbacks, settings):
    IdCardFactory(person=person, expiry_date=dates.today() - dt.timedelta(days=30))
    fine = CivilFineFactory(person=person, amount=Decimal("150.00"))
    enroll(person)
    office = OfficeFactory()
    c = api_client_for(person)
    renewal = start(c, django_capture_on_commit_callbacks)
    body = c.post(
        f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/delivery/", {"method": "PICKUP", "office_id": office.pk}, format="json"
    ).json()
    assert body["status"] == "AWAITING_PAYMENT"
    assert [(i["code"], i["amount"]) for i in body["payment"]["items"]] == [("ID_LATE_FINE", "100.00"), ("CIVIL_FINE", "150.00")]
    assert body["payment"]["amount"] == "250.00"
    with django_capture_on_commit_callbacks(execute=True):
        pay(Payment.objects.get(pk=body["payment"]["id"]))
    fine.refresh_from_db()
    assert fine.paid_at is not None and fine.paid_by == body["payment"]["reference"]
    renewal.refresh_from_db()
    assert renewal.status == "APPROVED"
    settings.ID_CARD_STAGE_DELAYS_SECONDS = {"APPROVED": 0, "PRINTING": 0, "OUT_FOR_DELIVERY": 0}
    services.renewal_card_progress()
    services.renewal_card_progress()
    assert IdRenewal.objects.get(pk=renewal.pk).status == "READY_FOR_PICKUP"
    assert services.renewal_card_progress() == 0  # pickup waits for the person at the office
    services.renewal_card_advance(renewal_id=renewal.pk, officer=None, expected_status="READY_FOR_PICKUP")
    assert IdRenewal.objects.get(pk=renewal.pk).status == "COLLECTED"


def test_pickup_with_nothing_to_pay_goes_straight_on(api_client_for, due, django_capture_on_commit_callbacks):
    c = api_client_for(due)
    renewal = start(c, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        body = c.post(
            f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/delivery/",
            {"method": "PICKUP", "office_id": OfficeFactory().pk},
            format="json",
        ).json()
    assert body["payment"] is None
    assert IdRenewal.objects.get(pk=renewal.pk).status == "APPROVED"


def test_delivery_errors(api_client_for, due, outsider, django_capture_on_commit_callbacks):
    c = api_client_for(due)
    renewal = start(c, django_capture_on_commit_callbacks)
    far = AddressFactory(person=due, deliverable=False)
    url = f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/delivery/"
    r = c.post(url, {"method": "POST", "address_id": far.pk}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "ADDRESS_NOT_DELIVERABLE"
    r = c.post(url, {"method": "POST", "address_id": AddressFactory(person=outsider).pk}, format="json")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    r = c.post(url, {"method": "POST"}, format="json")
    assert r.status_code == 400 and "address_id" in r.json()["error"]["details"]["fields"]
    r = c.post(url, {"method": "DRONE"}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_ERROR"
    r = c.post(url, {"method": "PICKUP", "office_id": 999999}, format="json")
    assert r.status_code == 404
    renewal.refresh_from_db()
    assert renewal.status == "AWAITING_DELIVERY_CHOICE" and renewal.payment_id is None
    assert Payment.objects.count() == 0


def test_review_then_officer_approves_with_version(api_client_for, due, django_capture_on_commit_callbacks, settings, admin_user):
    settings.FACE_ENGINE_SCENARIO = "review"
    c = api_client_for(due)
    renewal = start(c, django_capture_on_commit_callbacks)
    renewal.refresh_from_db()
    assert renewal.face_decision == "REVIEW" and renewal.status == "AWAITING_DELIVERY_CHOICE"
    body = c.post(
        f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/delivery/", {"method": "POST", "address_id": due.addresses.get().pk}, format="json"
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        pay(Payment.objects.get(pk=body["payment"]["id"]))
    renewal.refresh_from_db()
    assert renewal.status == "UNDER_REVIEW"
    stale = renewal.version - 1
    with pytest.raises(services.ApplicationError) as exc:
        services.renewal_approve(renewal_id=renewal.pk, officer=admin_user, expected_version=stale)
    assert exc.value.code == "STALE_VERSION" and exc.value.status == 409
    assert IdRenewal.objects.get(pk=renewal.pk).status == "UNDER_REVIEW"
    services.renewal_approve(renewal_id=renewal.pk, officer=admin_user, expected_version=renewal.version)
    renewal.refresh_from_db()
    assert renewal.status == "APPROVED" and renewal.decided_by == admin_user
    assert (
        AuditLog.objects.filter(action="id_renewal.approved", object_id=str(renewal.pk), to_status="APPROVED", officer=admin_user).count()
        == 1
    )


def test_officer_rejects_reason_shown_and_refunded(
    api_client_for, web_client_for, due, django_capture_on_commit_callbacks, settings, admin_user
):
    settings.FACE_ENGINE_SCENARIO = "review"
    c = api_client_for(due)
    renewal = start(c, django_capture_on_commit_callbacks)
    body = c.post(
        f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/delivery/", {"method": "POST", "address_id": due.addresses.get().pk}, format="json"
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        pay(Payment.objects.get(pk=body["payment"]["id"]))
    renewal.refresh_from_db()
    with pytest.raises(services.ApplicationError):
        services.renewal_reject(renewal_id=renewal.pk, officer=admin_user, reason="  ", expected_version=renewal.version)
    with django_capture_on_commit_callbacks(execute=True):
        services.renewal_reject(renewal_id=renewal.pk, officer=admin_user, reason="The photo is not you", expected_version=renewal.version)
    body = c.get(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/").json()
    assert body["status"] == "REJECTED"
    assert body["decision_reason"] == "The photo is not you"
    page = web_client_for(due).get(reverse("civil_affairs:detail", kwargs={"pk": renewal.pk}))
    assert "The photo is not you" in page.content.decode()
    payment = Payment.objects.get(pk=body["payment"]["id"])
    assert payment.status == "REFUNDED"
    assert payment.refund_reason == "The photo is not you"
    assert Notification.objects.filter(person=due, event_key=f"id_renewal:{renewal.pk}:refunded").count() == 1


# --- who may see what ---------------------------------------------------------------------------
def test_outsider_sees_nothing_and_changes_nothing(api_client_for, web_client_for, due, outsider, django_capture_on_commit_callbacks):
    renewal = start(api_client_for(due), django_capture_on_commit_callbacks)
    before = (IdRenewal.objects.get(pk=renewal.pk).status, IdRenewal.objects.get(pk=renewal.pk).version)
    o = api_client_for(outsider)
    r = o.get(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    office = OfficeFactory()
    r = o.post(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/delivery/", {"method": "PICKUP", "office_id": office.pk}, format="json")
    assert r.status_code == 404
    r = o.post(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/cancel/")
    assert r.status_code == 404
    assert o.get("/api/v1/civil-affairs/id-renewals/").json() == {"renewals": []}
    w = web_client_for(outsider)
    for name in ("detail", "status_json", "photo"):
        assert w.get(reverse(f"civil_affairs:{name}", kwargs={"pk": renewal.pk})).status_code == 404, name
    assert (
        w.post(reverse("civil_affairs:delivery", kwargs={"pk": renewal.pk}), {"method": "PICKUP", "office_id": office.pk}).status_code
        == 404
    )
    assert w.post(reverse("civil_affairs:cancel", kwargs={"pk": renewal.pk})).status_code == 404
    # the photo on file is for officers only, even for its owner
    assert web_client_for(due).get(reverse("civil_affairs:photo_on_file", kwargs={"pk": renewal.pk})).status_code == 404
    after = IdRenewal.objects.get(pk=renewal.pk)
    assert (after.status, after.version) == before
    assert not AuditLog.objects.filter(action="id_renewal.photo_read").exists()
    # anonymous
    from rest_framework.test import APIClient

    assert APIClient().get(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/").status_code == 401


def test_outsider_cannot_see_the_payment(api_client_for, web_client_for, due, outsider, django_capture_on_commit_callbacks):
    c = api_client_for(due)
    renewal = start(c, django_capture_on_commit_callbacks)
    body = c.post(
        f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/delivery/", {"method": "POST", "address_id": due.addresses.get().pk}, format="json"
    ).json()
    pid = body["payment"]["id"]
    assert api_client_for(due).get(f"/api/v1/payments/{pid}/").status_code == 200
    r = api_client_for(outsider).get(f"/api/v1/payments/{pid}/")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    r = api_client_for(outsider).post(
        f"/api/v1/payments/{pid}/card/",
        {"card_number": "4111111111111111", "expiry_month": 12, "expiry_year": dates.today().year + 2, "cvv": "123"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert r.status_code == 404
    w = web_client_for(outsider)
    assert w.get(reverse("payments:checkout", kwargs={"pk": pid})).status_code == 404
    assert Payment.objects.get(pk=pid).status == "PENDING"


def test_owner_and_officer_photo_reads_are_audited(web_client_for, api_client_for, due, django_capture_on_commit_callbacks, admin_client):
    renewal = start(api_client_for(due), django_capture_on_commit_callbacks)
    r = web_client_for(due).get(reverse("civil_affairs:photo", kwargs={"pk": renewal.pk}))
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg" and r.content.startswith(b"\xff\xd8")
    assert r["Cache-Control"].startswith("private") or "no-store" in r["Cache-Control"]
    r = admin_client.get(reverse("civil_affairs:photo_on_file", kwargs={"pk": renewal.pk}))
    assert r.status_code == 200 and r.content.startswith(b"\xff\xd8")
    reads = list(
        AuditLog.objects.filter(action="id_renewal.photo_read", object_id=str(renewal.pk)).order_by("id").values_list("data", flat=True)
    )
    assert [(d["which"], d["reader"]) for d in reads] == [("new", "owner"), ("on_file", "officer")]


# --- the lists ---------------------------------------------------------------------------
def test_addresses_and_offices(api_client_for, due, outsider):
    AddressFactory(person=outsider)
    far = AddressFactory(person=due, deliverable=False)
    office = OfficeFactory(name_en="Olaya", name_ar="العليا")
    OfficeFactory(active=False)
    body = api_client_for(due).get("/api/v1/addresses/").json()
    assert sorted((a["id"], a["deliverable"]) for a in body["addresses"]) == sorted(
        [(due.addresses.get(deliverable=True).pk, True), (far.pk, False)]
    )
    assert set(body["addresses"][0]) >= {"id", "short_address", "city", "district", "postal_code", "deliverable"}
    offices = api_client_for(due).get("/api/v1/civil-affairs/offices/").json()["offices"]
    assert offices == [{"id": office.pk, "name": "Olaya", "city": "Riyadh"}]


def test_cancel_before_payment(api_client_for, due, django_capture_on_commit_callbacks):
    c = api_client_for(due)
    renewal = start(c, django_capture_on_commit_callbacks)
    r = c.post(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/cancel/")
    assert r.status_code == 200 and r.json()["status"] == "CANCELLED"
    r = c.post(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/cancel/")
    assert r.status_code == 409 and r.json()["error"]["code"] == "INVALID_STATE"
    assert c.get("/api/v1/civil-affairs/id-renewal/eligibility/").json()["eligible"] is True


# --- the officers' review queue in admin ----------------------------------------------------------
@pytest.fixture
def under_review(api_client_for, due, django_capture_on_commit_callbacks, settings):
    settings.FACE_ENGINE_SCENARIO = "review"
    c = api_client_for(due)
    renewal = start(c, django_capture_on_commit_callbacks)
    body = c.post(
        f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/delivery/", {"method": "POST", "address_id": due.addresses.get().pk}, format="json"
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        pay(Payment.objects.get(pk=body["payment"]["id"]))
    renewal.refresh_from_db()
    assert renewal.status == "UNDER_REVIEW"
    return renewal


def test_admin_queue_filters_and_review_page(admin_client, under_review):
    r = admin_client.get("/admin/civil_affairs/idrenewal/?status__exact=UNDER_REVIEW&age=1d")
    assert r.status_code == 200 and under_review.reference in r.content.decode()
    r = admin_client.get("/admin/civil_affairs/idrenewal/?status__exact=UNDER_REVIEW&age=old")
    assert under_review.reference not in r.content.decode()
    r = admin_client.get(reverse("admin:civil_affairs_idrenewal_review", args=[under_review.pk]))
    html = r.content.decode()
    assert r.status_code == 200
    assert reverse("civil_affairs:photo", kwargs={"pk": under_review.pk}) in html
    assert reverse("civil_affairs:photo_on_file", kwargs={"pk": under_review.pk}) in html
    assert "REVIEW" in html and str(under_review.face_distance) in html
    assert f'name="version" value="{under_review.version}"' in html


def test_admin_two_officers_cannot_overwrite(admin_client, django_user_model, client, under_review, django_capture_on_commit_callbacks):
    other = django_user_model.objects.create_user("officer2", password="x", is_staff=True, is_superuser=True)
    officer_login(client, other)
    url = reverse("admin:civil_affairs_idrenewal_review", args=[under_review.pk])
    seen = under_review.version
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url, {"decision": "reject", "reason": "Not the same person", "version": seen})
    assert r.status_code == 302
    renewal = IdRenewal.objects.get(pk=under_review.pk)
    assert renewal.status == "REJECTED" and renewal.decided_by == other
    # the first officer still has the old page open and approves: refused, nothing changes
    admin_client.cookies["absher_lang"] = "en"
    r = admin_client.post(url, {"decision": "approve", "reason": "", "version": seen})
    assert r.status_code == 400
    assert "Someone else changed this request" in r.content.decode()
    after = IdRenewal.objects.get(pk=under_review.pk)
    assert (after.status, after.version, after.decided_by_id) == ("REJECTED", renewal.version, other.pk)
    assert not NationalIdCard.objects.filter(person=renewal.person, status="ACTIVE", version__gt=1).exists()
    decisions = AuditLog.objects.filter(action__startswith="id_renewal.", object_id=str(renewal.pk), officer__isnull=False)
    assert list(decisions.values_list("to_status", "officer__username")) == [("REJECTED", "officer2")]


def test_admin_reject_needs_reason_and_approve_issues_card(admin_client, admin_user, under_review, django_capture_on_commit_callbacks):
    url = reverse("admin:civil_affairs_idrenewal_review", args=[under_review.pk])
    r = admin_client.post(url, {"decision": "reject", "reason": " ", "version": under_review.version})
    assert r.status_code == 400
    assert IdRenewal.objects.get(pk=under_review.pk).status == "UNDER_REVIEW"
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client.post(url, {"decision": "approve", "version": under_review.version})
    assert r.status_code == 302
    renewal = IdRenewal.objects.get(pk=under_review.pk)
    assert renewal.status == "APPROVED" and renewal.decided_by == admin_user
    # officer action on the card's journey
    r = admin_client.post(url, {"advance": "APPROVED"})
    assert IdRenewal.objects.get(pk=renewal.pk).status == "PRINTING"
    r = admin_client.post(url, {"advance": "APPROVED"})  # a stale button: refused
    assert IdRenewal.objects.get(pk=renewal.pk).status == "PRINTING"


def test_non_staff_cannot_review_or_see_photos(client, web_client_for, django_user_model, under_review):
    url = reverse("admin:civil_affairs_idrenewal_review", args=[under_review.pk])
    r = client.post(url, {"decision": "approve", "version": under_review.version})
    assert r.status_code == 302 and "/admin/login/" in r["Location"]
    user = django_user_model.objects.create_user("clerk", password="x", is_staff=False)
    client.force_login(user)
    assert client.get(reverse("civil_affairs:photo_on_file", kwargs={"pk": under_review.pk})).status_code == 404
    assert client.get(reverse("civil_affairs:photo", kwargs={"pk": under_review.pk})).status_code == 404
    assert IdRenewal.objects.get(pk=under_review.pk).status == "UNDER_REVIEW"
    assert not AuditLog.objects.filter(action="id_renewal.photo_read").exists()


def test_pages_render_each_step(web_client_for, due, django_capture_on_commit_callbacks):
    w = web_client_for(due)
    r = w.get(reverse("civil_affairs:start"))
    assert r.status_code == 200 and 'data-testid="eligible"' in r.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = w.post(reverse("civil_affairs:start"), {"photo": SimpleUploadedFile("me.jpg", portrait(), "image/jpeg")})
    renewal = IdRenewal.objects.get(person=due)
    assert r.status_code == 302 and r["Location"] == reverse("civil_affairs:detail", kwargs={"pk": renewal.pk})
    html = w.get(r["Location"]).content.decode()
    assert 'data-testid="check-passed"' in html and 'data-testid="delivery"' in html
    r = w.post(reverse("civil_affairs:delivery", kwargs={"pk": renewal.pk}), {"method": "POST"})
    assert r.status_code == 400 and "Choose an address." in r.content.decode()
    r = w.post(reverse("civil_affairs:delivery", kwargs={"pk": renewal.pk}), {"method": "POST", "address_id": due.addresses.get().pk})
    assert r.status_code == 302
    html = w.get(reverse("civil_affairs:detail", kwargs={"pk": renewal.pk})).content.decode()
    assert 'data-testid="payment-total">17.50<' in html
    assert reverse("payments:checkout", kwargs={"pk": IdRenewal.objects.get(pk=renewal.pk).payment_id}) in html
    assert w.get(reverse("civil_affairs:status_json", kwargs={"pk": renewal.pk})).json()["status"] == "AWAITING_PAYMENT"
    # a second upload while one is open: a form error, nothing new
    r = w.post(reverse("civil_affairs:start"), {"photo": SimpleUploadedFile("me.jpg", portrait(), "image/jpeg")})
    assert r.status_code == 400 and IdRenewal.objects.filter(person=due).count() == 1


def test_paid_after_cancel_is_refunded(api_client_for, due, django_capture_on_commit_callbacks):
    c = api_client_for(due)
    renewal = start(c, django_capture_on_commit_callbacks)
    body = c.post(
        f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/delivery/", {"method": "POST", "address_id": due.addresses.get().pk}, format="json"
    ).json()
    assert c.post(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/cancel/").json()["status"] == "CANCELLED"
    with django_capture_on_commit_callbacks(execute=True):
        pay(Payment.objects.get(pk=body["payment"]["id"]))  # the bank's notification arrives late
    assert IdRenewal.objects.get(pk=renewal.pk).status == "CANCELLED"
    assert Payment.objects.get(pk=body["payment"]["id"]).status == "REFUNDED"
    assert NationalIdCard.objects.filter(person=due, status="ACTIVE").count() == 1


def test_photo_check_task_goes_to_faces_queue_and_periodic_tasks_scheduled(settings):
    from absher.celery import app

    route = app.amqp.router.route({}, "civil_affairs.tasks.photo_check_renewal_task")
    assert route["queue"].name == "faces"
    assert app.amqp.router.route({}, "civil_affairs.tasks.renewal_process_task")["queue"].name == "default"
    tasks = {v["task"] for v in settings.CELERY_BEAT_SCHEDULE.values()}
    mine = {
        "civil_affairs.tasks.renewal_photo_check_sweep",
        "civil_affairs.tasks.renewal_card_progress",
        "civil_affairs.tasks.renewal_photo_purge",
    }
    assert mine <= tasks
    import civil_affairs.tasks  # noqa: F401

    assert mine <= set(app.tasks)


def test_detail_api_query_count(api_client_for, due, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    c = api_client_for(due)
    renewal = start(c, django_capture_on_commit_callbacks)
    c.post(
        f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/delivery/", {"method": "POST", "address_id": due.addresses.get().pk}, format="json"
    )
    with django_assert_max_num_queries(8):
        r = c.get(f"/api/v1/civil-affairs/id-renewals/{renewal.pk}/")
    assert r.status_code == 200 and len(r.json()["payment"]["items"]) == 1


def test_openapi_schema_describes_the_civil_affairs_endpoints(client):
    r = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    paths = r.json()["paths"] if r["Content-Type"].startswith("application/json") else __import__("yaml").safe_load(r.content)["paths"]
    for p in (
        "/api/v1/civil-affairs/id-renewal/eligibility/",
        "/api/v1/civil-affairs/id-renewals/",
        "/api/v1/civil-affairs/id-renewals/{id}/",
        "/api/v1/civil-affairs/id-renewals/{id}/delivery/",
        "/api/v1/addresses/",
        "/api/v1/civil-affairs/offices/",
    ):
        assert p in paths, p
    assert "multipart/form-data" in paths["/api/v1/civil-affairs/id-renewals/"]["post"]["requestBody"]["content"]


def test_staff_without_permission_cannot_review_or_see_photos(client, django_user_model, under_review):
    from django.contrib.auth.models import Permission

    clerk = django_user_model.objects.create_user("clerk2", password="x", is_staff=True)
    officer_login(client, clerk)
    url = reverse("admin:civil_affairs_idrenewal_review", args=[under_review.pk])
    assert client.get(url).status_code == 403
    assert client.get(reverse("civil_affairs:photo", kwargs={"pk": under_review.pk})).status_code == 404
    assert client.get(reverse("civil_affairs:photo_on_file", kwargs={"pk": under_review.pk})).status_code == 404
    # view permission only: may look, may not decide
    clerk.user_permissions.add(Permission.objects.get(codename="view_idrenewal"))
    clerk = django_user_model.objects.get(pk=clerk.pk)
    officer_login(client, clerk)
    assert client.get(url).status_code == 200
    assert client.get(reverse("civil_affairs:photo", kwargs={"pk": under_review.pk})).status_code == 200
    assert client.post(url, {"decision": "approve", "version": under_review.version}).status_code == 403
    assert IdRenewal.objects.get(pk=under_review.pk).status == "UNDER_REVIEW"


def test_an_officer_without_his_second_factor_sees_no_photo(
    api_client_for, due, django_capture_on_commit_callbacks, client, django_user_model
):
    """A staff account with the right permission but no verified TOTP code this session (a stolen
    password) gets no biometric photo: the same rule as the admin."""
    from django.contrib.auth.models import Permission

    renewal = start(api_client_for(due), django_capture_on_commit_callbacks)
    officer = django_user_model.objects.create_user("half-signed-in", password="x-long-pass-1", is_staff=True)
    officer.user_permissions.add(Permission.objects.get(codename="view_idrenewal"))
    client.force_login(officer)  # password only, no second factor
    for name in ("photo", "photo_on_file"):
        assert client.get(reverse(f"civil_affairs:{name}", kwargs={"pk": renewal.pk})).status_code == 404, name
    assert not AuditLog.objects.filter(action="id_renewal.photo_read").exists()
