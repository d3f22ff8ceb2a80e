"""Shared by the payment tests (tests/payments/ and tests/staff/test_payments_admin.py): a
household with unpaid invoices and a payment of them, VNPay's IPN signed as VNPay signs it,
the sandbox's payment page, and what the payer is told. (The `transport` fixture, which
sends the payments code's HTTP calls to the test client, is in tests/conftest.py.)"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from cskh.billing.models import Invoice
from cskh.notifications.models import Category, Notice
from cskh.payments import services, vnpay
from cskh.payments.models import Callback, Payment
from cskh.payments.sandbox.models import Transaction
from tests import factories

IPN = "/api/v1/payments/vnpay/ipn"
RETURN_URL = "http://testserver/payments/vnpay/return"
SANDBOX_PAY = "/sandbox/vnpay/paymentv2/vpcpay.html"
MERCHANT_API = "/sandbox/vnpay/merchant_webapi/api/transaction"  # querydr and refund


# a household and its payments


@dataclass
class Household:
    account: object
    customer: object
    invoices: list[Invoice]

    @property
    def total(self) -> int:
        return sum(invoice.total for invoice in self.invoices)

    def refreshed(self) -> list[Invoice]:
        """The invoices, read again from the database."""
        for invoice in self.invoices:
            invoice.refresh_from_db()
        return self.invoices


def household(
    *,
    months=(date(2026, 9, 1), date(2026, 10, 1)),
    total: int = 550_000,
    language="en",
    unit_code: str = "PE0100",
) -> Household:
    """An account (English by default) owning one customer code of `unit_code` with an
    unpaid invoice of `total` for each of `months`."""
    account = factories.account(language=language)
    customer = factories.customer(unit_code=unit_code)
    factories.link(account, customer)
    invoices = [factories.invoice(customer, month=month, total=total) for month in months]
    return Household(account, customer, invoices)


def start(
    home: Household, *, invoices=None, method: str = "VNPAY", now=None, locale: str = "vi"
) -> Payment:
    """A payment (VNPay by default) of the household's invoices (all of them by default)."""
    return services.start(
        account=home.account,
        invoice_ids=[invoice.pk for invoice in (invoices or home.invoices)],
        method=method,
        now=now or timezone.now(),
        ip="127.0.0.1",
        locale=locale,
    )


def bill_notices(account) -> list[Notice]:
    """The notices about bills the account was sent, oldest first."""
    return list(Notice.objects.filter(account=account, category=Category.BILL).order_by("pk"))


def assert_untouched(payment: Payment, home: Household) -> None:
    """Still waiting for the gateway's word: nothing recorded, the invoices held by it."""
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert (payment.transaction_no, payment.bank_code, payment.result_code) == ("", "", "")
    assert payment.settled_at is None
    assert not Callback.objects.filter(payment=payment).exists()
    for invoice in home.refreshed():
        assert invoice.status == Invoice.Status.PENDING
        assert invoice.paid_amount == 0
    assert bill_notices(home.account) == []


# VNPay's IPN


def ipn_query(
    payment: Payment,
    *,
    response_code: str = "00",
    status: str | None = None,
    amount: int | None = None,
    transaction_no: str | None = None,
    bank_code: str = "NCB",
    **changes: str,
) -> dict[str, str]:
    """The query VNPay sends to the IPN (and the Return URL) about `payment`, signed with
    the merchant's secret: paid when `response_code` is "00". The transaction number is
    14,000,000 + the payment's id unless given; a change given as "" leaves that parameter
    out."""
    if status is None:
        status = "00" if response_code == "00" else "02"
    if transaction_no is None:
        transaction_no = str(14_000_000 + payment.pk)
    params = {
        "vnp_TmnCode": settings.VNPAY_TMN_CODE,
        "vnp_Amount": str((payment.amount if amount is None else amount) * 100),
        "vnp_BankCode": bank_code,
        "vnp_BankTranNo": f"VNP{transaction_no}" if response_code == "00" else "",
        "vnp_CardType": "ATM",
        "vnp_PayDate": vnpay.vn_time(timezone.now()),
        "vnp_OrderInfo": f"Thanh toan hoa don tien dien {payment.reference}",
        "vnp_TransactionNo": transaction_no,
        "vnp_ResponseCode": response_code,
        "vnp_TransactionStatus": status,
        "vnp_TxnRef": payment.reference,
    } | changes
    params = {key: value for key, value in params.items() if value}
    return params | {"vnp_SecureHash": vnpay.sign(params, secret=settings.VNPAY_HASH_SECRET)}


def send_ipn(client, query: dict[str, str]) -> dict:
    """Deliver `query` to the IPN; VNPay's answer ({"RspCode", "Message"})."""
    response = client.get(IPN, query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def pay(client, payment: Payment, response_code: str = "00") -> dict:
    """Deliver VNPay's IPN for `payment` (paid when `response_code` is "00"); the answer."""
    return send_ipn(client, ipn_query(payment, response_code=response_code))


# the sandbox's payment page


def open_in_sandbox(client, payment: Payment) -> Transaction:
    """The customer follows the payment URL to the sandbox's payment page."""
    url = services.redirect_url(
        payment, return_url=RETURN_URL, page_url=f"http://testserver/payments/{payment.pk}/"
    )
    assert urlsplit(url).path == SANDBOX_PAY
    response = client.get(url)
    assert response.status_code == 200, response.content
    return Transaction.objects.get(txn_ref=payment.reference)


def pay_in_sandbox(client, txn: Transaction, *, outcome="00", delivery="normal"):
    """The customer chooses an outcome on the sandbox's page; VNPay then redirects the
    browser to the Return URL (the response returned)."""
    response = client.post(
        SANDBOX_PAY, {"transaction": txn.pk, "outcome": outcome, "delivery": delivery}
    )
    assert response.status_code == 302, response.content
    assert response.url.startswith(RETURN_URL + "?")
    return response


def paid_in_sandbox(client, payment: Payment, transport) -> Payment:
    """The customer pays on the sandbox's page and the sandbox's IPN (through `transport`,
    the fixture) settles the payment; the payment, paid. The calls made on the way are
    forgotten, so that a test counts only its own."""
    pay_in_sandbox(client, open_in_sandbox(client, payment))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    transport.calls.clear()
    return payment


# pages


def html_of(response, status: int = 200) -> str:
    assert response.status_code == status, response.content[:2000]
    return response.content.decode()
