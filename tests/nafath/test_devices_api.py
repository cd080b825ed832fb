"""The API of device activation, my devices and my activity: contract shapes, error codes,
outsiders, and the OpenAPI schema."""

import io
import re
import uuid

import pytest
from PIL import Image
from rest_framework.test import APIClient

from core.models import AuditLog
from nafath import services
from nafath.models import Device
from notifications.models import SmsOutbox


@pytest.fixture(autouse=True)
def _isolated(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"dev-api-{uuid.uuid4().hex}"}}
    settings.FACE_ENGINE = "biometrics.face.ScenarioFaceEngine"
    settings.FACE_ENGINE_SCENARIO = "match"


def _jpeg():
    buf = io.BytesIO()
    Image.new("RGB", (600, 800), (230, 230, 230)).save(buf, "JPEG")
    buf.seek(0)
    buf.name = "selfie.jpg"
    return buf


def test_activation_through_the_api_without_a_photo_on_file_is_pending(person, django_capture_on_commit_callbacks):
    c = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/api/v1/nafath-app/activations/", {"id_number": person.id_number}, format="json")
    assert r.status_code == 201 and r.json()["status"] == "CODE_SENT"
    aid = r.json()["activation_id"]
    wrong = c.post(f"/api/v1/nafath-app/activations/{aid}/code/", {"code": "x"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "INVALID_CODE"
    assert wrong.json()["error"]["details"]["tries_left"] == 2
    code = re.search(r"\b(\d{6})\b", SmsOutbox.objects.get(to=person.mobile).body).group(1)
    r = c.post(f"/api/v1/nafath-app/activations/{aid}/code/", {"code": code}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "CODE_VERIFIED"
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(f"/api/v1/nafath-app/activations/{aid}/complete/", {"pin": "483920", "selfie": _jpeg()}, format="multipart")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["device"]["status"] == "PENDING" and body["device_token"]
    assert Device.objects.get(pk=body["device"]["id"]).face_decision == "NO_PHOTO_ON_FILE"


def test_the_error_shape_for_a_bad_id_number(db):
    r = APIClient().post("/api/v1/nafath-app/activations/", {"id_number": "123"}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_ID_NUMBER"


def test_unknown_activation_is_404(db):
    r = APIClient().post(f"/api/v1/nafath-app/activations/{uuid.uuid4()}/code/", {"code": "123456"}, format="json")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"


def test_device_list_and_revoke_refuse_the_token_at_once(person, outsider, api_client_for):
    device, token = services.device_register(person=person, pin="1234", label="Phone A")
    mine = api_client_for(person)
    body = mine.get("/api/v1/nafath/devices/").json()
    assert [(d["id"], d["label"], d["status"]) for d in body["devices"]] == [(device.pk, "Phone A", "ACTIVE")]
    # an outsider sees none of it and cannot revoke it
    other = api_client_for(outsider)
    assert other.get("/api/v1/nafath/devices/").json() == {"devices": []}
    r = other.post(f"/api/v1/nafath/devices/{device.pk}/revoke/")
    assert r.status_code == 404
    device.refresh_from_db()
    assert device.status == "ACTIVE"
    app = APIClient(HTTP_AUTHORIZATION=f"Device {token}")
    assert app.get("/api/v1/nafath-app/requests/").status_code == 200
    r = mine.post(f"/api/v1/nafath/devices/{device.pk}/revoke/")
    assert r.status_code == 200 and r.json()["status"] == "REVOKED"
    assert app.get("/api/v1/nafath-app/requests/").status_code == 401


def test_activity_list_and_not_me(person, outsider, api_client_for):
    device, _ = services.device_register(person=person, pin="1234")
    entry = AuditLog.objects.get(action="nafath.device_registered", person=person)
    mine = api_client_for(person)
    rows = mine.get("/api/v1/nafath/activity/").json()["activity"]
    assert [r["id"] for r in rows] == [entry.pk] and rows[0]["can_disown"] is True
    assert api_client_for(outsider).get("/api/v1/nafath/activity/").json() == {"activity": []}
    assert api_client_for(outsider).post(f"/api/v1/nafath/activity/{entry.pk}/not-me/").status_code == 404
    r = mine.post(f"/api/v1/nafath/activity/{entry.pk}/not-me/")
    assert r.status_code == 200
    device.refresh_from_db()
    assert device.status == "REVOKED"


def test_the_endpoints_need_a_token(db):
    for path in ("/api/v1/nafath/devices/", "/api/v1/nafath/activity/"):
        r = APIClient().get(path)
        assert r.status_code == 401 and r.json()["error"]["code"] == "NOT_AUTHENTICATED"


def test_the_schema_describes_them(db):
    import yaml

    schema = yaml.safe_load(APIClient().get("/api/v1/schema/").content)
    for p in (
        "/api/v1/nafath-app/activations/",
        "/api/v1/nafath-app/activations/{activation_id}/code/",
        "/api/v1/nafath-app/activations/{activation_id}/complete/",
        "/api/v1/nafath/devices/",
        "/api/v1/nafath/devices/{device_id}/revoke/",
        "/api/v1/nafath/activity/",
        "/api/v1/nafath/activity/{entry_id}/not-me/",
    ):
        assert p in schema["paths"], p
