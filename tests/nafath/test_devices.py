"""Device activation (SMS code, PIN, selfie), one active device, revoke, the PIN lock and its
atomic counter, officers' approval, "this was not me", and outsiders."""

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.utils import timezone, translation
from PIL import Image

from core.errors import ApplicationError
from core.models import AuditLog
from nafath import services
from nafath.models import Device, DeviceActivation
from notifications.models import Notification, SmsOutbox
from tests.officers import officer_login

PIN = "483920"


# Rate-limit counters of its own per test: tests/nafath/conftest.py (autouse).
pytestmark = pytest.mark.usefixtures("matching_face_engine")


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (600, 800), (230, 230, 230)).save(buf, "JPEG")
    return buf.getvalue()


def _code_for(person) -> str:
    body = SmsOutbox.objects.filter(to=person.mobile).latest("id").body
    return re.search(r"\b(\d{6})\b", body).group(1)


def _with_photo_on_file(person):
    from core.crypto import encrypt_bytes

    person.face_encoding = encrypt_bytes(b"\x00" * 8)
    person.save(update_fields=["face_encoding"])


def _activate(person, capture, *, pin=PIN):
    with capture(execute=True):
        a = services.device_activation_start(id_number=person.id_number, ip="10.9.0.1")
    services.device_activation_verify(activation_id=a.activation_id, code=_code_for(person))
    return services.device_activation_complete(activation_id=a.activation_id, pin=pin, selfie=_jpeg(), label="My phone")


@pytest.fixture
def on_file(monkeypatch):
    """The photo on file's encoding: the scenario engine compares any vector to it."""
    import numpy as np

    from biometrics.check import encoding_serialize

    v = np.zeros(128)
    v[0] = 0.1
    monkeypatch.setattr(
        "nafath.services.activation.person_on_file_encoding", lambda person: encoding_serialize(v) if person.photo else None
    )

    def give(person):
        person.photo = "photos/on-file/x.jpg"
        person.save(update_fields=["photo"])

    return give


# --- activation ---------------------------------------------------------------------------------
def test_good_code_pin_and_matching_selfie_activate_a_device(person, on_file, django_capture_on_commit_callbacks):
    on_file(person)
    with django_capture_on_commit_callbacks(execute=True):
        a = services.device_activation_start(id_number=person.id_number, ip="10.9.0.1")
    sms = SmsOutbox.objects.get(to=person.mobile)
    assert "Nafath" in sms.body or "نفاذ" in sms.body
    code = _code_for(person)
    assert a.code_digest != code and code not in a.code_digest  # stored as a digest
    services.device_activation_verify(activation_id=a.activation_id, code=code)
    device, token = services.device_activation_complete(activation_id=a.activation_id, pin=PIN, selfie=_jpeg(), label="My phone")
    assert device.status == "ACTIVE" and device.face_decision == "MATCH"
    assert device.pin_hash != PIN and PIN not in device.pin_hash
    assert Client(HTTP_AUTHORIZATION=f"Device {token}").get("/api/v1/nafath-app/requests/").status_code == 200
    assert services.nafath_app_sign_in(id_number=person.id_number, pin=PIN, ip="10.9.0.2") == device
    assert AuditLog.objects.filter(action="nafath.device_activated", person=person).count() == 1


