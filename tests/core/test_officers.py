"""Officers' admin login (issue 11, item 2): django-axes locks out repeated failures per account
and per address with a translated page; the admin requires a verified TOTP device; seed_demo
makes the demo officer only while DEBUG is on or when asked."""

import io

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.officers import officer_device, officer_login, totp_now

PASSWORD = "right-pass-123-officer"


@pytest.fixture
def officer(db):
    user = User.objects.create_user("desk-officer", password=PASSWORD, is_staff=True, is_superuser=True)
    officer_device(user)
    return user


def _client(ip="198.51.100.7", lang="en"):
    c = Client(REMOTE_ADDR=ip)
    c.cookies["absher_lang"] = lang
    return c


def _login(c, username, password, token=""):
    return c.post("/admin/login/?next=/admin/", {"username": username, "password": password, "otp_token": token, "next": "/admin/"})


def _signed_in(c) -> bool:
    return c.get("/admin/").status_code == 200


def test_25_wrong_passwords_then_the_right_one_is_refused(officer, settings):
    c = _client()
    for _ in range(25):
        r = _login(c, officer.username, "wrong-password")
        assert r.status_code in (200, 429)
    r = _login(c, officer.username, PASSWORD, totp_now(officer_device(officer)))
    assert r.status_code == 429
    assert "Too many failed sign-in attempts" in r.content.decode()
    assert r["Retry-After"] == str(settings.AXES_COOLOFF_MINUTES * 60)
    assert not _signed_in(c)
    # the account is locked from any address, not only the attacker's
    other = _client(ip="203.0.113.9")
    assert _login(other, officer.username, PASSWORD, totp_now(officer_device(officer))).status_code == 429
    assert not _signed_in(other)


def test_the_lock_out_starts_at_the_limit_and_is_a_translated_page(officer, settings):
    c = _client(lang="ar")
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(c, officer.username, "wrong-password").status_code == 200, n
    r = _login(c, officer.username, "wrong-password")
    assert r.status_code == 429
    page = r.content.decode()
    assert 'lang="ar"' in page and "محاولات" in page
    assert "Traceback" not in page


def test_an_address_is_locked_too_whatever_the_username(officer, settings):
    attacker = _client(ip="192.0.2.66")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(attacker, f"guess-{n}", "wrong-password")  # a different account each time
    assert AccessAttempt.objects.filter(ip_address="192.0.2.66").exists()
    # the right officer from that address is refused ...
    r = _login(attacker, officer.username, PASSWORD, totp_now(officer_device(officer)))
    assert r.status_code == 429 and not _signed_in(attacker)
    # ... and signs in from his own address (his account was never the one guessed)
    own = _client(ip="198.51.100.20")
    r = _login(own, officer.username, PASSWORD, totp_now(officer_device(officer)))
    assert r.status_code == 302 and _signed_in(own)


def test_staff_without_a_verified_device_cannot_reach_the_admin(officer):
    # the password alone is not enough
    c = _client()
    r = _login(c, officer.username, PASSWORD)
    assert r.status_code == 200 and "Enter the 6-digit code" in r.content.decode()
    assert not _signed_in(c)
    # a wrong code neither
    r = _login(c, officer.username, PASSWORD, "000000" if totp_now(officer_device(officer)) != "000000" else "111111")
    assert r.status_code == 200 and not _signed_in(c)
    # a session signed in without the second factor is treated as not staff
    c2 = _client()
    c2.force_login(officer)
    r = c2.get("/admin/")
    assert r.status_code == 302 and "/admin/login/" in r["Location"]


def test_a_staff_user_with_no_device_is_told_to_enrol(db):
    User.objects.create_user("new-officer", password=PASSWORD, is_staff=True)
    r = _login(_client(), "new-officer", PASSWORD, "123456")
    assert r.status_code == 200 and "No authenticator is enrolled" in r.content.decode()


def test_with_a_valid_totp_code_the_officer_reaches_the_admin(officer):
    c = _client()
    r = _login(c, officer.username, PASSWORD, totp_now(officer_device(officer)))
    assert r.status_code == 302 and r["Location"] == "/admin/"
    assert _signed_in(c)
    # the test helper does the same for tests that need an officer
    assert _signed_in(officer_login(Client(), officer))


def test_the_second_factor_can_be_off_only_by_setting(officer, settings):
    settings.ADMIN_OTP_REQUIRED = False
    c = _client()
    assert _login(c, officer.username, PASSWORD).status_code == 302
    assert _signed_in(c)


