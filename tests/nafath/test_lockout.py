"""No lock-out by ID number (issue 11, item 3). Whoever knows an ID number cannot stop its owner
from signing in: an attacker and the owner at the same time, and the owner signs in. The
protection stays: the attacker's own starts and PINs are limited, per address, per app
installation and (for anyone but the owner) per ID number."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import ApplicationError
from nafath import services
from nafath.models import Device, NafathRequest
from nafath.services import limits
from notifications.models import Notification

START = "/api/v1/auth/nafath/"
ATTACKER_IP = "203.0.113.66"
OWNER_IP = "198.51.100.10"


def api(ip=ATTACKER_IP, device_token=None):
    c = APIClient(REMOTE_ADDR=ip)
    if device_token:
        c.credentials(HTTP_AUTHORIZATION=f"Device {device_token}")
    return c


def web(ip=OWNER_IP):
    c = Client(REMOTE_ADDR=ip)
    c.cookies["absher_lang"] = "en"
    return c


def waiting(person):
    return NafathRequest.objects.get(id_number=person.id_number, status="WAITING")


def confirm(device, req):
    return services.nafath_request_answer(device=device, transaction_id=req.transaction_id, choice=str(req.random_number))


@pytest.fixture
def owner(person):
    """The person with his Nafath app; his browser signed in with Nafath once before (remembered)."""
    device, token = services.device_register(person=person, pin="1234")
    browser = web()
    assert browser.post("/login/", {"id_number": person.id_number}).status_code == 302
    confirm(device, waiting(person))
    assert "redirect" in browser.get("/login/status/").json()
    browser.post("/logout/")
    return person, device, token, browser


def attacker_holds_the_id(person, settings):
    """The attacker starts for the owner's ID number until the per-ID limit refuses him."""
    settings.NAFATH_RATE_LIMIT_PER_ID = 3
    codes = [api().post(START, {"id_number": person.id_number}, format="json").status_code for _ in range(5)]
    assert codes[0] == 201 and codes[-2:] == [429, 429]  # waiting, then refused by the ID's limit
    return waiting(person)


def test_the_owners_browser_signs_in_while_an_attacker_holds_his_id_number(owner, settings):
    person, device, _token, browser = owner
    held = attacker_holds_the_id(person, settings)
    # The owner's own browser starts: not refused by the attacker's starts, and his start replaces
    # the attacker's waiting request.
    assert browser.post("/login/", {"id_number": person.id_number})["Location"] == "/login/"
    held.refresh_from_db()
    assert held.status == "REJECTED" and held.answer_reason == "replaced"
    mine = waiting(person)
    assert mine.channel == "web" and mine.client_ip == OWNER_IP
    # the attacker cannot take it back while it waits
    assert api().post(START, {"id_number": person.id_number}, format="json").status_code in (409, 429)
    confirm(device, mine)
    assert browser.get("/login/status/").json()["redirect"] == "/dashboard/"
    page = browser.get("/dashboard/")
    assert page.status_code == 200 and person.name_en in page.content.decode()


def test_the_owners_device_starts_through_the_api_while_an_attacker_holds_his_id_number(owner, settings):
    person, device, token, _browser = owner
    held = attacker_holds_the_id(person, settings)
    resp = api(ip=OWNER_IP, device_token=token).post(START, {"id_number": person.id_number}, format="json")
    assert resp.status_code == 201
    held.refresh_from_db()
    assert held.status == "REJECTED" and held.answer_reason == "replaced"
    mine = NafathRequest.objects.get(transaction_id=resp.json()["transaction_id"])
    confirm(device, mine)
    status = api(ip=OWNER_IP).get(f"{START}{mine.transaction_id}/").json()
    assert status["status"] == "COMPLETED" and status["access_token"]
    # a wrong device token is not the owner's: the start is limited like anyone's
    resp = api(ip=OWNER_IP, device_token="not-a-token").post(START, {"id_number": person.id_number}, format="json")
    assert resp.status_code == 429


def test_a_start_from_an_address_already_limited_never_counts_against_the_id_number(person, settings):
    settings.NAFATH_RATE_LIMIT_PER_IP = 2
    settings.NAFATH_RATE_LIMIT_PER_ID = 3
    codes = [api().post(START, {"id_number": person.id_number}, format="json").status_code for _ in range(12)]
    assert codes == [201, 409] + [429] * 10  # the address is limited after two
    NafathRequest.objects.filter(id_number=person.id_number).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    # Ten refused starts from the limited address used none of the ID's three: someone else starts.
    assert api(ip="192.0.2.10").post(START, {"id_number": person.id_number}, format="json").status_code == 201


def test_the_owners_device_sees_and_rejects_a_request_it_did_not_start_and_that_address_stops(owner, settings):
    person, device, token, browser = owner
    resp = api().post(START, {"id_number": person.id_number}, format="json")
    txn = resp.json()["transaction_id"]
    app = api(ip=OWNER_IP, device_token=token)
    assert [r["transaction_id"] for r in app.get("/api/v1/nafath-app/requests/").json()["requests"]] == [txn]
    assert app.post(f"/api/v1/nafath-app/requests/{txn}/", {"decision": "reject"}, format="json").json()["status"] == "REJECTED"
    # that address may not start for this ID number again in the window ...
    again = api().post(START, {"id_number": person.id_number}, format="json")
    assert again.status_code == 429 and again.json()["error"]["code"] == "RATE_LIMITED"
    assert not NafathRequest.objects.filter(id_number=person.id_number, status="WAITING").exists()
    # ... and the owner signs in
    assert browser.post("/login/", {"id_number": person.id_number})["Location"] == "/login/"
    confirm(device, waiting(person))
    assert "redirect" in browser.get("/login/status/").json()


