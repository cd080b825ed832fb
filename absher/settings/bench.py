"""Settings of `make bench-web` (scripts/bench_web.py): production's settings (DEBUG off, cached
templates, the same session engine and middleware) served over plain HTTP on 127.0.0.1, with the
benchmark's URL module (absher.bench_urls: the portal plus two bare views). scripts/bench_web.py
sets the secrets production requires to throwaway values."""

from .production import *
from .production import env

ROOT_URLCONF = "absher.bench_urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"handlers": [], "level": "WARNING"}}
STATIC_ROOT = env("BENCH_STATIC_ROOT", default="/tmp/absher-bench-static")
