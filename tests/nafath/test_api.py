"""API.md "Login (Nafath style)" and "The Nafath app": every row, every error code."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import AuditLog
from nafath import services
from nafath.models import AccessToken, NafathRequest
from tests.factories import PersonFactory

START = "/api/v1/auth/nafath/"
APP = "/api/v1/nafath-app/requests/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Rate-limit counters of this test only: the same cache backend (Redis when REDIS_URL is
    set) under a key prefix of its own, so nothing is flushed for anyone else."""
    import uuid as _uuid

    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"nafath-test-{_uuid.uuid4().hex}"}}
    yield


def api(ip="10.0.0.1", lang="en"):
    return APIClient(HTTP_ACCEPT_LANGUAGE=lang, REMOTE_ADDR=ip)


@pytest.fixture
def device_client(db):
    """device_client(person) -> (APIClient with `Authorization: Device ...`, device)."""

    def make(p, pin="1234"):
        device, token = services.device_register(person=p, pin=pin)
        c = api()
        c.credentials(HTTP_AUTHORIZATION=f"Device {token}")
        return c, device

    return make


def start(p_or_id, client=None):
    idn = getattr(p_or_id, "id_number", p_or_id)
    return (client or api()).post(START, {"id_number": idn}, format="json")


# --- POST /api/v1/auth/nafath/ ------------------------------------------------------------
def test_start_answers_201_with_the_contract_fields(person, settings):
    before = timezone.now()
    resp = start(person)
    assert resp.status_code == 201
    body = resp.json()
    assert set(body) == {"transaction_id", "random_number", "expires_at", "status"}
    assert body["status"] == "WAITING"
    assert len(body["random_number"]) == 2 and 10 <= int(body["random_number"]) <= 99
    req = NafathRequest.objects.get(transaction_id=body["transaction_id"])
    assert req.person == person and req.id_number == person.id_number and req.client_ip == "10.0.0.1"
    assert str(req.random_number) == body["random_number"]
    assert len(set(req.choices)) == 3 and body["random_number"] in req.choices
    assert all(len(c) == 2 for c in req.choices)
    lifetime = (req.expires_at - before).total_seconds()
    assert settings.NAFATH_REQUEST_LIFETIME_SECONDS - 2 <= lifetime <= settings.NAFATH_REQUEST_LIFETIME_SECONDS + 2
    assert dt.datetime.fromisoformat(body["expires_at"]) == req.expires_at
    row = AuditLog.objects.get(action="nafath.started")
    assert (row.person, row.ip, row.object_id, row.to_status) == (person, "10.0.0.1", str(req.pk), "WAITING")


def test_start_accepts_eastern_arabic_digits(person):
    eastern = person.id_number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    resp = start(eastern)
    assert resp.status_code == 201
    assert NafathRequest.objects.get().id_number == person.id_number


def test_unknown_id_number_gets_the_same_answer(db):
    from tests.factories import _id_number

    unknown = _id_number("1", 99_999_999)
    resp = start(unknown)
    assert resp.status_code == 201
    assert set(resp.json()) == {"transaction_id", "random_number", "expires_at", "status"}
    assert resp.json()["status"] == "WAITING"
    req = NafathRequest.objects.get()
    assert req.person is None and req.id_number == unknown


@pytest.mark.parametrize("bad", ["123", "1234567890", "3000000001", "abcdefghij", "", None, 12])
def test_invalid_id_number_is_400(db, bad):
    resp = api().post(START, {"id_number": bad}, format="json")
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "INVALID_ID_NUMBER"
    assert resp.json()["error"]["message"]
    assert NafathRequest.objects.count() == 0
    assert list(AuditLog.objects.values_list("action", "data__reason")) == [("auth.failed", "invalid_id_number")]


def test_invalid_id_number_message_follows_accept_language(db):
    resp = api(lang="ar").post(START, {"id_number": "123"}, format="json")
    assert resp.json()["error"]["message"] == "أدخل رقم هوية صحيحًا: 10 أرقام تبدأ بالرقم 1 أو 2."


