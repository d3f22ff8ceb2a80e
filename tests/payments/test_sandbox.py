"""The VNPay sandbox plays VNPay's side of the protocol, and the demo and the tests rely
on it doing so faithfully: it refuses a payment request VNPay would refuse, shows the
amount and the order, delivers the IPN the ways VNPay does (once, twice, late, forged,
never) and retries it 10 times 5 minutes apart until 00 or 02, sends the browser back to
our Return URL (which shows the result and changes nothing), answers querydr and refund
with VNPay's codes — and production does not install it."""

import json
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cskh.payments import http, services, vnpay
from cskh.payments.models import Callback, Payment
from cskh.payments.sandbox import tasks
from cskh.payments.sandbox.models import Transaction
from tests.payments.helpers import (
    IPN,
    MERCHANT_API,
    RETURN_URL,
    SANDBOX_PAY,
    bill_notices,
    household,
    open_in_sandbox,
    pay_in_sandbox,
    start,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def home():
    """One unpaid invoice of 550,000 VND; the payer's account is in English."""
    return household(months=(date(2026, 10, 1),))


@pytest.fixture
def answers(monkeypatch, transport) -> list[str]:
    """The RspCodes our IPN answered the sandbox, in order."""
    seen: list[str] = []

    def get_json(url: str) -> dict:
        answer = transport.get_json(url)
        seen.append(answer["RspCode"])
        return answer

    monkeypatch.setattr(http, "get_json", get_json)
    return seen


def request_params(**changes) -> dict[str, str]:
    """A payment request as our code sends it (a change given as None leaves it out)."""
    now = timezone.now()
    params = vnpay.pay_params(
        tmn_code=settings.VNPAY_TMN_CODE,
        amount=550_000,
        txn_ref="EVN261001ABCDEF",
        order_info="Thanh toan hoa don tien dien PE01000000001 ky 10/2026",
        locale="vn",
        return_url=RETURN_URL,
        ip="127.0.0.1",
        created_at=now,
        expires_at=now + timedelta(minutes=15),
    )
    params.update(changes)
    return {key: value for key, value in params.items() if value is not None}


def signed(params: dict[str, str]) -> dict[str, str]:
    return params | {"vnp_SecureHash": vnpay.sign(params, secret=settings.VNPAY_HASH_SECRET)}


def assert_refused(response, code: str, words: str) -> None:
    assert response.status_code == 400
    page = response.content.decode()
    assert f"({code})" in page
    assert words in page
    assert not Transaction.objects.exists()


def retries() -> list[DBTaskResult]:
    """The IPN retries the sandbox has queued. (tests/conftest.py runs on-commit callbacks
    at once in these tests, so a retry is in the queue as soon as it is scheduled.)"""
    return list(DBTaskResult.objects.filter(task_path=f"{tasks.__name__}.retry_ipn").order_by("pk"))


def querydr_body(txn_ref: str, *, transaction_date: str, request_id="Q1") -> dict[str, str]:
    return vnpay.querydr_request(
        request_id=request_id,
        tmn_code=settings.VNPAY_TMN_CODE,
        txn_ref=txn_ref,
        transaction_date=transaction_date,
        created_at=timezone.now(),
        ip="127.0.0.1",
        order_info=f"Truy van giao dich {txn_ref}",
        secret=settings.VNPAY_HASH_SECRET,
    )


def refund_body(txn: Transaction, *, amount: int, request_id: str, full: bool) -> dict:
    return vnpay.refund_request(
        request_id=request_id,
        tmn_code=settings.VNPAY_TMN_CODE,
        full=full,
        txn_ref=txn.txn_ref,
        amount=amount,
        transaction_no=txn.transaction_no,
        transaction_date=txn.create_date,
        create_by="+84912000001",
        created_at=timezone.now(),
        ip="127.0.0.1",
        order_info=f"Hoan tien giao dich {txn.txn_ref}",
        secret=settings.VNPAY_HASH_SECRET,
    )


def call_api(client, body) -> dict:
    response = client.post(MERCHANT_API, json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    answer = response.json()
    fields = (
        vnpay.REFUND_RESPONSE if body.get("vnp_Command") == "refund" else vnpay.QUERYDR_RESPONSE
    )
    assert vnpay.verify_response(answer, fields, secret=settings.VNPAY_HASH_SECRET), answer
    return answer


# the payment request


def test_a_request_with_a_bad_signature_is_refused_with_97(client):
    query = signed(request_params())
    query["vnp_Amount"] = "100"  # changed after signing

    assert_refused(client.get(SANDBOX_PAY, query), "97", "Invalid signature")


@pytest.mark.parametrize("missing", ["vnp_ReturnUrl", "vnp_ExpireDate", "vnp_TxnRef", "vnp_Amount"])
def test_a_request_missing_a_parameter_is_refused(client, missing):
    response = client.get(SANDBOX_PAY, signed(request_params(**{missing: None})))

    assert_refused(response, "03", f"Missing: {missing}")


def test_a_request_of_another_merchant_is_refused(client):
    response = client.get(SANDBOX_PAY, signed(request_params(vnp_TmnCode="OTHERTMN")))

    assert_refused(response, "02", "Unknown merchant")


def test_a_request_past_its_expire_date_is_refused(client):
    past = timezone.now() - timedelta(minutes=30)
    params = request_params(
        vnp_CreateDate=vnpay.vn_time(past),
        vnp_ExpireDate=vnpay.vn_time(past + timedelta(minutes=15)),
    )

    assert_refused(client.get(SANDBOX_PAY, signed(params)), "11", "The payment has expired")


def test_a_request_with_a_secure_hash_type_is_refused(client):
    """2.1.0 does not send vnp_SecureHashType (the signature still verifies without it)."""
    query = signed(request_params()) | {"vnp_SecureHashType": "HmacSHA512"}

    assert_refused(client.get(SANDBOX_PAY, query), "03", "vnp_SecureHashType")


def test_a_reference_sent_again_with_another_amount_is_refused(client):
    assert client.get(SANDBOX_PAY, signed(request_params())).status_code == 200

    response = client.get(SANDBOX_PAY, signed(request_params(vnp_Amount="100000")))

    assert response.status_code == 400
    assert "(94)" in response.content.decode()
    assert Transaction.objects.get().amount == "55000000"


def test_the_page_shows_the_amount_and_the_order(client, home):
    payment = start(home)

    page_url = f"http://testserver/payments/{payment.pk}/"
    response = client.get(services.redirect_url(payment, return_url=RETURN_URL, page_url=page_url))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<dd data-testid="amount">550.000 VND</dd>' in page
    assert f"Thanh toan hoa don tien dien {home.customer.code} ky 10/2026" in page
    assert payment.reference in page
    assert "Số tiền" in page  # VNPay's page in the payment's language (vn)
    txn = Transaction.objects.get(txn_ref=payment.reference)
    assert (txn.amount, txn.done) == ("55000000", False)


@pytest.mark.parametrize(
    "choice",
    [
        {"transaction": "abc", "outcome": "00"},
        {"transaction": "999999", "outcome": "00"},
        {"outcome": "00"},
        {"transaction": "1", "outcome": "42"},
        {"transaction": "1", "outcome": "00", "delivery": "carrier pigeon"},
    ],
)
def test_a_choice_that_makes_no_sense_is_a_bad_request(client, home, choice):
    open_in_sandbox(client, start(home))
    response = client.post(SANDBOX_PAY, choice)
    assert response.status_code == 400
    assert not Transaction.objects.exclude(response_code="").exists()


# delivering the IPN


def test_a_normal_delivery_settles_the_payment_and_stops(client, home, transport, answers):
    payment = start(home)
    txn = open_in_sandbox(client, payment)

    pay_in_sandbox(client, txn)

    assert transport.calls == [IPN]
    assert answers == ["00"]
    assert retries() == []
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.transaction_no == txn.transaction_no
    assert payment.bank_code == "NCB"


def test_a_duplicate_delivery_is_answered_00_then_02(client, home, transport, answers):
    payment = start(home)
    txn = open_in_sandbox(client, payment)

    pay_in_sandbox(client, txn, delivery="duplicate")

    assert transport.calls == [IPN, IPN]
    assert answers == ["00", "02"]
    assert retries() == []
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert Callback.objects.filter(payment=payment).count() == 1
    assert len(bill_notices(home.account)) == 1
    txn.refresh_from_db()
    assert (txn.ipn_attempts, txn.ipn_answer) == (2, "02")


def test_a_tampered_delivery_is_refused_and_the_payment_stays_pending(
    client, home, transport, answers
):
    payment = start(home)
    txn = open_in_sandbox(client, payment)

    pay_in_sandbox(client, txn, delivery="tampered")

    assert answers == ["97"]
    assert retries() == []  # a forged IPN is VNPay's test of us, not a delivery to retry
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not Callback.objects.exists()


def test_a_delayed_delivery_comes_as_a_retry_that_settles_the_payment(
    client, home, transport, answers
):
    payment = start(home)
    txn = open_in_sandbox(client, payment)

    pay_in_sandbox(client, txn, delivery="delayed")

    assert transport.calls == []
    (job,) = retries()
    assert job.args_kwargs["args"] == [txn.pk]
    in_five = timezone.now() + timedelta(minutes=5)
    assert in_five - timedelta(seconds=30) < job.run_after <= in_five
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING

    tasks.retry_ipn.call(txn.pk)

    assert answers == ["00"]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_an_unreachable_ipn_is_retried(client, home, transport, answers):
    payment = start(home)
    txn = open_in_sandbox(client, payment)
    transport.fail = 1

    pay_in_sandbox(client, txn)

    assert transport.calls == [IPN] and answers == []
    txn.refresh_from_db()
    assert (txn.ipn_attempts, txn.ipn_answer) == (1, "")
    (job,) = retries()
    assert job.args_kwargs["args"] == [txn.pk]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING

    tasks.retry_ipn.call(txn.pk)

    assert answers == ["00"]
    assert retries() == [job]  # no further try after 00
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_retries_stop_after_ten_attempts(client, home, transport):
    payment = start(home)
    txn = open_in_sandbox(client, payment)
    transport.fail = 100  # our IPN never answers

    pay_in_sandbox(client, txn)
    queued = [len(retries())]
    for _ in range(9):
        tasks.retry_ipn.call(txn.pk)
        queued.append(len(retries()))

    assert queued == [1, 2, 3, 4, 5, 6, 7, 8, 9, 9]  # the tenth try queues no eleventh
    assert len(transport.calls) == 10
    txn.refresh_from_db()
    assert txn.ipn_attempts == 10

    tasks.retry_ipn.call(txn.pk)  # a stray job changes nothing
    assert len(transport.calls) == 10
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_retries_stop_once_answered_00(client, home, transport):
    payment = start(home)
    txn = open_in_sandbox(client, payment)
    pay_in_sandbox(client, txn)
    assert len(transport.calls) == 1

    tasks.retry_ipn.call(txn.pk)

    assert len(transport.calls) == 1


def test_retries_stop_once_answered_02(client, home, transport, answers):
    """The IPN was lost; reconciliation settled the payment; VNPay's retry hears 02."""
    payment = start(home)
    txn = open_in_sandbox(client, payment)
    transport.fail = 1
    pay_in_sandbox(client, txn)
    counts = services.reconcile(now=payment.expires_at + timedelta(minutes=1))
    assert counts["paid"] == 1

    tasks.retry_ipn.call(txn.pk)

    assert answers == ["02"]
    assert len(retries()) == 1  # the one queued when the IPN was lost; none after 02
    calls = len(transport.calls)
    tasks.retry_ipn.call(txn.pk)
    assert len(transport.calls) == calls
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


# the Return URL: shows, never changes


def test_the_return_url_after_a_success_shows_the_payment_paid(client, home, transport):
    client.force_login(home.account)
    payment = start(home)
    txn = open_in_sandbox(client, payment)

    response = client.get(pay_in_sandbox(client, txn).url)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Paid" in page
    assert "You paid 550,000 VND for 1 invoice." in page
    assert payment.reference in page
    assert f'href="/payments/{payment.pk}/"' in page


def test_the_return_url_changes_nothing_when_the_ipn_did_not_arrive(client, home, transport):
    client.force_login(home.account)
    payment = start(home)
    txn = open_in_sandbox(client, payment)
    back = pay_in_sandbox(client, txn, delivery="none").url
    assert "vnp_ResponseCode=00" in back

    for _ in range(2):
        response = client.get(back)
        assert response.status_code == 200
        assert "Waiting for confirmation" in response.content.decode()

    assert transport.calls == []
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not Callback.objects.exists()
    home.invoices[0].refresh_from_db()
    assert home.invoices[0].status == "PENDING"


def test_the_return_url_after_a_cancel_shows_why_it_was_not_paid(client, home, transport):
    client.force_login(home.account)
    payment = start(home)
    txn = open_in_sandbox(client, payment)

    response = client.get(pay_in_sandbox(client, txn, outcome="24").url)

    page = response.content.decode()
    assert "Not paid" in page
    assert "You cancelled the payment. Nothing was charged." in page


def test_a_tampered_return_url_is_not_believed(client, home, transport):
    client.force_login(home.account)
    payment = start(home)
    txn = open_in_sandbox(client, payment)
    back = pay_in_sandbox(client, txn, outcome="51", delivery="none").url

    response = client.get(back.replace("vnp_ResponseCode=51", "vnp_ResponseCode=00"))

    assert response.status_code == 400
    assert "could not be verified" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


# the merchant API: querydr and refund


def test_querydr_with_a_bad_checksum_is_97(client, home):
    txn = open_in_sandbox(client, start(home))
    body = querydr_body(txn.txn_ref, transaction_date=txn.create_date)
    body["vnp_SecureHash"] = "0" * 128

    answer = call_api(client, body)

    assert answer["vnp_ResponseCode"] == "97"
    assert "vnp_TransactionStatus" not in answer


def test_querydr_of_an_unknown_transaction_is_91(client, home):
    txn = open_in_sandbox(client, start(home))

    unknown = call_api(client, querydr_body("EVN991231ZZZZZZ", transaction_date=txn.create_date))
    other_day = call_api(client, querydr_body(txn.txn_ref, transaction_date="20250101000000"))

    assert unknown["vnp_ResponseCode"] == "91"
    assert other_day["vnp_ResponseCode"] == "91"


def test_querydr_tells_a_waiting_then_a_paid_transaction(client, home, transport):
    txn = open_in_sandbox(client, start(home))
    body = querydr_body(txn.txn_ref, transaction_date=txn.create_date)
    assert call_api(client, body)["vnp_TransactionStatus"] == "01"

    pay_in_sandbox(client, txn, delivery="none")
    answer = call_api(client, body)

    assert answer["vnp_ResponseCode"] == "00"
    assert answer["vnp_TransactionStatus"] == "00"
    assert answer["vnp_Amount"] == "55000000"
    assert answer["vnp_TransactionNo"] == txn.transaction_no


@pytest.mark.parametrize("body", [{"vnp_Command": "querydr"}, "not a json object", "{"])
def test_a_malformed_api_request_is_03(client, body):
    raw = body if isinstance(body, str) else json.dumps(body)
    response = client.post(MERCHANT_API, raw, content_type="application/json")

    assert response.json()["vnp_ResponseCode"] == "03"


def test_a_partial_refund_repeated_with_its_request_id_is_94(client, home, transport):
    txn = open_in_sandbox(client, start(home))
    pay_in_sandbox(client, txn, delivery="none")
    body = refund_body(txn, amount=100_000, request_id="R1", full=False)

    first = call_api(client, body)
    again = call_api(client, body)

    assert first["vnp_ResponseCode"] == "00"
    assert first["vnp_TransactionStatus"] == "05"
    assert again["vnp_ResponseCode"] == "94"
    txn.refresh_from_db()
    assert txn.refunded == 10_000_000  # refunded once


def test_a_full_refund_repeated_with_its_request_id_is_94(client, home, transport):
    txn = open_in_sandbox(client, start(home))
    pay_in_sandbox(client, txn, delivery="none")
    body = refund_body(txn, amount=550_000, request_id="R1", full=True)

    first = call_api(client, body)
    again = call_api(client, body)

    assert (first["vnp_ResponseCode"], first["vnp_TransactionStatus"]) == ("00", "06")
    assert again["vnp_ResponseCode"] == "94"


def test_a_refund_of_a_transaction_not_paid_is_95(client, home, transport):
    txn = open_in_sandbox(client, start(home))
    body = refund_body(txn, amount=550_000, request_id="R1", full=True)
    assert call_api(client, body)["vnp_ResponseCode"] == "95"  # still on the payment page

    pay_in_sandbox(client, txn, outcome="51", delivery="none")

    body = refund_body(txn, amount=550_000, request_id="R2", full=True)
    assert call_api(client, body)["vnp_ResponseCode"] == "95"


def test_a_refund_beyond_what_is_left_is_03(client, home, transport):
    txn = open_in_sandbox(client, start(home))
    pay_in_sandbox(client, txn, delivery="none")

    answer = call_api(client, refund_body(txn, amount=550_001, request_id="R1", full=True))

    assert answer["vnp_ResponseCode"] == "03"
    txn.refresh_from_db()
    assert txn.refunded == 0


# production


def test_production_does_not_install_the_sandbox(tmp_path):
    probe = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.urls import Resolver404, resolve\n"
        "print('installed', 'cskh.payments.sandbox' in settings.INSTALLED_APPS)\n"
        "try:\n"
        "    resolve('/sandbox/vnpay/paymentv2/vpcpay.html')\n"
        "    print('resolved True')\n"
        "except Resolver404:\n"
        "    print('resolved False')\n"
        "print('vnpay', repr(settings.VNPAY_PAYMENT_URL), repr(settings.VNPAY_HASH_SECRET))\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VNPAY_", "DATABASE_URL", "PYTEST_", "DJANGO_"))
    }
    env |= {
        "PRODUCTION": "1",
        "DJANGO_SETTINGS_MODULE": "cskh.settings",
        "PYTHONPATH": str(settings.BASE_DIR / "src"),
        "SECRET_KEY": "production-probe-" + "x" * 40,
        "CSKH_VAR_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "cskh.example.vn",
    }

    result = subprocess.run(  # noqa: S603 - our own interpreter, a fixed script
        [sys.executable, "-c", probe],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["installed False", "resolved False", "vnpay '' ''"]
