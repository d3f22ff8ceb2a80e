"""Refunds by staff (services.refund) through the VNPay sandbox's refund API: a full refund
makes the invoices due again, a partial one leaves them paid, every request is kept with
VNPay's answer, and what cannot be refunded (too much, no reason, a bank transfer, a
gateway that says no or cannot be reached) is refused before any money moves or is
recorded as refused."""

from datetime import date, timedelta

import pytest
from django.utils import timezone, translation

from cskh.billing.models import Invoice
from cskh.core.errors import InvalidInput
from cskh.payments import services
from cskh.payments.gateways import Outcome
from cskh.payments.models import Payment, PaymentInvoice, Refund
from cskh.payments.sandbox.models import Transaction
from tests import factories
from tests.payments.helpers import (
    MERCHANT_API,
    household,
    open_in_sandbox,
    paid_in_sandbox,
    pay_in_sandbox,
    start,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return factories.account(phone="+84919999999", is_staff=True)


@pytest.fixture
def home():
    """Two invoices of 550,000 VND."""
    return household()


@pytest.fixture
def paid(client, home, transport) -> Payment:
    """The household paid both invoices through the sandbox, and the IPN said so."""
    return paid_in_sandbox(client, start(home), transport)


def refund(payment: Payment, amount: int, staff, reason: str = "Khách thanh toán trùng"):
    """A staff member working in English asks for a refund."""
    with translation.override("en"):
        return services.refund(
            payment_id=payment.pk, amount=amount, reason=reason, by=staff, now=timezone.now()
        )


def sandbox_txn(payment: Payment) -> Transaction:
    """What VNPay remembers of the payment."""
    return Transaction.objects.get(txn_ref=payment.reference)


def test_a_full_refund_is_kept_and_marks_the_payment_refunded(paid, home, staff, transport):
    record = refund(paid, paid.amount, staff, reason="  Khách thanh toán trùng  ")

    assert transport.calls == [MERCHANT_API]
    assert record.status == Refund.Status.DONE
    assert (record.response_code, record.amount, record.full) == ("00", 1_100_000, True)
    assert record.reason == "Khách thanh toán trùng"
    assert record.created_by == staff
    assert record.response["vnp_TransactionType"] == "02"
    paid.refresh_from_db()
    assert paid.status == Payment.Status.REFUNDED
    assert paid.refunded_amount == paid.amount
    assert paid.refundable == 0
    assert not PaymentInvoice.objects.filter(payment=paid, holds=True).exists()
    assert sandbox_txn(paid).refunded == paid.amount * 100
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.UNPAID


def test_a_full_refund_makes_the_invoices_due_again(paid, home, staff):
    refund(paid, paid.amount, staff)

    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert (invoice.status, invoice.paid_amount) == (Invoice.Status.UNPAID, 0)
        assert (invoice.paid_at, invoice.paid_channel) == (None, "")
        assert invoice.due == invoice.total
    assert start(home).amount == paid.amount  # payable again


def test_a_partial_refund_leaves_the_payment_and_its_invoices_paid(paid, home, staff):
    record = refund(paid, 100_000, staff)

    assert (record.status, record.full) == (Refund.Status.DONE, False)
    assert record.response["vnp_TransactionType"] == "03"
    paid.refresh_from_db()
    assert paid.status == Payment.Status.PAID
    assert paid.refunded_amount == 100_000
    assert paid.refundable == 1_000_000
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
        assert invoice.paid_amount == invoice.total


def test_partial_refunds_adding_up_to_the_whole_make_the_invoices_due_again(paid, home, staff):
    refund(paid, 100_000, staff)
    refund(paid, 300_000, staff)
    paid.refresh_from_db()
    assert (paid.status, paid.refunded_amount) == (Payment.Status.PAID, 400_000)

    last = refund(paid, 700_000, staff)

    assert (last.status, last.full) == (Refund.Status.DONE, False)
    paid.refresh_from_db()
    assert (paid.status, paid.refunded_amount) == (Payment.Status.REFUNDED, 1_100_000)
    assert Refund.objects.filter(payment=paid).count() == 3
    assert not PaymentInvoice.objects.filter(payment=paid, holds=True).exists()


@pytest.mark.parametrize("amount", [1_100_001, 0, -5])
def test_a_refund_outside_what_is_refundable_is_refused(paid, staff, transport, amount):
    with pytest.raises(services.NothingToRefund) as refused:
        refund(paid, amount, staff)

    assert str(refused.value.message) == "A refund must be between 1 and 1,100,000 VND."
    assert transport.calls == []
    assert not Refund.objects.exists()
    paid.refresh_from_db()
    assert (paid.status, paid.refunded_amount) == (Payment.Status.PAID, 0)


def test_the_limit_is_what_is_left_after_earlier_refunds(paid, staff):
    refund(paid, 1_000_000, staff)

    with pytest.raises(services.NothingToRefund) as refused:
        refund(paid, 100_001, staff)

    assert str(refused.value.message) == "A refund must be between 1 and 100,000 VND."


def test_a_refunded_payment_has_nothing_left_to_refund(paid, staff):
    refund(paid, paid.amount, staff)

    with pytest.raises(services.NothingToRefund) as refused:
        refund(paid, 1, staff)

    assert str(refused.value.message) == "This payment has nothing left to refund."


def test_a_payment_never_paid_has_nothing_to_refund(home, staff, transport):
    payment = start(home)

    with pytest.raises(services.NothingToRefund) as refused:
        refund(payment, 1, staff)

    assert str(refused.value.message) == "This payment has nothing left to refund."
    assert transport.calls == []


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_refund_needs_a_reason(paid, staff, transport, reason):
    with pytest.raises(InvalidInput) as refused:
        refund(paid, 100_000, staff, reason=reason)

    assert refused.value.fields == {"reason": ["Say why the money is refunded."]}
    assert transport.calls == []
    assert not Refund.objects.exists()


def test_a_vietqr_payment_is_refunded_outside_the_app(home, staff, transport):
    factories.collecting_account()
    payment = start(home, method="VIETQR")
    services.receive(
        method="VIETQR",
        reference=payment.reference,
        key="FT26300123456",
        outcome=Outcome(
            paid=True, amount=payment.amount, code="00", transaction_no="FT26300123456"
        ),
        source="STATEMENT",
        now=timezone.now(),
    )
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID

    with pytest.raises(services.NothingToRefund) as refused:
        refund(payment, payment.amount, staff)

    assert str(refused.value.message) == (
        "Refunds of this method are made by bank transfer outside the app."
    )
    assert transport.calls == []
    assert not Refund.objects.exists()


def test_a_refund_vnpay_refuses_is_kept_as_rejected_and_changes_nothing(
    paid, home, staff, transport
):
    """The money was already given back from VNPay's merchant portal: VNPay says 03."""
    txn = sandbox_txn(paid)
    Transaction.objects.filter(pk=txn.pk).update(refunded=int(txn.amount))

    record = refund(paid, paid.amount, staff)

    assert transport.calls == [MERCHANT_API]
    assert (record.status, record.response_code) == (Refund.Status.REJECTED, "03")
    assert Refund.objects.get() == record
    paid.refresh_from_db()
    assert (paid.status, paid.refunded_amount) == (Payment.Status.PAID, 0)
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert (invoice.status, invoice.paid_amount) == (Invoice.Status.PAID, invoice.total)


def test_an_unreachable_gateway_keeps_the_request_unanswered_and_changes_nothing(
    paid, home, staff, transport
):
    """VNPay may have refunded without our hearing: the request is kept to be checked."""
    transport.fail = 1

    record = refund(paid, paid.amount, staff)

    assert transport.calls == [MERCHANT_API]
    assert (record.status, record.response_code) == (Refund.Status.UNANSWERED, "")
    paid.refresh_from_db()
    assert (paid.status, paid.refunded_amount) == (Payment.Status.PAID, 0)
    assert sandbox_txn(paid).refunded == 0
    home.invoices[0].refresh_from_db()
    assert home.invoices[0].status == Invoice.Status.PAID


def test_a_payment_confirmed_too_late_is_refunded_without_touching_the_invoices(
    client, staff, transport
):
    """Paid at VNPay but confirmed only after it expired here and the invoices went into
    another payment: reconciliation marks it to be refunded; refunding it leaves the
    invoices with the other payment."""
    home = household(months=(date(2026, 10, 1),))
    late = start(home)
    pay_in_sandbox(client, open_in_sandbox(client, late), delivery="none")
    later = late.expires_at + timedelta(minutes=1)
    services.expire(payment_id=late.pk, now=later)
    other = start(home, now=later)
    assert services.reconcile(now=later + timedelta(minutes=1))["paid"] == 1
    late.refresh_from_db()
    assert late.status == Payment.Status.REFUND_DUE

    record = refund(late, late.amount, staff, reason="Thanh toán quá hạn")

    assert record.status == Refund.Status.DONE
    late.refresh_from_db()
    assert (late.status, late.refunded_amount) == (Payment.Status.REFUNDED, late.amount)
    invoice = home.invoices[0]
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PENDING
    assert PaymentInvoice.objects.get(invoice=invoice, holds=True).payment == other


def test_a_refund_still_waiting_for_the_gateway_sets_its_amount_aside(paid, staff, transport):
    """Two staff members refunding at once: the second sees the first one's request."""
    Refund.objects.create(
        payment=paid,
        request_id="INFLIGHT01",
        amount=paid.amount - 100_000,
        full=False,
        reason="first",
        status=Refund.Status.ASKED,
        created_by=staff,
        created_at=timezone.now(),
    )
    with pytest.raises(services.NothingToRefund) as refused:
        refund(paid, 200_000, staff)
    assert str(refused.value.message) == "A refund must be between 1 and 100,000 VND."
    assert transport.calls == []
    assert refund(paid, 100_000, staff).status == Refund.Status.DONE
