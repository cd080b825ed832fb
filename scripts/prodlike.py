"""What `make fuzz` and `make bench-memory` share: a fresh PostgreSQL database of their own and the
environment of a production-settings server on 127.0.0.1 (throw-away secrets, plain HTTP, its own
cache key prefix and media folders)."""

from __future__ import annotations

import os
import socket
import time
import urllib.parse
import urllib.request
from pathlib import Path

# A fixed Fernet key for the throw-away data of a fuzz or benchmark run (never a deployment's).
THROWAWAY_BIOMETRIC_KEY = "cHJvZC1iaW9tZXRyaWMta2V5LWZvci10aGUtdGVzdHM="


def rsa_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_database(url: str, name: str) -> str:
    """Drop and re-create database `name` on the server of `url`; its URL."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    with psycopg.connect(urllib.parse.urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def production_env(*, database_url: str, tmp: Path, name: str, **extra: str) -> dict[str, str]:
    """This process's environment turned into a production-settings server's, on 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="absher.settings.production",
        DATABASE_URL=database_url,
        SECRET_KEY=f"{name}-" + os.urandom(24).hex(),
        SADAD_WEBHOOK_SECRET=f"{name}-sadad-secret",
        BIOMETRIC_KEYS=THROWAWAY_BIOMETRIC_KEY,
        OIDC_RSA_PRIVATE_KEY=env.get("OIDC_RSA_PRIVATE_KEY") or rsa_pem(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",  # no TLS on 127.0.0.1
        CELERY_TASK_ALWAYS_EAGER="false",
        CACHE_KEY_PREFIX=f"{name}-{os.urandom(8).hex()}",
        PRIVATE_MEDIA_ROOT=str(tmp / "private"),
        MEDIA_ROOT=str(tmp / "media"),
        STATIC_ROOT=str(tmp / "static"),
    )
    env.update(extra)
    return env


def wait_healthy(port: int, tries: int) -> None:
    """Wait until the server on 127.0.0.1:port answers /health/ (tries of 0.2 s); the caller's next
    request tells whether it came up."""
    for _ in range(tries):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)
            return
        except Exception:  # noqa: BLE001 - not up yet: connection refused, reset or a 503
            time.sleep(0.2)
