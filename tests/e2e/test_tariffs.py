"""Electricity prices (Giá bán điện, /tariffs/) and the bill calculator (Tính tiền điện,
/tariffs/calculator/): public pages a visitor reaches without an account, on a phone.

The tariffs come from a data migration, which the browser tests' flushes remove: each
test puts them back first. Reading dates are given wherever a total is checked, so the
figures do not depend on today's date."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests import factories
from tests.e2e.phone import expect_no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CALCULATOR = "/tariffs/calculator/"


@pytest.fixture(autouse=True)
def tariffs():
    factories.tariffs_on_file()


def result(page: Page) -> Locator:
    return page.locator("#result")


def bill_lines(page: Page) -> Locator:
    """The rows of the bill's lines (the table's body, without subtotal, VAT and total)."""
    return result(page).locator("tbody tr")


def field(page: Page, label: str) -> Locator:
    """The block of one form field: its label, input, help and error."""
    return page.locator(".field").filter(has=page.get_by_label(label, exact=True))


def tab_to(page: Page, target: Locator, *, presses: int = 30) -> int:
    """Press Tab until `target` has the focus; return how many presses it took."""
    for count in range(1, presses + 1):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return count
    pytest.fail(f"{target} is not reached with {presses} presses of Tab")


def test_a_visitor_works_out_a_bill_on_the_phone_then_one_across_a_price_change(page: Page):
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Tính tiền điện").click()
    expect(page).to_have_url(re.compile(r"/tariffs/calculator/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tính tiền điện")
    expect(result(page)).to_have_count(0)

    page.get_by_label("Nhóm khách hàng").select_option(label="Sinh hoạt")
    page.get_by_label("Điện năng sử dụng (kWh)").fill("120")
    dates = page.get_by_text("Số hộ, người thuê nhà, ngày ghi chỉ số")
    dates.click()
    page.get_by_label("Ngày ghi chỉ số kỳ trước").fill("2025-05-31")
    page.get_by_label("Ngày ghi chỉ số kỳ này").fill("2025-06-30")
    page.get_by_role("button", name="Tính tiền").click()

    expect(page).to_have_url(re.compile(r"/tariffs/calculator/\?.*kwh=120.*#result$"))
    section = result(page)
    expect(section.get_by_role("heading", name="Kết quả")).to_be_visible()
    expect(section).to_be_in_viewport()
    expect(section).to_contain_text("Nhóm khách hàng: Sinh hoạt")
    expect(section).to_contain_text(
        "Kỳ từ ngày ghi chỉ số 31/05/2025 đến ngày ghi chỉ số 30/06/2025 (30 ngày)."
    )
    expect(bill_lines(page).locator("th")).to_have_text(
        ["Bậc 1: 0–50 kWh", "Bậc 2: 51–100 kWh", "Bậc 3: 101–200 kWh"]
    )
    expect(bill_lines(page).first).to_contain_text("50")
    expect(bill_lines(page).first).to_contain_text("1.984")
    expect(bill_lines(page).first).to_contain_text("99.200")
    footer = section.locator("tfoot tr")
    expect(footer.nth(0)).to_have_text(re.compile(r"Cộng tiền hàng\s*120\s*249.300"))
    expect(footer.nth(1)).to_have_text(re.compile(r"Thuế GTGT 8%\s*19.944"))
    expect(footer.nth(2)).to_have_text(re.compile(r"Tổng cộng\s*269.244 đ"))
    expect(section).not_to_contain_text("Vì sao kỳ được chia")
    expect_no_horizontal_scroll(page)

    # The form keeps what was typed (and the dates' disclosure open): a period across
    # the price change of 10/05/2025 is split, and the page says why.
    expect(page.get_by_label("Điện năng sử dụng (kWh)")).to_have_value("120")
    expect(page.get_by_label("Ngày ghi chỉ số kỳ này")).to_be_visible()
    page.get_by_label("Điện năng sử dụng (kWh)").fill("300")
    page.get_by_label("Ngày ghi chỉ số kỳ trước").fill("2025-04-30")
    page.get_by_label("Ngày ghi chỉ số kỳ này").fill("2025-05-31")
    page.get_by_role("button", name="Tính tiền").click()

    expect(page).to_have_url(re.compile(r"kwh=300.*#result$"))
    section = result(page)
    expect(section).to_contain_text("(31 ngày)")
    expect(section.get_by_role("heading", name="Vì sao kỳ được chia")).to_be_visible()
    # Days [reading, next reading): the old prices for 10 days, the new ones for 21.
    labels = bill_lines(page).locator("th")
    expect(labels.filter(has_text="30/04/2025–10/05/2025")).to_have_count(5)
    expect(labels.filter(has_text="10/05/2025–31/05/2025")).to_have_count(4)
    expect(bill_lines(page).first).to_have_text(
        re.compile(r"Bậc 1: 0–50 kWh, 30/04/2025–10/05/2025\s*16\s*1.893\s*30.288")
    )
    expect(bill_lines(page).nth(5)).to_have_text(
        re.compile(r"Bậc 1: 0–50 kWh, 10/05/2025–31/05/2025\s*34\s*1.984\s*67.456")
    )
    expect(section.get_by_role("listitem")).to_have_count(2)
    expect(section.get_by_role("listitem").first).to_contain_text(
        "Từ 30/04/2025, 10 ngày: giá theo 2699/QĐ-BCT, thuế GTGT 8%, 97 kWh."
    )
    expect(section.get_by_role("listitem").last).to_contain_text(
        "Từ 10/05/2025, 21 ngày: giá theo 1279/QĐ-BCT, thuế GTGT 8%, 203 kWh."
    )
    expect(footer.last).to_have_text(re.compile(r"Tổng cộng\s*787.142 đ"))
    expect_no_horizontal_scroll(page)


def test_bad_input_is_explained_next_to_each_field_and_nothing_is_computed(page: Page):
    page.goto(CALCULATOR)
    page.get_by_label("Nhóm khách hàng").select_option(label="Kinh doanh")
    page.get_by_label("Điện năng sử dụng (kWh)").fill("-3")
    page.get_by_role("button", name="Tính tiền").click()

    expect(page).to_have_url(re.compile(r"kwh=-3"))
    kwh_message = "Số này không được âm."
    voltage_message = re.compile(r"^Vui lòng chọn cấp điện áp: .+")
    expect(field(page, "Điện năng sử dụng (kWh)").locator(".error")).to_have_text(kwh_message)
    expect(field(page, "Cấp điện áp").locator(".error")).to_have_text(voltage_message)
    expect(page.get_by_text(kwh_message)).to_be_visible()
    expect(page.get_by_text(voltage_message)).to_be_visible()
    expect(result(page)).to_have_count(0)

    # What was typed stays, and a screen reader hears each message with its field.
    kwh = page.get_by_label("Điện năng sử dụng (kWh)")
    voltage = page.get_by_label("Cấp điện áp")
    expect(kwh).to_have_value("-3")
    expect(page.get_by_label("Nhóm khách hàng")).to_have_value("BUSINESS")
    for control, message in ((kwh, kwh_message), (voltage, voltage_message)):
        expect(control).to_have_attribute("aria-invalid", "true")
        expect(control).to_have_accessible_description(message)
    expect(page.get_by_label("Nhóm khách hàng")).not_to_have_attribute("aria-invalid", "true")
    expect_no_horizontal_scroll(page)


def test_reverse_mode_in_english_finds_the_kwh_an_amount_buys(new_page):
    page = new_page(locale="en-US", language="en")
    page.goto(CALCULATOR)
    expect(page.get_by_role("heading", level=1)).to_have_text("Electricity bill calculator")
    amount = page.get_by_label("Amount to spend (VND)")
    expect(amount).to_be_hidden()
    page.get_by_text("From an amount to the kWh it buys").click()
    expect(amount).to_have_accessible_description(
        "The calculator finds the kWh this amount buys, VAT included."
    )
    amount.fill("500000")
    page.get_by_role("button", name="Calculate").click()

    section = result(page)
    expect(section).to_contain_text(re.compile(r"500,000 VND buys [\d,]+ kWh\."))
    expect(section).to_contain_text("Customer group: Residential")
    expect(bill_lines(page).first.locator("th")).to_have_text(re.compile(r"^Tier 1: 0–50 kWh"))
    expect(amount).to_have_value("500000")  # the disclosure stays open with the amount
    expect_no_horizontal_scroll(page)


def test_the_calculator_works_with_the_keyboard_alone(page: Page):
    page.goto(CALCULATOR)
    group = page.get_by_label("Nhóm khách hàng")
    kwh = page.get_by_label("Điện năng sử dụng (kWh)")
    calculate = page.get_by_role("button", name="Tính tiền")

    tab_to(page, group)
    expect(group).to_be_focused()
    expect(group).to_have_value("RESIDENTIAL")
    tab_to(page, kwh, presses=2)  # after the voltage select
    page.keyboard.type("120")
    tab_to(page, calculate, presses=4)  # after the three disclosures
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"kwh=120.*#result$"))
    section = result(page)
    expect(section.get_by_role("heading", name="Kết quả")).to_be_visible()
    expect(bill_lines(page).first.locator("th")).to_have_text(re.compile(r"^Bậc 1: 0–50 kWh"))
    expect(section.locator("tfoot")).to_contain_text("Tổng cộng")


def test_the_price_sheet_today_and_under_an_earlier_decision(page: Page):
    page.goto("/lookup/")
    page.get_by_role("link", name="Giá bán điện").click()
    expect(page).to_have_url(re.compile(r"/tariffs/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Giá bán điện")
    main = page.get_by_role("main")
    expect(main).to_contain_text("1279/QĐ-BCT, từ ngày 10/05/2025.")

    residential = page.get_by_role("region", name="Sinh hoạt")
    rows = residential.locator("tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.first).to_have_text(re.compile(r"Bậc 1\s*0–50\s*1.984"))
    expect(rows.last).to_have_text(re.compile(r"Bậc 6\s*từ 401 trở lên\s*3.460"))

    # The time-of-use table is wider than the phone: it scrolls inside its own region
    # (which the keyboard can reach), and the page does not scroll sideways.
    tou = page.get_by_role("region", name="Kinh doanh và sản xuất (theo giờ)")
    expect(tou).to_have_attribute("tabindex", "0")
    overflow = tou.evaluate("element => element.scrollWidth - element.clientWidth")
    assert overflow > 0, "the time-of-use table fits the phone: nothing to scroll"
    tou.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
    assert tou.evaluate("element => element.scrollLeft") > 0
    expect_no_horizontal_scroll(page)

    # The list of decisions leads to the prices of an earlier one.
    decisions = page.get_by_role("heading", name="Các quyết định giá điện").locator("xpath=..")
    decisions.get_by_role("link", name="2699/QĐ-BCT").click()
    expect(page).to_have_url(re.compile(r"/tariffs/\?date=2024-10-11$"))
    expect(main).to_contain_text("2699/QĐ-BCT, từ ngày 11/10/2024.")
    expect(page.get_by_label("Giá áp dụng vào ngày")).to_have_value("2024-10-11")
    rows = page.get_by_role("region", name="Sinh hoạt").locator("tbody tr")
    expect(rows.first).to_have_text(re.compile(r"Bậc 1\s*0–50\s*1.893"))
    expect(rows.last).to_have_text(re.compile(r"Bậc 6\s*từ 401 trở lên\s*3.302"))
    expect(main).not_to_contain_text("1.984")
    expect_no_horizontal_scroll(page)
