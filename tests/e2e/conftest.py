"""Browser journeys: Debian's Chromium driven by Playwright (sync API) against
pytest-django's live server, at the size of a small phone (360×800)."""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e.phone import PHONE

# Playwright's sync API runs an event loop in the test thread; Django would then
# refuse ORM calls made by the test itself (factories, refresh_from_db). Django
# reads this variable at each call, so setting it before any test runs is enough.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

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


DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def staff_page(browser: Browser, live_server) -> Page:
    """A desktop browser with the app set to English (the staff member's own)."""
    context = browser.new_context(base_url=live_server.url, locale="en-US", **DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": "cskh_language", "value": "en", "url": live_server.url}])
    yield context.new_page()
    context.close()
