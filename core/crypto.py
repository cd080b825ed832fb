"""Encryption at rest for biometric data (face encodings, photos): Fernet (AES-128-CBC + HMAC).

The keys are settings.BIOMETRIC_KEYS, newest first, through MultiFernet: encrypt with the first,
decrypt with any. They are their own secret (not derived from SECRET_KEY), so SECRET_KEY can
rotate without touching stored data. Rotating a biometric key: put the new key first, run
`manage.py reencrypt_biometrics`, then drop the old key.
"""

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "decrypt_bytes", "encrypt_bytes", "is_current", "legacy_secret_key_fernet", "reencrypt_bytes"]


def _keys() -> tuple[str, ...]:
    keys = settings.BIOMETRIC_KEYS
    if isinstance(keys, str):
        keys = keys.split(",")
    return tuple(k.strip() for k in keys if k and k.strip())


@functools.lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, ...]:
    if not keys:
        raise ImproperlyConfigured("BIOMETRIC_KEYS is empty: biometric data cannot be encrypted or read")
    return tuple(Fernet(k) for k in keys)


def _multi(extra: tuple[Fernet, ...] = ()) -> MultiFernet:
    return MultiFernet([*_fernets(_keys()), *extra])


def encrypt_bytes(data: bytes) -> bytes:
    """Encrypt under the newest key (the first of BIOMETRIC_KEYS)."""
    return _multi().encrypt(bytes(data))


def decrypt_bytes(token: bytes) -> bytes:
    """Decrypt with any of BIOMETRIC_KEYS; raises InvalidToken when none of them fits."""
    return _multi().decrypt(bytes(token))


def is_current(token: bytes) -> bool:
    """True when `token` is already encrypted under the newest key."""
    try:
        _fernets(_keys())[0].decrypt(bytes(token))
    except InvalidToken:
        return False
    return True


def reencrypt_bytes(token: bytes, *, extra_keys: tuple[Fernet, ...] = ()) -> bytes:
    """The same plaintext encrypted under the newest key. `extra_keys` may only decrypt (for
    data written under a key no longer in BIOMETRIC_KEYS). Raises InvalidToken."""
    return _multi(tuple(extra_keys)).rotate(bytes(token))


def legacy_secret_key_fernet(secret_key: str | None = None) -> Fernet:
    """The key older code derived from SECRET_KEY, to read data written before BIOMETRIC_KEYS
    (`reencrypt_biometrics --legacy-secret-key`). Never used to encrypt."""
    digest = hashlib.sha256(("field-encryption:" + (secret_key or settings.SECRET_KEY)).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))
