"""Base settings: the environment, Django, DRF, i18n and storage. Split in three modules:

- base.py (this file): what differs between machines (read from the environment through
  environment.py), Django, REST framework and OpenAPI, languages, static and private media;
- celery.py: every CELERY_* setting and the beat schedule;
- domain.py: every fee, period, threshold and limit of ../shared/DOMAIN.md, each overridable
  by an environment variable.

base.py imports the other two at its end, so `absher.settings.base` is a complete settings
module; test.py and production.py start from it.
"""

import logging

import environ
from cryptography.fernet import Fernet

from .environment import BASE_DIR, DEBUG, REDIS_URL, env

log = logging.getLogger("absher")

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET if DEBUG else None)
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # OpClass in index expressions: the trigram GIN indexes of names (registry)
    "django.forms",  # FORM_RENDERER below: the project's form templates (errors tied to fields and announced)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",  # officers' admin login: lock-out after repeated failures (see "Officers' admin login" below)
    "django_otp",  # officers' second factor (TOTP) on the admin
    "django_otp.plugins.otp_totp",
    # Arrows point down only (import-linter holds it, see pyproject.toml):
    # portal → services (nafath, civil_affairs, passports, fines) → payments → notifications → biometrics → registry → core
    "core",
    "registry",
    "biometrics",
    "notifications",
    "payments",
    "oauth2_provider",  # Nafath as an OpenID Connect provider for other portals (nafath/oidc.py, docs/oidc.md)
    "nafath",
    "civil_affairs",
    "passports",
    "fines",
    "visas",
    "portal",
]
# The person model, named like AUTH_USER_MODEL: core's session, permission and audit helpers
# use it without importing the registry.
PERSON_MODEL = "registry.Person"

MIDDLEWARE = [
    "core.middleware.HealthCheckMiddleware",  # /health/ before the HTTPS redirect and the host check (compose)
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # CONTENT_SECURITY_POLICY below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified() (the officer's TOTP)
    "core.middleware.PersonMiddleware",
    "core.middleware.SecurityHeadersMiddleware",  # Permissions-Policy; Cache-Control: no-store signed in and on the API
    "core.middleware.InvalidTextMiddleware",  # NUL or invalid text in any field: 400 INVALID_TEXT, never a 500
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: answers a locked-out admin login with the lock-out page
]

ROOT_URLCONF = "absher.urls"
WSGI_APPLICATION = "absher.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% url %} of a fixed name reversed once per process (core/templatetags/cached_url.py)
            "builtins": ["core.templatetags.cached_url"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    }
]
# Forms render with the project's templates first: templates/django/forms/errors/list/ul.html gives every
# field's error list the id its input's aria-describedby names, and aria-live so it is announced.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database: PostgreSQL in CI and production, a SQLite file when DATABASE_URL is unset.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})
if env("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"]["NAME"] = env("TEST_DATABASE_NAME")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# core.prepared: the hot pages' queries are compiled once per process. With this on (development and
# the tests), every call also builds its query afresh and fails if it differs from the prepared one.
PREPARED_QUERIES_VERIFY = env.bool("PREPARED_QUERIES_VERIFY", default=DEBUG)

# --- Cache: Redis when REDIS_URL is set (it is also Celery's broker, see celery.py).
if REDIS_URL:
    # Short socket timeouts: with Redis down or unreachable a rate limit falls back at once
    # (core.ratelimit) instead of holding the request.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=1.0),
                "socket_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=1.0),
            },
            # Deployments sharing one Redis (and the fuzz and memory benchmarks, whose fresh
            # databases reuse primary keys) keep their counters apart with a prefix of their own.
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default=""),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The API's and the pages' answer when the database, the cache or the broker is down: 503 with
# this Retry-After (core.errors.OUTAGE_ERRORS), never a 500.
SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = env.int("SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS", default=30)

# --- Headers (issue 11). Content-Security-Policy (django-csp 4): scripts only from this origin,
# never inline (every script is a static file); styles may be inline (a few templates and
# Swagger UI's page carry <style>; a style cannot run code). Nothing may frame the portal.
# No form-action: browsers apply it to the redirect after a form too, and the OpenID Connect
# consent form redirects to the relying party.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Powerful browser features: none, except the camera on the ID photo page (core.middleware.camera_allowed).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
PERMISSIONS_POLICY_CAMERA = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"

