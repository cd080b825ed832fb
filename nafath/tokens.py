"""Opaque tokens: handed out once, stored only as a SHA-256 digest (they carry 256 bits of
randomness, so a plain digest is enough; PINs, which are short, use Django's password hashers)."""

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
