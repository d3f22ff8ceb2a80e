"""Bills in the back-office: a unit administrator issues a run's checked drafts; runs
and invoices are scoped to the unit; issued invoices are read-only."""

import pytest
from django.contrib.auth.models import Group

from cskh.billing.models import BillRun, Invoice
from cskh.notifications.models import Notice
from cskh.staff import roles
from cskh.staff.models import StaffMembership
from tests import factories
from tests.billing.test_billrun import household, run

pytestmark = pytest.mark.django_db


def staff(unit, role=roles.UNIT_ADMIN):
    user = factories.account(is_staff=True, language="en")
    user.groups.add(Group.objects.get(name=role))
    StaffMembership.objects.create(user=user, unit=unit)
    return user


def test_a_unit_administrator_issues_the_drafts_of_a_run(client, units):
    household()
    summary = run(units["PE01"], draft=True)
    client.force_login(staff(units["PE01"]))
    response = client.post(
        "/staff/billing/billrun/",
        {"action": "issue_drafts", "_selected_action": [summary.run.pk]},
        follow=True,
    )
    assert "1 invoice issued." in response.content.decode()
    invoice = Invoice.objects.get()
    assert invoice.status == Invoice.Status.UNPAID and invoice.number == 1
    assert Notice.objects.filter(category="BILL").count() == 1
    client.post(
        "/staff/billing/billrun/", {"action": "issue_drafts", "_selected_action": [summary.run.pk]}
    )
    assert Notice.objects.filter(category="BILL").count() == 1  # issuing twice is harmless


def test_runs_and_invoices_of_other_units_are_not_listed(client, units):
    household()
    household(unit_code="PD0100")
    run(units["EVN"])
    assert BillRun.objects.count() == 1 and Invoice.objects.count() == 2
    client.force_login(staff(units["PE01"], roles.CUSTOMER_SERVICE))
    listed = client.get("/staff/billing/invoice/").context["cl"].result_list
    assert [invoice.customer.unit.code for invoice in listed] == ["PE0100"]
    assert client.get("/staff/billing/billrun/").context["cl"].result_count == 0  # EVN's run
    theirs = Invoice.objects.get(customer__unit__code="PD0100")
    assert client.get(f"/staff/billing/invoice/{theirs.pk}/change/").status_code == 302


def test_an_issued_invoice_cannot_be_changed_or_deleted(client, units):
    household()
    run(units["PE01"])
    invoice = Invoice.objects.get()
    client.force_login(staff(units["PE01"]))
    page = client.get(f"/staff/billing/invoice/{invoice.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    for line in invoice.lines.all():  # the priced lines, in a table of their own
        assert f"<td>{line.kwh}</td><td>{line.price}</td><td>{line.amount}</td>" in page.text
    assert (
        client.post(f"/staff/billing/invoice/{invoice.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert client.post("/staff/billing/billrun/", {"action": "issue_drafts"}).status_code in (
        200,
        302,
    )
    assert Invoice.objects.get().total == invoice.total


def test_customer_service_cannot_issue(client, units):
    household()
    summary = run(units["PE01"], draft=True)
    client.force_login(staff(units["PE01"], roles.CUSTOMER_SERVICE))
    client.post(
        "/staff/billing/billrun/", {"action": "issue_drafts", "_selected_action": [summary.run.pk]}
    )
    assert Invoice.objects.get().status == Invoice.Status.DRAFT
