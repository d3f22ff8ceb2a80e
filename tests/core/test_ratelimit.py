"""Counters, lockouts and cool-downs kept in the cache."""

import time

import pytest
from django.core.cache import cache

from cskh.core import ratelimit
from cskh.core.errors import RateLimited


class Clock:
    """Stands in for the `time` module inside cskh.core.ratelimit."""

    def __init__(self):
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake


def test_check_passes_while_nothing_was_recorded():
    ratelimit.check("scope", "someone")


def test_record_counts_and_locks_at_the_limit(clock):
    for expected in (1, 2):
        assert ratelimit.record("scope", "a", limit=3, window=60) == expected
        ratelimit.check("scope", "a")
    assert ratelimit.record("scope", "a", limit=3, window=60) == 3
    with pytest.raises(RateLimited) as caught:
        ratelimit.check("scope", "a")
    assert caught.value.retry_after == 61
    assert caught.value.status == 429
    assert caught.value.code == "rate_limited"


def test_the_lockout_can_be_longer_than_the_window(clock):
    ratelimit.record("scope", "a", limit=1, window=60, lockout=900)
    with pytest.raises(RateLimited) as caught:
        ratelimit.check("scope", "a")
    assert caught.value.retry_after == 901


def test_the_lockout_ends(clock):
    ratelimit.record("scope", "a", limit=1, window=60)
    clock.now += 59
    with pytest.raises(RateLimited) as caught:
        ratelimit.check("scope", "a")
    assert caught.value.retry_after == 2
    clock.now += 2
    ratelimit.check("scope", "a")


def test_counters_are_separate_per_scope_and_identifier():
    ratelimit.record("scope", "a", limit=1, window=60)
    ratelimit.check("scope", "b")
    ratelimit.check("other", "a")
    with pytest.raises(RateLimited):
        ratelimit.check("scope", "a")


def test_reset_clears_the_count_and_the_lockout():
    ratelimit.record("scope", "a", limit=2, window=60)
    ratelimit.record("scope", "a", limit=2, window=60)
    ratelimit.reset("scope", "a")
    ratelimit.check("scope", "a")
    assert ratelimit.record("scope", "a", limit=2, window=60) == 1


def test_cooldown_allows_one_event_per_period(clock):
    ratelimit.cooldown("resend", "a", seconds=60)
    clock.now += 20
    with pytest.raises(RateLimited) as caught:
        ratelimit.cooldown("resend", "a", seconds=60)
    assert caught.value.retry_after == 41
    ratelimit.cooldown("resend", "b", seconds=60)


def test_a_custom_message_is_kept():
    ratelimit.record("scope", "a", limit=1, window=60)
    with pytest.raises(RateLimited) as caught:
        ratelimit.check("scope", "a", message="Slow down")
    assert caught.value.message == "Slow down"


def test_no_phone_number_or_address_is_stored_in_the_cache(monkeypatch):
    keys = []
    real_add = cache.add

    def spy(key, *args, **kwargs):
        keys.append(key)
        return real_add(key, *args, **kwargs)

    monkeypatch.setattr(cache, "add", spy)
    ratelimit.record("otp-send-phone", "+84912345678", limit=5, window=60)
    ratelimit.cooldown("otp-resend", "REGISTER::+84912345678", seconds=60)
    ratelimit.record("otp-send-ip", "203.0.113.7", limit=5, window=60)
    assert keys
    for key in keys:
        assert "912345678" not in key
        assert "203.0.113.7" not in key


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1, "Too many attempts. Try again in 1 second."),
        (40, "Too many attempts. Try again in 40 seconds."),
        (60, "Too many attempts. Try again in 1 minute."),
        (61, "Too many attempts. Try again in 2 minutes."),
        (900, "Too many attempts. Try again in 15 minutes."),
    ],
)
def test_the_default_message_says_how_long_to_wait(seconds, text):
    from django.utils import translation

    with translation.override("en"):
        assert str(RateLimited(retry_after=seconds).message) == text


def test_retry_after_is_at_least_one_second():
    assert RateLimited(retry_after=0).retry_after == 1
    assert RateLimited(retry_after=-5).retry_after == 1
