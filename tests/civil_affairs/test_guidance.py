"""Live guidance and the upload pre-check of the ID renewal (issue 10): the quick-check
endpoint (API and the camera page's JSON view) with its rate limit and who may call it; an
upload failing a quality rule refused before any request exists, spending no attempt; the
camera photo's capture time; "possible glasses" on a man's photo sent to an officer."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from civil_affairs import services
from civil_affairs.models import IdRenewal, IdRenewalEvent
from civil_affairs.services import photo_check as photo_check_services
from civil_affairs.services import photo_intake
from core import dates
from core.models import AuditLog
from tests import photo_images as pi
from tests.factories import AddressFactory, IdCardFactory, PersonFactory, ResidentFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/civil-affairs/id-renewal/photo-quick-check/"
WEB = "/civil-affairs/id-renewal/quick-check/"
CREATE = "/api/v1/civil-affairs/id-renewals/"


@pytest.fixture(autouse=True)
def fixed_minute(monkeypatch):
    """The rate limit counts per minute: keep every test inside one minute, and the cache clean."""
    from django.core.cache import cache

    cache.clear()
    now = 1_900_000_040.0  # 20 s into a minute (1_900_000_020 is a whole minute)
    monkeypatch.setattr(photo_intake.time, "time", lambda: now)


@pytest.fixture
def due(person):
    IdCardFactory(person=person, expiry_date=dates.today() + dt.timedelta(days=60))
    AddressFactory(person=person, deliverable=True)
    return person


@pytest.fixture
def scenario(settings):
    settings.FACE_ENGINE = "biometrics.face.ScenarioFaceEngine"
    settings.FACE_ENGINE_SCENARIO = "match"
    return settings


def frame_file(data: bytes | None = None, name="frame.jpg"):
    return SimpleUploadedFile(name, data or pi.synthetic_portrait(size=(384, 480)), content_type="image/jpeg")


def nothing_stored(person, audit_before):
    assert IdRenewal.objects.filter(person=person).count() == 0
    assert IdRenewalEvent.objects.count() == 0
    assert AuditLog.objects.count() == audit_before


# --- the endpoint ------------------------------------------------------------------------------
def test_api_quick_check_answers_and_stores_nothing(api_client_for, due, scenario):
    audit = AuditLog.objects.count()
    c = api_client_for(due)
    r = c.post(API, {"frame": frame_file()}, format="multipart")
    assert r.status_code == 200, r.content
    body = r.json()
    assert set(body) == {"passed", "reasons", "hints", "hint", "duration_ms"}
    assert body["passed"] is True and body["reasons"] == [] and body["hints"] == []
    assert body["hint"] == "Ready: the photo passes every quality rule. Hold still and take it."
    nothing_stored(due, audit)


def test_api_quick_check_no_face_says_face_the_camera(api_client_for, due, scenario):
    scenario.FACE_ENGINE_SCENARIO = "no_face"
    body = api_client_for(due).post(API, {"frame": frame_file()}, format="multipart").json()
    assert body["passed"] is False
    assert body["reasons"] == [{"code": "NO_FACE", "message": body["reasons"][0]["message"]}]
    assert body["hints"] == [{"code": "FACE_THE_CAMERA", "message": "Face the camera, your whole face inside the frame"}]
    assert body["hint"] == "Face the camera, your whole face inside the frame"


def test_quick_check_hint_in_arabic(api_client_for, due, scenario):
    scenario.FACE_ENGINE_SCENARIO = "multiple_faces"
    body = api_client_for(due, lang="ar").post(API, {"frame": frame_file()}, format="multipart").json()
    assert body["hints"][0]["code"] == "ONLY_YOU"
    assert body["hint"] == "أنت فقط داخل الإطار"


@pytest.mark.faces
def test_quick_check_real_engine_on_built_frames(api_client_for, due, faces_dir):
    c = api_client_for(due)
    good = pi.to_jpeg(pi.compliant("obama_1.jpg").resize((384, 480)), quality=80)
    dark = pi.to_jpeg(pi.dark("obama_1.jpg").resize((384, 480)), quality=80)
    a = c.post(API, {"frame": frame_file(good)}, format="multipart").json()
    b = c.post(API, {"frame": frame_file(dark)}, format="multipart").json()
    assert (a["passed"], a["hints"]) == (True, [])
    assert b["passed"] is False and [h["code"] for h in b["hints"]] == ["MORE_LIGHT"] and b["hint"] == "More light"


def test_quick_check_rate_limit_per_person(api_client_for, due, scenario, settings):
    settings.PHOTO_QUICK_CHECK_PER_MINUTE = 3
    c = api_client_for(due)
    assert [c.post(API, {"frame": frame_file()}, format="multipart").status_code for _ in range(3)] == [200, 200, 200]
    r = c.post(API, {"frame": frame_file()}, format="multipart")
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "RATE_LIMITED"
    assert r.json()["error"]["details"] == {"retry_after": 41}  # the minute ends in 40 s (+1)
    assert r["Retry-After"] == "41"
    # another person has a count of their own
    other = PersonFactory()
    IdCardFactory(person=other, expiry_date=dates.today() + dt.timedelta(days=60))
    assert api_client_for(other).post(API, {"frame": frame_file()}, format="multipart").status_code == 200


def test_quick_check_refuses_anonymous_and_people_who_cannot_renew(client, api_client_for, web_client_for, scenario, due):
    audit = AuditLog.objects.count()
    # no token / no session: 401 in the error shape, nothing run
    from rest_framework.test import APIClient

    r = APIClient().post(API, {"frame": frame_file()}, format="multipart")
    assert r.status_code == 401 and r.json()["error"]["code"] == "NOT_AUTHENTICATED"
    r = client.post(WEB, {"frame": frame_file()})
    assert r.status_code == 401 and r.json()["error"]["code"] == "NOT_AUTHENTICATED"
    # a resident (not a citizen) and a citizen not yet due: 409 NOT_ELIGIBLE, on both
    resident = ResidentFactory()
    not_due = PersonFactory()
    IdCardFactory(person=not_due, expiry_date=dates.today() + dt.timedelta(days=400))
    for p in (resident, not_due):
        r = api_client_for(p).post(API, {"frame": frame_file()}, format="multipart")
        assert r.status_code == 409 and r.json()["error"]["code"] == "NOT_ELIGIBLE"
        r = web_client_for(p).post(WEB, {"frame": frame_file()})
        assert r.status_code == 409 and r.json()["error"]["code"] == "NOT_ELIGIBLE"
    nothing_stored(due, audit)
    assert IdRenewal.objects.count() == 0


def test_quick_check_refuses_a_big_or_broken_frame(api_client_for, due, scenario, settings):
    settings.PHOTO_QUICK_CHECK_MAX_BYTES = 10_000
    c = api_client_for(due)
    r = c.post(
        API, {"frame": frame_file(pi.to_jpeg(pi.Image.new("RGB", (2000, 2000), (200, 10, 10)), quality=100) * 3)}, format="multipart"
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "IMAGE_TOO_LARGE"
    # a small file declaring a big picture: refused from its header
    r = c.post(API, {"frame": frame_file(pi.png_bomb(2000, 2000), "f.png")}, format="multipart")
    assert r.status_code == 400 and r.json()["error"]["code"] == "IMAGE_TOO_LARGE"
    assert r.json()["error"]["details"] == {"width": 2000, "height": 2000, "max_pixels": 2_500_000}
    r = c.post(API, {"frame": frame_file(pi.not_an_image()[:5000])}, format="multipart")
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_IMAGE"
    r = c.post(API, {}, format="multipart")
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_ERROR"


def test_web_quick_check_for_the_camera_page(web_client_for, due, scenario):
    c = web_client_for(due)
    r = c.post(WEB, {"frame": frame_file()})
    assert r.status_code == 200 and r.json()["passed"] is True
    assert c.get(WEB).status_code == 405
    r = c.post(WEB, {})
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_ERROR"


def test_web_quick_check_needs_the_csrf_token(due, scenario):
    from django.test import Client

    from tests.conftest import session_login

    c = Client(enforce_csrf_checks=True)
    session_login(c, due)
    assert c.post(WEB, {"frame": frame_file()}).status_code == 403


def test_quick_check_engine_failure_is_503_not_500(api_client_for, due, scenario):
    scenario.FACE_ENGINE_SCENARIO = "timeout"
    r = api_client_for(due).post(API, {"frame": frame_file()}, format="multipart")
    assert r.status_code == 503 and r.json()["error"]["code"] == "ENGINE_UNAVAILABLE"


# --- the upload gets the same quick check before its request exists ---------------------------------
def test_failing_upload_refused_with_reasons_and_no_attempt_spent(
    api_client_for, due, scenario, settings, django_capture_on_commit_callbacks
):
    settings.ID_PHOTO_ATTEMPTS_MAX = 1
    c = api_client_for(due)
    scenario.FACE_ENGINE_SCENARIO = "multiple_faces"
    for _ in range(3):  # refused three times: still no attempt spent
        r = c.post(CREATE, {"photo": frame_file(pi.synthetic_portrait(), "p.jpg")}, format="multipart")
        assert r.status_code == 400
        err = r.json()["error"]
        assert err["code"] == "PHOTO_QUALITY"
        assert [x["code"] for x in err["details"]["reasons"]] == ["MULTIPLE_FACES"]
    assert IdRenewal.objects.filter(person=due).count() == 0
    scenario.FACE_ENGINE_SCENARIO = "match"
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(CREATE, {"photo": frame_file(pi.synthetic_portrait(), "p.jpg")}, format="multipart")
    assert r.status_code == 202  # the one attempt is still there
    assert IdRenewal.objects.get(person=due).status == "AWAITING_DELIVERY_CHOICE"


@pytest.mark.faces
def test_failing_upload_real_engine_each_reason(api_client_for, due, faces_dir):
    c = api_client_for(due)
    r = c.post(CREATE, {"photo": frame_file(pi.to_jpeg(pi.greyscale("obama_1.jpg")), "p.jpg")}, format="multipart")
    assert r.status_code == 400
    assert [x["code"] for x in r.json()["error"]["details"]["reasons"]] == ["NOT_COLOUR"]
    r = c.post(CREATE, {"photo": frame_file(pi.to_jpeg(pi.tiny("obama_1.jpg")), "p.jpg")}, format="multipart")
    assert [x["code"] for x in r.json()["error"]["details"]["reasons"]] == ["LOW_RESOLUTION"]
    assert IdRenewal.objects.filter(person=due).count() == 0


def test_failing_upload_on_the_page_shows_each_reason(web_client_for, due, scenario):
    scenario.FACE_ENGINE_SCENARIO = "no_face"
    c = web_client_for(due)
    r = c.post("/civil-affairs/id-renewal/", {"photo": frame_file(pi.synthetic_portrait(), "p.jpg")})
    assert r.status_code == 400
    html = r.content.decode()
    assert "Nothing was sent and no attempt was used" in html
    assert "No face was found." in html
    assert IdRenewal.objects.filter(person=due).count() == 0


def test_precheck_engine_failure_lets_the_upload_through(api_client_for, due, scenario):
    scenario.FACE_ENGINE_SCENARIO = "timeout"
    r = api_client_for(due).post(CREATE, {"photo": frame_file(pi.synthetic_portrait(), "p.jpg")}, format="multipart")
    assert r.status_code == 202 and IdRenewal.objects.get(person=due).status == "PHOTO_CHECK"


def test_precheck_can_be_turned_off(api_client_for, due, scenario, settings, django_capture_on_commit_callbacks):
    settings.ID_PHOTO_UPLOAD_PRECHECK = False
    scenario.FACE_ENGINE_SCENARIO = "no_face"
    with django_capture_on_commit_callbacks(execute=True):
        r = api_client_for(due).post(CREATE, {"photo": frame_file(pi.synthetic_portrait(), "p.jpg")}, format="multipart")
    assert r.status_code == 202
    assert IdRenewal.objects.get(person=due).status == "PHOTO_REJECTED"  # the worker's full check refuses it


# --- where the photo came from -----------------------------------------------------------------
def test_camera_photo_records_when_it_was_taken(api_client_for, due, scenario):
    taken = timezone.now() - dt.timedelta(seconds=20)
    r = api_client_for(due).post(
        CREATE,
        {"photo": frame_file(pi.synthetic_portrait(), "c.jpg"), "source": "CAMERA", "captured_at": taken.isoformat()},
        format="multipart",
    )
    assert r.status_code == 202
    renewal = IdRenewal.objects.get(person=due)
    assert renewal.photo_source == "CAMERA"
    assert renewal.photo_captured_at == taken


def test_implausible_capture_time_is_replaced_by_the_arrival(api_client_for, due, scenario):
    before = timezone.now()
    r = api_client_for(due).post(
        CREATE,
        {"photo": frame_file(pi.synthetic_portrait(), "c.jpg"), "source": "CAMERA", "captured_at": "2020-01-01T10:00:00Z"},
        format="multipart",
    )
    assert r.status_code == 202
    renewal = IdRenewal.objects.get(person=due)
    assert before <= renewal.photo_captured_at <= timezone.now()


def test_uploaded_file_has_no_capture_time_even_if_claimed(api_client_for, due, scenario):
    r = api_client_for(due).post(
        CREATE, {"photo": frame_file(pi.synthetic_portrait(), "u.jpg"), "captured_at": timezone.now().isoformat()}, format="multipart"
    )
    assert r.status_code == 202
    renewal = IdRenewal.objects.get(person=due)
    assert (renewal.photo_source, renewal.photo_captured_at) == ("UPLOAD", None)


def test_camera_form_fields_on_the_page(web_client_for, due, scenario):
    c = web_client_for(due)
    taken = timezone.now() - dt.timedelta(seconds=3)
    r = c.post(
        "/civil-affairs/id-renewal/",
        {"photo": frame_file(pi.synthetic_portrait(), "c.jpg"), "source": "CAMERA", "captured_at": taken.isoformat()},
    )
    assert r.status_code == 302
    renewal = IdRenewal.objects.get(person=due)
    assert renewal.photo_source == "CAMERA" and abs((renewal.photo_captured_at - taken).total_seconds()) < 0.001


# --- possible glasses: an officer looks -----------------------------------------------------------
def _checked_renewal(person, flags):
    from unittest import mock

    from biometrics.check import FaceMatch, PhotoCheckResult

    renewal = services.renewal_create(person=person, photo_data=pi.synthetic_portrait())
    result = PhotoCheckResult(
        passed=True,
        reasons=[],
        face_match=FaceMatch(decision="MATCH", distance=0.1, match_tolerance=0.5, reject_tolerance=0.62, model="m"),
        metrics={"glasses_score": 0.8},
        encoding=b"\x00" * 1024,
        flags=flags,
    )
    with mock.patch.object(photo_check_services, "photo_engine_check", return_value=result):
        assert services.renewal_photo_check(renewal_id=renewal.pk) == "applied"
    renewal.refresh_from_db()
    return renewal


def test_possible_glasses_on_a_mans_photo_goes_to_an_officer(due, scenario, django_capture_on_commit_callbacks):
    assert due.gender == "M"
    renewal = _checked_renewal(due, ["POSSIBLE_GLASSES"])
    assert renewal.status == "AWAITING_DELIVERY_CHOICE"  # not refused
    assert renewal.photo_flags == ["POSSIBLE_GLASSES"]
    assert services.renewal_rules_hold(renewal=renewal) == ["POSSIBLE_GLASSES"]


def test_possible_glasses_on_a_womans_photo_is_no_flag(scenario, django_capture_on_commit_callbacks):
    woman = PersonFactory(gender="F")
    IdCardFactory(person=woman, expiry_date=dates.today() + dt.timedelta(days=60))
    renewal = _checked_renewal(woman, ["POSSIBLE_GLASSES"])
    assert renewal.photo_flags == []
    assert services.renewal_rules_hold(renewal=renewal) == []


def _choose_delivery_and_pay(person, renewal, capture):
    from payments.services import payment_fulfil, payment_mark_paid

    with capture(execute=True):
        renewal = services.renewal_delivery_choose(
            person=person, renewal_id=renewal.pk, method="POST", address_id=person.addresses.get().pk
        )
    with capture(execute=True):
        payment_mark_paid(payment_id=renewal.payment_id, method="CARD")
        payment_fulfil(payment_id=renewal.payment_id)
    renewal.refresh_from_db()
    return renewal


def test_a_paid_request_with_possible_glasses_goes_to_an_officer_not_approved(due, scenario, django_capture_on_commit_callbacks):
    """The whole way: the man's photo passed with the flag, he pays, the automatic decision refers
    the request to an officer (UNDER_REVIEW, note POSSIBLE_GLASSES) instead of approving it."""
    renewal = _choose_delivery_and_pay(due, _checked_renewal(due, ["POSSIBLE_GLASSES"]), django_capture_on_commit_callbacks)
    assert renewal.status == "UNDER_REVIEW"
    refer = renewal.events.get(to_status="UNDER_REVIEW")
    assert (refer.action, refer.note) == ("refer", "POSSIBLE_GLASSES")
    assert renewal.new_card_id is None


def test_a_paid_request_without_the_flag_is_approved(scenario, django_capture_on_commit_callbacks):
    woman = PersonFactory(gender="F")
    IdCardFactory(person=woman, expiry_date=dates.today() + dt.timedelta(days=60))
    AddressFactory(person=woman, deliverable=True)
    renewal = _choose_delivery_and_pay(woman, _checked_renewal(woman, ["POSSIBLE_GLASSES"]), django_capture_on_commit_callbacks)
    assert renewal.status == "APPROVED" and renewal.new_card_id is not None


def test_the_admin_review_shows_the_flag(due, scenario, admin_client):
    renewal = _checked_renewal(due, ["POSSIBLE_GLASSES"])
    admin_client.cookies["absher_lang"] = "en"
    r = admin_client.get(f"/admin/civil_affairs/idrenewal/{renewal.pk}/review/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-code="POSSIBLE_GLASSES"' in html
    assert "Possible glasses (not certain): an officer checks the photo." in html


# --- the rules page ------------------------------------------------------------------------------
def test_rules_page_says_what_is_published_and_what_is_chosen_here(web_client_for, due):
    html = web_client_for(due).get("/civil-affairs/id-renewal/").content.decode()
    assert "When a photo was taken cannot be read from an uploaded file" in html
    assert "the limits used here are defaults chosen by this portal" in html
    assert "Checked: the head tilted more than 8°, or turned; eyes closed; mouth open." in html
    assert "a photo with possible glasses is not refused, an officer looks at it" in html
    assert 'aria-live="polite"' in html and 'data-quick-check-url="/civil-affairs/id-renewal/quick-check/"' in html