# --- Auth: officers use Django's users and admin; citizens sign in through Nafath.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=15 * 60)  # seconds without a request
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sessions read from the cache (Redis) with the database behind them: a signed-in request costs a
# Redis GET, not a query, and a session stays a server-side row that "This was not me" and a
# device revocation can end by its key (signed cookies could not be ended). docs/performance.md.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
LOGIN_URL = "nafath:login"

# --- Officers' admin login (README "Security"). django-axes counts failed admin logins per account
# and per client address (either one locks) and answers 429 with a translated page for the cool-off;
# django-otp makes the admin require a verified TOTP device (`manage.py officer_totp <username>`
# enrols one and shows its QR). Production forces ADMIN_OTP_REQUIRED on.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=30)
AXES_COOLOFF_TIME = AXES_COOLOFF_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "core.officers.officer_client_ip"  # core.api.client_ip, the address the rest of the portal uses
AXES_LOCKOUT_CALLABLE = "core.officers.officer_locked_out"  # a translated page, 429 with Retry-After
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
ADMIN_OTP_REQUIRED = env.bool("ADMIN_OTP_REQUIRED", default=True)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Absher-style portal (officers)")

# --- Internationalisation: Arabic first.
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", "العربية"), ("en", "English")]
LANGUAGE_COOKIE_NAME = "absher_lang"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Riyadh"
USE_TZ = True

# --- Static and media. Private media (photos, receipts) is never served by URL.
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")
# Biometric data at rest (face encodings, photos): Fernet keys, comma-separated, newest first.
# Their own secret, not derived from SECRET_KEY (which can then rotate freely). core.crypto
# encrypts with the first and decrypts with any; to rotate, put a new key first, run
# `manage.py reencrypt_biometrics`, then drop the old key (docs/tooling.md). Development and
# tests get a fixed, public key only while DEBUG is on; production.py refuses to start without.
_DEV_BIOMETRIC_KEY = "YWJzaGVyLWRldi1vbmx5LWJpb21ldHJpYy1rZXktMzI="  # base64 of "absher-dev-only-biometric-key-32"
BIOMETRIC_KEYS = env.list("BIOMETRIC_KEYS", default=[_DEV_BIOMETRIC_KEY] if DEBUG else [])


def biometric_keys_check(keys):
    """Raise ImproperlyConfigured unless `keys` is a non-empty list of valid Fernet keys."""
    if not keys:
        raise environ.ImproperlyConfigured(
            "BIOMETRIC_KEYS must be set when DEBUG is off: comma-separated Fernet keys, newest first. Generate one with "
            "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        )
    for n, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except (ValueError, TypeError) as exc:
            raise environ.ImproperlyConfigured(f"BIOMETRIC_KEYS: key {n} is not a Fernet key (32 url-safe base64-encoded bytes)") from exc


biometric_keys_check(BIOMETRIC_KEYS)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- REST framework and OpenAPI
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["nafath.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.IsPerson"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Absher-style portal API",
    "DESCRIPTION": "REST contract shared by the portal pages, the citizen app and the Nafath app.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from the sidecar package: no CDN is reachable from the portal.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation lists its error statuses with one `Error` body (issue 11).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.schema.error_responses_hook"],
    # The OpenAPI enum of a Nafath request's status gets a stable name.
    # One name per choice set that appears under the same field name in several components.
    "ENUM_NAME_OVERRIDES": {
        "NafathStatusEnum": ["WAITING", "COMPLETED", "REJECTED", "EXPIRED"],
        "PaymentStatusEnum": ["PENDING", "PAID", "FAILED", "EXPIRED", "REFUNDED"],
        "VisaStatusEnum": ["AWAITING_PAYMENT", "ISSUED", "USED_EXIT", "RETURNED", "LAPSED", "CANCELLED"],
        "VisaTypeEnum": ["SINGLE", "MULTIPLE"],
        "OutstandingTypeEnum": ["civil_fine", "traffic", "visa_fine"],
    },
}

# --- Email and SMS (sandbox by default)
_EMAIL_DEFAULT = "django.core.mail.backends.locmem.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
EMAIL_BACKEND = env("EMAIL_BACKEND", default=_EMAIL_DEFAULT)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="no-reply@absher.example")
SMS_BACKEND = env("SMS_BACKEND", default="notifications.sms.SandboxSmsBackend")

# --- Face checks and test photos
FACES_DIR = env.path("FACES_DIR", default=BASE_DIR.parent / "shared" / "faces")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Payments: the SADAD sandbox's webhook secret (the fees and limits are in domain.py).
SADAD_WEBHOOK_SECRET = env("SADAD_WEBHOOK_SECRET", default="dev-sadad-secret" if DEBUG else None)

