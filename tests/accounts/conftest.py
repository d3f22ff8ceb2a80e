import time

import pytest
from django.core.cache import caches
from django.core.cache.backends import base as cache_base
from django.core.cache.backends import locmem
from django.utils import translation

from cskh.core import ratelimit


class Clock:
    """Wall-clock time as the rate limits and the in-memory cache see it."""

    def __init__(self):
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch):
    """Move the rate limits' clock forward without sleeping. The cool-downs and
    hourly counters expire with their cache entries, so the cache must be the
    in-memory one (whose expiry reads the same clock)."""
    if not isinstance(caches["default"], locmem.LocMemCache):
        pytest.skip("moving the clock needs the in-memory cache")
    fake = Clock()
    for module in (ratelimit, locmem, cache_base):
        monkeypatch.setattr(module, "time", fake)
    return fake


@pytest.fixture
def english():
    with translation.override("en"):
        yield
