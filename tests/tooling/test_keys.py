"""Biometric keys: their own setting (not SECRET_KEY), rotation through MultiFernet, the
`reencrypt_biometrics` command, and production refusing to start without them."""

import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from PIL import Image

from civil_affairs.models import IdRenewal
from core.crypto import decrypt_bytes, encrypt_bytes, is_current, legacy_secret_key_fernet
from core.storage import private_storage
from registry.models import Person
from tests.factories import PersonFactory

ROOT = Path(__file__).resolve().parent.parent.parent
OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
STRANGER = Fernet.generate_key().decode()


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 180, 160)).save(buf, format="JPEG")
    return buf.getvalue()


def _save(data: bytes, name: str) -> str:
    return private_storage.save(f"tooling-tests/{uuid.uuid4().hex}/{name}", ContentFile(data))


def _read(name: str) -> bytes:
    with private_storage.open(name, "rb") as f:
        return f.read()


def _run(*args) -> str:
    out = io.StringIO()
    call_command("reencrypt_biometrics", *args, stdout=out)
    return out.getvalue()


def _line(output: str, label: str) -> str:
    [line] = [x for x in output.splitlines() if x.startswith(label + ":")]
    return line


# --- core.crypto ------------------------------------------------------------------------------
def test_encrypts_with_the_first_key_and_decrypts_with_any(settings):
    settings.BIOMETRIC_KEYS = [OLD]
    old_token = encrypt_bytes(b"encoding-1")
    settings.BIOMETRIC_KEYS = [NEW, OLD]
    assert decrypt_bytes(old_token) == b"encoding-1"  # the old key still decrypts
    assert is_current(old_token) is False
    new_token = encrypt_bytes(b"encoding-2")
    assert is_current(new_token) is True
    assert Fernet(NEW).decrypt(new_token) == b"encoding-2"
    with pytest.raises(InvalidToken):
        Fernet(OLD).decrypt(new_token)
    settings.BIOMETRIC_KEYS = [NEW]  # the old key dropped: its data is unreadable
    with pytest.raises(InvalidToken):
        decrypt_bytes(old_token)
    assert decrypt_bytes(new_token) == b"encoding-2"


def test_a_comma_separated_string_is_a_key_list(settings):
    settings.BIOMETRIC_KEYS = f"{NEW}, {OLD}"
    assert Fernet(NEW).decrypt(encrypt_bytes(b"x")) == b"x"
    assert decrypt_bytes(Fernet(OLD).encrypt(b"y")) == b"y"


def test_changing_secret_key_does_not_break_decryption(settings):
    settings.BIOMETRIC_KEYS = [NEW]
    token = encrypt_bytes(b"encoding")
    settings.SECRET_KEY = "a-completely-different-secret-key-after-rotation-0123456789abcdef"
    assert decrypt_bytes(token) == b"encoding"
    # and the key is not the one older code derived from SECRET_KEY
    with pytest.raises(InvalidToken):
        legacy_secret_key_fernet().decrypt(token)


@pytest.mark.skipif(bool(os.environ.get("BIOMETRIC_KEYS")), reason="BIOMETRIC_KEYS set in the environment")
def test_development_gets_a_fixed_key_only_while_debug_is_on(settings):
    from absher.settings import base

    assert settings.BIOMETRIC_KEYS == [base._DEV_BIOMETRIC_KEY]
    assert Fernet(base._DEV_BIOMETRIC_KEY).decrypt(Fernet(base._DEV_BIOMETRIC_KEY).encrypt(b"x")) == b"x"
    env = {k: v for k, v in os.environ.items() if k != "BIOMETRIC_KEYS"}
    env.update(DJANGO_SETTINGS_MODULE="absher.settings.base", DEBUG="false", SECRET_KEY="s" * 60, SADAD_WEBHOOK_SECRET="x")
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0 and "BIOMETRIC_KEYS must be set" in out.stderr


# --- reencrypt_biometrics ---------------------------------------------------------------------
@pytest.fixture
def stored(db, settings):
    """Everything written under OLD, the way the portal writes it today: a person with an
    encrypted encoding and an UNENCRYPTED photo on file (enrolment), another with an encrypted
    photo, a renewal with an encrypted selfie and encoding, and a renewal whose photo was purged."""
    settings.BIOMETRIC_KEYS = [OLD]
    jpeg = _jpeg()
    a = PersonFactory(face_encoding=encrypt_bytes(b"enc-a"), photo=_save(jpeg, "a.jpg"))
    b = PersonFactory(face_encoding=encrypt_bytes(b"enc-b"), photo=_save(encrypt_bytes(jpeg), "b.jpg"))
    c = PersonFactory()  # no biometrics
    r = IdRenewal.objects.create(
        person=a,
        reference=f"T{uuid.uuid4().hex[:12]}",
        photo=_save(encrypt_bytes(jpeg), "r.jpg.enc"),
        photo_encoding=encrypt_bytes(b"enc-r"),
    )
    purged = IdRenewal.objects.create(
        person=b,
        reference=f"T{uuid.uuid4().hex[:12]}",
        photo="tooling-tests/gone.jpg.enc",
        photo_deleted_at="2020-01-01T00:00:00Z",
        status=IdRenewal.Status.PHOTO_REJECTED,
    )
    yield {"jpeg": jpeg, "a": a, "b": b, "c": c, "r": r, "purged": purged}
    for name in (a.photo, b.photo, r.photo):
        private_storage.delete(name)


def _snapshot():
    people = {p.pk: (bytes(p.face_encoding) if p.face_encoding else None, p.photo and _read(p.photo)) for p in Person.objects.all()}
    renewals = {
        r.pk: (bytes(r.photo_encoding) if r.photo_encoding else None, r.photo, r.photo_deleted_at is None and _read(r.photo))
        for r in IdRenewal.objects.all()
    }
    return people, renewals