def test_production_settings_refuse_to_turn_the_second_factor_off(tmp_path):
    import os
    import subprocess
    import sys

    from cryptography.fernet import Fernet

    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="absher.settings.production",
        SECRET_KEY="x" * 50,
        SADAD_WEBHOOK_SECRET="s",
        BIOMETRIC_KEYS=Fernet.generate_key().decode(),
        ADMIN_OTP_REQUIRED="false",
    )
    code = "import django; django.setup()"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "ADMIN_OTP_REQUIRED cannot be turned off" in r.stderr
    env["ADMIN_OTP_REQUIRED"] = "true"
    r = subprocess.run(
        [sys.executable, "-c", code + "; from django.conf import settings; print(settings.ADMIN_OTP_REQUIRED)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "True"


def test_officer_totp_enrols_a_device_and_shows_its_qr(officer):
    out = io.StringIO()
    call_command("officer_totp", officer.username, "--replace", "--name", "phone", stdout=out)
    text = out.getvalue()
    device = TOTPDevice.objects.get(user=officer)
    assert device.name == "phone" and device.confirmed
    assert "otpauth://totp/" in text and "█" in text  # the URL and the QR drawn in the terminal
    c = _client()
    assert _login(c, officer.username, PASSWORD, totp_now(device)).status_code == 302


def test_officer_totp_refuses_a_person_who_is_not_staff(db):
    User.objects.create_user("clerk", password=PASSWORD, is_staff=False)
    with pytest.raises(CommandError, match="not staff"):
        call_command("officer_totp", "clerk", stdout=io.StringIO())
    assert not TOTPDevice.objects.exists()


def test_seed_demo_refuses_the_demo_officer_without_debug(db, settings):
    settings.DEBUG = False
    settings.DEMO_OFFICER_PASSWORD = ""
    err = io.StringIO()
    call_command("seed_demo", stdout=io.StringIO(), stderr=err)
    assert not User.objects.filter(username="officer").exists()
    assert "Not creating the demo officer: DEBUG is off" in err.getvalue()
    # asked explicitly: made, with a random password (never the published one) and an authenticator
    out = io.StringIO()
    call_command("seed_demo", "--with-officer", stdout=out, stderr=io.StringIO())
    officer = User.objects.get(username="officer")
    assert officer.is_staff and not officer.check_password("officer-demo-pass")
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).count() == 1
    assert "officer login at /admin/: officer / " in out.getvalue()


def test_seed_demo_in_development_gives_a_working_officer_login(db, settings):
    settings.DEBUG = True
    settings.DEMO_OFFICER_PASSWORD = "officer-demo-pass"
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO())
    officer = User.objects.get(username="officer")
    device = TOTPDevice.objects.get(user=officer)
    assert "authenticator (TOTP) secret" in out.getvalue()
    # the same secret on a re-seed (an authenticator app enrolled once keeps working)
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert TOTPDevice.objects.get(user=officer).key == device.key
    c = _client()
    assert _login(c, "officer", "officer-demo-pass", totp_now(device)).status_code == 302 and _signed_in(c)
    code = io.StringIO()
    call_command("officer_totp", "officer", "--code", stdout=code)
    assert code.getvalue().strip().isdigit()


def test_a_verified_officer_adds_an_authenticator_on_a_page_with_a_qr(officer):
    from django_otp.oath import TOTP

    c = officer_login(_client(), officer)
    page = c.get("/admin/officer/authenticator/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    key = c.session["officer_totp_new_key"]
    new = TOTPDevice(user=officer, key=key)
    assert c.post("/admin/officer/authenticator/", {"name": "new phone", "token": "12345x"}).status_code == 200
    assert not TOTPDevice.objects.filter(user=officer, name="new phone").exists()
    code = f"{TOTP(new.bin_key, step=new.step, t0=new.t0, digits=new.digits).token():06d}"
    r = c.post("/admin/officer/authenticator/", {"name": "new phone", "token": code})
    assert r.status_code == 302
    added = TOTPDevice.objects.get(user=officer, name="new phone")
    assert added.confirmed and added.key == key
    # the new phone's codes open the admin
    fresh = _client(ip="198.51.100.30")
    assert _login(fresh, officer.username, PASSWORD, totp_now(added)).status_code == 302


def test_the_authenticator_page_needs_a_verified_officer(officer):
    c = _client()
    c.force_login(officer)  # password only, no second factor
    r = c.get("/admin/officer/authenticator/")
    assert r.status_code == 302 and "/admin/login/" in r["Location"]
