"""The photo on file: enrolment (sanitise, exactly one face, private storage, encrypted encoding)
and reading its encoding back for the face match."""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.crypto import decrypt_bytes, encrypt_bytes
from core.errors import ApplicationError
from core.services import audit_log_write
from core.storage import private_storage
from registry.models import Person

from .encoding import encoding_serialize
from .face import face_engine
from .measures import decode_jpeg
from .upload import image_sanitize


def person_photo_enroll(*, person, data: bytes) -> None:
    """Set `person`'s photo on file from raw image bytes.

    Raises ApplicationError INVALID_IMAGE / IMAGE_TOO_LARGE (from sanitising), NO_FACE or
    MULTIPLE_FACES (status 400). The slow work (detection, encoding) runs before any lock;
    the previous photo file is deleted once the new one is committed.
    """
    image = image_sanitize(data=data)
    engine = face_engine()
    rgb = decode_jpeg(image.jpeg)
    boxes = engine.locate(rgb)
    if not boxes:
        raise ApplicationError(
            "NO_FACE", _("No face was found in this photo. Use a photo showing exactly one face, facing the camera."), status=400
        )
    if len(boxes) > 1:
        raise ApplicationError(
            "MULTIPLE_FACES",
            _("This photo shows %(n)d faces. Use a photo showing exactly one face.") % {"n": len(boxes)},
            {"faces": len(boxes)},
            status=400,
        )
    encoding = encoding_serialize(engine.encode(rgb, boxes[0]))
    # Biometric data at rest: the photo file is encrypted like the encoding (BIOMETRIC_KEYS).
    name = private_storage.save(f"photos/on-file/{uuid.uuid4().hex}.jpg.enc", ContentFile(encrypt_bytes(image.jpeg)))
    try:
        with transaction.atomic():
            p = Person.objects.select_for_update(no_key=True).get(pk=person.pk)
            previous = p.photo
            p.photo = name
            p.photo_enrolled_at = timezone.now()
            p.face_encoding = encrypt_bytes(encoding)
            p.face_model = engine.model
            p.save(update_fields=["photo", "photo_enrolled_at", "face_encoding", "face_model"])
            _audit(p, name, image.sha256, engine.model)
    except Exception:
        private_storage.delete(name)
        raise
    if previous and previous != name:
        transaction.on_commit(lambda: private_storage.delete(previous))
    for f in ("photo", "photo_enrolled_at", "face_encoding", "face_model"):
        setattr(person, f, getattr(p, f))


def _audit(person, name, sha256, model):
    audit_log_write(action="person.photo_enrolled", person=person, obj=person, photo=name, sha256=sha256, model=model)


def person_photo_bytes(*, person) -> bytes | None:
    """The JPEG of the person's photo on file, decrypted; None when there is none. A file written
    before photos were encrypted is read as it is (`reencrypt_biometrics` encrypts it)."""
    if not person.photo:
        return None
    with private_storage.open(person.photo, "rb") as f:
        raw = f.read()
    if raw[:3] == b"\xff\xd8\xff":  # a plain JPEG from before encryption
        return raw
    return decrypt_bytes(raw)


def person_on_file_encoding(*, person) -> bytes | None:
    """The decrypted serialised encoding of the photo on file, or None when there is none."""
    token = person.face_encoding
    if not token:
        return None
    return decrypt_bytes(bytes(token))
