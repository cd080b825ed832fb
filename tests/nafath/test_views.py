"""The portal's login page, sign-out, the idle timeout, and the Nafath app page."""

import datetime as dt
import time

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from core.middleware import SESSION_LAST_SEEN_KEY, SESSION_PERSON_KEY
from core.models import AuditLog
from nafath import services
from nafath.models import NafathRequest
from tests.factories import PersonFactory
from tests.officers import officer_login


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Rate-limit counters of this test only: the same cache backend (Redis when REDIS_URL is
    set) under a key prefix of its own, so nothing is flushed for anyone else."""
    import uuid as _uuid

    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"nafath-test-{_uuid.uuid4().hex}"}}
    yield


def browser(lang="en", ip="10.2.0.1"):
    c = Client(REMOTE_ADDR=ip)
    c.cookies["absher_lang"] = lang
    return c


def begin(c, p, next_url=""):
    resp = c.post("/login/", {"id_number": p.id_number, "next": next_url})
    assert resp.status_code == 302 and resp["Location"] == "/login/"
    return NafathRequest.objects.get(id_number=p.id_number, status="WAITING")


def answer(req, right=True, reject=False):
    device = req.person.nafath_devices.first() or services.device_register(person=req.person, pin="1234")[0]
    choice = str(req.random_number) if right else next(c for c in req.choices if c != str(req.random_number))
    return services.nafath_request_answer(device=device, transaction_id=req.transaction_id, choice=choice, reject=reject)


def test_login_page_explains_the_steps_in_both_languages(db):
    en = browser("en").get("/login/").content.decode()
    assert 'data-testid="login-form"' in en and "Open the Nafath app on your phone" in en
    assert 'class="stepper"' in en
    ar = browser("ar").get("/login/").content.decode()
    assert 'dir="rtl"' in ar and "تسجيل الدخول عبر نفاذ" in ar


def test_invalid_id_shows_a_form_error_and_starts_nothing(db):
    resp = browser().post("/login/", {"id_number": "12345"})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'data-testid="id-number-error"' in html and "Enter a valid ID number" in html
    assert NafathRequest.objects.count() == 0


def test_start_shows_the_number_and_a_countdown(person, settings):
    c = browser()
    req = begin(c, person)
    assert req.channel == "web" and req.web_nonce_digest
    html = c.get("/login/").content.decode()
    assert f'data-testid="nafath-number">{req.random_number:02d}<' in html
    assert 'data-testid="countdown"' in html and "big-number" in html
    status = c.get("/login/status/").json()
    assert status["status"] == "WAITING"
    assert settings.NAFATH_REQUEST_LIFETIME_SECONDS - 3 <= status["seconds_left"] <= settings.NAFATH_REQUEST_LIFETIME_SECONDS


def test_eastern_arabic_digits_on_the_page(person):
    c = browser("ar")
    eastern = person.id_number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert c.post("/login/", {"id_number": eastern}).status_code == 302
    assert NafathRequest.objects.get().id_number == person.id_number


def test_completed_request_signs_this_browser_in_once(person):
    c = browser()
    req = begin(c, person)
    answer(req)
    body = c.get("/login/status/").json()
    assert body == {"status": "COMPLETED", "seconds_left": 0, "redirect": "/dashboard/"}
    assert c.session[SESSION_PERSON_KEY] == person.pk
    assert c.get("/dashboard/").status_code == 200
    assert NafathRequest.objects.get().web_claimed_at is not None
    row = AuditLog.objects.get(action="auth.signed_in")
    assert (row.person, row.data["channel"]) == (person, "web")
    # the session was renewed: the request is no longer in it, nothing more to claim
    assert c.get("/login/status/").json()["status"] == "NONE"
    assert AuditLog.objects.filter(action="auth.signed_in").count() == 1


def test_another_browser_cannot_claim_the_request(person):
    mine, thief = browser(), browser(ip="10.2.0.99")
    req = begin(mine, person)
    answer(req)
    s = thief.session
    s["nafath_txn"] = str(req.transaction_id)
    s["nafath_nonce"] = "guessed"
    s.save()
    assert thief.get("/login/status/").json()["status"] == "NONE"
    assert thief.post("/login/check/")["Location"] == "/login/"
    assert SESSION_PERSON_KEY not in thief.session
    assert thief.get("/dashboard/").status_code == 302
    assert NafathRequest.objects.get().web_claimed_at is None
    assert mine.get("/login/status/").json()["redirect"] == "/dashboard/"


def test_without_javascript_the_check_button_signs_in(person):
    c = browser()
    req = begin(c, person, next_url="/passports/")
    assert c.post("/login/check/")["Location"] == "/login/"  # still waiting
    answer(req)
    html = c.get("/login/").content.decode()
    assert 'data-testid="login-check"' in html and "banner-green" in html
    resp = c.post("/login/check/")
    assert resp.status_code == 302 and resp["Location"] == "/passports/"
    assert c.session[SESSION_PERSON_KEY] == person.pk


@pytest.mark.parametrize(
    "nxt,expected",
    [
        ("/civil-affairs/id-renewal/", "/civil-affairs/id-renewal/"),
        ("https://evil.example.com/", "/dashboard/"),
        ("//evil.example.com/x", "/dashboard/"),
        ("", "/dashboard/"),
    ],
)
def test_next_must_be_a_safe_url(person, nxt, expected):
    c = browser()
    answer(begin(c, person, next_url=nxt))
    assert c.get("/login/status/").json()["redirect"] == expected


def test_rejected_request_shows_a_message_and_start_again(person):
    c = browser()
    req = begin(c, person)
    answer(req, right=False)
    assert c.get("/login/status/").json() == {"status": "REJECTED", "seconds_left": 0}
    html = c.get("/login/").content.decode()
    assert 'data-final="REJECTED"' in html and "The sign-in was rejected." in html
    assert 'data-testid="login-restart"' in html
    assert SESSION_PERSON_KEY not in c.session
    assert c.post("/login/restart/")["Location"] == "/login/"
    assert 'data-testid="login-form"' in c.get("/login/").content.decode()
    begin(c, person)  # a new request can start


def test_expired_request_shows_a_message(person):
    c = browser("ar")
    begin(c, person)
    NafathRequest.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert c.get("/login/status/").json()["status"] == "EXPIRED"
    html = c.get("/login/").content.decode()
    assert 'data-final="EXPIRED"' in html and "انتهت مهلة طلب تسجيل الدخول." in html


def test_cancel_while_waiting_frees_the_id_number(person):
    c = browser()
    begin(c, person)
    c.post("/login/restart/")
    req = NafathRequest.objects.get()
    assert (req.status, req.answer_reason) == ("REJECTED", "cancelled")
    begin(c, person)


def test_a_second_start_while_one_waits_is_a_form_error(person):
    begin(browser(), person)
    resp = browser(ip="10.2.0.2").post("/login/", {"id_number": person.id_number})
    assert resp.status_code == 200
    assert 'data-testid="login-error"' in resp.content.decode()
    assert NafathRequest.objects.count() == 1


def test_rate_limit_on_the_page_is_a_form_error(person, settings):
    settings.NAFATH_RATE_LIMIT_PER_IP = 1
    begin(browser(ip="10.3.0.1"), person)
    resp = browser(ip="10.3.0.1").post("/login/", {"id_number": PersonFactory().id_number})
    assert resp.status_code == 200 and "Too many attempts" in resp.content.decode()
    assert NafathRequest.objects.count() == 1


def test_signed_in_person_is_sent_on_from_the_login_page(person, web_client_for):
    assert web_client_for(person).get("/login/")["Location"] == "/dashboard/"


# --- sign-out and the idle timeout -------------------------------------------------------------
def test_logout_ends_the_session(person, web_client_for):
    c = web_client_for(person)
    assert c.get("/logout/").status_code == 405
    resp = c.post("/logout/")
    assert resp.status_code == 302 and resp["Location"] == "/login/"
    assert c.get("/dashboard/").status_code == 302
    assert AuditLog.objects.filter(action="auth.logout", person=person).count() == 1


def test_dashboard_shows_the_sign_out_button(person, web_client_for):
    html = web_client_for(person).get("/dashboard/").content.decode()
    assert 'action="/logout/"' in html


def test_idle_session_is_ended(person, web_client_for, settings):
    c = web_client_for(person)
    assert c.get("/dashboard/").status_code == 200
    s = c.session
    s[SESSION_LAST_SEEN_KEY] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    s.save()
    resp = c.get("/dashboard/")
    assert resp.status_code == 302 and resp["Location"].startswith("/login/?next=")
    assert SESSION_PERSON_KEY not in c.session
    html = c.get(resp["Location"]).content.decode()
    assert "Your session ended after a period of inactivity" in html


def test_active_session_is_kept(person, web_client_for, settings):
    c = web_client_for(person)
    s = c.session
    s[SESSION_LAST_SEEN_KEY] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT + 60
    s.save()
    assert c.get("/dashboard/").status_code == 200
    assert c.session[SESSION_LAST_SEEN_KEY] >= int(time.time()) - 5  # refreshed


def test_production_session_cookie_is_secure():
    """Read in a fresh process: production settings need their secrets and never reuse the
    test process's already-imported development settings."""
    import os
    import subprocess
    import sys

    from cryptography.fernet import Fernet

    env = dict(os.environ, SECRET_KEY="x" * 50, SADAD_WEBHOOK_SECRET="s" * 32, BIOMETRIC_KEYS=Fernet.generate_key().decode())
    env.pop("SANDBOXES_ENABLED", None)
    code = "from absher.settings import production as p; print(p.SESSION_COOKIE_SECURE, p.SANDBOXES_ENABLED)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False"]


