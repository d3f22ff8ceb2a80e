"""Payments in the back-office: staff see the payments of their unit's customers; a unit
administrator refunds a VNPay payment through the gateway (the VNPay sandbox, reached
through the `transport` fixture), uploads bank statements on its unit's collecting
accounts and works through their lines; customer service only looks."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from cskh.billing.models import Invoice
from cskh.payments import gateways, services
from cskh.payments.models import (
    CollectingAccount,
    Payment,
    PaymentInvoice,
    Refund,
    Statement,
    StatementLine,
)
from cskh.payments.sandbox.models import Transaction
from cskh.staff import roles
from cskh.staff.models import StaffMembership
from tests import factories
from tests.payments.helpers import (
    MERCHANT_API,
    Household,
    household,
    open_in_sandbox,
    paid_in_sandbox,
    pay,
    pay_in_sandbox,
    start,
)

pytestmark = pytest.mark.django_db

PAYMENTS = "/staff/payments/payment/"
STATEMENTS = "/staff/payments/statement/"
LINES = "/staff/payments/statementline/"
ACCOUNTS = "/staff/payments/collectingaccount/"
VIETQR = gateways.VietQR.channel  # what an invoice says it was paid through


def staff(unit, role=roles.UNIT_ADMIN):
    user = factories.account(is_staff=True, language="en")
    user.groups.add(Group.objects.get(name=role))
    StaffMembership.objects.create(user=user, unit=unit)
    return user


def shown(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def refund_url(payment: Payment) -> str:
    return f"{PAYMENTS}{payment.pk}/refund/"


@pytest.fixture
def home(units) -> Household:
    return household()


@pytest.fixture
def paid(client, home, transport) -> Payment:
    """The household paid both invoices (1,100,000 VND) by VNPay, through the sandbox."""
    return paid_in_sandbox(client, start(home), transport)


def assert_unchanged(payment: Payment, home: Household) -> None:
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (Payment.Status.PAID, 0)
    assert not Refund.objects.exists()
    for invoice in home.refreshed():
        assert (invoice.status, invoice.paid_amount) == (Invoice.Status.PAID, invoice.total)


# who sees which payments


def test_staff_see_only_the_payments_of_their_units_customers(client, units):
    ours, theirs = start(household()), start(household(unit_code="PD0100"))

    client.force_login(staff(units["PE01"], roles.CUSTOMER_SERVICE))
    assert list(client.get(PAYMENTS).context["cl"].result_list) == [ours]
    assert client.get(f"{PAYMENTS}{ours.pk}/change/").status_code == 200
    assert client.get(f"{PAYMENTS}{theirs.pk}/change/").status_code == 302  # not found
    code = theirs.items.first().invoice.customer.code
    assert client.get(PAYMENTS, {"q": code}).context["cl"].result_count == 0

    client.force_login(staff(units["PD01"], roles.CUSTOMER_SERVICE))
    assert list(client.get(PAYMENTS).context["cl"].result_list) == [theirs]

    client.force_login(staff(units["EVN"], roles.CUSTOMER_SERVICE))
    assert client.get(PAYMENTS).context["cl"].result_count == 2


def test_a_payment_of_several_invoices_is_listed_once(client, units):
    payment = start(household())
    assert payment.items.count() == 2

    client.force_login(staff(units["PE01"], roles.CUSTOMER_SERVICE))

    assert list(client.get(PAYMENTS).context["cl"].result_list) == [payment]


def test_customer_service_sees_a_payment_but_cannot_refund_it(client, units, paid, home):
    client.force_login(staff(units["PE01"], roles.CUSTOMER_SERVICE))

    page = client.get(f"{PAYMENTS}{paid.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert paid.reference in html and paid.transaction_no in html
    assert "refund_form" not in page.context
    assert "Refund through the gateway" not in html and refund_url(paid) not in html

    response = client.post(refund_url(paid), {"amount": paid.amount, "reason": "Trùng"})

    assert response.status_code == 403
    assert_unchanged(paid, home)


# refunds


def test_a_unit_administrator_refunds_a_payment_in_full(client, units, paid, home, transport):
    admin = staff(units["PE01"])
    client.force_login(admin)
    page = client.get(f"{PAYMENTS}{paid.pk}/change/")
    assert "Refund through the gateway" in page.content.decode()
    assert page.context["refund_form"].initial == {"amount": 1_100_000}

    response = client.post(
        refund_url(paid), {"amount": "1100000", "reason": "Khách thanh toán trùng"}, follow=True
    )

    assert response.redirect_chain == [(f"{PAYMENTS}{paid.pk}/change/", 302)]
    assert shown(response) == ["The gateway accepted the refund."]
    assert transport.calls == [MERCHANT_API]
    record = Refund.objects.get()
    assert (record.status, record.amount, record.full) == (Refund.Status.DONE, 1_100_000, True)
    assert (record.created_by, record.reason, record.response_code) == (
        admin,
        "Khách thanh toán trùng",
        "00",
    )
    paid.refresh_from_db()
    assert (paid.status, paid.refunded_amount) == (Payment.Status.REFUNDED, 1_100_000)
    assert not PaymentInvoice.objects.filter(payment=paid, holds=True).exists()
    for invoice in home.refreshed():
        assert invoice.status == Invoice.Status.UNPAID
    assert Transaction.objects.get(txn_ref=paid.reference).refunded == 1_100_000 * 100
    entry = LogEntry.objects.get(object_id=str(paid.pk))
    assert (entry.user, entry.change_message) == (admin, "Refund 1100000: DONE")
    # the page now lists the refund and offers no other
    assert "refund_form" not in response.context
    assert "Khách thanh toán trùng" in response.content.decode()


def test_a_full_refund_makes_the_invoices_due_again(client, units, paid, home):
    client.force_login(staff(units["PE01"]))
    client.post(refund_url(paid), {"amount": "1100000", "reason": "Khách thanh toán trùng"})

    for invoice in home.refreshed():
        assert (invoice.status, invoice.paid_amount) == (Invoice.Status.UNPAID, 0)
        assert (invoice.paid_at, invoice.paid_channel) == (None, "")
        assert invoice.due == invoice.total
    assert start(home).amount == paid.amount  # and can be paid again


def test_a_partial_refund_leaves_the_payment_and_its_invoices_paid(client, units, paid, home):
    client.force_login(staff(units["PE01"]))

    response = client.post(
        refund_url(paid), {"amount": "100000", "reason": "Giảm trừ"}, follow=True
    )

    assert shown(response) == ["The gateway accepted the refund."]
    record = Refund.objects.get()
    assert (record.status, record.amount, record.full) == (Refund.Status.DONE, 100_000, False)
    paid.refresh_from_db()
    assert (paid.status, paid.refunded_amount, paid.refundable) == (
        Payment.Status.PAID,
        100_000,
        1_000_000,
    )
    for invoice in home.refreshed():
        assert (invoice.status, invoice.paid_amount) == (Invoice.Status.PAID, invoice.total)
    assert response.context["refund_form"].initial == {"amount": 1_000_000}  # what is left


def test_more_than_is_left_is_refused_before_asking_the_gateway(
    client, units, paid, home, transport
):
    client.force_login(staff(units["PE01"]))

    response = client.post(refund_url(paid), {"amount": "1100001", "reason": "Trùng"}, follow=True)

    assert shown(response) == ["A refund must be between 1 and 1,100,000 VND."]
    assert transport.calls == []
    assert_unchanged(paid, home)


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({}, ["Enter the amount to refund.", "Say why the money is refunded."]),
        ({"amount": "abc", "reason": "Trùng"}, ["Enter a whole number of VND."]),
        ({"amount": "0", "reason": "Trùng"}, ["Enter a whole number of VND."]),
        ({"amount": "-100", "reason": "Trùng"}, ["Enter a whole number of VND."]),
        ({"amount": "1000.5", "reason": "Trùng"}, ["Enter a whole number of VND."]),
        ({"amount": "1000"}, ["Say why the money is refunded."]),
        ({"amount": "1000", "reason": "   "}, ["Say why the money is refunded."]),
    ],
    ids=["empty", "abc", "zero", "negative", "fraction", "no-reason", "blank-reason"],
)
def test_bad_refund_input_is_refused(client, units, paid, home, transport, data, messages):
    client.force_login(staff(units["PE01"]))

    response = client.post(refund_url(paid), data, follow=True)

    assert shown(response) == messages
    assert transport.calls == []
    assert_unchanged(paid, home)


def test_a_refund_the_gateway_refuses_is_kept_as_refused(client, units, home, transport):
    payment = start(home)
    assert pay(client, payment)["RspCode"] == "00"  # the sandbox does not know this transaction
    payment.refresh_from_db()
    admin = staff(units["PE01"])
    client.force_login(admin)

    response = client.post(
        refund_url(payment), {"amount": str(payment.amount), "reason": "Trùng"}, follow=True
    )

    assert shown(response) == ["The gateway refused the refund (code 91)."]
    record = Refund.objects.get()
    assert (record.status, record.response_code, record.created_by) == (
        Refund.Status.REJECTED,
        "91",
        admin,
    )
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (Payment.Status.PAID, 0)
    for invoice in home.refreshed():
        assert invoice.status == Invoice.Status.PAID


def test_a_payment_paid_too_late_is_refunded_without_touching_the_invoices(
    client, units, home, transport
):
    late = start(home)
    txn = open_in_sandbox(client, late)  # the payer is on VNPay's page...
    assert services.expire(payment_id=late.pk, now=late.expires_at + timedelta(seconds=1))
    other = start(home)  # ...while the invoices go into another payment
    pay_in_sandbox(client, txn)
    late.refresh_from_db()
    assert (late.status, late.refundable) == (Payment.Status.REFUND_DUE, late.amount)
    client.force_login(staff(units["PE01"]))

    response = client.post(
        refund_url(late), {"amount": str(late.amount), "reason": "Thanh toán quá hạn"}, follow=True
    )

    assert shown(response) == ["The gateway accepted the refund."]
    late.refresh_from_db()
    assert (late.status, late.refunded_amount) == (Payment.Status.REFUNDED, late.amount)
    assert Refund.objects.get().full
    for invoice in home.refreshed():  # still held by the other payment
        assert (invoice.status, invoice.paid_amount) == (Invoice.Status.PENDING, 0)
    assert PaymentInvoice.objects.filter(payment=other, holds=True).count() == 2


def test_another_units_payment_cannot_be_refunded(client, units, paid, home, transport):
    client.force_login(staff(units["PD01"]))

    assert client.get(refund_url(paid)).status_code == 404
    response = client.post(refund_url(paid), {"amount": "1100000", "reason": "Trùng"})

    assert response.status_code == 404
    assert transport.calls == []
    assert_unchanged(paid, home)


def test_a_get_of_the_refund_url_only_goes_back_to_the_payment(client, units, paid, home):
    client.force_login(staff(units["PE01"]))

    response = client.get(refund_url(paid), {"amount": "1100000", "reason": "Trùng"})

    assert (response.status_code, response.url) == (302, f"{PAYMENTS}{paid.pk}/change/")
    assert_unchanged(paid, home)


def test_a_vietqr_payment_is_refunded_outside_the_app(client, units, home):
    hcmc = factories.collecting_account("EVNHCMC")
    payment = start(home, method="VIETQR")
    upload_statement(client, staff(units["EVNHCMC"]), hcmc, statement_for(payment))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID

    response = client.post(refund_url(payment), {"amount": str(payment.amount), "reason": "Trùng"})

    assert response.status_code == 403  # no gateway to ask: refunded by bank transfer
    assert not Refund.objects.exists()
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (Payment.Status.PAID, 0)


def test_a_vietqr_payment_page_offers_no_refund_through_the_gateway(client, units, home):
    hcmc = factories.collecting_account("EVNHCMC")
    payment = start(home, method="VIETQR")
    upload_statement(client, staff(units["EVNHCMC"]), hcmc, statement_for(payment))

    page = client.get(f"{PAYMENTS}{payment.pk}/change/")

    assert "Refund through the gateway" not in page.content.decode()


# bank statements


def statement_for(*payments: Payment, extra: str = "") -> bytes:
    lines = ["booked_at,bank_transaction_id,amount,description"]
    for n, payment in enumerate(payments, start=1):
        lines.append(
            f"2025-11-25 10:{n:02d},FT{n:05d},{payment.amount},TIEN DIEN {payment.reference}"
        )
    return ("\r\n".join(lines) + "\r\n" + extra).encode()


def upload_statement(client, user, account, data: bytes, name: str = "sao-ke.csv"):
    client.force_login(user)
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(f"{STATEMENTS}add/", {"account": account.pk, "file": upload}, follow=True)


@pytest.fixture
def hcmc(units) -> CollectingAccount:
    return factories.collecting_account("EVNHCMC")


@pytest.fixture
def hanoi(units) -> CollectingAccount:
    return factories.collecting_account(
        "EVNHANOI", bank_bin="970415", bank_name="VietinBank", account_number="1140000999"
    )


def test_an_uploaded_statement_lists_its_lines_and_settles_the_payment(client, units, hcmc):
    home = household()
    payment = start(home, method="VIETQR")
    admin = staff(units["EVNHCMC"])

    response = upload_statement(
        client,
        admin,
        hcmc,
        statement_for(payment, extra="2025-11-25 11:00,FT00099,200000,LUONG THANG 11\r\n"),
    )

    statement = Statement.objects.get()
    assert response.redirect_chain == [(f"{STATEMENTS}{statement.pk}/change/", 302)]
    assert shown(response) == [
        "matched: payment settled: 1",
        "no payment reference in the description: 1",
    ]
    assert (statement.account, statement.file_name, statement.uploaded_by) == (
        hcmc,
        "sao-ke.csv",
        admin,
    )
    assert client.get(STATEMENTS).context["cl"].result_list[0] == statement

    html = response.content.decode()  # the uploaded statement's own page
    assert "FT00001" in html and "matched: payment settled" in html
    assert "FT00099" in html and "no payment reference in the description" in html
    assert payment.reference in html
    assert 'name="_save"' not in html  # a statement is not changed after its upload
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    for invoice in home.refreshed():
        assert (invoice.status, invoice.paid_channel) == (Invoice.Status.PAID, VIETQR)


def test_a_bad_statement_shows_its_errors_and_writes_nothing(client, units, hcmc):
    payment = start(household(), method="VIETQR")
    data = statement_for(payment, extra="25/11/2025 11:00,FT00099,12.000,LUONG\r\n")

    response = upload_statement(client, staff(units["EVNHCMC"]), hcmc, data)

    assert response.status_code == 200 and response.redirect_chain == []
    html = response.content.decode()
    assert "Line 3: the time must be YYYY-MM-DD HH:MM." in html
    assert not Statement.objects.exists() and not StatementLine.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_statement_needs_a_file(client, units, hcmc):
    client.force_login(staff(units["EVNHCMC"]))

    response = client.post(f"{STATEMENTS}add/", {"account": hcmc.pk})

    assert response.context["adminform"].form.errors == {"file": ["Choose the statement file."]}
    assert not Statement.objects.exists()


def test_a_statement_goes_only_on_ones_own_units_accounts(client, units, hcmc, hanoi):
    payment = start(household(unit_code="PD0100"), method="VIETQR")
    admin = staff(units["EVNHCMC"])
    client.force_login(admin)
    form = client.get(f"{STATEMENTS}add/").context["adminform"].form
    assert list(form.fields["account"].queryset) == [hcmc]

    response = upload_statement(client, admin, hanoi, statement_for(payment))

    assert "account" in response.context["adminform"].form.errors
    assert "Select a valid choice" in response.content.decode()
    assert not Statement.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING

    # a company's administrator does not see its corporation's account
    client.force_login(staff(units["PE01"]))
    form = client.get(f"{STATEMENTS}add/").context["adminform"].form
    assert list(form.fields["account"].queryset) == []


def test_customer_service_cannot_upload_statements(client, units, hcmc):
    client.force_login(staff(units["EVNHCMC"], roles.CUSTOMER_SERVICE))

    assert client.get(f"{STATEMENTS}add/").status_code == 403
    assert client.get(LINES).status_code == 403
    assert client.get(ACCOUNTS).status_code == 403


def test_statements_and_their_lines_are_scoped_and_filterable(client, units, hcmc, hanoi):
    ours = start(household(), method="VIETQR")
    theirs = start(household(unit_code="PD0100"), method="VIETQR")
    no_reference = "2025-11-25 12:00,FT00077,500000,CHUYEN KHOAN\r\n"
    upload_statement(client, staff(units["EVNHANOI"]), hanoi, statement_for(theirs))
    upload_statement(client, staff(units["EVNHCMC"]), hcmc, statement_for(ours, extra=no_reference))

    everything = client.get(LINES).context["cl"]
    assert everything.result_count == 2
    assert {line.statement.account for line in everything.result_list} == {hcmc}
    matched = client.get(LINES, {"result": "MATCHED"}).context["cl"].result_list
    assert [(line.bank_transaction_id, line.payment) for line in matched] == [("FT00001", ours)]
    unmatched = client.get(LINES, {"result": "NO_REFERENCE"}).context["cl"].result_list
    assert [line.bank_transaction_id for line in unmatched] == ["FT00077"]
    assert client.get(LINES, {"result": "TWICE"}).context["cl"].result_count == 0
    assert client.get(LINES, {"q": "FT00077"}).context["cl"].result_count == 1
    assert client.get(STATEMENTS).context["cl"].result_count == 1
    theirs_statement = Statement.objects.get(account=hanoi)
    assert client.get(f"{STATEMENTS}{theirs_statement.pk}/change/").status_code == 302


def test_collecting_accounts_are_scoped_to_the_unit(client, units, hcmc, hanoi):
    admin = staff(units["EVNHCMC"])
    client.force_login(admin)

    assert list(client.get(ACCOUNTS).context["cl"].result_list) == [hcmc]
    assert client.get(f"{ACCOUNTS}{hanoi.pk}/change/").status_code == 302
    form = client.get(f"{ACCOUNTS}add/").context["adminform"].form
    assert {unit.code for unit in form.fields["unit"].queryset} == {
        "EVNHCMC",
        "PE01",
        "PE0100",
    }
    new = {
        "bank_bin": "970418",
        "bank_name": "BIDV",
        "account_number": "3100000123",
        "account_name": "CONG TY DIEN LUC PE01",
        "valid_from": "2026-01-01",
    }

    refused = client.post(f"{ACCOUNTS}add/", new | {"unit": units["EVNHANOI"].pk})
    assert "unit" in refused.context["adminform"].form.errors
    assert CollectingAccount.objects.count() == 2

    created = client.post(f"{ACCOUNTS}add/", new | {"unit": units["PE01"].pk})
    assert created.status_code == 302
    account = CollectingAccount.objects.get(bank_bin="970418")
    assert account.unit == units["PE01"]
    assert {row.pk for row in client.get(ACCOUNTS).context["cl"].result_list} == {
        hcmc.pk,
        account.pk,
    }

    client.force_login(staff(units["PE01"]))
    assert list(client.get(ACCOUNTS).context["cl"].result_list) == [account]
