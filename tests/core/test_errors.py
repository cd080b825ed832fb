"""The API's error shape for every kind of error, bearer authentication, and the schema."""

import pytest


def _assert_error(resp, status, code):
    assert resp.status_code == status, resp.content
    assert resp["Content-Type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    return body


@pytest.mark.django_db
def test_unknown_api_path_is_json_404(client):
    _assert_error(client.get("/api/v1/no-such-thing/"), 404, "NOT_FOUND")


@pytest.mark.django_db
def test_missing_and_bad_bearer_token_is_401(client):
    _assert_error(client.get("/api/v1/me/"), 401, "NOT_AUTHENTICATED")
    _assert_error(client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer nope"), 401, "NOT_AUTHENTICATED")
    _assert_error(client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer"), 401, "NOT_AUTHENTICATED")


@pytest.mark.django_db
def test_message_language_follows_accept_language(client):
    en = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en").json()["error"]["message"]
    ar = client.get("/api/v1/no-such-thing/").json()["error"]["message"]
    assert en == "Not found."
    assert ar != en


@pytest.mark.django_db
def test_schema_and_docs_served(client):
    resp = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert resp.status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


@pytest.mark.django_db
def test_health_reports_database_and_broker(client, settings):
    resp = client.get("/health/")
    body = resp.json()
    assert resp.status_code == 200
    assert body["database"] == "ok"
    if settings.REDIS_URL:
        assert body["broker"] == "ok"


@pytest.mark.django_db
def test_health_reports_broker_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    resp = client.get("/health/")
    assert resp.status_code == 503
    assert resp.json()["broker"].startswith("error")


@pytest.mark.django_db
def test_me_returns_the_token_owner(api_client_for, person):
    import datetime as dt

    from core import dates
    from tests.factories import IdCardFactory

    IdCardFactory(person=person, expiry_date=dt.date(2027, 1, 20))
    body = api_client_for(person).get("/api/v1/me/").json()
    assert body == {
        "id": person.pk,  # API.md (visas): the caller's own person id
        "id_number": person.id_number,
        "kind": "citizen",
        "name": {"ar": person.name_ar, "en": person.name_en},
        "id_expiry": {"gregorian": "2027-01-20", "hijri": dates.hijri_iso(dt.date(2027, 1, 20))},
        "mobile": person.mobile,
    }


@pytest.mark.django_db
def test_method_not_allowed_is_json_405(api_client_for, person):
    _assert_error(api_client_for(person).delete("/api/v1/me/"), 405, "METHOD_NOT_ALLOWED")


@pytest.mark.django_db
def test_malformed_json_is_400(api_client_for, person):
    c = api_client_for(person)
    _assert_error(c.post("/api/v1/me/", data="{not json", content_type="application/json"), 405, "METHOD_NOT_ALLOWED")


def test_unhandled_api_error_is_json_500_without_a_trace():
    from core.errors import api_exception_handler

    resp = api_exception_handler(RuntimeError("secret internals"), {})
    assert resp.status_code == 500
    assert resp.data["error"]["code"] == "SERVER_ERROR"
    assert "secret internals" not in str(resp.data)


def test_django_level_500_on_api_path_is_json(rf):
    import json

    from core.errors import handler500

    resp = handler500(rf.get("/api/v1/me/"))
    assert resp.status_code == 500
    assert json.loads(resp.content)["error"]["code"] == "SERVER_ERROR"


@pytest.mark.django_db
def test_page_404_is_html_in_the_portal_layout(client):
    resp = client.get("/no-such-page/")
    assert resp.status_code == 404
    assert b'dir="rtl"' in resp.content