# --- the Nafath app page -----------------------------------------------------------------------
def app_sign_in(c, p, pin="1234"):
    return c.post("/nafath-app/", {"id_number": p.id_number, "pin": pin})


@pytest.fixture
def with_device(db):
    def make(p, pin="1234"):
        return services.device_register(person=p, pin=pin)[0]

    return make


def test_app_sign_in_wrong_pin_is_refused(person, with_device):
    with_device(person)
    c = browser()
    resp = app_sign_in(c, person, pin="9999")
    assert resp.status_code == 200 and 'data-testid="app-error"' in resp.content.decode()
    assert "nafath_app_device" not in c.session
    assert AuditLog.objects.filter(action="auth.failed", person=person, data__reason="wrong_pin").count() == 1


def test_app_unknown_id_fails_like_a_wrong_pin(db):
    stranger = PersonFactory()
    resp = app_sign_in(browser(), stranger)
    assert "The ID number or the PIN is not correct." in resp.content.decode()


def test_app_failed_pins_are_rate_limited(person, with_device, settings):
    settings.NAFATH_PIN_MAX_FAILURES_PER_ID = 3
    with_device(person)
    own = browser(ip="10.4.0.99")  # the owner's phone: signed in as his device before
    assert app_sign_in(own, person)["Location"] == "/nafath-app/"
    own.post("/nafath-app/signout/")
    for i in range(3):
        app_sign_in(browser(ip=f"10.4.0.{i}"), person, pin="0000")
    c = browser(ip="10.4.0.50")
    resp = app_sign_in(c, person)  # another client waits now, even with the right PIN
    assert "Too many attempts" in resp.content.decode()
    assert "nafath_app_device" not in c.session
    # the owner's own device is not locked out by them
    assert app_sign_in(own, person)["Location"] == "/nafath-app/"


