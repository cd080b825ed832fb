"""Settings of the sample relying party, all from the environment:

NAFATH_ISSUER      the portal's origin, e.g. http://127.0.0.1:8000 (its discovery document is
                   at NAFATH_ISSUER/.well-known/openid-configuration)
RP_CLIENT_ID       the client id an officer registered in the portal's admin
RP_CLIENT_SECRET   its secret
RP_SCOPES          default "openid profile national_id"

No database: sessions are signed cookies, named apart from the portal's (cookies do not keep
ports apart, and both may run on 127.0.0.1)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = os.environ.get("RP_SECRET_KEY", "sample-relying-party-dev-only-secret-0123456789")
DEBUG = os.environ.get("RP_DEBUG", "true").lower() == "true"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.sessions", "django.contrib.staticfiles", "rp"]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "rp.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, "OPTIONS": {}}]
DATABASES = {}
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_NAME = "rp_session"
CSRF_COOKIE_NAME = "rp_csrftoken"
STATIC_URL = "/static/"
USE_TZ = True

NAFATH_ISSUER = os.environ.get("NAFATH_ISSUER", "http://127.0.0.1:8000").rstrip("/")
AUTHLIB_OAUTH_CLIENTS = {
    "nafath": {
        "client_id": os.environ.get("RP_CLIENT_ID", ""),
        "client_secret": os.environ.get("RP_CLIENT_SECRET", ""),
        "server_metadata_url": f"{NAFATH_ISSUER}/.well-known/openid-configuration",
        "client_kwargs": {"scope": os.environ.get("RP_SCOPES", "openid profile national_id"), "code_challenge_method": "S256"},
    }
}
