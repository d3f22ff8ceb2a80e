"""The Redis cache backend keeps one client per connection pool (cskh.core.cache)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core.cache import caches

from cskh.core.cache import RedisCache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")


@pytest.fixture
def redis_cache():
    backend = RedisCache(settings.CACHES["default"]["LOCATION"], {"KEY_PREFIX": "cache-test"})
    yield backend
    backend.delete_many(["answer", *(f"key-{n}" for n in range(200))])


def test_one_client_serves_every_call(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client
    redis_cache.set("answer", {"kwh": "12.5"}, 60)
    assert redis_cache.get("answer") == {"kwh": "12.5"}
    assert redis_cache._cache.get_client() is client


def test_threads_share_the_client(redis_cache):
    def round_trip(n):
        redis_cache.set(f"key-{n}", n, 60)
        return redis_cache.get(f"key-{n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(round_trip, range(200))) == list(range(200))


def test_the_site_cache_is_this_backend():
    assert isinstance(caches["default"], RedisCache)
