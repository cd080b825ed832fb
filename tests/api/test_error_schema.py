"""Issue 11 item 8: the schema documents the errors (every operation lists its error statuses,
all with the one `Error` component); NUL characters and invalid text in any field are a 400,
never a 500, in forms and in the API; an empty upload is INVALID_IMAGE; an error's details
never carry the image decoder's own words."""

import io
import json

import pytest
from PIL import Image
from rest_framework.test import APIClient

ERROR_REF = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        r = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    return json.loads(r.content)


def _operations(schema):
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield f"{method.upper()} {path}", op


def test_every_operation_lists_its_error_statuses_with_the_one_error_body(schema):
    problems = []
    for name, op in _operations(schema):
        errors = {s: r for s, r in op["responses"].items() if s[0] in "45"}
        if "400" not in errors or "503" not in errors:
            problems.append(f"{name}: {sorted(errors)}")
        if op.get("security") and {} not in op["security"] and not {"401", "403"} <= set(errors):
            problems.append(f"{name}: no 401/403")
        for status, resp in errors.items():
            if resp.get("content", {}).get("application/json", {}).get("schema") != {"$ref": ERROR_REF}:
                problems.append(f"{name} {status}: {resp.get('content')}")
    assert problems == []


def test_there_is_one_error_component(schema):
    comps = schema["components"]["schemas"]
    assert [n for n in comps if n.endswith(("Error", "ErrorBody"))] == ["Error"]
    body = comps["Error"]
    assert body["required"] == ["error"]
    assert body["properties"]["error"]["required"] == ["code", "message", "details"]


# --- NUL and invalid text: 400, never 500 ----------------------------------------------------------
def _assert_invalid_text(resp):
    assert resp.status_code == 400, (resp.status_code, resp.content[:300])
    body = resp.json()
    assert body["error"]["code"] == "INVALID_TEXT" and body["error"]["details"]["fields"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url,query",
    [
        ("/api/v1/passports/visas/quote/", {"person_id": "1\x00", "type": "SINGLE", "months": "3"}),
        ("/api/v1/passports/dependents/1/iqama-renewal/quote/", {"months": "12\x00"}),
        ("/api/v1/me/", {"x\x00": "1"}),
    ],
)
def test_nul_in_a_query_string_is_400(person, api_client_for, url, query):
    c = api_client_for(person)
    c.raise_request_exception = False
    _assert_invalid_text(c.get(url, query))


@pytest.mark.django_db
def test_nul_and_lone_surrogates_in_a_json_body_are_400(person, api_client_for):
    c = api_client_for(person)
    c.raise_request_exception = False
    for raw in (b'{"id_number": "10\\u0000"}', b'{"id_number": "\\ud800"}', b'{"x": {"y": ["\\u0000"]}}'):
        _assert_invalid_text(c.post("/api/v1/auth/nafath/", raw, content_type="application/json"))


@pytest.mark.django_db
def test_nul_in_an_idempotency_key_is_400(person, api_client_for):
    from tests.payments.test_services import CARD, make_payment

    p = make_payment(person)
    c = api_client_for(person)
    c.raise_request_exception = False
    r = c.post(f"/api/v1/payments/{p.pk}/card/", CARD, format="json", HTTP_IDEMPOTENCY_KEY="key\x00one")
    assert r.status_code == 400, r.content
    assert r.json()["error"]["code"] in ("INVALID_TEXT", "VALIDATION_ERROR")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/passports/iqama-renewal/quote/", "/passports/iqama-renewal/checks/", "/visas/apply/", "/payments/sandbox-bank/"]
)
def test_nul_in_a_page_query_is_400_not_500(person, web_client_for, url):
    c = web_client_for(person)
    c.raise_request_exception = False
    r = c.get(url, {"d": "1\x00", "dependent": "\x00", "bill_number": "12\x00", "p": "\x00"})
    assert r.status_code == 400, (url, r.status_code)


@pytest.mark.django_db
def test_nul_in_a_form_post_is_400(client):
    client.raise_request_exception = False
    r = client.post("/login/", {"id_number": "10\x00", "next": "/\x00"})
    assert r.status_code == 400


# --- uploads -----------------------------------------------------------------------------------
def _eligible(person):
    import datetime as dt

    from django.utils import timezone

    from tests.factories import IdCardFactory

    IdCardFactory(person=person, expiry_date=timezone.localdate() + dt.timedelta(days=30))


@pytest.mark.django_db
def test_an_empty_upload_is_invalid_image(person, api_client_for):
    _eligible(person)
    c = api_client_for(person)
    r = c.post("/api/v1/civil-affairs/id-renewals/", {"photo": io.BytesIO(b"")}, format="multipart")
    assert r.status_code == 400, r.content
    assert r.json()["error"]["code"] == "INVALID_IMAGE"


@pytest.mark.django_db
def test_error_details_never_carry_the_decoders_words(person, api_client_for):
    _eligible(person)
    buf = io.BytesIO()
    Image.new("RGB", (600, 800), (120, 90, 80)).save(buf, "PNG")
    truncated = buf.getvalue()[: len(buf.getvalue()) // 2]
    c = api_client_for(person)
    for data in (truncated, b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"GIF89a not a photo"):
        f = io.BytesIO(data)
        f.name = "p.png"
        r = c.post("/api/v1/civil-affairs/id-renewals/", {"photo": f}, format="multipart")
        assert r.status_code == 400, r.content
        body = r.json()["error"]
        assert body["code"] in ("INVALID_IMAGE", "IMAGE_TOO_LARGE")
        text = json.dumps(body["details"]).lower()
        for word in ("truncated", "cannot identify", "pil", "broken", "syntaxerror", "oserror", "unidentified", "crc", "struct"):
            assert word not in text, (word, body)
