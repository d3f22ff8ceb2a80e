"""Bills (Hóa đơn): a customer on the phone sees what is to pay on the home screen, finds
the bills under Tra cứu, reads the bill of May 2025 (split by the price change of
10/05/2025) and downloads its PDF; filters the list; cannot open another account's bill.
A staff member issues a draft bill run in /staff/ on a desktop browser, and the customer
gets the bill and its notice.

The bills are computed by the bill run itself (`run`), not in the browser. The tariffs
come from a data migration, which the browser tests' flushes remove: each test puts them
back first."""

import io
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from cskh.billing.models import Invoice
from cskh.core.money import format_vnd
from cskh.core.words import amount_in_words
from tests import factories
from tests.billing.test_billrun import APRIL_END, MAY_END, household, run
from tests.e2e.phone import expect_no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NICKNAME = "Nhà mình"
BILLS = "Hóa đơn"  # the list's heading and menu item
TITLE = "HÓA ĐƠN GIÁ TRỊ GIA TĂNG (TIỀN ĐIỆN)"


@pytest.fixture(autouse=True)
def tariffs():
    factories.tariffs_on_file()


def billed_homes() -> dict:
    """A holder (the app in Vietnamese) with one home billed for April and May 2025, April
    paid; and a stranger's home billed too, linked to another account."""
    units = factories.unit_tree()
    home, theirs = household(), household()
    holder = factories.account(full_name="Nguyễn Thị Hoa")
    factories.link(holder, home, nickname=NICKNAME)
    factories.link(factories.account(), theirs)
    run(units["PE01"])
    run(units["PE01"], MAY_END)
    april = Invoice.objects.get(customer=home, period_end=APRIL_END)
    april.status, april.paid_amount = Invoice.Status.PAID, april.total
    april.save()
    return {
        "holder": holder,
        "home": home,
        "april": april,
        "may": Invoice.objects.get(customer=home, period_end=MAY_END),
        "theirs": Invoice.objects.get(customer=theirs, period_end=MAY_END),
    }


def vnd(amount: int) -> str:
    return format_vnd(amount, "vi")


def bills(page: Page) -> Locator:
    """The items of the list of bills."""
    return page.get_by_role("list", name=BILLS).get_by_role("listitem")


def overflows(region: Locator) -> bool:
    return region.evaluate("element => element.scrollWidth > element.clientWidth")


