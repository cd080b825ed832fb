"""Re-encrypt every piece of biometric data at rest under the newest of BIOMETRIC_KEYS.

What it covers: the face encoding and the photo file on file of each person (registry.Person;
older code stored the photo unencrypted: it is encrypted here), and the encoding and photo file
of each ID renewal (civil_affairs.IdRenewal; photos already deleted by the retention purge are
skipped). Idempotent: data already under the newest key is left alone, so a second run changes
nothing. Safe while the portal runs: an encoding is replaced only if the row still holds what was
read (compare-and-set), a file is replaced atomically under the same name.

Rotation: BIOMETRIC_KEYS="<new>,<old>" → run this command → BIOMETRIC_KEYS="<new>".
"""

import os
import tempfile
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError

from civil_affairs.models import IdRenewal
from core.crypto import InvalidToken, encrypt_bytes, is_current, legacy_secret_key_fernet, reencrypt_bytes
from core.storage import private_storage
from registry.models import Person

# Magic numbers of the images the portal stores (sanitised JPEG; PNG for safety).
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


@dataclass
class Tally:
    label: str
    reencrypted: int = 0  # was under an older key
    encrypted: int = 0  # was a plain image
    current: int = 0  # already under the newest key
    unreadable: int = 0  # no key fits and not a plain image: left as it is
    missing: int = 0  # the row names a file that is not there
    changed_meanwhile: int = 0  # the row changed while we worked: left to the next run

    def line(self, dry_run: bool) -> str:
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        parts = [f"{verb} {self.reencrypted}"]
        if self.encrypted:
            parts.append(f"{'would encrypt' if dry_run else 'encrypted'} {self.encrypted} unencrypted")
        parts.append(f"{self.current} already current")
        for name in ("unreadable", "missing", "changed_meanwhile"):
            if getattr(self, name):
                parts.append(f"{getattr(self, name)} {name.replace('_', ' ')}")
        return f"{self.label}: " + ", ".join(parts)


class Command(BaseCommand):
    help = "Re-encrypt face encodings and photos (people and ID renewals) under the newest BIOMETRIC_KEYS key. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count what would change, change nothing")
        parser.add_argument(
            "--legacy-secret-key",
            action="store_true",
            help="also read data written before BIOMETRIC_KEYS existed (key derived from the current SECRET_KEY)",
        )

    def handle(self, *args, dry_run=False, legacy_secret_key=False, **opts):
        self.dry_run = dry_run
        self.extra = (legacy_secret_key_fernet(),) if legacy_secret_key else ()
        tallies = [
            self._tokens("person face encodings", Person.objects.all(), "face_encoding"),
            self._files("person photos", Person.objects.exclude(photo=""), "photo"),
            self._tokens("ID renewal face encodings", IdRenewal.objects.all(), "photo_encoding"),
            self._files("ID renewal photos", IdRenewal.objects.exclude(photo="").filter(photo_deleted_at__isnull=True), "photo"),
        ]
        for t in tallies:
            self.stdout.write(t.line(dry_run))
        unreadable = sum(t.unreadable for t in tallies)
        if unreadable:
            raise CommandError(
                f"{unreadable} item(s) could not be decrypted with any configured key and were left as they are: "
                "keep the key they were written with in BIOMETRIC_KEYS (or try --legacy-secret-key)."
            )

    # --- encrypted columns ----------------------------------------------------------------------
    def _tokens(self, label, qs, field) -> Tally:
        tally = Tally(label)
        rows = qs.exclude(**{f"{field}__isnull": True}).values_list("pk", field)
        for pk, value in rows.iterator(chunk_size=500):
            token = bytes(value)
            if not token:
                continue
            new, kind = self._convert(token, may_be_plain=False)
            if kind in ("current", "unreadable"):
                setattr(tally, kind, getattr(tally, kind) + 1)
                continue
            # Compare-and-set: replace only if the row still holds what we read.
            if not self.dry_run and qs.model.objects.filter(pk=pk, **{field: value}).update(**{field: new}) != 1:
                tally.changed_meanwhile += 1
                continue
            tally.reencrypted += 1
        return tally

    # --- files in private storage ---------------------------------------------------------------
    def _files(self, label, qs, field) -> Tally:
        tally = Tally(label)
        for name in qs.values_list(field, flat=True).iterator(chunk_size=500):
            try:
                with private_storage.open(name, "rb") as f:
                    data = f.read()
            except FileNotFoundError:
                tally.missing += 1
                continue
            new, kind = self._convert(data, may_be_plain=True)
            if kind in ("current", "unreadable"):
                setattr(tally, kind, getattr(tally, kind) + 1)
                continue
            if not self.dry_run:
                _replace_file(name, new)
            setattr(tally, kind, getattr(tally, kind) + 1)
        return tally

    def _convert(self, data: bytes, *, may_be_plain: bool) -> tuple[bytes | None, str]:
        """(new bytes, what happened): current, reencrypted, encrypted or unreadable."""
        if is_current(data):
            return None, "current"
        try:
            return reencrypt_bytes(data, extra_keys=self.extra), "reencrypted"
        except InvalidToken:
            if may_be_plain and data.startswith(_IMAGE_MAGIC):
                return encrypt_bytes(data), "encrypted"
            return None, "unreadable"


def _replace_file(name: str, data: bytes) -> None:
    """Write `data` to the private file `name` atomically: a reader sees the old or the new file."""
    path = private_storage.path(name)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".reencrypt-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, os.stat(path).st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