def test_second_start_while_one_waits_is_409(person):
    assert start(person).status_code == 201
    resp = start(person)
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "NAFATH_REQUEST_OPEN"
    assert NafathRequest.objects.filter(id_number=person.id_number).count() == 1


def test_database_enforces_one_waiting_request_per_id(person):
    from django.db import IntegrityError, transaction

    start(person)
    with pytest.raises(IntegrityError), transaction.atomic():
        NafathRequest.objects.create(
            id_number=person.id_number, random_number=11, choices=["11", "22", "33"], expires_at=timezone.now() + dt.timedelta(minutes=1)
        )


def test_an_overdue_waiting_request_expires_when_a_new_one_starts(person):
    first = start(person).json()
    NafathRequest.objects.filter(transaction_id=first["transaction_id"]).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    resp = start(person)
    assert resp.status_code == 201
    assert NafathRequest.objects.get(transaction_id=first["transaction_id"]).status == "EXPIRED"
    assert AuditLog.objects.filter(action="nafath.expired", person=person).count() == 1


def test_rate_limit_per_id_number_is_429_with_retry_after(person, settings):
    settings.NAFATH_RATE_LIMIT_PER_ID = 2
    assert start(person, api("10.0.0.1")).status_code == 201
    assert start(person, api("10.0.0.2")).status_code == 409
    resp = start(person, api("10.0.0.3"))
    assert resp.status_code == 429
    err = resp.json()["error"]
    assert err["code"] == "RATE_LIMITED"
    assert 1 <= err["details"]["retry_after"] <= settings.NAFATH_RATE_LIMIT_WINDOW_SECONDS + 1
    assert resp["Retry-After"] == str(err["details"]["retry_after"])
    assert NafathRequest.objects.count() == 1
    assert AuditLog.objects.filter(action="auth.failed", data__reason="rate_limited").count() == 1
    # another ID number is not affected
    assert start(PersonFactory(), api("10.0.0.3")).status_code == 201


def test_rate_limit_applies_to_unknown_id_numbers_too(db, settings):
    from tests.factories import _id_number

    settings.NAFATH_RATE_LIMIT_PER_ID = 1
    unknown = _id_number("2", 99_999_998)
    assert start(unknown, api("10.0.0.1")).status_code == 201
    resp = start(unknown, api("10.0.0.2"))
    assert resp.status_code == 429 and resp.json()["error"]["code"] == "RATE_LIMITED"


def test_rate_limit_per_client_address(db, settings):
    settings.NAFATH_RATE_LIMIT_PER_IP = 3
    people = PersonFactory.create_batch(5)
    assert [start(p, api("10.9.9.9")).status_code for p in people[:4]] == [201, 201, 201, 429]
    assert NafathRequest.objects.count() == 3
    assert start(people[4], api("10.9.9.8")).status_code == 201


# --- GET /api/v1/auth/nafath/{transaction_id}/ ------------------------------------------------
def test_status_waiting_then_completed_carries_the_token_once(person, device_client, api_client_for):
    body = start(person).json()
    url = f"{START}{body['transaction_id']}/"
    resp = api().get(url)
    assert resp.status_code == 200 and resp.json() == {"status": "WAITING", "expires_at": body["expires_at"]}

    dev, _ = device_client(person)
    assert dev.post(f"{APP}{body['transaction_id']}/", {"choice": body["random_number"]}, format="json").json() == {"status": "COMPLETED"}

    first = api().get(url).json()
    assert set(first) == {"status", "expires_at", "access_token", "token_expires_at"}
    assert first["status"] == "COMPLETED"
    token = AccessToken.objects.get(person=person)
    assert dt.datetime.fromisoformat(first["token_expires_at"]) == token.expires_at
    assert first["access_token"] not in token.token_digest
    me = APIClient(HTTP_AUTHORIZATION=f"Bearer {first['access_token']}").get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["id_number"] == person.id_number

    second = api().get(url).json()
    assert second == {"status": "COMPLETED", "expires_at": body["expires_at"]}
    assert AccessToken.objects.filter(person=person).count() == 1
    assert AuditLog.objects.filter(action="auth.signed_in", person=person).count() == 1


