"""No invoice is paid twice whatever the network does: two identical IPNs at the same
moment make one state change, two payments started at once for one invoice make one
payment, a lost IPN is settled by the daily reconciliation (once, however often it runs),
and a crash between VNPay's success and our commit is settled by the next run.

The races run on PostgreSQL with real threads, each on its own connection, committing for
real; a gate holds the first thread inside its transaction until PostgreSQL shows the
other one waiting for a lock, so the two really overlap."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

from cskh.billing.models import Invoice
from cskh.payments import services
from cskh.payments.models import Callback, Payment, PaymentInvoice
from tests.payments.helpers import (
    IPN,
    bill_notices,
    household,
    ipn_query,
    open_in_sandbox,
    pay_in_sandbox,
    start,
)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and real concurrency: PostgreSQL only"
)


def waiting_for_a_lock() -> int:
    """How many other sessions of this database wait for a lock (the main thread runs in
    autocommit, so every call sees a fresh pg_stat_activity)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


class Gate:
    """Wraps a function so that the first thread to call it stops there (inside its
    transaction, holding its row locks) until `open_when_another_waits` lets it go."""

    def __init__(self, function):
        self.function = function
        self.entered = threading.Event()
        self.released = threading.Event()
        self._first = threading.Lock()

    def __call__(self, *args, **kwargs):
        if self._first.acquire(blocking=False):
            self.entered.set()
            self.released.wait(timeout=10)
        return self.function(*args, **kwargs)

    def open_when_another_waits(self) -> bool:
        """Open the gate once another session waits for a lock; whether one did."""
        try:
            assert self.entered.wait(timeout=10), "no thread reached the gate"
            pause = threading.Event()
            for _ in range(2000):  # bounded (about 10 s); a few milliseconds in practice
                if waiting_for_a_lock():
                    return True
                pause.wait(0.005)
            return False
        finally:
            self.released.set()


class Race:
    """Jobs in threads that start at the same moment (a barrier), each closing its own
    database connection when done."""

    def __init__(self, *jobs):
        self._barrier = threading.Barrier(len(jobs))
        self._results: list = [None] * len(jobs)
        self._threads = [
            threading.Thread(target=self._run, args=(i, job)) for i, job in enumerate(jobs)
        ]
        for thread in self._threads:
            thread.start()

    def _run(self, index: int, job) -> None:
        try:
            self._barrier.wait(timeout=10)
            self._results[index] = job()
        except Exception as error:  # the test reads it
            self._results[index] = error
        finally:
            connection.close()

    def results(self) -> list:
        for thread in self._threads:
            thread.join(timeout=30)
            assert not thread.is_alive(), "a thread is stuck"
        return self._results


# races (PostgreSQL)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_identical_ipns_at_the_same_moment_make_one_state_change(monkeypatch):
    home = household()
    payment = start(home)
    query = ipn_query(payment)
    gate = Gate(services._settle)
    monkeypatch.setattr(services, "_settle", gate)

    def deliver() -> str:
        response = Client().get(IPN, query)
        return response.json()["RspCode"]

    race = Race(deliver, deliver)
    overlapped = gate.open_when_another_waits()
    answers = race.results()

    assert sorted(answers) == ["00", "02"], answers
    assert overlapped, "the second IPN never waited for the first one's lock"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert Callback.objects.filter(payment=payment).count() == 1
    assert len(bill_notices(home.account)) == 1
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
        assert invoice.paid_amount == invoice.total  # paid once


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_payments_started_at_once_for_one_invoice_make_one(monkeypatch):
    home = household(months=(date(2026, 10, 1),))
    (invoice,) = home.invoices
    gate = Gate(services._save_with_new_reference)  # called once the invoices are locked
    monkeypatch.setattr(services, "_save_with_new_reference", gate)

    def pay():
        with translation.override("en"):
            return start(home)

    race = Race(pay, pay)
    overlapped = gate.open_when_another_waits()
    results = race.results()

    payments = [result for result in results if isinstance(result, Payment)]
    refused = [result for result in results if isinstance(result, services.InvoiceNotPayable)]
    assert (len(payments), len(refused)) == (1, 1), results
    assert overlapped, "the second start never waited for the invoice's lock"
    assert str(refused[0].message) == (
        f"The invoice of {home.customer.code} for 10/2026 is inside another payment that is "
        "still being processed. Wait for it to finish or expire."
    )
    assert Payment.objects.get() == payments[0]
    assert PaymentInvoice.objects.get(invoice=invoice, holds=True).payment == payments[0]
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PENDING


