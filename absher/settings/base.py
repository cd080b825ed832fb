"""Base settings: every value that can differ between machines is read from the environment here.

Domain figures (fees, periods, limits) live at the bottom, each one overridable by an
environment variable, so nothing in the code is a literal amount or period.
"""
import logging
from decimal import Decimal
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

log = logging.getLogger("absher")

DEBUG = env.bool("DEBUG", default=True)
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
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Arrows point down only (import-linter holds it, see pyproject.toml):
    # portal → services (nafath, civil_affairs, passports, fines) → payments → notifications → registry → core
    "core",
    "registry",
    "notifications",
    "payments",
    "nafath",
    "civil_affairs",
    "passports",
    "fines",
    "portal",
]
# The person model, named like AUTH_USER_MODEL: core's session, permission and audit helpers
# use it without importing the registry.
PERSON_MODEL = "registry.Person"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.PersonMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "absher.urls"
WSGI_APPLICATION = "absher.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
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

# --- Database: PostgreSQL in CI and production, a SQLite file when DATABASE_URL is unset.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})
if env("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"]["NAME"] = env("TEST_DATABASE_NAME")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache. Without it tasks run in-process (eagerly).
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery (absher/celery.py reads every CELERY_* name below)
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
# Longer than any task's time limit and any countdown/ETA we use, so Redis does not
# redeliver a message that is still being worked on.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"civil_affairs.tasks.photo_check_*": {"queue": "faces"}}
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=200)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Riyadh"
CELERY_BEAT_SCHEDULE = {}  # each app adds its periodic tasks in absher/celery.py

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
LOGIN_URL = "nafath:login"

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
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")
# Fernet key for biometric data at rest; derived from SECRET_KEY when not given.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")
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
}

# --- Email and SMS (sandbox by default)
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend")
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

# ============================================================================
# Domain settings (../shared/DOMAIN.md). Amounts are Decimal strings in SAR.
# ============================================================================
def _dec(name, default):
    return Decimal(env(name, default=default))


# Nafath login
NAFATH_REQUEST_LIFETIME_SECONDS = env.int("NAFATH_REQUEST_LIFETIME_SECONDS", default=180)
NAFATH_RATE_LIMIT_PER_ID = env.int("NAFATH_RATE_LIMIT_PER_ID", default=5)
NAFATH_RATE_LIMIT_PER_IP = env.int("NAFATH_RATE_LIMIT_PER_IP", default=30)
NAFATH_RATE_LIMIT_WINDOW_SECONDS = env.int("NAFATH_RATE_LIMIT_WINDOW_SECONDS", default=600)
ACCESS_TOKEN_LIFETIME_SECONDS = env.int("ACCESS_TOKEN_LIFETIME_SECONDS", default=60 * 60)

# National ID renewal
ID_RENEWAL_WINDOW_DAYS = env.int("ID_RENEWAL_WINDOW_DAYS", default=180)
ID_LATE_FINE = _dec("ID_LATE_FINE", "100.00")
ID_DELIVERY_FEE = _dec("ID_DELIVERY_FEE", "17.50")
ID_CARD_VALIDITY_YEARS = env.int("ID_CARD_VALIDITY_YEARS", default=10)
ID_ISSUANCE_WORKING_DAYS = env.int("ID_ISSUANCE_WORKING_DAYS", default=14)

# Family iqama renewal
IQAMA_PERIODS_MONTHS = [int(x) for x in env.list("IQAMA_PERIODS_MONTHS", default=["3", "6", "9", "12"])]
IQAMA_DOMESTIC_WORKER_PERIODS_MONTHS = [int(x) for x in env.list("IQAMA_DOMESTIC_WORKER_PERIODS_MONTHS", default=["12"])]
DEPENDENT_LEVY_PER_MONTH = _dec("DEPENDENT_LEVY_PER_MONTH", "400.00")
IQAMA_FEE_PER_YEAR = _dec("IQAMA_FEE_PER_YEAR", "650.00")
IQAMA_LATE_GRACE_DAYS = env.int("IQAMA_LATE_GRACE_DAYS", default=3)
IQAMA_LATE_FINE_FIRST = _dec("IQAMA_LATE_FINE_FIRST", "500.00")
IQAMA_LATE_FINE_SECOND = _dec("IQAMA_LATE_FINE_SECOND", "1000.00")
IQAMA_LATE_BLOCK_AT = env.int("IQAMA_LATE_BLOCK_AT", default=3)  # the third late renewal is blocked
PASSPORT_MIN_VALIDITY_DAYS = env.int("PASSPORT_MIN_VALIDITY_DAYS", default=90)
BIOMETRICS_MIN_AGE = env.int("BIOMETRICS_MIN_AGE", default=6)

