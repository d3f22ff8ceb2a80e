"""The journey of planned outages (issue 3): a staff member publishes an outage in
/staff/ on a desktop browser; the customer sees it on the phone (the unread badge on
"Thông báo", the outage on the home screen, the notice); a visitor without an account
looks it up by customer code.

The staff and the visitor use English labels; the customer keeps the app's default,
Vietnamese, as most customers do."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from cskh.notifications.models import Notice
from cskh.outages.models import Outage
from tests import factories
from tests.e2e.phone import expect_no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CODE = "PE0100123456"
AREA = "Đường Lê Lợi, Nguyễn Huệ (phường Sài Gòn)"
REASON = "Thay máy biến áp TBA Lê Lợi 3"
LINE = "ĐZ 22kV lộ 475E1.4"


def test_staff_publish_an_outage_the_customer_is_told_and_anyone_can_look_it_up(
    staff_page: Page, new_page, log_in
):
    customer = factories.customer(
        code=CODE,
        unit_code="PE0100",
        feeder="475E1.4",
        province="TP. Hồ Chí Minh",
        district="Quận 1",
        ward="Phường Sài Gòn",
    )
    holder = factories.account(full_name="Nguyễn Thị Hoa")  # the app in Vietnamese
    factories.link(holder, customer, nickname="Nhà mình")
    factories.account(
        phone="+84912000999", is_staff=True, is_superuser=True, language="en", full_name="Admin"
    )
    day = timezone.localdate() + timedelta(days=7)
    date = f"{day:%d/%m/%Y}"

    # The staff member logs in to the back-office with phone and password.
    staff = staff_page
    staff.goto(reverse("staff:login"))
    staff.get_by_label("Phone number:").fill("0912 000 999")
    staff.get_by_label("Password:").fill(factories.PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    expect(staff).to_have_url(re.compile(r"/staff/$"))

    # … and publishes an outage for the customer's code, a week ahead.
    staff.goto(reverse("staff:outages_outage_add"))
    staff.get_by_label("Unit doing the work:").select_option(label="PE0100 — Branch PE0100")
    expect(staff.get_by_label("Kind:")).to_have_value(Outage.Kind.OUTAGE)
    staff.get_by_label("Area:", exact=True).fill(AREA)
    staff.get_by_label("Line or feeder:").fill(LINE)
    staff.get_by_label("Reason:", exact=True).fill(REASON)
    staff.locator("#id_start_at_0").fill(date)
    staff.locator("#id_start_at_1").fill("08:00")
    staff.locator("#id_end_at_0").fill(date)
    staff.locator("#id_end_at_1").fill("16:30")
    staff.get_by_label("Affected customer codes:").fill(CODE.lower())
    staff.get_by_role("button", name="Save", exact=True).click()

    expect(staff).to_have_url(re.compile(r"/staff/outages/outage/$"))
    expect(staff.locator(".messagelist")).to_contain_text("was added successfully")
    outage = Outage.objects.get()
    assert list(outage.customers.all()) == [customer]
    assert timezone.localtime(outage.start_at).strftime("%d/%m/%Y %H:%M") == f"{date} 08:00"
    expect(staff.locator("#result_list")).to_contain_text(AREA[:20])
    notice = Notice.objects.get()

    # The customer, on the phone: an unread notice on "Thông báo" …
    phone = new_page()
    log_in(phone, holder)
    phone.goto("/")
    notices = phone.get_by_role("navigation").get_by_role("link", name=re.compile("Thông báo"))
    expect(notices).to_have_text(re.compile(r"Thông báo\s*1 chưa đọc"))

    # … the outage on the home screen, with its area, times and the code's nickname …
    main = phone.get_by_role("main")
    expect(main.get_by_role("heading", name="Lịch ngừng cung cấp điện")).to_be_visible()
    card = main.locator(f'a[href="/outages/{outage.pk}/"]')
    expect(card).to_contain_text(AREA)
    expect(card).to_contain_text(f"08:00 {date} – 16:30 {date}")
    expect(card).to_contain_text("Nhà mình")

    # … and the notice, which says what, when and where.
    notices.click()
    expect(phone).to_have_url(re.compile(r"/notifications/$"))
    phone.get_by_role("link").filter(has_text=notice.title_vi).click()
    expect(phone).to_have_url(re.compile(rf"/notifications/{notice.pk}/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text(notice.title_vi)
    expect(phone.get_by_role("main")).to_contain_text(AREA)
    expect(phone.get_by_role("main")).to_contain_text(REASON)
    expect(notices).to_have_text("Thông báo")  # read
    phone.get_by_role("link", name="Xem chi tiết").click()
    expect(phone).to_have_url(re.compile(rf"/outages/{outage.pk}/$"))
    expect(phone.get_by_role("main")).to_contain_text(LINE)
    expect_no_horizontal_scroll(phone)

    # A visitor without an account looks the outage up by customer code.
    visitor = new_page(locale="en-US", language="en")
    visitor.goto("/")
    visitor.get_by_role("navigation").get_by_role("link", name="Lookup").click()
    visitor.get_by_role("link", name="Planned outages and reductions of supply").click()
    expect(visitor).to_have_url(re.compile(r"/outages/$"))
    visitor.get_by_label("Customer code").fill("pe0100 123456")
    visitor.get_by_role("button", name="Look up").click()
    expect(visitor.get_by_role("heading", name="Results")).to_be_visible()
    result = visitor.get_by_role("main").locator(f'a[href="/outages/{outage.pk}/"]')
    expect(result).to_contain_text(AREA)
    expect(result).to_contain_text(f"{date} 08:00 – {date} 16:30")
    result.click()
    main = visitor.get_by_role("main")
    expect(main).to_contain_text(REASON)
    expect(main).to_contain_text("Branch PE0100")