# reconciliation (PostgreSQL, committing for real)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_reconciliation_settles_a_lost_ipn_once(client, transport):
    home = household()
    payment = start(home)
    pay_in_sandbox(client, open_in_sandbox(client, payment), delivery="none")
    assert transport.calls == []  # VNPay's IPN never came
    after = payment.expires_at + timedelta(minutes=1)

    counts = services.reconcile(now=after)

    assert counts == {"paid": 1, "failed": 0, "expired": 0, "unanswered": 0}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.transaction_no
    (callback,) = Callback.objects.filter(payment=payment)
    assert (callback.source, callback.outcome) == ("QUERY", "PAID")
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert (invoice.status, invoice.paid_amount) == (Invoice.Status.PAID, invoice.total)
    assert len(bill_notices(home.account)) == 1
    settled_at = payment.settled_at

    calls = len(transport.calls)
    again = services.reconcile(now=after + timedelta(days=1))

    assert again == {"paid": 0, "failed": 0, "expired": 0, "unanswered": 0}
    assert len(transport.calls) == calls  # a payment with VNPay's word is not asked again
    payment.refresh_from_db()
    assert (payment.status, payment.settled_at) == (Payment.Status.PAID, settled_at)
    assert Callback.objects.filter(payment=payment).count() == 1
    assert len(bill_notices(home.account)) == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_reconciliation_expires_a_payment_vnpay_never_saw(transport):
    home = household()
    payment = start(home)  # the customer never reached VNPay's page
    after = payment.expires_at + timedelta(minutes=1)

    counts = services.reconcile(now=after)

    assert counts == {"paid": 0, "failed": 0, "expired": 1, "unanswered": 0}
    assert len(transport.calls) == 1  # querydr, answered 91
    payment.refresh_from_db()
    assert payment.status == Payment.Status.EXPIRED
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.UNPAID
        assert invoice.payable

    assert services.reconcile(now=after + timedelta(days=1))["expired"] == 0
    payment.refresh_from_db()
    assert payment.status == Payment.Status.EXPIRED


# a crash between VNPay's success and our commit (any database)


@pytest.mark.django_db
def test_a_failed_reconciliation_leaves_the_payment_pending_and_the_next_run_settles_it(
    client, transport
):
    home = household()
    payment = start(home)
    pay_in_sandbox(client, open_in_sandbox(client, payment), delivery="none")
    after = payment.expires_at + timedelta(minutes=1)
    transport.fail = 1  # querydr does not get through

    first = services.reconcile(now=after)

    assert first == {"paid": 0, "failed": 0, "expired": 0, "unanswered": 1}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not Callback.objects.exists()
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PENDING

    second = services.reconcile(now=after + timedelta(days=1))
    third = services.reconcile(now=after + timedelta(days=2))

    assert second["paid"] == 1
    assert third == {"paid": 0, "failed": 0, "expired": 0, "unanswered": 0}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert (invoice.status, invoice.paid_amount) == (Invoice.Status.PAID, invoice.total)
    assert Callback.objects.filter(payment=payment).count() == 1
    assert len(bill_notices(home.account)) == 1


@pytest.mark.django_db
def test_a_crash_while_reconciling_writes_nothing_and_the_next_run_settles_it(
    client, transport, monkeypatch
):
    home = household()
    payment = start(home)
    pay_in_sandbox(client, open_in_sandbox(client, payment), delivery="none")
    after = payment.expires_at + timedelta(minutes=1)

    with monkeypatch.context() as patched:
        patched.setattr(services, "_settle", lambda payment, *, now: 1 / 0)
        assert services.reconcile(now=after)["unanswered"] == 1  # logged; the run goes on

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert (payment.transaction_no, payment.settled_at) == ("", None)
    assert not Callback.objects.exists()
    assert services.reconcile(now=after)["paid"] == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.paid_amount == invoice.total


@pytest.mark.django_db
def test_an_ipn_retried_after_reconciliation_changes_nothing(client, transport):
    """VNPay's IPN finally gets through after the daily run settled the payment."""
    home = household()
    payment = start(home)
    txn = open_in_sandbox(client, payment)
    pay_in_sandbox(client, txn, delivery="none")
    services.reconcile(now=payment.expires_at + timedelta(minutes=1))

    response = client.get(IPN, ipn_query(payment, transaction_no=txn.transaction_no))

    assert response.json()["RspCode"] == "02"
    for invoice in home.invoices:
        invoice.refresh_from_db()
        assert invoice.paid_amount == invoice.total
    assert Callback.objects.filter(payment=payment).count() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