def test_token_claim_is_a_compare_and_set(person, device_client):
    body = start(person).json()
    dev, _ = device_client(person)
    dev.post(f"{APP}{body['transaction_id']}/", {"choice": body["random_number"]}, format="json")
    a = NafathRequest.objects.get(transaction_id=body["transaction_id"])
    b = NafathRequest.objects.get(transaction_id=body["transaction_id"])  # two readers, same stale view
    got = [services.nafath_request_token_claim(req=a), services.nafath_request_token_claim(req=b)]
    assert got[0] is not None and got[1] is None
    assert AccessToken.objects.filter(person=person).count() == 1


def test_status_of_a_rejected_request_has_no_token(person, device_client):
    body = start(person).json()
    dev, _ = device_client(person)
    wrong = next(c for c in NafathRequest.objects.get().choices if c != body["random_number"])
    assert dev.post(f"{APP}{body['transaction_id']}/", {"choice": wrong}, format="json").json() == {"status": "REJECTED"}
    assert api().get(f"{START}{body['transaction_id']}/").json() == {"status": "REJECTED", "expires_at": body["expires_at"]}
    assert AccessToken.objects.count() == 0


def test_status_expires_lazily(person):
    body = start(person).json()
    NafathRequest.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api().get(f"{START}{body['transaction_id']}/").json()["status"] == "EXPIRED"
    assert NafathRequest.objects.get().status == "EXPIRED"


def test_status_of_an_unknown_transaction_is_404(db):
    resp = api().get(f"{START}{uuid.uuid4()}/")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "NOT_FOUND"
    assert api().get(f"{START}not-a-uuid/").status_code == 404


def test_web_page_requests_never_hand_out_an_api_token(person, device_client):
    req = services.nafath_request_start(id_number=person.id_number, ip="1.1.1.1", channel="web", web_nonce="n")
    dev, _ = device_client(person)
    dev.post(f"{APP}{req.transaction_id}/", {"choice": str(req.random_number)}, format="json")
    body = api().get(f"{START}{req.transaction_id}/").json()
    assert body["status"] == "COMPLETED" and "access_token" not in body


# --- POST /api/v1/auth/logout/ ----------------------------------------------------------------
def test_logout_revokes_the_token(person, api_client_for):
    c = api_client_for(person)
    assert c.get("/api/v1/me/").status_code == 200
    assert c.post("/api/v1/auth/logout/").status_code == 204
    resp = c.get("/api/v1/me/")
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "NOT_AUTHENTICATED"
    assert AccessToken.objects.get(person=person).revoked_at is not None
    assert AuditLog.objects.filter(action="auth.logout", person=person).count() == 1


def test_logout_without_a_token_is_401(db):
    resp = api().post("/api/v1/auth/logout/")
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "NOT_AUTHENTICATED"


def test_logout_revokes_only_that_token(person, api_client_for):
    a, b = api_client_for(person), api_client_for(person)
    a.post("/api/v1/auth/logout/")
    assert b.get("/api/v1/me/").status_code == 200


# --- the Nafath app ---------------------------------------------------------------------------
def test_app_lists_the_waiting_requests_of_its_person_only(person, outsider, device_client):
    mine = start(person).json()
    start(outsider)
    dev, _ = device_client(person)
    resp = dev.get(APP)
    assert resp.status_code == 200
    reqs = resp.json()["requests"]
    assert len(reqs) == 1
    r = reqs[0]
    assert set(r) == {"transaction_id", "service", "choices", "expires_at"}
    assert r["transaction_id"] == mine["transaction_id"] and r["expires_at"] == mine["expires_at"]
    assert len(r["choices"]) == 3 and len(set(r["choices"])) == 3
    assert [c for c in r["choices"] if c == mine["random_number"]] == [mine["random_number"]]
    assert r["service"] == "Sign in to the Absher-style portal"
    ar = api(lang="ar")
    ar.credentials(HTTP_AUTHORIZATION=dev._credentials["HTTP_AUTHORIZATION"])
    assert ar.get(APP).json()["requests"][0]["service"] == "تسجيل الدخول إلى البوابة الشبيهة بأبشر"