def test_app_lists_and_answers_requests(person, outsider, with_device):
    device = with_device(person)
    with_device(outsider)
    c = browser()
    assert app_sign_in(c, person)["Location"] == "/nafath-app/"
    assert c.session["nafath_app_device"] == device.pk
    portal = browser(ip="10.5.0.1")
    req = begin(portal, person)
    begin(browser(ip="10.5.0.2"), outsider)
    html = c.get("/nafath-app/").content.decode()
    assert 'class="phone"' in html and html.count('data-testid="request-') == 1
    assert f'data-testid="request-{req.transaction_id}"' in html
    for ch in req.choices:
        assert f'data-testid="choice-{ch}"' in html
    assert c.get("/nafath-app/requests.json").json() == {"signed_in": True, "requests": [str(req.transaction_id)]}
    resp = c.post(f"/nafath-app/requests/{req.transaction_id}/", {"choice": str(req.random_number)})
    assert resp["Location"] == "/nafath-app/"
    assert NafathRequest.objects.get(pk=req.pk).status == "COMPLETED"
    assert "Confirmed." in c.get("/nafath-app/").content.decode()
    assert portal.get("/login/status/").json()["redirect"] == "/dashboard/"


def test_app_session_cannot_answer_another_persons_request(person, outsider, with_device):
    with_device(person)
    with_device(outsider)
    c = browser()
    app_sign_in(c, outsider)
    req = begin(browser(ip="10.6.0.1"), person)
    c.post(f"/nafath-app/requests/{req.transaction_id}/", {"choice": str(req.random_number)})
    assert NafathRequest.objects.get(pk=req.pk).status == "WAITING"
    assert f"request-{req.transaction_id}" not in c.get("/nafath-app/").content.decode()