# Payments
SADAD_WEBHOOK_SECRET = env("SADAD_WEBHOOK_SECRET", default="dev-sadad-secret" if DEBUG else None)
SADAD_BILLER_CODE = env("SADAD_BILLER_CODE", default="090")
SADAD_SIGNATURE_TOLERANCE_SECONDS = env.int("SADAD_SIGNATURE_TOLERANCE_SECONDS", default=300)
PAYMENT_BILL_LIFETIME_HOURS = env.int("PAYMENT_BILL_LIFETIME_HOURS", default=72)
CURRENCY = "SAR"
IQAMA_RENEWAL_WINDOW_DAYS = env.int("IQAMA_RENEWAL_WINDOW_DAYS", default=90)  # [U] dashboard banner
DEMO_NAFATH_PIN = env("DEMO_NAFATH_PIN", default="1234")
DEMO_OFFICER_PASSWORD = env("DEMO_OFFICER_PASSWORD", default="officer-demo-pass")

# --- civil_affairs: national ID renewal flow (area idrenewal) ---
# Photo uploads: at most N new renewal attempts per person in a sliding window.
ID_PHOTO_ATTEMPTS_MAX = env.int("ID_PHOTO_ATTEMPTS_MAX", default=5)
ID_PHOTO_ATTEMPTS_WINDOW_SECONDS = env.int("ID_PHOTO_ATTEMPTS_WINDOW_SECONDS", default=60 * 60)
# The photo-check task claims a renewal at most this many times (a poison image cannot requeue forever).
ID_PHOTO_CHECK_MAX_TRIES = env.int("ID_PHOTO_CHECK_MAX_TRIES", default=3)
# A renewal still in PHOTO_CHECK this long after its last claim is re-queued by the sweeper.
ID_PHOTO_CHECK_STUCK_SECONDS = env.int("ID_PHOTO_CHECK_STUCK_SECONDS", default=180)
# Rejected selfies are deleted after this many days.
ID_PHOTO_REJECTED_RETENTION_DAYS = env.int("ID_PHOTO_REJECTED_RETENTION_DAYS", default=30)
# The card's journey: seconds a renewal stays in a status before the periodic task moves it on.
ID_CARD_STAGE_DELAYS_SECONDS = {
    "APPROVED": env.int("ID_CARD_DELAY_APPROVED_SECONDS", default=60),
    "PRINTING": env.int("ID_CARD_DELAY_PRINTING_SECONDS", default=60 * 60 * 24),
    "OUT_FOR_DELIVERY": env.int("ID_CARD_DELAY_OUT_FOR_DELIVERY_SECONDS", default=60 * 60 * 24 * 2),
}
CELERY_BEAT_SCHEDULE["id-renewal-photo-check-sweep"] = {"task": "civil_affairs.tasks.renewal_photo_check_sweep", "schedule": 60}
CELERY_BEAT_SCHEDULE["id-renewal-card-progress"] = {"task": "civil_affairs.tasks.renewal_card_progress", "schedule": 300}
CELERY_BEAT_SCHEDULE["id-renewal-photo-purge"] = {"task": "civil_affairs.tasks.renewal_photo_purge", "schedule": 60 * 60 * 6}

