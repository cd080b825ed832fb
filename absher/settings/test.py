"""Test settings: base, with tasks eager unless a test starts a real worker, fast hashing,
and private media in a throwaway folder shared with that worker."""

import os
import tempfile

from .base import *
from .base import env

CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
PREPARED_QUERIES_VERIFY = True  # core.prepared: every prepared query is checked against a fresh build
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PRIVATE_MEDIA_ROOT = env("PRIVATE_MEDIA_ROOT", default=os.path.join(tempfile.gettempdir(), "absher-test-private"))
MEDIA_ROOT = env("MEDIA_ROOT", default=os.path.join(tempfile.gettempdir(), "absher-test-media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ARTIFACTS_DIR = env("ARTIFACTS_DIR", default=str(BASE_DIR / "artifacts"))
