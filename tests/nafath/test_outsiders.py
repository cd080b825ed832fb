"""Outsiders on every page and endpoint of device activation, My devices and My activity: a
visitor who is not signed in, another person, another browser, a device token used as a
person's token, and an officer who may only look. Nothing changes for any of them."""

import io
import re
import uuid

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from core.models import AuditLog
from nafath import services
from nafath.models import Device, DeviceActivation
from notifications.models import SmsOutbox
from tests.officers import officer_login

PIN = "483920"


# Rate-limit counters of its own per test: tests/nafath/conftest.py (autouse).
pytestmark = pytest.mark.usefixtures("matching_face_engine")


@pytest.fixture
def mine(person):
    """The person's active device and the activity entry it wrote."""
    device, token = services.device_register(person=person, pin="1234", label="Mine")
    entry = AuditLog.objects.get(action="nafath.device_registered", person=person)
    return device, token, entry


def _jpeg(name=None):
    buf = io.BytesIO()
    Image.new("RGB", (600, 800), (230, 230, 230)).save(buf, "JPEG")
    buf.seek(0)
    if name:
        buf.name = name
    return buf


def _untouched(device):
    device.refresh_from_db()
    assert device.status == "ACTIVE" and device.revoked_at is None
    assert not AuditLog.objects.filter(action="nafath.activity_disowned").exists()


def test_a_visitor_not_signed_in_is_sent_to_the_login_on_every_page(person, mine):
    device, _token, entry = mine
    c = Client()
    for method, path in (
        ("get", "/nafath/devices/"),
        ("get", "/nafath/activity/"),
        ("post", f"/nafath/devices/{device.pk}/revoke/"),
        ("post", f"/nafath/activity/{entry.pk}/not-me/"),
    ):
        r = getattr(c, method)(path)
        assert r.status_code == 302 and r["Location"].startswith("/login/?next="), (method, path, r.status_code)
    _untouched(device)


def test_another_person_sees_nothing_and_changes_nothing_on_the_pages(person, outsider, mine, web_client_for):
    device, _token, entry = mine
    c = web_client_for(outsider)
    devices = c.get("/nafath/devices/")
    assert devices.status_code == 200 and b"Mine" not in devices.content
    activity = c.get("/nafath/activity/")
    assert activity.status_code == 200 and f'data-testid="activity-{entry.pk}"'.encode() not in activity.content
    assert c.post(f"/nafath/devices/{device.pk}/revoke/").status_code == 404
    assert c.post(f"/nafath/activity/{entry.pk}/not-me/").status_code == 404
    _untouched(device)


def test_a_visitor_or_another_person_gets_401_or_404_from_every_endpoint(person, outsider, mine, api_client_for):
    device, token, entry = mine
    anonymous = APIClient()
    for method, path in (
        ("get", "/api/v1/nafath/devices/"),
        ("get", "/api/v1/nafath/activity/"),
        ("post", f"/api/v1/nafath/devices/{device.pk}/revoke/"),
        ("post", f"/api/v1/nafath/activity/{entry.pk}/not-me/"),
    ):
        r = getattr(anonymous, method)(path)
        assert r.status_code == 401 and r.json()["error"]["code"] == "NOT_AUTHENTICATED", (method, path)
    # the Nafath app's device token is not a person's token: it lists and revokes nothing
    as_device = APIClient(HTTP_AUTHORIZATION=f"Device {token}")
    assert as_device.get("/api/v1/nafath/devices/").status_code == 401
    assert as_device.post(f"/api/v1/nafath/devices/{device.pk}/revoke/").status_code == 401
    bearer_device = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert bearer_device.post(f"/api/v1/nafath/devices/{device.pk}/revoke/").status_code == 401
    other = api_client_for(outsider)
    assert other.get("/api/v1/nafath/devices/").json() == {"devices": []}
    assert other.get("/api/v1/nafath/activity/").json() == {"activity": []}
    r = other.post(f"/api/v1/nafath/devices/{device.pk}/revoke/")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    r = other.post(f"/api/v1/nafath/activity/{entry.pk}/not-me/")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    _untouched(device)


def test_another_browser_cannot_carry_on_someone_elses_activation(person, django_capture_on_commit_callbacks):
    """The activation in progress lives in the browser session that started it."""
    owner = Client()
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.post("/nafath/activate/", {"id_number": person.id_number}).status_code == 302
    code = re.search(r"\b(\d{6})\b", SmsOutbox.objects.get(to=person.mobile).body).group(1)
    stranger = Client()
    for path in ("/nafath/activate/code/", "/nafath/activate/finish/"):
        assert stranger.get(path)["Location"] == "/nafath/activate/"
    r = stranger.post("/nafath/activate/code/", {"code": code})
    assert r.status_code == 302 and r["Location"] == "/nafath/activate/"
    r = stranger.post("/nafath/activate/finish/", {"pin": PIN, "pin_again": PIN, "selfie": _jpeg("s.jpg")})
    assert r.status_code == 302 and r["Location"] == "/nafath/activate/"
    assert DeviceActivation.objects.get(person=person).status == "CODE_SENT" and not Device.objects.exists()


def test_an_activation_cannot_be_finished_through_the_api_without_the_sms_code(person, django_capture_on_commit_callbacks):
    """Knowing the activation's id is not enough: the PIN and selfie come only after the code."""
    c = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        aid = c.post("/api/v1/nafath-app/activations/", {"id_number": person.id_number}, format="json").json()["activation_id"]
    r = c.post(f"/api/v1/nafath-app/activations/{aid}/complete/", {"pin": PIN, "selfie": _jpeg("s.jpg")}, format="multipart")
    assert r.status_code == 409 and r.json()["error"]["code"] == "INVALID_STATE"
    r = c.post(f"/api/v1/nafath-app/activations/{uuid.uuid4()}/complete/", {"pin": PIN, "selfie": _jpeg("s.jpg")}, format="multipart")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
    assert not Device.objects.exists()


def test_an_officer_who_may_only_look_cannot_approve_or_revoke_a_device(person, settings, django_capture_on_commit_callbacks):
    pending = Device.objects.create(person=person, label="Pending", token_digest="x" * 64, pin_hash="!", status="PENDING")
    active, _ = services.device_register(person=person, pin="1234", label="Active")
    viewer = User.objects.create_user("viewer-officer", "v@example.com", "pw-123-viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_device", content_type__app_label="nafath"))
    c = officer_login(Client(), viewer)
    listing = c.get("/admin/nafath/device/")
    assert listing.status_code == 200
    assert b'value="approve"' not in listing.content and b'value="revoke"' not in listing.content
    for action, device in (("approve", pending), ("revoke", active)):
        c.post("/admin/nafath/device/", {"action": action, "_selected_action": [device.pk]})
    pending.refresh_from_db()
    active.refresh_from_db()
    assert pending.status == "PENDING" and active.status == "ACTIVE"
    assert not AuditLog.objects.filter(action__in=("nafath.device_approved", "nafath.device_revoked")).exists()
    # a visitor who is not an officer does not reach the admin at all
    r = Client().get("/admin/nafath/device/")
    assert r.status_code == 302 and "/admin/login/" in r["Location"]