# --- civil_affairs.photo: photo-check engine (area photo). Thresholds measured on real photos:
# see docs/photo_check.md for the figures behind each default.
PHOTO_MAX_UPLOAD_BYTES = env.int("PHOTO_MAX_UPLOAD_BYTES", default=8 * 1024 * 1024)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=40_000_000)  # checked from the header, before decoding
PHOTO_JPEG_QUALITY = env.int("PHOTO_JPEG_QUALITY", default=92)
PHOTO_MIN_WIDTH = env.int("PHOTO_MIN_WIDTH", default=400)  # LOW_RESOLUTION
PHOTO_MIN_HEIGHT = env.int("PHOTO_MIN_HEIGHT", default=500)
PHOTO_MIN_FACE_RATIO = env.float("PHOTO_MIN_FACE_RATIO", default=0.18)  # face box height / image height (FACE_TOO_SMALL)
PHOTO_MAX_CENTRE_OFFSET = env.float("PHOTO_MAX_CENTRE_OFFSET", default=0.12)  # face centre off the image centre / size (FACE_NOT_CENTRED)
PHOTO_MIN_SHARPNESS = env.float("PHOTO_MIN_SHARPNESS", default=30.0)  # Laplacian variance of the face, <=256 px high, contrast-normalised (BLURRY)
PHOTO_MIN_FACE_LUMA = env.float("PHOTO_MIN_FACE_LUMA", default=60.0)  # mean luma 0-255 of the face (TOO_DARK)
PHOTO_MAX_FACE_LUMA = env.float("PHOTO_MAX_FACE_LUMA", default=205.0)  # (TOO_BRIGHT)
PHOTO_BACKGROUND_MIN_LUMA = env.float("PHOTO_BACKGROUND_MIN_LUMA", default=170.0)  # border strips: light (BACKGROUND_NOT_PLAIN)
PHOTO_BACKGROUND_MAX_STD = env.float("PHOTO_BACKGROUND_MAX_STD", default=20.0)  # border strips: plain
FACE_MATCH_TOLERANCE = env.float("FACE_MATCH_TOLERANCE", default=0.50)  # distance <= this: MATCH
FACE_REJECT_TOLERANCE = env.float("FACE_REJECT_TOLERANCE", default=0.62)  # distance > this: NO_MATCH; between: REVIEW
FACE_DETECT_MAX_SIDE = env.int("FACE_DETECT_MAX_SIDE", default=640)  # detect on a copy downscaled to this longest side
FACE_DETECT_UPSAMPLE = env.int("FACE_DETECT_UPSAMPLE", default=0)  # HOG detector upsampling of that copy
FACE_DETECT_RETRY_UPSAMPLE = env.int("FACE_DETECT_RETRY_UPSAMPLE", default=1)  # a second pass only when the first finds no face
# The face engine behind the adapter: the real dlib engine, or the scenario test double
# ("civil_affairs.photo.face.ScenarioFaceEngine") driven by FACE_ENGINE_SCENARIO
# (match, review, no_face, multiple_faces, mismatch, timeout).
FACE_ENGINE = env("FACE_ENGINE", default="civil_affairs.photo.face.DlibFaceEngine")
FACE_ENGINE_SCENARIO = env("FACE_ENGINE_SCENARIO", default="match")

# --- nafath: login (area nafath) ---
# Failed Nafath-app PINs allowed per ID number and per client address in the rate-limit window.
NAFATH_PIN_MAX_FAILURES = env.int("NAFATH_PIN_MAX_FAILURES", default=5)
# How often the login page and the Nafath app page poll (milliseconds).
NAFATH_POLL_INTERVAL_MS = env.int("NAFATH_POLL_INTERVAL_MS", default=1500)
CELERY_BEAT_SCHEDULE["nafath-expire-requests"] = {"task": "nafath.tasks.nafath_requests_expire", "schedule": 60}
# The OpenAPI enum of a Nafath request's status gets a stable name.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["NafathStatusEnum"] = ["WAITING", "COMPLETED", "REJECTED", "EXPIRED"]

# --- payments (area payments) ---
# Sandbox cards the fake gateway declines (any other Luhn-valid number succeeds).
PAYMENT_SANDBOX_DECLINED_CARDS = env.list("PAYMENT_SANDBOX_DECLINED_CARDS", default=["4000000000000002"])
# PAID payments not handed over this long after payment are re-queued by the sweeper.
PAYMENT_FULFIL_SWEEP_AFTER_SECONDS = env.int("PAYMENT_FULFIL_SWEEP_AFTER_SECONDS", default=120)
CELERY_BEAT_SCHEDULE["payments-expire"] = {"task": "payments.tasks.payment_expire_due_task", "schedule": 300}
CELERY_BEAT_SCHEDULE["payments-fulfil-sweep"] = {"task": "payments.tasks.payment_fulfil_sweep_task", "schedule": 120}

# --- passports (family iqama renewal) ---
CELERY_BEAT_SCHEDULE["iqama-renewal-processing-sweep"] = {"task": "passports.tasks.renewal_processing_sweep_task", "schedule": 120}
# A renewal still PROCESSING this long after the payment is re-queued by the sweeper.
IQAMA_RENEWAL_STUCK_AFTER_SECONDS = env.int("IQAMA_RENEWAL_STUCK_AFTER_SECONDS", default=120)

# --- notifications (area payments) ---
# Links in SMS and email are made absolute with this base URL.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://localhost:8000")
NOTIFICATION_EMAIL_DOMAIN = env("NOTIFICATION_EMAIL_DOMAIN", default="absher.example")
# A delivery is tried this many times (with exponential backoff) before it is marked FAILED.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
# Deliveries left PENDING (or SENDING, by a dead worker) this long are re-queued by the sweeper.
NOTIFICATION_SWEEP_AFTER_SECONDS = env.int("NOTIFICATION_SWEEP_AFTER_SECONDS", default=300)
CELERY_BEAT_SCHEDULE["notifications-delivery-sweep"] = {"task": "notifications.tasks.notification_delivery_sweep_task", "schedule": 300}

# --- payments (area payments), continued ---
# Card testing protection: a bill takes no more card attempts after this many declines (SADAD stays open).
PAYMENT_CARD_MAX_DECLINES = env.int("PAYMENT_CARD_MAX_DECLINES", default=5)
