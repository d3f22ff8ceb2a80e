"""VNPay's IPN through GET /api/v1/payments/vnpay/ipn, checked in the protocol's order:
signature (97) → order (01) → amount (04) → still open (02) → recorded (00), anything
unexpected 99. A recorded success pays the invoices once and tells the payer; a failure
frees them; a word arriving late is still taken (or kept for a refund when the invoices
went to another payment); a crash leaves nothing half-written and VNPay's retry settles it.
(The household, its payment and the signed IPN come from tests/payments/helpers.py.)"""

from datetime import date, timedelta

import pytest

from cskh.billing.models import Invoice
from cskh.payments import services, vnpay
from cskh.payments.models import Callback, Payment, PaymentInvoice
from tests.helpers import token_for
from tests.payments.helpers import (
    Household,
    assert_untouched,
    bill_notices,
    household,
    ipn_query,
    send_ipn,
    start,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def home() -> Household:
    return household()


# a success


def test_a_success_pays_the_payment_and_its_invoices(client, home):
    payment = start(home)
    assert payment.amount == home.total == 1_100_000

    answer = send_ipn(client, ipn_query(payment, transaction_no="14000777", bank_code="NCB"))

    assert answer == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert (payment.transaction_no, payment.bank_code, payment.result_code) == (
        "14000777",
        "NCB",
        "00",
    )
    assert payment.settled_at is not None
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
        assert invoice.paid_amount == invoice.total
        assert invoice.paid_at == payment.settled_at
        assert invoice.paid_channel == "VNPay"  # as the invoice shows it
    (callback,) = Callback.objects.filter(payment=payment)
    assert (callback.gateway, callback.reference, callback.source, callback.outcome) == (
        "VNPAY",
        payment.reference,
        "IPN",
        "PAID",
    )


def test_a_success_tells_the_payer_once(client, home):
    payment = start(home)

    send_ipn(client, ipn_query(payment))

    (notice,) = bill_notices(home.account)
    code = home.customer.code
    assert notice.title_en == "Invoices paid"
    assert notice.body_en == (
        f"Paid {code} for 09/2026, {code} for 10/2026: 1,100,000 VND through VNPay, "
        f"payment {payment.reference}."
    )
    assert notice.title_vi  # the Vietnamese text exists (its catalog entry may lag)
    assert notice.link == f"/payments/{payment.pk}/"
    assert notice.publish_at is not None


def test_one_invoice_paid_is_told_in_the_singular(client):
    home = household(months=(date(2026, 10, 1),))
    payment = start(home)

    send_ipn(client, ipn_query(payment))

    (notice,) = bill_notices(home.account)
    assert notice.title_en == "Invoice paid"
    assert "550,000 VND" in notice.body_en


def test_the_payer_sees_the_paid_payment_in_the_api(client, api, home):
    payment = start(home)
    send_ipn(client, ipn_query(payment, transaction_no="14000778"))

    body = api.get(f"/payments/{payment.pk}", token=token_for(home.account)).json()
    assert body["status"] == "PAID"
    assert body["transaction_no"] == "14000778"
    assert body["receipt_url"].endswith(f"/api/v1/payments/{payment.pk}/receipt")
    invoices = api.get("/invoices", token=token_for(home.account)).json()
    assert {row["status"] for row in invoices} == {"PAID"}


# a failure


@pytest.mark.parametrize("response_code", ["51", "24", "11"])
def test_a_failure_frees_the_invoices_to_be_paid_again(client, home, response_code):
    payment = start(home)

    answer = send_ipn(client, ipn_query(payment, response_code=response_code))

    assert answer == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert payment.result_code == response_code
    assert payment.settled_at is None
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.UNPAID
        assert invoice.paid_amount == 0
        assert invoice.payable
    assert not PaymentInvoice.objects.filter(payment=payment, holds=True).exists()
    assert Callback.objects.get(payment=payment).outcome == "FAILED"
    assert bill_notices(home.account) == []
    again = start(home)
    assert again.status == Payment.Status.PENDING and again.amount == payment.amount


def test_a_response_code_00_without_a_successful_status_is_a_failure(client, home):
    payment = start(home)

    assert send_ipn(client, ipn_query(payment, response_code="00", status="02"))["RspCode"] == "00"

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    home.invoices[0].refresh_from_db()
    assert home.invoices[0].status == Invoice.Status.UNPAID


# refused words: nothing changes


def test_a_forged_signature_is_refused_and_changes_nothing(client, home):
    payment = start(home)
    forged = ipn_query(payment)
    forged["vnp_SecureHash"] = vnpay.sign(
        {k: v for k, v in forged.items() if k != "vnp_SecureHash"}, secret="NOT-THE-SECRET"
    )

    answer = send_ipn(client, forged)

    assert answer == {"RspCode": "97", "Message": "Invalid signature"}
    assert_untouched(payment, home)


def test_a_changed_parameter_breaks_the_signature(client, home):
    payment = start(home)
    query = ipn_query(payment, response_code="24")
    query["vnp_ResponseCode"] = "00"
    query["vnp_TransactionStatus"] = "00"

    assert send_ipn(client, query)["RspCode"] == "97"
    assert_untouched(payment, home)


def test_a_forged_signature_is_refused_before_anything_else(client):
    query = {"vnp_TxnRef": "EVN000000NOSUCH", "vnp_Amount": "100", "vnp_SecureHash": "00" * 64}

    assert send_ipn(client, query)["RspCode"] == "97"


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"foo": "bar"},
        {"vnp_SecureHash": "zzz"},
        {"vnp_TxnRef": "EVN", "vnp_SecureHash": ""},
        {"vnp_TxnRef": "<script>", "vnp_Amount": "-1"},
    ],
    ids=["nothing", "garbage", "bad-hash", "empty-hash", "no-hash"],
)
def test_garbage_or_missing_parameters_are_invalid_signatures(client, home, query):
    payment = start(home)

    assert send_ipn(client, query) == {"RspCode": "97", "Message": "Invalid signature"}
    assert_untouched(payment, home)


