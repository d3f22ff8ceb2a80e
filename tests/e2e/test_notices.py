"""Notices in Chromium: a content editor of PE01 writes a notice for its unit in the
back-office at desktop size and publishes it; a customer of PE0100 on a phone sees
the unread badge, finds the notice under its tab, reads it, and marks everything
read; a customer of PD01 never sees it."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from cskh.notifications.models import Audience, Category, Notice
from cskh.staff import roles
from cskh.staff.models import StaffMembership
from tests import factories
from tests.e2e.conftest import DESKTOP, TIMEOUT_MS
from tests.e2e.phone import expect_no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Ngừng cấp điện khu vực Quận 1"
TITLE_EN = "Planned outage in District 1"
LIST = reverse("notifications:list")


@pytest.fixture
def desktop(browser: Browser, live_server):
    """A desktop-sized page in English (the staff member's own computer)."""
    context = browser.new_context(base_url=live_server.url, locale="en-US", **DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def notices_link(page: Page):
    """ "Thông báo" in the bottom navigation."""
    return page.get_by_role("navigation", name="Menu chính").locator(f'a[href="{LIST}"]')


def expect_badge(page: Page, count: int | None) -> None:
    badge = notices_link(page).locator(".count")
    if count:
        expect(badge).to_have_text(f"{count} chưa đọc")
    else:
        expect(badge).to_have_count(0)


def compose_and_publish(page: Page) -> Notice:
    """A content editor of PE01 logs in at /staff/ and publishes a notice for PE01."""
    roles.ensure_roles()  # the groups are flushed after each transactional test
    units = factories.unit_tree()
    editor = factories.account(phone="+84912000900", is_staff=True, language="en")
    editor.groups.add(Group.objects.get(name=roles.CONTENT_EDITOR))
    StaffMembership.objects.create(user=editor, unit=units["PE01"])

    page.goto("/staff/login/")
    page.get_by_label("Phone number").fill("0912 000 900")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))

    page.locator("#notifications-notice").get_by_role("link", name="Notices").click()
    page.get_by_role("link", name="Add notice").click()
    expect(page).to_have_url(re.compile(r"/staff/notifications/notice/add/$"))
    page.get_by_label("Category").select_option(label="Power incidents")
    page.get_by_label("Title (Vietnamese)").fill(TITLE)
    page.get_by_label("Text (Vietnamese)").fill("Từ 8:00 đến 16:00 thứ Bảy, để bảo trì lưới điện.")
    page.get_by_label("Title (English)").fill(TITLE_EN)
    page.get_by_label("Text (English)").fill("From 8:00 to 16:00 on Saturday.")
    page.get_by_label("Link to what it is about").fill("/customers/")
    audience = page.get_by_label("Audience")
    expect(audience.locator("option")).to_have_text(
        ["A unit and everything under it", "A list of customer codes"]
    )
    audience.select_option(label="A unit and everything under it")
    unit = page.locator("#id_unit")
    expect(unit.locator("option:not([value=''])")).to_have_text(
        [re.compile("^PE01 "), re.compile("^PE0100 ")]
    )
    unit.select_option(label="PE01 — PC PE01")
    page.get_by_role("button", name="Save and continue editing").click()

    # The change page shows what customers will see, and the publish form.
    expect(page).to_have_url(re.compile(r"/staff/notifications/notice/\d+/change/$"))
    preview = page.locator("fieldset").filter(has_text="Preview: what customers see")
    expect(preview).to_contain_text(TITLE)
    expect(preview).to_contain_text(TITLE_EN)
    expect(preview).to_contain_text("Link: /customers/")
    notice = Notice.objects.get()
    assert notice.publish_at is None

    publish = page.locator("#publish-form")
    expect(publish.get_by_label("Now")).to_be_checked()
    publish.get_by_role("button", name="Publish").click()
    expect(page).to_have_url(re.compile(r"/staff/notifications/notice/$"))
    expect(page.locator(".messagelist")).to_contain_text("The notice is published.")

    notice.refresh_from_db()
    assert notice.is_published
    assert (notice.audience, notice.unit, notice.category) == (
        Audience.UNIT,
        units["PE01"],
        Category.INCIDENT,
    )
    assert (notice.issuer_unit, notice.created_by) == (units["PE01"], editor)

    # Published: shown read only, with a correction as the way to change it.
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("button", name="Make a correction")).to_be_visible()
    expect(page.get_by_label("Title (Vietnamese)")).to_have_count(0)
    return notice


