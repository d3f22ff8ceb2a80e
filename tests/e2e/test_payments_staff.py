"""Payments in the back-office (desktop, English):
1. A bank statement settles a VietQR payment: a unit administrator of EVNHCMC (whose
   collecting account takes the transfers of its companies' customers) uploads the day's
   statement, sees the transfer's line matched, and the payment is paid, in the database
   and on its page in /staff/.
2. A unit administrator of PE01 refunds a VNPay payment in full through the sandbox's
   refund API (over real HTTP): the gateway accepts, the refund is listed on the
   payment's page, and the bill is due again."""

import re
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from cskh.billing.models import Invoice
from cskh.payments import gateways, services
from cskh.payments.models import Payment, StatementLine
from cskh.staff import roles
from cskh.staff.models import StaffMembership
from tests import factories
from tests.payments.helpers import (
    MERCHANT_API,
    household,
    open_in_sandbox,
    pay,
    pay_in_sandbox,
    start,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIETQR = gateways.VietQR.channel  # what an invoice says it was paid through


def pending_vietqr_payment() -> Payment:
    """A household of PE0100 chose VietQR for its October bill and has not paid yet."""
    account = factories.account(language="en")
    customer = factories.customer(unit_code="PE0100")
    factories.link(account, customer)
    invoice = factories.invoice(customer, total=550_000)
    return services.start(
        account=account,
        invoice_ids=[invoice.pk],
        method="VIETQR",
        now=timezone.now(),
        ip="127.0.0.1",
        locale="en",
    )


def test_a_unit_administrator_settles_a_transfer_from_the_bank_statement(
    staff_page: Page, log_in, tmp_path
):
    units = factories.unit_tree()
    collecting = factories.collecting_account("EVNHCMC")
    payment = pending_vietqr_payment()
    assert payment.collecting_account == collecting
    admin = factories.account(is_staff=True, language="en", full_name="Admin EVNHCMC")
    admin.groups.add(Group.objects.get(name=roles.UNIT_ADMIN))
    StaffMembership.objects.create(user=admin, unit=units["EVNHCMC"])
    statement = tmp_path / "sao-ke-2025-11-25.csv"
    statement.write_text(
        "booked_at,bank_transaction_id,amount,description\n"
        "2025-11-25 09:12:40,FT25329884411,120000,LUONG THANG 11\n"
        f"2025-11-25 10:15:30,FT25329900017,550000,MBVCB.1234 {payment.reference} TIEN DIEN\n",
        encoding="utf-8-sig",
    )

    log_in(staff_page, admin)
    staff_page.goto("/staff/")
    staff_page.get_by_role("link", name="Bank statements", exact=True).click()
    staff_page.get_by_role("link", name=re.compile("Add bank statement")).click()
    staff_page.get_by_label("Collecting account").select_option(label=str(collecting))
    staff_page.get_by_label("Statement (CSV)").set_input_files(statement)
    staff_page.get_by_role("button", name="Save", exact=True).click()

    messages = staff_page.locator(".messagelist")
    expect(messages).to_contain_text("Matched: payment settled: 1")
    expect(messages).to_contain_text("No payment reference in the description: 1")

    # The upload lands on the statement's page: both lines with what became of them.
    matched = staff_page.get_by_role("row").filter(has_text="FT25329900017")
    expect(matched).to_contain_text("matched: payment settled")
    expect(matched).to_contain_text(payment.reference)
    other = staff_page.get_by_role("row").filter(has_text="FT25329884411")
    expect(other).to_contain_text("no payment reference in the description")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.transaction_no == "FT25329900017"
    invoice = payment.items.get().invoice
    assert (invoice.status, invoice.paid_channel) == (Invoice.Status.PAID, VIETQR)
    line = StatementLine.objects.get(bank_transaction_id="FT25329900017")
    assert (line.result, line.payment) == (StatementLine.Result.MATCHED, payment)

    # From the line to the payment's page: paid, by that bank transaction.
    matched.get_by_role("link", name=payment.reference).click()
    expect(staff_page).to_have_url(re.compile(rf"/staff/payments/payment/{payment.pk}/change/"))
    expect(staff_page.locator(".field-status")).to_contain_text("paid")
    expect(staff_page.locator(".field-transaction_no")).to_contain_text("FT25329900017")


def test_a_unit_administrator_refunds_a_vnpay_payment_in_full(
    staff_page: Page, log_in, live_server, settings
):
    settings.VNPAY_API_URL = f"{live_server.url}{MERCHANT_API}"
    units = factories.unit_tree()
    home = household(months=(date(2026, 10, 1),))
    payment = start(home)
    client = Client()
    pay_in_sandbox(client, open_in_sandbox(client, payment), delivery="none")
    assert pay(client, payment)["RspCode"] == "00"
    admin = factories.account(is_staff=True, language="en", full_name="Admin PE01")
    admin.groups.add(Group.objects.get(name=roles.UNIT_ADMIN))
    StaffMembership.objects.create(user=admin, unit=units["PE01"])

    log_in(staff_page, admin)
    staff_page.goto(f"/staff/payments/payment/{payment.pk}/change/")
    staff_page.get_by_label("Amount to refund (VND)").fill(str(payment.amount))
    staff_page.get_by_label("Reason").fill("Khách hàng thanh toán trùng tại quầy")
    staff_page.get_by_role("button", name="Ask the gateway to refund").click()

    expect(staff_page.locator(".messagelist")).to_contain_text("The gateway accepted the refund.")
    refunds = staff_page.locator("#refunds-group")
    expect(refunds).to_contain_text("Khách hàng thanh toán trùng tại quầy")
    expect(refunds).to_contain_text("accepted by the gateway")
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("REFUNDED", payment.amount)
    (bill,) = home.refreshed()
    assert (bill.status, bill.paid_amount) == (Invoice.Status.UNPAID, 0)
