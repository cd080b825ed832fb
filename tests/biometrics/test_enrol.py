"""The photo on file: person_photo_enroll / person_on_file_encoding and `manage.py enroll_photo`,
with the real face engine on the shared photos."""

import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from biometrics.check import encoding_deserialize, photo_check_run
from biometrics.enrol import person_on_file_encoding, person_photo_bytes, person_photo_enroll
from biometrics.upload import image_sanitize
from core.errors import ApplicationError
from core.models import AuditLog
from core.storage import private_storage
from registry.models import Person
from tests import photo_images as pi

pytestmark = [pytest.mark.faces, pytest.mark.django_db]


def test_enrol_stores_the_clean_photo_privately_and_the_encoding_encrypted(person, faces_dir):
    assert person_on_file_encoding(person=person) is None
    person_photo_enroll(person=person, data=(faces_dir / "obama_1.jpg").read_bytes())

    p = Person.objects.get(pk=person.pk)
    assert p.photo.startswith("photos/on-file/") and p.photo.endswith(".jpg.enc")
    assert p.photo == person.photo and p.photo_enrolled_at is not None
    assert p.face_model.startswith("dlib-")
    with private_storage.open(p.photo) as f:
        assert f.read(3) != b"\xff\xd8\xff"  # encrypted at rest, not a JPEG on disk
    img = Image.open(io.BytesIO(person_photo_bytes(person=p)))
    assert img.format == "JPEG" and img.size == (910, 1137) and dict(img.getexif()) == {}
    raw = bytes(p.face_encoding)
    plain = person_on_file_encoding(person=p)
    assert len(plain) == 1024 and plain not in raw  # encrypted at rest
    # the enrolled encoding is the one the check computes for the same photo
    check = photo_check_run(jpeg=image_sanitize(data=(faces_dir / "obama_1.jpg").read_bytes()).jpeg, on_file_encoding=plain)
    assert check.face_match.decision == "MATCH" and check.face_match.distance < 0.01
    assert np.allclose(encoding_deserialize(check.encoding), encoding_deserialize(plain))
    row = AuditLog.objects.get(action="person.photo_enrolled", person=p)
    assert row.data["photo"] == p.photo and len(row.data["sha256"]) == 64


def test_re_enrolment_replaces_the_file_once_committed(person, faces_dir, django_capture_on_commit_callbacks):
    person_photo_enroll(person=person, data=(faces_dir / "obama_1.jpg").read_bytes())
    first = person.photo
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        person_photo_enroll(person=person, data=pi.to_jpeg(pi.compliant("obama_2.jpg")))
    assert person.photo != first
    assert private_storage.exists(first)  # not before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert private_storage.exists(person.photo) and not private_storage.exists(first)


@pytest.mark.parametrize(
    "name, code",
    [("two_people.jpg", "MULTIPLE_FACES"), (None, "NO_FACE")],
)
def test_enrol_refuses_anything_but_exactly_one_face(person, outsider, faces_dir, name, code):
    person_photo_enroll(person=outsider, data=(faces_dir / "biden_2.jpg").read_bytes())
    before = Person.objects.get(pk=outsider.pk)
    data = (faces_dir / name).read_bytes() if name else pi.to_jpeg(Image.new("RGB", (600, 750), "white"))
    for who in (person, outsider):
        with pytest.raises(ApplicationError) as exc:
            person_photo_enroll(person=who, data=data)
        assert exc.value.code == code
    assert Person.objects.get(pk=person.pk).photo == "" and Person.objects.get(pk=person.pk).face_encoding is None
    after = Person.objects.get(pk=outsider.pk)
    assert (after.photo, bytes(after.face_encoding)) == (before.photo, bytes(before.face_encoding))
    assert AuditLog.objects.filter(action="person.photo_enrolled").count() == 1


def test_enrol_refuses_a_hostile_file(person, faces_dir):
    with pytest.raises(ApplicationError) as exc:
        person_photo_enroll(person=person, data=pi.truncated((faces_dir / "obama_1.jpg").read_bytes()))
    assert exc.value.code == "INVALID_IMAGE"
    assert Person.objects.get(pk=person.pk).photo == ""


def test_enroll_photo_command(person, faces_dir):
    out = io.StringIO()
    call_command("enroll_photo", person.id_number, str(faces_dir / "obama_2.jpg"), stdout=out)
    assert f"Photo on file set for {person.id_number}" in out.getvalue()
    p = Person.objects.get(pk=person.pk)
    assert p.photo and len(person_on_file_encoding(person=p)) == 1024


@pytest.mark.parametrize(
    "args, message",
    [
        (["two_people.jpg"], "MULTIPLE_FACES"),
        (["no-such-file.jpg"], "No such file"),
        (["README.md"], "INVALID_IMAGE"),
    ],
)
def test_enroll_photo_command_refuses_with_a_clear_message(person, faces_dir, args, message):
    with pytest.raises(CommandError) as exc:
        call_command("enroll_photo", person.id_number, str(faces_dir / args[0]))
    assert message in str(exc.value)
    assert Person.objects.get(pk=person.pk).photo == ""


def test_enroll_photo_command_unknown_person(faces_dir):
    with pytest.raises(CommandError) as exc:
        call_command("enroll_photo", "1999999999", str(faces_dir / "obama_2.jpg"))
    assert "No person with ID number 1999999999" in str(exc.value)


@pytest.mark.django_db(transaction=True)
def test_manage_py_enroll_photo_exit_status(settings, faces_dir):
    """The real command line: exit 0 and the photo set; exit 1 and a clear message otherwise."""
    import os
    import subprocess
    import sys

    from django.db import connection

    from tests.conftest import ROOT
    from tests.factories import PersonFactory

    person = PersonFactory()
    db = connection.settings_dict
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        DJANGO_SETTINGS_MODULE="absher.settings.test",
        PRIVATE_MEDIA_ROOT=str(settings.PRIVATE_MEDIA_ROOT),
        TEST_DATABASE_NAME="",
    )

    def run(path):
        return subprocess.run(
            [sys.executable, "manage.py", "enroll_photo", person.id_number, str(path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    bad = run(faces_dir / "two_people.jpg")
    assert bad.returncode == 1
    assert "two_people.jpg" in bad.stderr and "MULTIPLE_FACES" in bad.stderr
    assert Person.objects.get(pk=person.pk).photo == ""
    ok = run(faces_dir / "obama_1.jpg")
    assert ok.returncode == 0, ok.stderr
    p = Person.objects.get(pk=person.pk)
    assert p.photo.startswith("photos/on-file/") and private_storage.exists(p.photo)
    assert len(person_on_file_encoding(person=p)) == 1024