def test_a_customer_reads_the_bill_across_the_price_change_and_downloads_the_pdf(
    page: Page, log_in
):
    billed = billed_homes()
    may, home = billed["may"], billed["home"]
    log_in(page, billed["holder"])

    # The home screen says what is to pay: the unpaid bill of May (April is paid).
    page.goto("/")
    main = page.get_by_role("main")
    due = main.get_by_role("link", name=re.compile("^Tiền điện cần thanh toán"))
    expect(due).to_have_accessible_name(f"Tiền điện cần thanh toán: {vnd(may.total)}")
    expect(due.locator("strong")).to_have_text(vnd(may.total))

    # Tra cứu → the bills: the unpaid one first, with the code's nickname.
    page.get_by_role("navigation").get_by_role("link", name="Tra cứu").click()
    expect(page).to_have_url(re.compile(r"/lookup/$"))
    main.get_by_role("link", name=BILLS, exact=True).click()
    expect(page).to_have_url(re.compile(r"/invoices/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(BILLS)
    expect(main.locator("p.card").first).to_have_text(f"Cần thanh toán: {vnd(may.total)}")
    expect(bills(page)).to_have_count(2)
    unpaid, paid = bills(page).nth(0), bills(page).nth(1)
    expect(unpaid).to_contain_text("Hóa đơn tháng 05/2025")
    expect(unpaid).to_contain_text(f"{home.code} · {NICKNAME}")
    expect(unpaid).to_contain_text(f"{vnd(may.total)} · 310 kWh")
    expect(unpaid).to_contain_text(f"Chưa thanh toán · hạn {may.due_date:%d/%m/%Y}")
    expect(paid).to_contain_text("Hóa đơn tháng 04/2025")
    expect(paid).to_contain_text(f"{home.code} · {NICKNAME}")
    expect(paid).to_contain_text("Đã thanh toán")
    expect(paid).not_to_contain_text("hạn")
    expect_no_horizontal_scroll(page)

    # The bill of May.
    unpaid.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/invoices/{may.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    document = page.get_by_role("article", name=TITLE)
    expect(document).to_contain_text(f"Mã khách hàng: {home.code}")
    expect(document).to_contain_text("Tháng 05/2025 (31 ngày từ 30/04/2025 đến 31/05/2025)")

    # The reading table: the register KT read 1.310 on 30/04 and 1.620 on 31/05.
    readings = page.get_by_role("region", name="Chỉ số công tơ")
    expect(readings.locator("tbody tr")).to_have_count(1)
    row = readings.locator("tbody tr").first
    expect(row.locator("th, td")).to_have_text(
        [re.compile(r"^M\d+$"), "KT", "1.310", "1.620", "1", "310", "0", "310"]
    )

    # The lines: the old prices for 10 days (100 kWh), the new ones for 21 (210 kWh), five
    # tiers each, every line named with its dates.
    lines = page.get_by_role("region", name="Chi tiết tiền điện")
    labels = lines.locator("tbody th")
    expect(labels).to_have_count(10)
    expect(labels.first).to_have_text("Bậc 1: 0–50 kWh, 30/04/2025–10/05/2025")
    expect(labels.filter(has_text="30/04/2025–10/05/2025")).to_have_count(5)
    expect(labels.filter(has_text="10/05/2025–31/05/2025")).to_have_count(5)
    expect(labels.nth(5)).to_have_text("Bậc 1: 0–50 kWh, 10/05/2025–31/05/2025")
    expect(lines.locator("tfoot tr").last).to_have_text(
        re.compile(rf"Tổng cộng\s*{vnd(may.total)}$")
    )
    expect(document.get_by_role("heading", name="Vì sao kỳ được chia")).to_be_visible()
    in_words = amount_in_words(may.total, "vi")
    assert in_words.endswith(" đồng")
    expect(document).to_contain_text(f"Bằng chữ: {in_words}")
    expect(document).to_contain_text(f"Hạn thanh toán: {may.due_date:%d/%m/%Y}.")
    expect(page.get_by_role("link", name="Thanh toán ngay")).to_be_visible()

    # The tables are wider than the phone: they scroll in their own regions (which the
    # keyboard reaches); the page does not scroll sideways.
    for region in (readings, lines):
        expect(region).to_have_attribute("tabindex", "0")
    for region in (readings, lines):
        assert overflows(region), f"{region} fits the phone: nothing to scroll"
    expect_no_horizontal_scroll(page)

    # The PDF.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải hóa đơn PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"hoa-don-{home.code}-2025-05.pdf"
    with open(download.path(), "rb") as file:
        body = file.read()
    assert body.startswith(b"%PDF")
    text = "\n".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(body)).pages)
    assert home.code in text
    assert "HÓA ĐƠN GIÁ TRỊ GIA TĂNG" in text


def one_box(card: Locator) -> bool:
    """Whether a card is laid out as one box (an inline link breaks into one per line)."""
    return card.evaluate("element => element.getClientRects().length === 1")


def test_the_cards_of_bills_are_boxes_on_the_phone(page: Page, log_in):
    billed = billed_homes()
    log_in(page, billed["holder"])
    page.goto("/")
    due = page.get_by_role("main").get_by_role("link", name=re.compile("^Tiền điện cần thanh toán"))
    boxes = {"the amount to pay": one_box(due)}
    page.goto(reverse("billing:invoices"))
    cards = page.get_by_role("list", name=BILLS).get_by_role("link")
    expect(cards).to_have_count(2)
    boxes |= {"the bill of May": one_box(cards.first), "the bill of April": one_box(cards.last)}
    assert all(boxes.values()), f"broken into pieces: {[k for k, v in boxes.items() if not v]}"


def test_the_list_filters_by_status_and_explains_a_month_it_cannot_read(page: Page, log_in):
    billed = billed_homes()
    log_in(page, billed["holder"])
    page.goto(reverse("billing:invoices"))
    expect(bills(page)).to_have_count(2)
    status = page.get_by_label("Trạng thái")
    expect(status).to_be_hidden()  # the filters are folded away

    page.locator("summary").filter(has_text="Lọc").click()
    expect(status).to_be_visible()
    status.select_option(label="Đã thanh toán")
    page.get_by_role("button", name="Xem").click()

    expect(page).to_have_url(re.compile(r"/invoices/\?.*status=PAID"))
    expect(bills(page)).to_have_count(1)
    expect(bills(page).first).to_contain_text("Hóa đơn tháng 04/2025")
    expect(bills(page).first).to_contain_text("Đã thanh toán")
    expect(status).to_be_visible()  # the filters stay open with the choice
    expect(status).to_have_value("PAID")
    expect_no_horizontal_scroll(page)

    # Chromium's month field cannot hold 2025-13; a typed-in address can.
    response = page.goto(reverse("billing:invoices") + "?start=2025-13")
    assert response.status == 200
    message = "Vui lòng nhập tháng theo dạng YYYY-MM."
    start = page.get_by_label("Từ tháng")
    expect(start).to_be_visible()
    expect(page.get_by_text(message)).to_be_visible()
    expect(start).to_have_attribute("aria-invalid", "true")
    expect(start).to_have_accessible_description(message)
    expect(bills(page)).to_have_count(2)  # the list is not filtered by a month it cannot read
    expect_no_horizontal_scroll(page)


def test_another_accounts_bill_is_not_found(page: Page, log_in):
    billed = billed_homes()
    theirs = billed["theirs"]
    log_in(page, billed["holder"])

    page.goto(reverse("billing:invoices"))
    expect(bills(page)).to_have_count(2)
    expect(page.get_by_role("main")).not_to_contain_text(theirs.customer.code)

    # Their bill's address, typed in: the 404 page, with nothing of their bill; nor a PDF.
    response = page.goto(reverse("billing:invoice", args=[theirs.pk]))
    assert response.status == 404
    body = page.locator("body")
    for text in (theirs.customer.code, theirs.customer_name, TITLE):
        expect(body).not_to_contain_text(text)
    response = page.request.get(reverse("billing:invoice_pdf", args=[theirs.pk]))
    assert response.status == 404 and not response.body().startswith(b"%PDF")


def test_staff_issue_a_draft_run_and_the_customer_gets_the_bill(staff_page: Page, new_page, log_in):
    units = factories.unit_tree()
    home = household()
    holder = factories.account(full_name="Nguyễn Thị Hoa")
    factories.link(holder, home, nickname=NICKNAME)
    admin = factories.account(is_staff=True, is_superuser=True, language="en", full_name="Admin")
    run(units["PE01"], MAY_END, draft=True)
    draft = Invoice.objects.get()
    assert draft.status == Invoice.Status.DRAFT

    # Before: the draft is not the customer's to see.
    phone = new_page()
    log_in(phone, holder)
    phone.goto(reverse("billing:invoices"))
    expect(phone.get_by_role("main")).to_contain_text("Không có hóa đơn nào.")
    expect(phone.get_by_role("main")).to_contain_text("Không có hóa đơn cần thanh toán.")

    # The staff member ticks the run and issues its drafts.
    staff = staff_page
    log_in(staff, admin)
    staff.goto(reverse("staff:index"))
    staff.get_by_role("link", name="Bill runs", exact=True).click()
    expect(staff).to_have_url(re.compile(r"/staff/billing/billrun/$"))
    rows = staff.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("checkbox").check()
    staff.get_by_label("Action:").select_option(label="Issue the checked drafts of these runs")
    staff.get_by_role("button", name="Go").click()
    expect(staff.locator(".messagelist")).to_have_text("1 invoice issued.")
    draft.refresh_from_db()
    assert draft.status == Invoice.Status.UNPAID and draft.number is not None

    # The customer now has the bill, and a notice about it.
    phone.reload()
    expect(bills(phone)).to_have_count(1)
    expect(bills(phone).first).to_contain_text("Hóa đơn tháng 05/2025")
    expect(bills(phone).first).to_contain_text(f"{home.code} · {NICKNAME}")
    expect(phone.get_by_role("main").locator("p.card").first).to_have_text(
        f"Cần thanh toán: {vnd(draft.total)}"
    )
    notices = phone.get_by_role("navigation").get_by_role("link", name=re.compile("Thông báo"))
    expect(notices).to_have_text(re.compile(r"Thông báo\s*1 chưa đọc"))
    notices.click()
    expect(phone).to_have_url(re.compile(r"/notifications/$"))
    notice = phone.get_by_role("main").get_by_role("listitem")
    expect(notice).to_have_count(1)
    expect(notice.locator("strong")).to_have_text("Hóa đơn tiền điện tháng 05/2025")
    expect_no_horizontal_scroll(phone)
