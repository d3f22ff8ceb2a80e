"""The journey of meter data from the power company to the customer (issue 4): a unit
administrator creates an ingestion key in /staff/ and hands it to the MDMS; the MDMS posts
a day's readings with it; the administrator reads the import's report, rejected row
included; the customer sees the new day on the phone.

Staff use English labels, the customer the app's default, Vietnamese."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from cskh.staff import roles
from cskh.staff.models import StaffMembership
from tests import factories
from tests.e2e.phone import expect_no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_unit_keys_its_mdms_which_loads_readings_the_customer_then_sees(
    staff_page: Page,
    new_page,
    log_in,
    live_server,
):
    units = factories.unit_tree()
    customer = factories.customer(meter="E2E000001")
    holder = factories.account()
    factories.link(holder, customer)
    admin = factories.account(phone="+84912000998", is_staff=True, language="en")
    admin.groups.add(Group.objects.get(name=roles.UNIT_ADMIN))
    StaffMembership.objects.create(user=admin, unit=units["PE01"])

    staff = staff_page
    staff.goto(reverse("staff:login"))
    staff.get_by_label("Phone number:").fill("0912 000 998")
    staff.get_by_label("Password:").fill(factories.PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    expect(staff).to_have_url(re.compile(r"/staff/$"))

    # A key for the unit's MDMS, shown once.
    staff.goto(reverse("staff:metering_ingestkey_add"))
    staff.get_by_label("Unit:").select_option(label="PE0100 — Branch PE0100")
    staff.get_by_label("Name:").fill("MDMS Sài Gòn")
    staff.get_by_role("button", name="Save", exact=True).click()
    message = staff.locator(".messagelist").inner_text()
    key = re.search(r"mdk_[\w-]+", message).group(0)

    # The MDMS sends two days, the second one twice: the repeat is rejected.
    today = timezone.localdate()
    first, second = today - timedelta(days=3), today - timedelta(days=2)
    body = (
        "customer_code,meter_no,reading_date,register,index_kwh,kwh,quality\n"
        f"{customer.code},E2E000001,{first},KT,1500.5,12.5,\n"
        f"{customer.code},E2E000001,{second},KT,1511,,\n"
        f"{customer.code},E2E000001,{second},KT,1400,,\n"
    )
    answer = staff.request.post(
        f"{live_server.url}/api/v1/ingest/readings",
        data=body.encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "text/csv"},
    )
    assert answer.status == 200, answer.text()
    assert answer.json()["rows"] == {
        "total": 3,
        "new": 2,
        "unchanged": 0,
        "corrected": 0,
        "rejected": 1,
    }

    # The administrator reads the report.
    staff.goto(reverse("staff:metering_importbatch_changelist"))
    staff.get_by_role("link", name=str(answer.json()["batch"]), exact=True).click()
    expect(staff.locator("body")).to_contain_text("duplicate")

    # The customer sees the new day.
    page = new_page()
    log_in(page, holder)
    page.goto("/lookup/consumption/")
    expect(page.locator(".fresh")).to_contain_text(second.strftime("%d/%m/%Y"))
    expect(page.locator("main")).to_contain_text("10,5")
    expect_no_horizontal_scroll(page)
