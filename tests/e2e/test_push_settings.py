"""Notice settings in Chromium on a phone: the "on this device" box appears once the
script finds service workers and Push (localhost is a secure context), the browser is
not asked for permission when the page loads, and the category switches are saved.
Subscribing is not tried here: no push service is reachable offline."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cskh.notifications.models import Category, PushPreference, PushSubscription
from tests.notifications.conftest import linked_account

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SETTINGS_PAGE = reverse("notifications:settings")


def permission(page) -> str:
    """The page's notification permission: "default" until the browser has asked."""
    return page.evaluate("Notification.permission")


def test_the_push_box_appears_without_a_prompt_and_categories_are_saved(new_page, log_in):
    account, _customer = linked_account("PE0100", language="en")
    page = new_page(locale="en-US", language="en")
    log_in(page, account)

    page.goto(SETTINGS_PAGE)

    box = page.locator("[data-push]")
    expect(box).to_be_visible()
    expect(box.get_by_role("button")).to_have_text("Receive notices on this device")
    assert permission(page) == "default"  # nobody was asked
    assert page.evaluate("navigator.serviceWorker.getRegistration('/')") is None
    expect(page.get_by_role("heading", name="Notice settings")).to_be_visible()

    for label in ("Bills", "Power incidents", "News"):
        expect(page.get_by_label(label)).to_be_checked()
    page.get_by_label("News").uncheck()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Your choices are saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("News")).not_to_be_checked()
    expect(page.get_by_label("Bills")).to_be_checked()
    expect(page.get_by_label("Power incidents")).to_be_checked()
    assert PushPreference.objects.get(account=account, category=Category.MEDIA).enabled is False
    assert not PushPreference.objects.filter(account=account, enabled=False).exclude(
        category=Category.MEDIA
    )
    assert permission(page) == "default"
    assert not PushSubscription.objects.exists()


def test_the_push_box_in_vietnamese(page, log_in):
    account, _customer = linked_account("PE0100")
    log_in(page, account)

    page.goto(SETTINGS_PAGE)

    expect(page.locator("[data-push]").get_by_role("button")).to_have_text(
        "Nhận thông báo trên thiết bị này"
    )
    page.get_by_label("Truyền thông").uncheck()
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu lựa chọn của Quý khách.")).to_be_visible()
    assert PushPreference.objects.get(account=account, category=Category.MEDIA).enabled is False
    assert permission(page) == "default"