def test_reencrypt_moves_everything_under_the_newest_key(stored, settings):
    settings.BIOMETRIC_KEYS = [NEW, OLD]
    before = _snapshot()

    out = _run("--dry-run")
    assert _line(out, "person face encodings") == "person face encodings: would re-encrypt 2, 0 already current"
    assert _line(out, "person photos") == "person photos: would re-encrypt 1, would encrypt 1 unencrypted, 0 already current"
    assert _line(out, "ID renewal face encodings") == "ID renewal face encodings: would re-encrypt 1, 0 already current"
    assert _line(out, "ID renewal photos") == "ID renewal photos: would re-encrypt 1, 0 already current"
    assert _snapshot() == before  # a dry run changes nothing

    out = _run()
    assert _line(out, "person face encodings") == "person face encodings: re-encrypted 2, 0 already current"
    assert _line(out, "person photos") == "person photos: re-encrypted 1, encrypted 1 unencrypted, 0 already current"
    assert _line(out, "ID renewal face encodings") == "ID renewal face encodings: re-encrypted 1, 0 already current"
    assert _line(out, "ID renewal photos") == "ID renewal photos: re-encrypted 1, 0 already current"

    # Only the new key is needed from now on.
    settings.BIOMETRIC_KEYS = [NEW]
    a, b = Person.objects.get(pk=stored["a"].pk), Person.objects.get(pk=stored["b"].pk)
    r = IdRenewal.objects.get(pk=stored["r"].pk)
    assert decrypt_bytes(a.face_encoding) == b"enc-a"
    assert decrypt_bytes(b.face_encoding) == b"enc-b"
    assert decrypt_bytes(r.photo_encoding) == b"enc-r"
    assert (a.photo, b.photo, r.photo) == (stored["a"].photo, stored["b"].photo, stored["r"].photo)  # same files, new contents
    for name in (a.photo, b.photo, r.photo):
        assert decrypt_bytes(_read(name)) == stored["jpeg"]
    assert Person.objects.get(pk=stored["c"].pk).face_encoding is None

    # Idempotent: a second run finds everything current and changes nothing.
    settings.BIOMETRIC_KEYS = [NEW, OLD]
    after = _snapshot()
    out = _run()
    assert _line(out, "person face encodings") == "person face encodings: re-encrypted 0, 2 already current"
    assert _line(out, "person photos") == "person photos: re-encrypted 0, 2 already current"
    assert _line(out, "ID renewal photos") == "ID renewal photos: re-encrypted 0, 1 already current"
    assert _snapshot() == after


def test_data_no_key_can_read_is_reported_and_left_alone(stored, settings):
    settings.BIOMETRIC_KEYS = [STRANGER]
    foreign = encrypt_bytes(b"enc-foreign")
    Person.objects.filter(pk=stored["c"].pk).update(face_encoding=foreign)
    settings.BIOMETRIC_KEYS = [NEW, OLD]
    with pytest.raises(CommandError, match="1 item"):
        _run()
    assert bytes(Person.objects.get(pk=stored["c"].pk).face_encoding) == foreign
    settings.BIOMETRIC_KEYS = [NEW]
    assert decrypt_bytes(Person.objects.get(pk=stored["a"].pk).face_encoding) == b"enc-a"  # the rest was done


def test_data_written_under_the_old_secret_key_derivation_can_be_brought_over(db, settings):
    legacy = legacy_secret_key_fernet().encrypt(b"enc-legacy")
    p = PersonFactory(face_encoding=legacy)
    settings.BIOMETRIC_KEYS = [NEW]
    with pytest.raises(CommandError):
        _run()
    out = _run("--legacy-secret-key")
    assert _line(out, "person face encodings") == "person face encodings: re-encrypted 1, 0 already current"
    p.refresh_from_db()
    assert decrypt_bytes(p.face_encoding) == b"enc-legacy"


# --- production refuses to start without keys -------------------------------------------------
def _load_production(tmp_path, **extra):
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="absher.settings.production",
        SECRET_KEY="x7#Qv9!mZ2@pL5$wR8^tY1&uI4*oP0(aS3)dF6_gH9+jK2=lN5-bV8~cX1",
        SADAD_WEBHOOK_SECRET="prod-sadad-secret",
        ALLOWED_HOSTS="portal.example.sa",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
    )
    env.pop("BIOMETRIC_KEYS", None)
    env.update(extra)
    code = "from django.conf import settings; print(settings.DEBUG, ','.join(settings.BIOMETRIC_KEYS))"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_production_refuses_to_start_without_biometric_keys(tmp_path):
    out = _load_production(tmp_path)
    assert out.returncode != 0
    assert "ImproperlyConfigured" in out.stderr and "BIOMETRIC_KEYS must be set" in out.stderr
    # DEBUG left on in the environment does not bring the development key into production
    out = _load_production(tmp_path, DEBUG="true")
    assert out.returncode != 0 and "BIOMETRIC_KEYS must be set" in out.stderr


def test_production_refuses_a_malformed_key(tmp_path):
    out = _load_production(tmp_path, BIOMETRIC_KEYS=f"{NEW},not-a-key")
    assert out.returncode != 0
    assert "key 2 is not a Fernet key" in out.stderr
    assert "not-a-key" not in out.stderr  # a key is never printed


def test_production_starts_with_its_keys(tmp_path):
    out = _load_production(tmp_path, BIOMETRIC_KEYS=f"{NEW},{OLD}")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", f"{NEW},{OLD}"]
