"""An incident report in Chromium: a customer on a phone reports a fallen wire at a
linked code with a photo and gets a ticket number; a staff member on a desktop takes
it in hand and resolves it with a note in the back-office; the customer sees the
notices, the timeline with the note, and rates the handling."""

import re

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from cskh.incidents.models import Incident, Kind, Status
from cskh.notifications.models import Category, Notice
from tests import factories
from tests.e2e.conftest import DESKTOP, TIMEOUT_MS
from tests.e2e.phone import expect_no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOTICES = reverse("notifications:list")
DESCRIPTION = "Dây điện bị đứt, rơi xuống vỉa hè trước nhà."
NOTE = "Đội sửa chữa đã nối lại dây và kiểm tra an toàn."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def desktop(browser: Browser, live_server):
    """A desktop-sized page in English (the staff member's own computer)."""
    context = browser.new_context(base_url=live_server.url, locale="en-US", **DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def notices_link(page: Page):
    """ "Thông báo" in the bottom navigation."""
    return page.get_by_role("navigation", name="Menu chính").locator(f'a[href="{NOTICES}"]')


def staff_log_in(page: Page) -> None:
    factories.account(
        phone="+84912000901", is_staff=True, is_superuser=True, language="en", full_name="Điều độ"
    )
    page.goto("/staff/login/")
    page.get_by_label("Phone number").fill("0912 000 901")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))


def change_status(page: Page, status: str, note: str = "") -> None:
    page.get_by_label("New status").select_option(label=status)
    if note:
        page.get_by_label("Note for the reporter").fill(note)
    page.get_by_role("button", name="Change the status").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "The status is changed and the reporter is told."
    )


def test_a_fallen_wire_from_report_to_rating(page: Page, desktop: Page, log_in, tmp_path):
    factories.unit_tree()
    customer = factories.customer(unit_code="PE0100", province="TP. Hồ Chí Minh")
    account = factories.account(language="vi")
    factories.link(account, customer)
    photo = tmp_path / "day-dien.png"
    Image.new("RGB", (64, 48), (220, 40, 40)).save(photo)
    log_in(page, account)

    # The customer reports the fallen wire from a phone.
    page.goto(reverse("incidents:new"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Báo sự cố điện")
    page.get_by_label("Nguy cơ mất an toàn").check()
    expect(page.get_by_label("Ở đâu?")).to_have_value(customer.code)
    page.get_by_label("Mô tả sự cố").fill(DESCRIPTION)
    expect(page.get_by_label("Số điện thoại liên hệ")).not_to_have_value("")
    page.get_by_label("Ảnh (không bắt buộc)").set_input_files(photo)
    expect_no_horizontal_scroll(page)
    page.get_by_role("button", name="Gửi báo sự cố").click()

    expect(page).to_have_url(re.compile(r"/incidents/\d+/$"))
    incident = Incident.objects.get()
    assert (incident.kind, incident.customer, incident.urgent) == (
        Kind.SAFETY_HAZARD,
        customer,
        True,
    )
    assert incident.photos.count() == 1
    expect(page.get_by_role("status")).to_contain_text(
        f"Đã tiếp nhận báo sự cố {incident.ticket_no}."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(incident.ticket_no)
    picture = page.get_by_role("img", name="Ảnh 1 của phiếu báo")
    expect(picture).to_be_visible()
    picture.scroll_into_view_if_needed()  # the photo loads lazily
    expect(picture).to_have_js_property("naturalWidth", 64)  # it really is the image
    timeline = page.locator("ol.timeline")
    expect(timeline.locator("li")).to_have_count(1)
    expect(timeline).to_contain_text("Đã tiếp nhận")
    expect(page.get_by_role("heading", name="Đánh giá việc xử lý")).to_have_count(0)
    expect_no_horizontal_scroll(page)

    # A staff member takes it in hand, then resolves it with a note.
    staff_log_in(desktop)
    desktop.goto(reverse("staff:incidents_incident_changelist"))
    desktop.get_by_role("link", name=incident.ticket_no).click()
    expect(desktop).to_have_url(re.compile(rf"/staff/incidents/incident/{incident.pk}/change/$"))
    expect(desktop.get_by_role("main")).to_contain_text(DESCRIPTION)
    change_status(desktop, "Being handled")
    change_status(desktop, "Handled", NOTE)
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    expect(desktop.get_by_label("New status")).to_have_count(0)  # closed: nothing to change
    expect(desktop.get_by_role("main")).to_contain_text(NOTE)
    assert Notice.objects.filter(account=account, category=Category.INCIDENT).count() == 3

    # The customer sees the notices, then the timeline with the note.
    page.goto("/")
    expect(notices_link(page).locator(".count")).to_have_text("3 chưa đọc")
    notices_link(page).click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    news = page.get_by_role("main").get_by_role("link", name=re.compile("cập nhật trạng thái"))
    expect(news).to_have_count(2)
    expect(page.get_by_role("main")).to_contain_text(f"Đã tiếp nhận báo sự cố {incident.ticket_no}")
    news.first.click()
    page.get_by_role("link", name="Xem chi tiết").click()
    expect(page).to_have_url(re.compile(rf"/incidents/{incident.pk}/$"))
    expect(timeline.locator("li")).to_have_count(3)
    expect(timeline.locator("li").nth(0)).to_contain_text("Đã tiếp nhận")
    expect(timeline.locator("li").nth(1)).to_contain_text("Đang xử lý")
    expect(timeline.locator("li").nth(2)).to_contain_text("Đã xử lý")
    expect(timeline.locator("li").nth(2)).to_contain_text(NOTE)

    # … and rates the handling 5 stars with a comment.
    expect(page.get_by_role("heading", name="Đánh giá việc xử lý")).to_be_visible()
    page.get_by_label("★★★★★", exact=True).check()
    page.get_by_label("Góp ý (không bắt buộc)").fill("Xử lý rất nhanh, cảm ơn đội sửa chữa.")
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_role("status")).to_contain_text("Cảm ơn Quý khách đã đánh giá.")
    expect(page.get_by_role("main")).to_contain_text("Quý khách đã đánh giá 5/5.")
    expect(page.get_by_role("button", name="Gửi đánh giá")).to_have_count(0)
    expect_no_horizontal_scroll(page)
    incident.refresh_from_db()
    assert (incident.rating, incident.rating_comment) == (
        5,
        "Xử lý rất nhanh, cảm ơn đội sửa chữa.",
    )

    # The rating shows in the back-office.
    desktop.reload()
    expect(desktop.get_by_role("main")).to_contain_text("Xử lý rất nhanh")
