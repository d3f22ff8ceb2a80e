"""Test settings: the real settings with fast password hashing, tasks run at once,
a per-worker SMS outbox, and a per-worker cache (Redis when REDIS_URL is set)."""

import os

from cskh.settings import *  # noqa: F403
from cskh.settings import REDIS_URL, VAR_DIR

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
WORKER_INDEX = int(WORKER.removeprefix("gw") or 0)

# Jobs go to the database queue as in production; tests run them with `task.call`.
# Argon2id stays the production hasher (tests/accounts/test_passwords.py checks);
# tests hash thousands of passwords, so they use a fast one.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A fallback: every test points it at a file of its own (tests/conftest.py).
SMS_FILE_PATH = VAR_DIR / "test-sms" / f"{WORKER}.jsonl"
MEDIA_ROOT = VAR_DIR / "test-media" / WORKER
# Unhashed static URLs: no collectstatic needed, and the browser tests' live server
# (which serves /static/ through the finders) finds every file.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "cskh.core.cache.RedisCache",
            # one Redis database per test worker, so clearing one never touches another
            "LOCATION": f"{REDIS_URL.rstrip('/')}/{1 + WORKER_INDEX}",
            "KEY_PREFIX": f"cskh-test-{WORKER}",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
