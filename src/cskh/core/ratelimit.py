"""Counters and lockouts kept in the cache (Redis in production).

`check` refuses while a lockout is on; `record` counts one event and, when the
count reaches `limit` within `window` seconds, starts a lockout of `lockout`
seconds (default: the window). `cooldown` allows one event per period.
Identifiers are hashed so no phone number or address is stored in the cache.
"""

import hashlib
import time

from django.core.cache import cache

from cskh.core.errors import RateLimited


def _key(kind: str, scope: str, ident: str) -> str:
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"rl:{kind}:{scope}:{digest}"


def check(scope: str, ident: str, *, message=None) -> None:
    until = cache.get(_key("lock", scope, ident))
    now = time.time()
    if until and until > now:
        raise RateLimited(message, retry_after=int(until - now) + 1)


def record(scope: str, ident: str, *, limit: int, window: int, lockout: int | None = None) -> int:
    key = _key("count", scope, ident)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count >= limit:
        period = lockout or window
        cache.set(_key("lock", scope, ident), time.time() + period, timeout=period)
    return count


def reset(scope: str, ident: str) -> None:
    cache.delete_many([_key("count", scope, ident), _key("lock", scope, ident)])


def cooldown(scope: str, ident: str, *, seconds: int, message=None) -> None:
    """Allow one event per `seconds`; raise RateLimited with the time left otherwise."""
    now = time.time()
    key = _key("cool", scope, ident)
    if not cache.add(key, now + seconds, timeout=seconds):
        until = cache.get(key) or now + seconds
        raise RateLimited(message, retry_after=int(until - now) + 1)
