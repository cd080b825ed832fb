"""Production settings: base plus the hardening `manage.py check --deploy` asks for.

Every secret is read again here straight from the environment, so none of base.py's
development defaults (chosen while DEBUG is on, its default) can reach production because
DEBUG was left unset: SECRET_KEY, SADAD_WEBHOOK_SECRET and BIOMETRIC_KEYS are required (the
process refuses to start without them), email goes through SMTP and the sandboxes are off
unless told otherwise."""

import environ

from .base import *
from .base import biometric_keys_check, env

DEBUG = False


def _required(name):
    value = env(name, default="")
    if not value:
        raise environ.ImproperlyConfigured(f"{name} must be set when DEBUG is off (production settings)")
    return value


SECRET_KEY = _required("SECRET_KEY")
SADAD_WEBHOOK_SECRET = _required("SADAD_WEBHOOK_SECRET")
BIOMETRIC_KEYS = env.list("BIOMETRIC_KEYS", default=[])
biometric_keys_check(BIOMETRIC_KEYS)
# The OpenID Connect signing key (RS256, PEM): never base.py's development key.
OIDC_RSA_PRIVATE_KEY = _required("OIDC_RSA_PRIVATE_KEY").replace("\\n", "\n")
OAUTH2_PROVIDER = {**OAUTH2_PROVIDER, "OIDC_RSA_PRIVATE_KEY": OIDC_RSA_PRIVATE_KEY, "ALLOWED_REDIRECT_URI_SCHEMES": ["https"]}
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
# core.prepared's check of every prepared query against a fresh build is for development and tests.
PREPARED_QUERIES_VERIFY = env.bool("PREPARED_QUERIES_VERIFY", default=False)
# A sandbox (pay any bill, cross any border) must never be reachable by accident on the internet.
SANDBOXES_ENABLED = env.bool("SANDBOXES_ENABLED", default=False)
if SANDBOXES_ENABLED and not env.bool("ALLOW_SANDBOXES_IN_PRODUCTION", default=False):
    raise environ.ImproperlyConfigured(
        "SANDBOXES_ENABLED is on under production settings. Turn it off, or set "
        "ALLOW_SANDBOXES_IN_PRODUCTION=true for a demo deployment that must show the sandboxes."
    )
# Officers' admin: the second factor (TOTP) is always required in production.
if not env.bool("ADMIN_OTP_REQUIRED", default=True):
    raise environ.ImproperlyConfigured("ADMIN_OTP_REQUIRED cannot be turned off under production settings: officers need a second factor.")
ADMIN_OTP_REQUIRED = True

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
