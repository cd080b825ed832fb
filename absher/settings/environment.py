"""Where the settings read the machine: the project folder, the environment (and an optional
.env file), DEBUG, Redis. base.py, celery.py and domain.py all start from here."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

# Celery broker and cache. Without it tasks run in-process (eagerly) and the cache is local.
REDIS_URL = env("REDIS_URL", default="")
