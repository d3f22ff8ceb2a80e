"""Browser journeys: Debian's Chromium driven by Playwright (sync API) against
pytest-django's live server, at the size of a small phone (360×800)."""

import importlib
import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would then
# refuse ORM calls made by the test itself (factories, refresh_from_db).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from django.apps import apps  # noqa: E402
from django.conf import settings as django_settings  # noqa: E402
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {
    "viewport": {"width": 360, "height": 800},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser() -> Browser:
    """One headless Chromium per test session (per xdist worker)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """The live server answers /static/ itself through staticfiles' finders, which
    know `cskh/app.css` but not the hashed `cskh/app.7405e5e00965.css` that the
    manifest storage of production puts in the pages: with it, every page would
    load without its stylesheet. Plain storage gives unhashed URLs the finders
    serve, so the pages look as in production and need no collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _legal_documents(transactional_db):
    """The terms and the privacy notice accepted at registration come from a data
    migration; transactional tests flush every table after each test, so they are
    published again (same code as the migration) before each journey."""
    migration = importlib.import_module("cskh.accounts.migrations.0002_legal_documents")
    migration.publish(apps, None)


@pytest.fixture
def new_page(browser: Browser, live_server):
    """Open a fresh phone-sized context (own cookies) and return its page.

    `locale` sets navigator.language and Accept-Language (vi-VN by default);
    `language` sets the app's cskh_language cookie."""
    contexts: list[BrowserContext] = []

    def open_page(*, locale: str = "vi-VN", language: str | None = None) -> Page:
        context = browser.new_context(base_url=live_server.url, locale=locale, **PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        if language:
            context.add_cookies(
                [{"name": "cskh_language", "value": language, "url": live_server.url}]
            )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    """A phone in Vietnamese (the default of the app and of its users)."""
    return new_page()


@pytest.fixture
def log_in(live_server):
    """Log a page's context in as `user` without the login form (a session made by
    Django's test client, its cookie handed to the browser)."""
    from django.test import Client

    def log_in_as(page: Page, user) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": cookie.value,
                    "url": live_server.url,
                }
            ]
        )

    return log_in_as