def test_an_unknown_reference_is_order_not_found(client, home):
    payment = start(home)
    query = ipn_query(payment, vnp_TxnRef="EVN991231ZZZZZZ")

    assert send_ipn(client, query) == {"RspCode": "01", "Message": "Order not found"}
    assert_untouched(payment, home)


def test_a_different_amount_is_refused_and_changes_nothing(client, home):
    payment = start(home)

    answer = send_ipn(client, ipn_query(payment, amount=payment.amount - 1))

    assert answer == {"RspCode": "04", "Message": "Invalid amount"}
    assert_untouched(payment, home)


def test_a_signed_ipn_without_an_amount_is_an_unexpected_error(client, home):
    """Signed by VNPay but malformed: 99, which VNPay retries; nothing is recorded."""
    payment = start(home)

    assert send_ipn(client, ipn_query(payment, vnp_Amount=""))["RspCode"] == "99"
    assert_untouched(payment, home)


# the word is taken once


def test_the_same_ipn_repeated_is_already_confirmed(client, home):
    payment = start(home)
    query = ipn_query(payment)
    assert send_ipn(client, query)["RspCode"] == "00"
    payment.refresh_from_db()
    settled_at = payment.settled_at

    for _ in range(2):
        assert send_ipn(client, query) == {"RspCode": "02", "Message": "Order already confirmed"}

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.settled_at == settled_at
    assert Callback.objects.filter(payment=payment).count() == 1
    assert len(bill_notices(home.account)) == 1
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.paid_amount == invoice.total


def test_a_different_word_after_a_success_changes_nothing(client, home):
    payment = start(home)
    assert send_ipn(client, ipn_query(payment, transaction_no="14000001"))["RspCode"] == "00"

    failure = ipn_query(payment, response_code="24", transaction_no="14000002")
    assert send_ipn(client, failure) == {"RspCode": "02", "Message": "Order already confirmed"}

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert (payment.transaction_no, payment.result_code) == ("14000001", "00")
    assert Callback.objects.filter(payment=payment).count() == 1
    assert len(bill_notices(home.account)) == 1
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID


def test_a_success_after_a_failure_changes_nothing(client, home):
    payment = start(home)
    assert send_ipn(client, ipn_query(payment, response_code="51"))["RspCode"] == "00"

    assert send_ipn(client, ipn_query(payment))["RspCode"] == "02"

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.UNPAID
    assert bill_notices(home.account) == []


