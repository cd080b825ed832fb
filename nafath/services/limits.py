"""Rate limits of the Nafath services: fixed windows counted with an atomic cache INCR (Redis
when REDIS_URL is set, locmem otherwise)."""

import contextlib
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext

from core.errors import ApplicationError
from core.services import audit_log_write


# --- rate limits ---------------------------------------------------------------------------
def incr(cache_key: str, *, timeout: int) -> int:
    """Atomic counter (INCR in Redis, locmem otherwise) that starts at 1 and lives `timeout` s."""
    cache.add(cache_key, 0, timeout=timeout)
    try:
        return cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=timeout)
        return 1


def _hit(kind: str, key: str, limit: int) -> int | None:
    """Count one attempt in the current fixed window (atomic INCR in Redis, locmem otherwise).
    Returns the seconds until the window ends when the limit is exceeded, else None."""
    window = settings.NAFATH_RATE_LIMIT_WINDOW_SECONDS
    now = time.time()
    bucket = int(now // window)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"nafath:rl:{kind}:{digest}:{bucket}"
    count = incr(cache_key, timeout=window + 5)
    if count > limit:
        return max(1, int(window - (now % window)) + 1)
    return None


def rate_limited(*, retry_after: int, ip: str, id_number: str, what: str) -> ApplicationError:
    audit_log_write(action="auth.failed", ip=ip, reason="rate_limited", what=what, id_number=id_number)
    minutes = max(1, (retry_after + 59) // 60)
    return ApplicationError(
        "RATE_LIMITED",
        ngettext("Too many attempts. Try again in %(minutes)d minute.", "Too many attempts. Try again in %(minutes)d minutes.", minutes)
        % {"minutes": minutes},
        {"retry_after": retry_after},
        status=429,
    )


def check_start_limits(*, id_number: str, ip: str, what: str = "start") -> None:
    retry = [
        r
        for r in (
            _hit("ip", ip, settings.NAFATH_RATE_LIMIT_PER_IP),
            _hit("id", id_number, settings.NAFATH_RATE_LIMIT_PER_ID),
        )
        if r
    ]
    if retry:
        raise rate_limited(retry_after=max(retry), ip=ip, id_number=id_number, what=what)


def release(cache_key: str) -> None:
    """Give a slot back (a try that turned out right)."""
    with contextlib.suppress(ValueError):  # the window ended meanwhile
        cache.decr(cache_key)