def test_app_reject_button(person, with_device):
    with_device(person)
    c = browser()
    app_sign_in(c, person)
    req = begin(browser(ip="10.7.0.1"), person)
    c.post(f"/nafath-app/requests/{req.transaction_id}/", {"decision": "reject"})
    assert NafathRequest.objects.get(pk=req.pk).status == "REJECTED"


def test_app_answer_needs_the_app_session(person, with_device):
    with_device(person)
    req = begin(browser(), person)
    resp = browser(ip="10.8.0.1").post(f"/nafath-app/requests/{req.transaction_id}/", {"choice": str(req.random_number)})
    assert resp["Location"] == "/nafath-app/"
    assert NafathRequest.objects.get().status == "WAITING"
    assert browser().get("/nafath-app/requests.json").status_code == 401


def test_app_sign_out(person, with_device):
    with_device(person)
    c = browser()
    app_sign_in(c, person)
    c.post("/nafath-app/signout/")
    assert "nafath_app_device" not in c.session
    assert 'data-testid="app-signin"' in c.get("/nafath-app/").content.decode()


def test_app_session_ends_after_the_idle_timeout(person, with_device, settings):
    with_device(person)
    c = browser()
    app_sign_in(c, person)
    s = c.session
    s["nafath_app_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    s.save()
    assert 'data-testid="app-signin"' in c.get("/nafath-app/").content.decode()
    assert "nafath_app_device" not in c.session


def test_app_session_ends_when_the_device_is_revoked(person, with_device):
    device = with_device(person)
    c = browser()
    app_sign_in(c, person)
    services.device_revoke(person=person, device_id=device.pk)
    assert 'data-testid="app-signin"' in c.get("/nafath-app/").content.decode()


def test_admin_lists_requests_read_only(person, client):
    admin = User.objects.create_superuser("officer", "o@example.com", "pw-123456")
    officer_login(client, admin)
    begin(browser(), person)
    resp = client.get("/admin/nafath/nafathrequest/?status__exact=WAITING&q=" + person.id_number)
    assert resp.status_code == 200 and person.id_number in resp.content.decode()
    req = NafathRequest.objects.get()
    assert client.get(f"/admin/nafath/nafathrequest/{req.pk}/change/").status_code == 200
    assert client.post(f"/admin/nafath/nafathrequest/{req.pk}/delete/", {"post": "yes"}).status_code == 403
    assert NafathRequest.objects.count() == 1
