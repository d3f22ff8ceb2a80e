"""The consumption journey (issue 4): a customer on a phone logs in, goes to Tra cứu →
consumption, reads the cards and the comparison, taps a bar, switches between days,
months and years, opens the meter-index table and downloads a CSV.

The household of tests/metering/test_queries.py: data up to 23/11/2026, a meter
replaced on 10/11/2026, 5/11 estimated. The customer uses the app in English here so
that the journey does not depend on the Vietnamese catalog being filled."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.phone import expect_no_horizontal_scroll
from tests.metering.test_queries import household

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV_HEADER = "customer_code,meter_no,reading_date,register,index_kwh,kwh,quality"
BUDGET_BYTES = 150 * 1024


@pytest.fixture
def holder():
    customer = household()
    account = factories.account(language="en", full_name="Lê Thị Lan")
    factories.link(account, customer, nickname="Nhà mình")
    return customer, account


def test_a_customer_follows_and_downloads_the_consumption(new_page, log_in, holder, tmp_path):
    customer, account = holder
    page: Page = new_page(locale="en-US", language="en")
    log_in(page, account)

    # Tra cứu → consumption, from the bottom navigation.
    page.goto("/")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Lookup").click()
    page.get_by_role("link", name="Electricity consumption and meter readings").click()
    expect(page).to_have_url(re.compile(rf"/lookup/consumption/{customer.code}/$"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Electricity consumption")
    expect(main).to_contain_text("Data up to the end of 23/11/2026")
    expect(main).to_contain_text("Nhà mình")

    # The cards and the comparisons of the month so far.
    expect(main).to_contain_text("This month so far")
    expect(main).to_contain_text("258 kWh")
    expect(main).to_contain_text("Compared with the same days last month: 74 kWh more (+40.2%)")
    expect(main).to_contain_text("Compared with the same days a year ago: 51 kWh more (+24.6%)")
    expect(main.get_by_role("heading", name="Month 11/2026")).to_be_visible()
    expect_no_horizontal_scroll(page)

    # A tap on a bar says its value (the estimated day says so).
    chart = page.locator("figure.chart")
    expect(chart.locator(".chart-value")).to_have_text("Tap a bar to see its value.")
    chart.locator(".slot").nth(4).click()
    expect(chart.locator(".chart-value")).to_have_text("05/11/2026: 10 kWh (estimated)")

    # The figures table is there for screen readers and anyone who opens it.
    main.get_by_text("Table of the figures").click()
    figures = main.get_by_role("table").filter(has_text="Month 11/2026")
    expect(figures.get_by_role("row", name=re.compile(r"^05\/11 10 .*Estimated"))).to_be_visible()

    # The meter-index table: both meters, their indexes and multipliers.
    main.get_by_text("Meter readings (indexes)").click()
    indexes = main.get_by_role("table").filter(has_text="Meter index at the end of each day")
    expect(indexes.get_by_role("row", name=re.compile(r"^10\/11 NEW0001 KT"))).to_be_visible()
    expect_no_horizontal_scroll(page)

    # The month before, then months and years.
    page.get_by_role("link", name="Previous month").click()
    expect(main.get_by_role("heading", name="Month 10/2026")).to_be_visible()
    tabs = page.get_by_role("navigation", name="Show consumption by")
    tabs.get_by_role("link", name="Months").click()
    expect(main.get_by_role("heading", name="Year 2026")).to_be_visible()
    expect(tabs.get_by_role("link", name="Months")).to_have_attribute("aria-current", "page")
    expect(main).to_contain_text("506 kWh")
    expect(main).to_contain_text("Compared with the same period last year")
    tabs.get_by_role("link", name="Years").click()
    expect(main.get_by_role("heading", name="Years 2025–2026")).to_be_visible()
    expect_no_horizontal_scroll(page)
    tabs.get_by_role("link", name="Days").click()
    expect(main.get_by_role("heading", name=re.compile(r"^Month \d\d\/\d{4}$"))).to_be_visible()

    # Download the CSV of a few days.
    form = main.locator("form").filter(has=page.get_by_role("button", name="Download"))
    form.get_by_label("From", exact=True).fill("2026-11-08")
    form.get_by_label("To", exact=True).fill("2026-11-11")
    form.get_by_label("CSV (spreadsheet)").check()
    with page.expect_download() as download_info:
        form.get_by_role("button", name="Download").click()
    download = download_info.value
    assert download.suggested_filename == f"{customer.code}_20261108_20261111.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == CSV_HEADER
    assert lines[1] == f"{customer.code},OLD0001,2026-11-08,KT,2328.000,10.000,actual"
    assert lines[-1] == f"{customer.code},NEW0001,2026-11-11,KT,24.000,12.000,actual"
    assert len(lines) == 5


def test_the_first_load_transfers_under_150_kb(new_page, log_in, holder):
    """Measured by the browser itself: the page, its CSS, script and icons, uncached."""
    customer, account = holder
    page: Page = new_page(locale="en-US", language="en")
    log_in(page, account)
    page.goto(f"/lookup/consumption/{customer.code}/")
    page.wait_for_load_state("load")
    transferred = page.evaluate(
        """() => performance.getEntriesByType("navigation")
            .concat(performance.getEntriesByType("resource"))
            .reduce((sum, entry) => sum + (entry.transferSize || entry.encodedBodySize || 0), 0)"""
    )
    assert 0 < transferred < BUDGET_BYTES, f"{transferred} bytes"