def test_an_unknown_id_number_gets_the_same_answer_and_no_sms(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        a = services.device_activation_start(id_number="1000000008", ip="10.9.0.1")
    assert a.person is None and SmsOutbox.objects.count() == 0
    with pytest.raises(ApplicationError) as e:
        services.device_activation_verify(activation_id=a.activation_id, code="000000")
    assert e.value.code == "INVALID_CODE"


def test_wrong_code_tells_the_tries_left_and_too_many_tries_ends_it(person, settings, django_capture_on_commit_callbacks):
    settings.NAFATH_ACTIVATION_CODE_MAX_TRIES = 3
    with django_capture_on_commit_callbacks(execute=True):
        a = services.device_activation_start(id_number=person.id_number, ip="10.9.0.1")
    right = _code_for(person)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for left in (2, 1):
        with pytest.raises(ApplicationError) as e:
            services.device_activation_verify(activation_id=a.activation_id, code=wrong)
        assert e.value.code == "INVALID_CODE" and e.value.details["tries_left"] == left
    with pytest.raises(ApplicationError) as e:
        services.device_activation_verify(activation_id=a.activation_id, code=wrong)
    assert e.value.code == "TOO_MANY_ATTEMPTS" and e.value.status == 429
    # even the right code no longer works
    with pytest.raises(ApplicationError) as e:
        services.device_activation_verify(activation_id=a.activation_id, code=right)
    assert e.value.code == "TOO_MANY_ATTEMPTS"
    a.refresh_from_db()
    assert a.status == "FAILED" and a.code_tries == 3


def test_an_expired_code_is_refused(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        a = services.device_activation_start(id_number=person.id_number, ip="10.9.0.1")
    DeviceActivation.objects.filter(pk=a.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ApplicationError) as e:
        services.device_activation_verify(activation_id=a.activation_id, code=_code_for(person))
    assert e.value.code == "ACTIVATION_CODE_EXPIRED" and e.value.status == 410
    assert not Device.objects.filter(person=person).exists()


def test_concurrent_wrong_codes_cannot_overshoot_the_tries(person, race, settings, django_capture_on_commit_callbacks):
    settings.NAFATH_ACTIVATION_CODE_MAX_TRIES = 3
    a = services.device_activation_start(id_number=person.id_number, ip="10.9.0.1")
    outcomes = race(lambda i: services.device_activation_verify(activation_id=a.activation_id, code="999999x"), n=6)
    assert sorted(o.code for o in outcomes).count("INVALID_CODE") + sorted(o.code for o in outcomes).count("TOO_MANY_ATTEMPTS") == 6
    a.refresh_from_db()
    assert a.code_tries == 3  # never more than the limit, however many raced


def test_the_pin_must_have_the_configured_length(person, on_file, settings, django_capture_on_commit_callbacks):
    settings.NAFATH_PIN_LENGTH = 6
    with django_capture_on_commit_callbacks(execute=True):
        a = services.device_activation_start(id_number=person.id_number, ip="10.9.0.1")
    services.device_activation_verify(activation_id=a.activation_id, code=_code_for(person))
    for bad, code in (("1234", "INVALID_PIN"), ("12a456", "INVALID_PIN"), ("111111", "WEAK_PIN"), ("123456", "WEAK_PIN")):
        with pytest.raises(ApplicationError) as e:
            services.device_activation_complete(activation_id=a.activation_id, pin=bad, selfie=_jpeg())
        assert e.value.code == code
    assert not Device.objects.filter(person=person).exists()


def test_a_mismatching_selfie_is_refused(person, on_file, settings, django_capture_on_commit_callbacks):
    on_file(person)
    settings.FACE_ENGINE_SCENARIO = "mismatch"
    with django_capture_on_commit_callbacks(execute=True):
        a = services.device_activation_start(id_number=person.id_number, ip="10.9.0.1")
    services.device_activation_verify(activation_id=a.activation_id, code=_code_for(person))
    with pytest.raises(ApplicationError) as e:
        services.device_activation_complete(activation_id=a.activation_id, pin=PIN, selfie=_jpeg())
    assert e.value.code == "SELFIE_REFUSED" and e.value.details["reasons"][0]["code"] == "FACE_MISMATCH"
    assert not Device.objects.filter(person=person).exists()


@pytest.mark.parametrize("scenario,photo", [("review", True), ("match", False)])
def test_review_or_no_photo_on_file_leaves_the_device_pending_until_an_officer_approves(
    person, on_file, settings, scenario, photo, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import User

    if photo:
        on_file(person)
    settings.FACE_ENGINE_SCENARIO = scenario
    with django_capture_on_commit_callbacks(execute=True):
        device, token = _activate(person, django_capture_on_commit_callbacks)
    assert device.status == "PENDING"
    assert Client(HTTP_AUTHORIZATION=f"Device {token}").get("/api/v1/nafath-app/requests/").status_code == 401
    officer = User.objects.create_superuser("off-dev", "o@example.com", "pw-123-officer")
    c = officer_login(Client(), officer)
    r = c.post("/admin/nafath/device/", {"action": "approve", "_selected_action": [device.pk]})
    assert r.status_code == 302
    device.refresh_from_db()
    assert device.status == "ACTIVE"
    assert Client(HTTP_AUTHORIZATION=f"Device {token}").get("/api/v1/nafath-app/requests/").status_code == 200
    assert AuditLog.objects.get(action="nafath.device_approved").officer == officer


# --- one active device, revoke --------------------------------------------------------------------
def test_a_new_device_replaces_the_old_one_which_is_told(person, on_file, django_capture_on_commit_callbacks):
    on_file(person)
    old, old_token = services.device_register(person=person, pin="1234", label="Old phone")
    with django_capture_on_commit_callbacks(execute=True):
        new, _new_token = _activate(person, django_capture_on_commit_callbacks)
    old.refresh_from_db()
    assert (old.status, old.revoked_reason) == ("REVOKED", "replaced")
    assert Device.objects.filter(person=person, status="ACTIVE").get() == new
    assert Client(HTTP_AUTHORIZATION=f"Device {old_token}").get("/api/v1/nafath-app/requests/").status_code == 401
    told = Notification.objects.get(person=person, kind="nafath_device_replaced")
    assert "Old phone" in told.body_en and "Old phone" in told.body_ar


def test_max_active_devices_is_a_setting(person, on_file, settings, django_capture_on_commit_callbacks):
    settings.NAFATH_MAX_ACTIVE_DEVICES = 2
    on_file(person)
    old, _ = services.device_register(person=person, pin="1234")
    with django_capture_on_commit_callbacks(execute=True):
        _activate(person, django_capture_on_commit_callbacks)
    old.refresh_from_db()
    assert old.status == "ACTIVE" and Device.objects.filter(person=person, status="ACTIVE").count() == 2


def test_revoking_a_device_refuses_its_token_at_once(person, web_client_for):
    device, token = services.device_register(person=person, pin="1234")
    api = Client(HTTP_AUTHORIZATION=f"Device {token}")
    assert api.get("/api/v1/nafath-app/requests/").status_code == 200
    r = web_client_for(person).post(f"/nafath/devices/{device.pk}/revoke/")
    assert r.status_code == 302
    assert api.get("/api/v1/nafath-app/requests/").status_code == 401
    with pytest.raises(ApplicationError):
        services.nafath_app_sign_in(id_number=person.id_number, pin="1234", ip="10.9.0.3")


def test_an_outsider_cannot_revoke_or_see_my_device(person, outsider, web_client_for):
    device, _token = services.device_register(person=person, pin="1234", label="Mine")
    c = web_client_for(outsider)
    assert c.post(f"/nafath/devices/{device.pk}/revoke/").status_code == 404
    device.refresh_from_db()
    assert device.status == "ACTIVE" and device.revoked_at is None
    assert b"Mine" not in c.get("/nafath/devices/").content
    assert b"Mine" in web_client_for(person).get("/nafath/devices/").content


# --- the PIN lock -----------------------------------------------------------------------------------
def test_wrong_pins_lock_the_device_for_a_time_with_a_clear_message(person, settings):
    settings.NAFATH_DEVICE_LOCK_AFTER_FAILURES = 3
    settings.NAFATH_DEVICE_LOCK_SECONDS = 600
    settings.NAFATH_PIN_MAX_FAILURES = 50
    device, _ = services.device_register(person=person, pin="1234")
    # The owner's own device (the app installation signed in as it before): its wrong PINs lock it.
    # Anyone else's wrong PINs never do (tests/nafath/test_lockout.py).
    for _i in range(2):
        with pytest.raises(ApplicationError) as e:
            services.nafath_app_sign_in(id_number=person.id_number, pin="0000", ip="10.9.0.4", device_id=device.pk)
        assert e.value.code == "INVALID_CREDENTIALS"
    with translation.override("en"), pytest.raises(ApplicationError) as e:
        services.nafath_app_sign_in(id_number=person.id_number, pin="0000", ip="10.9.0.4", device_id=device.pk)
    assert e.value.code == "DEVICE_LOCKED" and e.value.status == 423
    assert "locked until" in e.value.message and "10 minutes" in e.value.message
    # the right PIN does not open a locked device
    with pytest.raises(ApplicationError) as e:
        services.nafath_app_sign_in(id_number=person.id_number, pin="1234", ip="10.9.0.4", device_id=device.pk)
    assert e.value.code == "DEVICE_LOCKED"
    # when the time is over, the right PIN works again and the count starts over
    Device.objects.filter(pk=device.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert services.nafath_app_sign_in(id_number=person.id_number, pin="1234", ip="10.9.0.4", device_id=device.pk) == device
    device.refresh_from_db()
    assert device.pin_failures == 0 and device.locked_until is None


def test_concurrent_wrong_pins_cannot_overshoot_the_lock(person, race, settings):
    settings.NAFATH_DEVICE_LOCK_AFTER_FAILURES = 3
    settings.NAFATH_PIN_MAX_FAILURES = 50
    device, _ = services.device_register(person=person, pin="1234")
    outcomes = race(lambda i: services.device_pin_check(device=Device.objects.get(pk=device.pk), pin="0000"), n=8)
    device.refresh_from_db()
    assert device.pin_failures == 3  # exactly the limit: 5 of the 8 were refused before comparing
    assert [o.code for o in outcomes].count("DEVICE_LOCKED") >= 5
    assert device.locked_until is not None and device.locked_until > timezone.now()


def test_concurrent_wrong_pins_cannot_overshoot_the_rate_limit(person, race, settings):
    """The old check-then-increment let every concurrent try through; a slot is now taken first."""
    settings.NAFATH_PIN_MAX_FAILURES = 2
    settings.NAFATH_DEVICE_LOCK_AFTER_FAILURES = 50
    device, _ = services.device_register(person=person, pin="1234")
    outcomes = race(lambda i: services.nafath_app_sign_in(id_number=person.id_number, pin="0000", ip="10.9.0.5"), n=6)
    codes = [o.code for o in outcomes]
    # One address, not the owner's device: its tries are numbered by one INCR before comparing, so
    # exactly the limit is compared and the rest wait; the owner's device is not touched.
    allowed = codes.count("INVALID_CREDENTIALS")
    assert allowed == 2 and codes.count("RATE_LIMITED") == 4
    device.refresh_from_db()
    assert device.pin_failures == 0 and device.locked_until is None


# --- my activity ------------------------------------------------------------------------------------
def test_this_was_not_me_revokes_the_device_and_tells_officers(person, outsider, web_client_for):
    device, _token = services.device_register(person=person, pin="1234")
    entry = AuditLog.objects.get(action="nafath.device_registered", person=person)
    page = web_client_for(person).get("/nafath/activity/")
    assert f'data-testid="activity-{entry.pk}"'.encode() in page.content
    # an outsider can neither see nor disown it
    assert f'data-testid="activity-{entry.pk}"'.encode() not in web_client_for(outsider).get("/nafath/activity/").content
    assert web_client_for(outsider).post(f"/nafath/activity/{entry.pk}/not-me/").status_code == 404
    device.refresh_from_db()
    assert device.status == "ACTIVE"
    r = web_client_for(person).post(f"/nafath/activity/{entry.pk}/not-me/")
    assert r.status_code == 302
    device.refresh_from_db()
    assert (device.status, device.revoked_reason) == ("REVOKED", "not_me")
    report = AuditLog.objects.get(action="nafath.activity_disowned", person=person)
    assert report.object_id == str(entry.pk) and report.data["devices"] == [device.pk]


def test_this_was_not_me_on_a_sign_in_ends_that_browser_session(person):
    from django.contrib.sessions.models import Session

    device, _ = services.device_register(person=person, pin="1234")
    other = Client()
    other.post("/login/", {"id_number": person.id_number})
    from nafath.models import NafathRequest

    req = NafathRequest.objects.get(person=person, status="WAITING")
    services.nafath_request_answer(device=device, transaction_id=req.transaction_id, choice=str(req.random_number))
    other.get("/login/status/")
    assert other.get("/dashboard/").status_code == 200
    key = other.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()
    entry = AuditLog.objects.get(action="auth.signed_in", person=person)
    me = Client()
    from tests.conftest import session_login

    session_login(me, person)
    assert me.post(f"/nafath/activity/{entry.pk}/not-me/").status_code == 302
    assert other.get("/dashboard/").status_code == 302  # that session is over
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditLog.objects.get(action="nafath.activity_disowned").data["sessions"] == 1


def test_the_activation_pages_walk_through_in_a_browser(person, on_file, django_capture_on_commit_callbacks):
    on_file(person)
    c = Client()
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/nafath/activate/", {"id_number": person.id_number})
    assert r.status_code == 302 and r["Location"] == "/nafath/activate/code/"
    r = c.post("/nafath/activate/code/", {"code": "000000" if _code_for(person) != "000000" else "111111"})
    assert r.status_code == 200 and b'data-testid="activate-code-error"' in r.content
    r = c.post("/nafath/activate/code/", {"code": _code_for(person)})
    assert r.status_code == 302 and r["Location"] == "/nafath/activate/finish/"
    selfie = io.BytesIO(_jpeg())
    selfie.name = "selfie.jpg"
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/nafath/activate/finish/", {"label": "Phone", "pin": PIN, "pin_again": PIN, "selfie": selfie})
    assert r.status_code == 200 and b'data-status="ACTIVE"' in r.content
    assert Device.objects.get(person=person).label == "Phone"


def test_an_officer_opening_my_record_shows_in_my_activity(person, outsider, web_client_for):
    from django.contrib.auth.models import User

    officer = User.objects.create_superuser("off-view", "v@example.com", "pw-123-officer")
    c = officer_login(Client(), officer)
    assert c.get(f"/admin/registry/person/{person.pk}/change/").status_code == 200
    row = AuditLog.objects.get(action="registry.person.viewed", person=person)
    assert row.officer == officer
    page = web_client_for(person).get("/nafath/activity/").content.decode()
    assert f'data-testid="activity-{row.pk}"' in page and "An officer opened or changed your records" in page
    assert f'data-testid="activity-{row.pk}"' not in web_client_for(outsider).get("/nafath/activity/").content.decode()
    # "this was not me" on an officer's entry is recorded for the officers to look into
    assert web_client_for(person).post(f"/nafath/activity/{row.pk}/not-me/").status_code == 302
    report = AuditLog.objects.get(action="nafath.activity_disowned", person=person)
    assert report.data["officer_entry"] is True and report.object_id == str(row.pk)


@pytest.mark.parametrize(
    "ua,label",
    [
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
            "Chrome · Android",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            "Safari · iPhone",
        ),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0", "Firefox · Windows"),
        ("", ""),
    ],
)
def test_the_browser_of_a_sign_in_is_named_plainly(ua, label):
    from nafath.selectors import browser_label

    assert browser_label(ua) == label


def test_a_pending_devices_selfie_is_kept_encrypted_for_officers_only_then_deleted(
    person, on_file, settings, web_client_for, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import User

    from core.storage import private_storage

    on_file(person)
    settings.FACE_ENGINE_SCENARIO = "review"
    with django_capture_on_commit_callbacks(execute=True):
        device, _ = _activate(person, django_capture_on_commit_callbacks)
    assert device.status == "PENDING" and device.face_decision == "REVIEW" and device.selfie
    with private_storage.open(device.selfie, "rb") as f:
        stored = f.read()
    assert not stored.startswith(b"\xff\xd8")  # not a readable JPEG at rest
    url = f"/nafath/officer/devices/{device.pk}/selfie/"
    assert Client().get(url).status_code == 404
    assert web_client_for(person).get(url).status_code == 404  # not even the owner: it is for the officer's decision
    officer = User.objects.create_superuser("off-selfie", "s@example.com", "pw-123-officer")
    c = officer_login(Client(), officer)
    r = c.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg" and r.content.startswith(b"\xff\xd8")
    read = AuditLog.objects.get(action="nafath.device_selfie_read", person=person)
    assert read.officer == officer
    assert "An officer opened your photo" in web_client_for(person, lang="en").get("/nafath/activity/").content.decode()
    assert f"{url}".encode() in c.get(f"/admin/nafath/device/{device.pk}/change/").content
    name = device.selfie
    with django_capture_on_commit_callbacks(execute=True):
        services.device_approve(device_id=device.pk, officer=officer)
    device.refresh_from_db()
    assert device.selfie == "" and not private_storage.exists(name)
    assert c.get(url).status_code == 404
