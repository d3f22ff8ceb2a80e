"""MoMo and ZaloPay behind the gateway interface, enabled by settings: a payment starts at
their create API and sends the customer to their page; their signed callbacks pay the
invoices through the same inbox (once), and a bad signature changes nothing. Their create
APIs are stood in for by a fake transport (no sandbox for them yet)."""

import hashlib
import hmac
import json

import pytest

from cskh.billing.models import Invoice
from cskh.payments import http, momo, zalopay
from cskh.payments.models import Callback, Payment
from tests import factories
from tests.helpers import error_of, token_for

pytestmark = pytest.mark.django_db

MOMO_KEYS = {"partner": "MOMOEVN01", "access": "ACCESSKEY123", "secret": "MOMOSECRETKEY456"}
ZALO_KEYS = {"app_id": "2553", "key1": "ZALOKEY1abc", "key2": "ZALOKEY2xyz"}


@pytest.fixture
def wallets(settings, monkeypatch):
    settings.PAYMENT_METHODS = ["VNPAY", "VIETQR", "MOMO", "ZALOPAY"]
    settings.MOMO_PARTNER_CODE = MOMO_KEYS["partner"]
    settings.MOMO_ACCESS_KEY = MOMO_KEYS["access"]
    settings.MOMO_SECRET_KEY = MOMO_KEYS["secret"]
    settings.ZALOPAY_APP_ID = ZALO_KEYS["app_id"]
    settings.ZALOPAY_KEY1 = ZALO_KEYS["key1"]
    settings.ZALOPAY_KEY2 = ZALO_KEYS["key2"]
    sent = {}

    def post_json(url, body):  # MoMo's create API
        sent["momo"] = (url, body)
        return {"resultCode": 0, "payUrl": "https://test-payment.momo.vn/pay/abc"}

    def post_form(url, body):  # ZaloPay's create API
        sent["zalopay"] = (url, body)
        return {"return_code": 1, "order_url": "https://qcgateway.zalopay.vn/openinapp?o=1"}

    monkeypatch.setattr(http, "post_json", post_json)
    monkeypatch.setattr(http, "post_form", post_form)
    return sent


@pytest.fixture
def holder(units):
    account = factories.account(language="en")
    home = factories.customer()
    factories.link(account, home)
    return {"account": account, "invoice": factories.invoice(home, total=450_000)}


def start(api, holder, method: str) -> dict:
    token = token_for(holder["account"])
    response = api.post(
        "/payments", {"invoice_ids": [holder["invoice"].pk], "method": method}, token=token
    )
    assert response.status_code == 201, response.content
    return response.json()


def momo_ipn(payment: Payment, **changes) -> dict:
    body = {
        "partnerCode": MOMO_KEYS["partner"],
        "orderId": payment.reference,
        "requestId": payment.reference,
        "amount": payment.amount,
        "orderInfo": "Thanh toan hoa don tien dien",
        "orderType": "momo_wallet",
        "transId": 3012345678,
        "resultCode": 0,
        "message": "Successful.",
        "payType": "qr",
        "responseTime": 1764000000000,
        "extraData": "",
    }
    body["signature"] = momo.sign(
        {**body, "accessKey": MOMO_KEYS["access"]}, momo.IPN_FIELDS, secret=MOMO_KEYS["secret"]
    )
    return body | changes


def test_momo_is_not_offered_without_its_keys(api, holder):
    error = error_of(
        api.post(
            "/payments",
            {"invoice_ids": [holder["invoice"].pk], "method": "MOMO"},
            token=token_for(holder["account"]),
        ),
        422,
    )
    assert error["fields"]["method"] == ["This payment method is not available."]


def test_a_momo_payment_starts_at_momo_and_its_ipn_pays_the_invoice_once(
    api, client, holder, wallets
):
    body = start(api, holder, "MOMO")
    assert body["payment_url"] == "https://test-payment.momo.vn/pay/abc"
    url, sent = wallets["momo"]
    assert url.endswith("/v2/gateway/api/create")
    assert sent["amount"] == 450_000 and sent["orderId"] == body["reference"]
    assert sent["redirectUrl"].endswith(f"/payments/{body['id']}/")
    signed = {**sent, "accessKey": MOMO_KEYS["access"]}
    assert sent["signature"] == momo.sign(signed, momo.CREATE_FIELDS, secret=MOMO_KEYS["secret"])

    payment = Payment.objects.get(pk=body["id"])
    ipn = momo_ipn(payment)
    for _ in range(2):  # MoMo may send it again
        response = client.post("/api/v1/payments/momo/ipn", ipn, content_type="application/json")
        assert response.status_code == 204
    payment.refresh_from_db()
    invoice = Invoice.objects.get(pk=holder["invoice"].pk)
    assert (payment.status, payment.transaction_no) == ("PAID", "3012345678")
    assert (invoice.status, invoice.paid_channel, invoice.paid_amount) == ("PAID", "MoMo", 450_000)
    assert Callback.objects.filter(payment=payment).count() == 1


