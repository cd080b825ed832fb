"""Fixed-window counters for the rate limits, and what they do while the cache is down.

`counter_hit(key, timeout=..., on_outage=...)` counts one attempt with an atomic INCR on the
shared cache (Redis when REDIS_URL is set, locmem otherwise) and returns the count. When the
cache cannot be reached it never raises (a rate limit must not turn an outage into a 500);
each limiter chooses what happens instead:

- ``LOCAL`` (fail open, bounded): count in this process's memory instead. The limit still holds
  per process, so N web processes let through at most N times the limit while Redis is down,
  and nobody is locked out. For limits whose purpose is to slow abuse of a flow that has a
  second factor of its own (a Nafath start still needs the owner's device; a wrong PIN is
  still refused by the request's own expiry and tries), and for cheap checks.
- ``CLOSED`` (fail closed): raise `LimiterUnavailable`, which the caller turns into 503 with
  Retry-After. For a limit that is the only thing between a guesser and a secret.

Every degraded count is logged (warning) once per key and window.
"""

from __future__ import annotations

import logging

import redis.exceptions
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

log = logging.getLogger(__name__)

LOCAL = "local"
CLOSED = "closed"

# The cache's own errors when Redis is down or slow (OSError covers refused sockets).
CACHE_OUTAGE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)

_local = LocMemCache("absher-ratelimit-fallback", {"TIMEOUT": 300, "OPTIONS": {"MAX_ENTRIES": 10000}})


class LimiterUnavailable(redis.exceptions.ConnectionError):
    """A fail-closed limiter could not count: core.errors answers it with 503 + Retry-After
    (it is a redis ConnectionError, one of core.errors.OUTAGE_ERRORS)."""


def _incr(backend, key: str, timeout: int) -> int:
    backend.add(key, 0, timeout=timeout)
    try:
        return backend.incr(key)
    except ValueError:  # evicted between add and incr
        backend.set(key, 1, timeout=timeout)
        return 1


def counter_hit(key: str, *, timeout: int, on_outage: str = LOCAL) -> int:
    """One more attempt on `key` in a window of `timeout` seconds; returns the count so far."""
    try:
        return _incr(cache, key, timeout)
    except CACHE_OUTAGE_ERRORS as exc:
        if on_outage == CLOSED:
            log.warning("rate limit %s: cache unavailable (%s), refusing (fail closed)", key, exc.__class__.__name__)
            raise LimiterUnavailable(str(key)) from exc
        count = _incr(_local, key, timeout)
        if count == 1:
            log.warning("rate limit %s: cache unavailable (%s), counting in this process", key, exc.__class__.__name__)
        return count


def counter_release(key: str) -> None:
    """Give one attempt back (a try that turned out right); silently nothing while the cache is
    down or the window has ended."""
    for backend in (cache, _local):
        try:
            backend.decr(key)
            return
        except ValueError:
            continue
        except CACHE_OUTAGE_ERRORS:
            continue


def counter_get(key: str) -> int:
    """The count so far on `key` (0 when none); the process's own count while the cache is down."""
    try:
        return int(cache.get(key) or 0)
    except CACHE_OUTAGE_ERRORS:
        return int(_local.get(key) or 0)