def test_the_amount_is_checked_before_the_order_state(client, home):
    payment = start(home)
    send_ipn(client, ipn_query(payment))

    assert send_ipn(client, ipn_query(payment, amount=1))["RspCode"] == "04"


# a word arriving after the payment expired here


def test_a_success_after_expiry_still_pays_free_invoices(client, home):
    payment = start(home)
    later = payment.expires_at + timedelta(minutes=1)
    assert services.expire(payment_id=payment.pk, now=later)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.EXPIRED
    home.invoices[0].refresh_from_db()
    assert home.invoices[0].status == Invoice.Status.UNPAID

    assert send_ipn(client, ipn_query(payment))["RspCode"] == "00"

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert PaymentInvoice.objects.filter(payment=payment, holds=True).count() == 2
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
        assert invoice.paid_amount == invoice.total
    assert len(bill_notices(home.account)) == 1


def test_a_success_after_expiry_when_another_payment_took_the_invoices_is_to_be_refunded(
    client, home
):
    late = start(home)
    later = late.expires_at + timedelta(minutes=1)
    services.expire(payment_id=late.pk, now=later)
    second = start(home, now=later)

    assert send_ipn(client, ipn_query(late))["RspCode"] == "00"

    late.refresh_from_db()
    assert late.status == Payment.Status.REFUND_DUE
    assert late.refundable == late.amount
    assert late.settled_at is not None
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PENDING
        assert invoice.paid_amount == 0
        assert PaymentInvoice.objects.get(invoice=invoice, holds=True).payment == second
    (notice,) = bill_notices(home.account)  # told that the money will be refunded
    assert notice.title_en == "Payment received too late"
    assert "EVN will refund it to you." in notice.body_en

    assert send_ipn(client, ipn_query(second, transaction_no="14000002"))["RspCode"] == "00"
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
        assert invoice.paid_amount == invoice.total  # paid once, not twice
    late.refresh_from_db()
    assert late.status == Payment.Status.REFUND_DUE


def test_a_success_after_expiry_on_an_invoice_partly_paid_meanwhile_is_not_counted_twice(
    client,
):
    home = household(months=(date(2026, 10, 1),))
    (invoice,) = home.invoices
    late = start(home)
    services.expire(payment_id=late.pk, now=late.expires_at + timedelta(minutes=1))
    invoice.refresh_from_db()
    invoice.paid_amount, invoice.status = 100_000, Invoice.Status.PARTIALLY_PAID  # at a counter
    invoice.save()

    assert send_ipn(client, ipn_query(late))["RspCode"] == "00"

    invoice.refresh_from_db()
    assert invoice.paid_amount <= invoice.total
    late.refresh_from_db()
    assert late.status == Payment.Status.REFUND_DUE


def test_a_failure_after_expiry_leaves_the_next_payments_invoices_alone(client, home):
    late = start(home)
    later = late.expires_at + timedelta(minutes=1)
    services.expire(payment_id=late.pk, now=later)
    second = start(home, now=later)

    assert send_ipn(client, ipn_query(late, response_code="24"))["RspCode"] == "00"

    late.refresh_from_db()
    assert late.status == Payment.Status.FAILED
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PENDING
        assert PaymentInvoice.objects.get(invoice=invoice, holds=True).payment == second


# a crash while recording


def test_a_crash_while_recording_answers_99_and_writes_nothing(client, home, monkeypatch):
    payment = start(home)

    def crash(payment, *, now):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_settle", crash)
    query = ipn_query(payment)

    assert send_ipn(client, query) == {"RspCode": "99", "Message": "Unknown error"}
    assert_untouched(payment, home)


def test_crash_between_gateway_success_and_our_commit_the_retry_settles_it(
    client, home, monkeypatch
):
    payment = start(home)
    query = ipn_query(payment)
    with monkeypatch.context() as patched:
        patched.setattr(services, "_settle", lambda payment, *, now: 1 / 0)
        assert send_ipn(client, query)["RspCode"] == "99"

    assert send_ipn(client, query)["RspCode"] == "00"  # VNPay retries on 99

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert Callback.objects.filter(payment=payment).count() == 1
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
        assert invoice.paid_amount == invoice.total
    assert len(bill_notices(home.account)) == 1
