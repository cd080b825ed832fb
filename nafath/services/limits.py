"""Rate limits of the Nafath services: fixed windows counted with an atomic cache INCR (Redis
when REDIS_URL is set, locmem otherwise)."""

import contextlib
import hashlib
import time

import redis.exceptions
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext

from core.errors import ApplicationError
from core.ratelimit import LOCAL, counter_hit, counter_release
from core.services import audit_log_write


# --- rate limits ---------------------------------------------------------------------------
def incr(cache_key: str, *, timeout: int) -> int:
    """Atomic counter (INCR in Redis, locmem otherwise) that starts at 1 and lives `timeout` s.
    While Redis is down every Nafath limit counts in the process instead (core.ratelimit.LOCAL,
    fail open but bounded): closing would lock every owner out during an outage, a start still
    needs the owner's device, and wrong PINs also lock the device in the database."""
    return counter_hit(cache_key, timeout=timeout, on_outage=LOCAL)


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


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256(":".join(parts).encode()).hexdigest()[:32]
    return f"nafath:{kind}:{digest}"


def _peek(cache_key: str) -> int:
    """Read a counter without counting (0 when absent or while the cache is down)."""
    try:
        return int(cache.get(cache_key) or 0)
    except (redis.exceptions.RedisError, OSError, ValueError, TypeError):
        return 0


def _window_left() -> int:
    window = settings.NAFATH_RATE_LIMIT_WINDOW_SECONDS
    return max(1, int(window - (time.time() % window)) + 1)


def check_start_limits(*, id_number: str, ip: str, what: str = "start", owner: bool = False) -> None:
    """Starts per client address, then per ID number, in fixed windows.

    - The address is counted first, and a start from an address already over its limit is refused
      before the ID number is touched: an attacker's refused tries never use up the ID's starts.
    - An address whose start the owner's device refused (start_refused_by_owner) may not start for
      that ID number again in the window; it is refused without counting against the ID either.
    - The owner's own start (`owner`: a browser signed in as the person or remembered from an
      earlier Nafath sign-in, or the person's active device) counts only on a counter of its own,
      which nobody else can use up; it is never refused because of other people's starts."""
    if owner:
        retry = _hit("owner", id_number, settings.NAFATH_RATE_LIMIT_PER_ID)
        if retry:
            raise rate_limited(retry_after=retry, ip=ip, id_number=id_number, what=what)
        return
    retry = _hit("ip", ip, settings.NAFATH_RATE_LIMIT_PER_IP)
    if retry:
        raise rate_limited(retry_after=retry, ip=ip, id_number=id_number, what=what)
    if what == "start" and _peek(_key("refusedby", id_number, ip)):
        raise rate_limited(retry_after=_window_left(), ip=ip, id_number=id_number, what="refused_by_owner")
    retry = _hit("id", id_number, settings.NAFATH_RATE_LIMIT_PER_ID)
    if retry:
        raise rate_limited(retry_after=retry, ip=ip, id_number=id_number, what=what)


def start_refused_by_owner(*, id_number: str, ip: str) -> int:
    """The owner's device rejected a request started from `ip`: that address may not start for this
    ID number again in the window. Returns how many starts of this ID number were refused in the
    window (for telling the owner)."""
    window = settings.NAFATH_RATE_LIMIT_WINDOW_SECONDS
    if ip:
        incr(_key("refusedby", id_number, ip), timeout=window)
    return count_refused_start(id_number=id_number)


def count_refused_start(*, id_number: str) -> int:
    """One more start of this ID number refused (by a limit or by the owner) in the current window."""
    window = settings.NAFATH_RATE_LIMIT_WINDOW_SECONDS
    bucket = int(time.time() // window)
    return incr(f"{_key('refused', id_number)}:{bucket}", timeout=window + 5)


# --- wrong PINs: per app installation and per address, with backoff --------------------------------
def _pin_wait(round_: int) -> int:
    return min(settings.NAFATH_PIN_BACKOFF_MAX_SECONDS, settings.NAFATH_PIN_BACKOFF_SECONDS * 2 ** (round_ - 1))


def pin_backoff_check(*, keys: list[str], ip: str, id_number: str) -> list[str]:
    """Take a try on each key before a PIN is compared. Tries are numbered by one atomic INCR per
    key (concurrent tries cannot overshoot); they come in rounds of NAFATH_PIN_MAX_FAILURES. The last
    try of a round starts a wait before the next round: NAFATH_PIN_BACKOFF_SECONDS, doubled at each
    round, at most NAFATH_PIN_BACKOFF_MAX_SECONDS. A try of a round whose wait is not over (or not
    yet set by a concurrent try) is refused, 429 with retry_after, and gives its number back.
    Returns (key, try number) pairs for pin_backoff_failure / pin_backoff_success."""
    limit = settings.NAFATH_PIN_MAX_FAILURES
    ttl = settings.NAFATH_PIN_BACKOFF_MAX_SECONDS * 4
    taken: list[tuple[str, int]] = []
    refuse = 0
    now = time.time()
    for k in keys:
        slot = incr(f"{k}:n", timeout=ttl)
        taken.append((k, slot))
        round_ = (slot - 1) // limit
        if round_ > 0:
            until = _peek_float(f"{k}:until:{round_}")
            if not until or now < until:
                refuse = max(refuse, int(until - now) + 1 if until else _pin_wait(round_))
    if refuse:
        for k, _slot in taken:
            release(f"{k}:n")
        raise rate_limited(retry_after=refuse, ip=ip, id_number=id_number, what="pin")
    return taken


def pin_backoff_failure(*, taken: list[tuple[str, int]]) -> None:
    """A wrong PIN: when it was the last try of its round, the next round waits."""
    limit = settings.NAFATH_PIN_MAX_FAILURES
    for k, slot in taken:
        if slot % limit == 0:
            round_ = slot // limit
            with contextlib.suppress(redis.exceptions.RedisError, OSError):
                cache.set(f"{k}:until:{round_}", time.time() + _pin_wait(round_), timeout=settings.NAFATH_PIN_BACKOFF_MAX_SECONDS * 4)


def _peek_float(cache_key: str) -> float:
    try:
        return float(cache.get(cache_key) or 0)
    except (redis.exceptions.RedisError, OSError, ValueError, TypeError):
        return 0.0


def pin_backoff_success(*, taken: list[tuple[str, int]]) -> None:
    """A right PIN: the tries of these keys start over (their rounds' waits are forgotten)."""
    limit = settings.NAFATH_PIN_MAX_FAILURES
    for k, slot in taken:
        with contextlib.suppress(redis.exceptions.RedisError, OSError):
            cache.delete_many([f"{k}:n"] + [f"{k}:until:{r}" for r in range(1, slot // limit + 2)])


def pin_key(kind: str, value: str) -> str:
    return _key(f"pin:{kind}", value)


def release(cache_key: str) -> None:
    """Give a slot back (a try that turned out right)."""
    counter_release(cache_key)  # nothing when the window ended meanwhile or the cache is down
