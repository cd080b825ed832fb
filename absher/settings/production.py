"""Production settings: base plus the hardening `manage.py check --deploy` asks for.

DEBUG is off before base.py reads the environment, so every secret is required (SECRET_KEY,
SADAD_WEBHOOK_SECRET, BIOMETRIC_KEYS: the process refuses to start without them) and no
development default (the dev SECRET_KEY, the dev biometric key, the in-memory mailbox) can
slip into production because DEBUG was left unset."""

import os

import environ

os.environ["DEBUG"] = "false"

from .base import *
from .base import BIOMETRIC_KEYS, SANDBOXES_ENABLED, biometric_keys_check, env

DEBUG = False
biometric_keys_check(BIOMETRIC_KEYS)  # base checks it too; kept here so production never relies on DEBUG
# A sandbox (pay any bill, cross any border) must never be reachable by accident on the internet.
if SANDBOXES_ENABLED and not env.bool("ALLOW_SANDBOXES_IN_PRODUCTION", default=False):
    raise environ.ImproperlyConfigured(
        "SANDBOXES_ENABLED is on under production settings. Turn it off, or set "
        "ALLOW_SANDBOXES_IN_PRODUCTION=true for a demo deployment that must show the sandboxes."
    )
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