def test_the_owner_is_told_of_repeated_refused_starts(owner, settings):
    person, _device, token, _browser = owner
    settings.NAFATH_REFUSED_STARTS_NOTIFY_AFTER = 2
    app = api(ip=OWNER_IP, device_token=token)
    txn = api().post(START, {"id_number": person.id_number}, format="json").json()["transaction_id"]
    app.post(f"/api/v1/nafath-app/requests/{txn}/", {"decision": "reject"}, format="json")
    assert not Notification.objects.filter(person=person, kind="nafath_refused_starts").exists()
    for _ in range(4):  # refused: the owner's device rejected this address
        assert api().post(START, {"id_number": person.id_number}, format="json").status_code == 429
    notes = Notification.objects.filter(person=person, kind="nafath_refused_starts")
    assert notes.count() == 1  # once per window, however many more are refused
    assert "were refused" in notes.get().body_en and notes.get().body_ar


def test_an_attackers_wrong_pins_never_lock_the_owners_device(owner, settings):
    person, device, _token, _browser = owner
    settings.NAFATH_PIN_MAX_FAILURES = 3
    phone = web(ip=OWNER_IP)  # the owner's Nafath app: signed in as his device once
    assert phone.post("/nafath-app/", {"id_number": person.id_number, "pin": "1234"})["Location"] == "/nafath-app/"
    phone.post("/nafath-app/signout/")
    attacker = web(ip=ATTACKER_IP)
    pages = [attacker.post("/nafath-app/", {"id_number": person.id_number, "pin": f"{n:04d}"}).content.decode() for n in range(30)]
    assert sum("The ID number or the PIN is not correct." in p for p in pages) == 3
    assert "Too many attempts" in pages[-1]
    device.refresh_from_db()
    assert device.pin_failures == 0 and device.locked_until is None
    # the owner's own device signs in, at the same time, with his PIN
    assert phone.post("/nafath-app/", {"id_number": person.id_number, "pin": "1234"})["Location"] == "/nafath-app/"
    # the attacker's right guess would still wait: the backoff is his, not the owner's
    assert "Too many attempts" in attacker.post("/nafath-app/", {"id_number": person.id_number, "pin": "1234"}).content.decode()


def test_wrong_pin_waits_double_per_address_and_installation(person, settings, monkeypatch):
    settings.NAFATH_PIN_MAX_FAILURES = 2
    settings.NAFATH_PIN_BACKOFF_SECONDS = 60
    settings.NAFATH_PIN_BACKOFF_MAX_SECONDS = 3600
    services.device_register(person=person, pin="1234")
    clock = [1_900_000_000.0]
    monkeypatch.setattr(limits.time, "time", lambda: clock[0])

    def sign_in(pin="0000", ip=ATTACKER_IP, client_id="attacker-app"):
        try:
            services.nafath_app_sign_in(id_number=person.id_number, pin=pin, ip=ip, client_id=client_id)
        except ApplicationError as exc:
            return exc.code, (exc.details or {}).get("retry_after")
        return "OK", None

    assert [sign_in()[0] for _ in range(2)] == ["INVALID_CREDENTIALS"] * 2
    assert sign_in() == ("RATE_LIMITED", 61)
    clock[0] += 61
    assert [sign_in()[0] for _ in range(2)] == ["INVALID_CREDENTIALS"] * 2
    assert sign_in() == ("RATE_LIMITED", 121)  # the next wait is twice as long
    # the same installation from another address waits too; another installation and address does not
    assert sign_in(ip="192.0.2.77")[0] == "RATE_LIMITED"
    assert sign_in(pin="1234", ip="192.0.2.78", client_id="owner-new-phone") == ("OK", None)


def test_the_owners_device_locks_only_on_its_own_wrong_pins(owner, settings):
    person, device, _token, _browser = owner
    settings.NAFATH_DEVICE_LOCK_AFTER_FAILURES = 2
    for _ in range(2):
        with pytest.raises(ApplicationError):
            services.nafath_app_sign_in(id_number=person.id_number, pin="0000", ip=OWNER_IP, device_id=device.pk)
    device.refresh_from_db()
    assert device.is_locked  # his own phone, his own wrong PINs: locked as before
    assert Device.objects.get(pk=device.pk).pin_failures == 2


def test_an_attacker_racing_the_owners_start_never_keeps_him_out(race, settings):
    """Real threads at the same moment: five attacker clients start for the owner's ID number three
    times each while the owner's device starts once; the request left waiting is the owner's and
    he signs in."""
    from tests.factories import PersonFactory

    settings.NAFATH_RATE_LIMIT_PER_ID = 100  # the race, not the limit, is under test here
    person = PersonFactory()
    device, _token = services.device_register(person=person, pin="1234")

    def racer(i):
        if i == 0:
            return services.nafath_request_start(id_number=person.id_number, ip=OWNER_IP, owner=person)
        codes = []
        for _ in range(3):
            try:
                services.nafath_request_start(id_number=person.id_number, ip=f"203.0.113.{i}")
                codes.append("STARTED")
            except ApplicationError as exc:
                codes.append(exc.code)
        return codes

    outcomes = race(racer, n=6)
    assert outcomes[0].ok, outcomes[0]
    mine = outcomes[0].value
    assert all(o.ok and set(o.value) <= {"STARTED", "NAFATH_REQUEST_OPEN"} for o in outcomes[1:])
    assert list(NafathRequest.objects.filter(id_number=person.id_number, status="WAITING")) == [mine]
    assert confirm(device, mine).status == "COMPLETED"
