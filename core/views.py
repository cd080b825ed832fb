"""The one page core serves: the health check, which knows no domain."""

import logging

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

log = logging.getLogger(__name__)


def health(request):
    """Database and broker reachability, for docker-compose and load balancers."""
    result = {"database": "ok", "broker": "ok", "cache": "ok"}
    ok = True
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        result["database"], ok = f"error: {exc.__class__.__name__}", False
    if settings.REDIS_URL:
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
        except Exception as exc:  # noqa: BLE001
            result["broker"], ok = f"error: {exc.__class__.__name__}", False
        try:
            cache.set("health", "1", 5)
        except Exception as exc:  # noqa: BLE001
            result["cache"], ok = f"error: {exc.__class__.__name__}", False
    else:
        result["broker"] = "in-process (no REDIS_URL)"
        result["cache"] = "local memory"
    result["status"] = "ok" if ok else "error"
    return JsonResponse(result, status=200 if ok else 503)
