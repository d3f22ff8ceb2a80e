"""The phone the browser journeys run on, and what it must never do."""

from playwright.sync_api import Page

PHONE_WIDTH = 360
PHONE = {
    "viewport": {"width": PHONE_WIDTH, "height": 800},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def expect_no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width}px wide on a {PHONE_WIDTH}px phone"