def test_app_does_not_list_answered_or_expired_requests(person, device_client):
    body = start(person).json()
    dev, _ = device_client(person)
    NafathRequest.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert dev.get(APP).json() == {"requests": []}
    assert NafathRequest.objects.get().status == "EXPIRED"
    body = start(person).json()
    dev.post(f"{APP}{body['transaction_id']}/", {"decision": "reject"}, format="json")
    assert dev.get(APP).json() == {"requests": []}


@pytest.mark.parametrize("header", [None, "Device nope", "Device", "Bearer x", "Device a b"])
def test_app_endpoints_need_a_valid_device_token(person, header):
    body = start(person).json()
    c = api()
    if header:
        c.credentials(HTTP_AUTHORIZATION=header)
    for resp in (c.get(APP), c.post(f"{APP}{body['transaction_id']}/", {"choice": body["random_number"]}, format="json")):
        assert resp.status_code == 401
        assert resp.json()["error"]["code"] == "NOT_AUTHENTICATED"
    assert NafathRequest.objects.get().status == "WAITING"


def test_a_citizen_bearer_token_is_not_a_device_token(person, api_client_for):
    start(person)
    resp = api_client_for(person).get(APP)
    assert resp.status_code == 401


def test_a_revoked_device_is_refused(person, device_client):
    start(person)
    dev, device = device_client(person)
    services.device_revoke(person=person, device_id=device.pk)
    assert dev.get(APP).status_code == 401


def test_right_number_completes(person, device_client):
    body = start(person).json()
    dev, device = device_client(person)
    resp = dev.post(f"{APP}{body['transaction_id']}/", {"choice": body["random_number"]}, format="json")
    assert resp.status_code == 200 and resp.json() == {"status": "COMPLETED"}
    req = NafathRequest.objects.get()
    assert (req.status, req.device, req.answer_reason) == ("COMPLETED", device, "right_number")
    assert req.answered_at is not None
    assert AuditLog.objects.filter(action="nafath.completed", person=person, to_status="COMPLETED").count() == 1


def test_wrong_number_rejects_and_there_is_no_second_try(person, device_client):
    body = start(person).json()
    dev, _ = device_client(person)
    wrong = next(c for c in NafathRequest.objects.get().choices if c != body["random_number"])
    url = f"{APP}{body['transaction_id']}/"
    assert dev.post(url, {"choice": wrong}, format="json").json() == {"status": "REJECTED"}
    resp = dev.post(url, {"choice": body["random_number"]}, format="json")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "NAFATH_REQUEST_CLOSED"
    req = NafathRequest.objects.get()
    assert (req.status, req.answer_reason) == ("REJECTED", "wrong_number")
    assert AuditLog.objects.filter(action="nafath.rejected", person=person).count() == 1
    assert AuditLog.objects.filter(action="auth.failed", person=person, data__reason="wrong_number").count() == 1


def test_decision_reject(person, device_client):
    body = start(person).json()
    dev, _ = device_client(person)
    resp = dev.post(f"{APP}{body['transaction_id']}/", {"decision": "reject"}, format="json")
    assert resp.status_code == 200 and resp.json() == {"status": "REJECTED"}
    assert NafathRequest.objects.get().answer_reason == "declined"


def test_answering_a_completed_request_is_409_closed(person, device_client):
    body = start(person).json()
    dev, _ = device_client(person)
    url = f"{APP}{body['transaction_id']}/"
    dev.post(url, {"choice": body["random_number"]}, format="json")
    resp = dev.post(url, {"decision": "reject"}, format="json")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "NAFATH_REQUEST_CLOSED"
    assert NafathRequest.objects.get().status == "COMPLETED"


