"""A tariff version added in the back-office reaches the public pages: an EVN
administrator adds a VAT rate from a future day in /staff/ (desktop, English); a
visitor's tariff page for that day shows it, and the calculator applies it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_vat_rate_added_in_the_back_office_prices_the_days_it_covers(
    staff_page: Page, new_page, log_in
):
    factories.tariffs_on_file()
    factories.unit_tree()
    admin = factories.account(is_staff=True, is_superuser=True, language="en", full_name="Admin")
    day = timezone.localdate() + timedelta(days=20)

    log_in(staff_page, admin)
    staff_page.goto("/staff/")
    staff_page.get_by_role("link", name="VAT rates", exact=True).click()
    staff_page.get_by_role("link", name=re.compile("Add VAT rate")).click()
    staff_page.get_by_label("Legal basis").fill("Nghị quyết thử nghiệm")
    staff_page.get_by_label("In force from").fill(day.isoformat())
    staff_page.get_by_label("Rate (%)").fill("5")
    staff_page.get_by_role("button", name="Save", exact=True).click()
    expect(staff_page.locator(".messagelist")).to_contain_text("was added successfully")
    expect(staff_page.locator("#result_list")).to_contain_text("Nghị quyết thử nghiệm")

    visitor = new_page()
    visitor.goto(f"/tariffs/?date={day.isoformat()}")
    expect(visitor.get_by_role("main")).to_contain_text("Thuế GTGT: 5% (Nghị quyết thử nghiệm)")
    visitor.goto(f"/tariffs/?date={(day - timedelta(days=1)).isoformat()}")
    expect(visitor.get_by_role("main")).not_to_contain_text("Nghị quyết thử nghiệm")

    start, end = day, day + timedelta(days=30)
    visitor.goto(
        f"/tariffs/calculator/?customer_group=RESIDENTIAL&kwh=50"
        f"&period_start={start.isoformat()}&period_end={end.isoformat()}"
    )
    expect(visitor.locator("#result")).to_contain_text("Thuế GTGT 5%")