# --- The face engine behind the photo-check adapter: the real dlib engine, or the scenario test
# double ("biometrics.face.ScenarioFaceEngine") driven by FACE_ENGINE_SCENARIO
# (match, review, no_face, multiple_faces, mismatch, timeout). Thresholds are in domain.py.
FACE_ENGINE = env("FACE_ENGINE", default="biometrics.face.DlibFaceEngine")
FACE_ENGINE_SCENARIO = env("FACE_ENGINE_SCENARIO", default="match")

# --- Notifications: links in SMS and email are made absolute with this base URL.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://localhost:8000")
NOTIFICATION_EMAIL_DOMAIN = env("NOTIFICATION_EMAIL_DOMAIN", default="absher.example")

# --- Demo data (portal's seed_demo)
# Sandbox pages (the bank, the card gateway's test cards, border crossings, the medical centre):
# on in development and tests, off unless asked in production (production.py refuses to start
# with them on unless ALLOW_SANDBOXES_IN_PRODUCTION says this is a demo deployment).
SANDBOXES_ENABLED = env.bool("SANDBOXES_ENABLED", default=DEBUG)
DEMO_NAFATH_PIN = env("DEMO_NAFATH_PIN", default="246810")  # NAFATH_PIN_LENGTH digits, like an activated device's
# The demo officer (seed_demo): this published password only while DEBUG is on, else random.
DEMO_OFFICER_PASSWORD = env("DEMO_OFFICER_PASSWORD", default="officer-demo-pass" if DEBUG else "")


# --- Nafath as an OpenID Connect provider (django-oauth-toolkit; docs/oidc.md). The RS256 signing
# key is a PEM in OIDC_RSA_PRIVATE_KEY. While DEBUG is on and it is unset, a development key is made
# once and kept in var/oidc-dev-key.pem (shared by every process of this checkout); with DEBUG off
# the process refuses to start without one. Generate one with
#   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048
def _oidc_dev_key() -> str:
    import os  # noqa: PLC0415 - only while DEBUG and no key is set

    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415

    path = env.path("OIDC_DEV_KEY_FILE", default=BASE_DIR / "var" / "oidc-dev-key.pem")
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(pem)
        try:
            os.link(tmp, path)  # the first process to get here wins; the others read its key
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    with open(path) as f:
        return f.read()


OIDC_RSA_PRIVATE_KEY = env("OIDC_RSA_PRIVATE_KEY", default="").replace("\\n", "\n")
if not OIDC_RSA_PRIVATE_KEY:
    if not DEBUG:
        raise environ.ImproperlyConfigured("OIDC_RSA_PRIVATE_KEY (an RSA private key, PEM) must be set when DEBUG is off")
    OIDC_RSA_PRIVATE_KEY = _oidc_dev_key()

# ============================================================================
# Celery and the domain figures live in their own modules.
# ============================================================================
from .celery import *  # noqa: E402
from .domain import *  # noqa: E402

# django-oauth-toolkit, from the figures in domain.py (token lifetimes are short on purpose).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"  # named: nafath.RelyingParty points to it
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": OIDC_RSA_PRIVATE_KEY,
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if DEBUG else ["https"],
    "SCOPES": {
        "openid": "Sign you in (a pseudonymous identifier for this portal)",
        "profile": "Your name in Arabic and English, birth date and nationality",
        "national_id": "Your national ID or iqama number",
    },
    "DEFAULT_SCOPES": ["openid"],
    "SCOPES_BACKEND_CLASS": "nafath.oidc.RelyingPartyScopes",
    "OAUTH2_VALIDATOR_CLASS": "nafath.oidc.NafathOIDCValidator",
    "APPLICATION_ADMIN_CLASS": "nafath.admin.RelyingPartyApplicationAdmin",
    "ACCESS_TOKEN_EXPIRE_SECONDS": NAFATH_OIDC_ACCESS_TOKEN_SECONDS,
    "ID_TOKEN_EXPIRE_SECONDS": NAFATH_OIDC_ID_TOKEN_SECONDS,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": NAFATH_OIDC_CODE_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": NAFATH_OIDC_REFRESH_TOKEN_SECONDS,
    "REQUEST_APPROVAL_PROMPT": "force",
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": True,
    "OIDC_SUBJECT_TYPES_SUPPORTED": ["pairwise"],
    # OAuth 2.0 Security BCP (RFC 9700): no implicit or password grant, S256 only, tokens never in
    # the query string, and the `iss` parameter in authorization responses (RFC 9207).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