def test_answering_an_expired_request_is_409_expired(person, device_client):
    body = start(person).json()
    dev, _ = device_client(person)
    NafathRequest.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    url = f"{APP}{body['transaction_id']}/"
    resp = dev.post(url, {"choice": body["random_number"]}, format="json")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "NAFATH_REQUEST_EXPIRED"
    assert NafathRequest.objects.get().status == "EXPIRED"  # the expiry itself is kept
    again = dev.post(url, {"choice": body["random_number"]}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "NAFATH_REQUEST_EXPIRED"


def test_one_persons_device_cannot_see_or_answer_anothers_request(person, outsider, device_client):
    body = start(person).json()
    evil, _ = device_client(outsider)
    assert evil.get(APP).json() == {"requests": []}
    for payload in ({"choice": body["random_number"]}, {"decision": "reject"}):
        resp = evil.post(f"{APP}{body['transaction_id']}/", payload, format="json")
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "NOT_FOUND"
    req = NafathRequest.objects.get()
    assert (req.status, req.answered_at, req.device) == ("WAITING", None, None)
    assert not AuditLog.objects.filter(action__in=["nafath.completed", "nafath.rejected"]).exists()


def test_nobody_can_answer_a_request_for_an_unknown_id(db, device_client):
    from tests.factories import _id_number

    body = start(_id_number("1", 99_999_997)).json()
    dev, _ = device_client(PersonFactory())
    assert dev.get(APP).json() == {"requests": []}
    assert dev.post(f"{APP}{body['transaction_id']}/", {"choice": body["random_number"]}, format="json").status_code == 404


def test_unknown_transaction_is_404_for_the_app(person, device_client):
    dev, _ = device_client(person)
    assert dev.post(f"{APP}{uuid.uuid4()}/", {"decision": "reject"}, format="json").status_code == 404


@pytest.mark.parametrize("payload", [{}, {"choice": "42", "decision": "reject"}, {"decision": "accept"}, {"choice": "123"}])
def test_bad_answer_bodies_are_400_and_change_nothing(person, device_client, payload):
    body = start(person).json()
    dev, _ = device_client(person)
    resp = dev.post(f"{APP}{body['transaction_id']}/", payload, format="json")
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "VALIDATION_ERROR"
    assert NafathRequest.objects.get().status == "WAITING"


def test_a_number_that_was_not_offered_is_400(person, device_client):
    body = start(person).json()
    dev, _ = device_client(person)
    req = NafathRequest.objects.get()
    other = next(str(n) for n in range(10, 100) if str(n) not in req.choices)
    resp = dev.post(f"{APP}{body['transaction_id']}/", {"choice": other}, format="json")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "INVALID_CHOICE"
    assert NafathRequest.objects.get().status == "WAITING"


# --- expiry task, schema ------------------------------------------------------------------------
def test_periodic_task_expires_overdue_requests(db, settings):
    from nafath.tasks import nafath_requests_expire

    people = PersonFactory.create_batch(3)
    for p in people:
        start(p, api(f"10.1.1.{p.pk % 200}"))
    NafathRequest.objects.filter(person__in=people[:2]).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert nafath_requests_expire.delay().get() == 2
    assert sorted(NafathRequest.objects.values_list("status", flat=True)) == ["EXPIRED", "EXPIRED", "WAITING"]
    assert nafath_requests_expire.delay().get() == 0  # runs twice safely
    assert settings.CELERY_BEAT_SCHEDULE["nafath-expire-requests"]["task"] == "nafath.tasks.nafath_requests_expire"


def test_openapi_schema_describes_the_login_endpoints(db):
    resp = api().get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert resp.status_code == 200
    import json

    try:
        schema = json.loads(resp.content)
    except ValueError:
        import yaml

        schema = yaml.safe_load(resp.content)
    paths = schema["paths"]
    for p in [
        "/api/v1/auth/nafath/",
        "/api/v1/auth/nafath/{transaction_id}/",
        "/api/v1/auth/logout/",
        "/api/v1/nafath-app/requests/",
        "/api/v1/nafath-app/requests/{transaction_id}/",
    ]:
        assert p in paths, p
    start_props = schema["components"]["schemas"]["NafathStartOutput"]["properties"]
    assert "201" in paths["/api/v1/auth/nafath/"]["post"]["responses"]
    assert "409" in paths["/api/v1/nafath-app/requests/{transaction_id}/"]["post"]["responses"]
    assert set(start_props) == {"transaction_id", "random_number", "expires_at", "status"}