def test_a_unit_notice_from_the_back_office_to_the_customers_phone(desktop, new_page, log_in):
    notice = compose_and_publish(desktop)

    customer = factories.customer(unit_code="PE0100")
    account = factories.account(language="vi")
    factories.link(account, customer)
    page = new_page()  # a phone, in Vietnamese
    log_in(page, account)

    # The badge on "Thông báo".
    page.goto("/")
    expect_badge(page, 1)
    notices_link(page).click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    expect(notices_link(page)).to_have_attribute("aria-current", "page")

    # "Tất cả" is the current tab and lists the notice, marked unread.
    tabs = page.get_by_role("navigation", name="Loại thông báo")
    expect(tabs.get_by_role("link")).to_have_text(
        ["Tất cả", "Tiền điện", "Sự cố điện", "Truyền thông"]
    )
    expect(tabs.get_by_role("link", name="Tất cả")).to_have_attribute("aria-current", "page")
    item = page.get_by_role("main").get_by_role("link", name=re.compile(TITLE))
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Chưa đọc:")
    expect(item).to_contain_text("Sự cố điện")
    expect_no_horizontal_scroll(page)

    # It is under "Sự cố điện", and not under "Tiền điện".
    tabs.get_by_role("link", name="Tiền điện").click()
    expect(page).to_have_url(re.compile(r"\?category=BILL$"))
    expect(page.get_by_role("main")).to_contain_text("Chưa có thông báo nào.")
    tabs.get_by_role("link", name="Sự cố điện").click()
    expect(page).to_have_url(re.compile(r"\?category=INCIDENT$"))
    expect(tabs.get_by_role("link", name="Sự cố điện")).to_have_attribute("aria-current", "page")
    expect(item).to_have_count(1)

    # Opening it reads it: the badge goes.
    item.click()
    expect(page).to_have_url(re.compile(rf"/notifications/{notice.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("main")).to_contain_text("Từ 8:00 đến 16:00 thứ Bảy")
    expect(page.get_by_role("link", name="Xem chi tiết")).to_have_attribute("href", "/customers/")
    expect_badge(page, None)
    expect_no_horizontal_scroll(page)
    page.get_by_role("link", name=re.compile("Tất cả thông báo")).click()
    expect(item).not_to_contain_text("Chưa đọc:")

    # Two more notices come out; "mark all read" reads them both.
    for title in ("Tin thứ nhất", "Tin thứ hai"):
        Notice.objects.create(
            audience=Audience.EVERYONE,
            category=Category.MEDIA,
            title_vi=title,
            body_vi="Nội dung.",
            publish_at=timezone.now(),
        )
    page.reload()
    expect_badge(page, 2)
    unread = page.get_by_role("main").get_by_role("link").filter(has_text="Chưa đọc:")
    expect(unread).to_have_count(2)
    page.get_by_role("button", name="Đánh dấu tất cả là đã đọc").click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    expect(page.get_by_role("status")).to_contain_text("Đã đánh dấu tất cả thông báo là đã đọc.")
    expect(unread).to_have_count(0)
    expect_badge(page, None)


def test_a_customer_of_another_company_does_not_see_it(desktop, new_page, log_in):
    notice = compose_and_publish(desktop)

    hanoi = factories.account(language="vi")
    factories.link(hanoi, factories.customer(unit_code="PD0100"))
    page = new_page()
    log_in(page, hanoi)

    page.goto("/")
    expect_badge(page, None)
    page.goto(LIST)
    expect(page.get_by_role("main")).to_contain_text("Chưa có thông báo nào.")
    expect(page.get_by_role("main")).not_to_contain_text(TITLE)
    response = page.goto(reverse("notifications:detail", args=[notice.pk]))
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text(TITLE)