def test_a_momo_ipn_with_a_bad_signature_changes_nothing(api, client, holder, wallets):
    payment = Payment.objects.get(pk=start(api, holder, "MOMO")["id"])
    for body in (momo_ipn(payment, amount=1), momo_ipn(payment, signature="00" * 32)):
        response = client.post("/api/v1/payments/momo/ipn", body, content_type="application/json")
        assert response.status_code == 400
    assert (
        client.post(
            "/api/v1/payments/momo/ipn", "not json", content_type="application/json"
        ).status_code
        == 400
    )
    payment.refresh_from_db()
    assert payment.status == "PENDING" and not Callback.objects.exists()


def test_a_failed_momo_payment_frees_the_invoice(api, client, holder, wallets):
    payment = Payment.objects.get(pk=start(api, holder, "MOMO")["id"])
    body = momo_ipn(payment, resultCode=1006)
    body["signature"] = momo.sign(
        {**body, "accessKey": MOMO_KEYS["access"]}, momo.IPN_FIELDS, secret=MOMO_KEYS["secret"]
    )
    assert (
        client.post("/api/v1/payments/momo/ipn", body, content_type="application/json").status_code
        == 204
    )
    payment.refresh_from_db()
    assert payment.status == "FAILED"
    assert Invoice.objects.get(pk=holder["invoice"].pk).status == "UNPAID"


def test_momo_refusing_to_start_frees_the_invoice(api, holder, wallets, monkeypatch):
    monkeypatch.setattr(http, "post_json", lambda url, body: {"resultCode": 41, "message": "x"})
    response = api.post(
        "/payments",
        {"invoice_ids": [holder["invoice"].pk], "method": "MOMO"},
        token=token_for(holder["account"]),
    )
    error = error_of(response, 503, "gateway_unavailable")
    assert "Nothing was charged" in error["message"]
    assert Payment.objects.get().status == "FAILED"
    assert Invoice.objects.get(pk=holder["invoice"].pk).status == "UNPAID"


def zalopay_callback(data: dict, key: str = ZALO_KEYS["key2"]) -> dict:
    raw = json.dumps(data, separators=(",", ":"))
    mac = hmac.new(key.encode(), raw.encode(), hashlib.sha256).hexdigest()
    return {"data": raw, "mac": mac, "type": 1}


def test_a_zalopay_payment_starts_at_zalopay_and_its_callback_pays_the_invoice(
    api, client, holder, wallets
):
    body = start(api, holder, "ZALOPAY")
    assert body["payment_url"].startswith("https://qcgateway.zalopay.vn/")
    url, sent = wallets["zalopay"]
    assert url.endswith("/v2/create")
    assert sent["app_trans_id"].endswith("_" + body["reference"])
    assert json.loads(sent["embed_data"])["redirecturl"].endswith(f"/payments/{body['id']}/")
    expected_mac = zalopay.order_mac(
        key1=ZALO_KEYS["key1"],
        app_id=sent["app_id"],
        app_trans_id=sent["app_trans_id"],
        app_user=sent["app_user"],
        amount=sent["amount"],
        app_time=sent["app_time"],
        embed_data=sent["embed_data"],
        item=sent["item"],
    )
    assert sent["mac"] == expected_mac

    data = {
        "app_id": 2553,
        "app_trans_id": sent["app_trans_id"],
        "amount": 450_000,
        "zp_trans_id": 251125000012345,
    }
    for _ in range(2):
        response = client.post(
            "/api/v1/payments/zalopay/callback",
            zalopay_callback(data),
            content_type="application/json",
        )
        assert response.json() == zalopay.CALLBACK_OK
    payment = Payment.objects.get(pk=body["id"])
    assert (payment.status, payment.transaction_no) == ("PAID", "251125000012345")
    assert Callback.objects.filter(payment=payment).count() == 1
    assert Invoice.objects.get(pk=holder["invoice"].pk).paid_channel == "ZaloPay"


def test_a_zalopay_callback_with_a_bad_mac_changes_nothing(api, client, holder, wallets):
    body = start(api, holder, "ZALOPAY")
    sent = wallets["zalopay"][1]
    data = {"app_trans_id": sent["app_trans_id"], "amount": 450_000, "zp_trans_id": 1}
    for payload in (zalopay_callback(data, key="wrong"), {"data": "{}"}, "[]"):
        response = client.post(
            "/api/v1/payments/zalopay/callback",
            payload if isinstance(payload, str) else json.dumps(payload),
            content_type="application/json",
        )
        assert response.json()["return_code"] == -1
    assert Payment.objects.get(pk=body["id"]).status == "PENDING"
