"""MoMo v2: the create request's signature, IPN verification and extraData.

The fixed vectors below were computed outside Python with the openssl CLI, e.g.
    printf '%s' "$RAW" | openssl dgst -sha256 -hmac 'TESTMOMOSECRET0123456789ABCDEFGH'
with RAW the raw string written next to each hex; EXTRA was computed with
    printf '%s' '{"invoices":[12,13],"customer":"PE01000012345"}' | base64 -w0
"""

import pytest

from cskh.payments import momo

ACCESS_KEY = "TESTACCESSKEY001"
SECRET = "TESTMOMOSECRET0123456789ABCDEFGH"
EXTRA = "eyJpbnZvaWNlcyI6WzEyLDEzXSwiY3VzdG9tZXIiOiJQRTAxMDAwMDEyMzQ1In0="
ORDER_INFO = "Thanh toán hóa đơn tiền điện kỳ 05/2025"

CREATE_RAW = (
    f"accessKey=TESTACCESSKEY001&amount=356000&extraData={EXTRA}"
    "&ipnUrl=https://cskh.example.vn/momo/ipn&orderId=PE01000012345-202505"
    f"&orderInfo={ORDER_INFO}&partnerCode=MOMOEVN01"
    "&redirectUrl=https://cskh.example.vn/momo/return&requestId=PE01000012345-202505-r1"
    "&requestType=captureWallet"
)
# printf '%s' "$CREATE_RAW" | openssl dgst -sha256 -hmac 'TESTMOMOSECRET0123456789ABCDEFGH'
CREATE_SIGNATURE = "fcff072214b01813c1ca47cf2dd4569330bd44fa139d031538dd1eb535b48eae"

IPN_RAW = (
    f"accessKey=TESTACCESSKEY001&amount=356000&extraData={EXTRA}&message=Successful."
    f"&orderId=PE01000012345-202505&orderInfo={ORDER_INFO}&orderType=momo_wallet"
    "&partnerCode=MOMOEVN01&payType=qr&requestId=PE01000012345-202505-r1"
    "&responseTime=1748748660000&resultCode=0&transId=4088878653"
)
# printf '%s' "$IPN_RAW" | openssl dgst -sha256 -hmac 'TESTMOMOSECRET0123456789ABCDEFGH'
IPN_SIGNATURE = "4e6f27f4082d7d54dc89349630adc883891e3a683277e3a8925f93e6cfa217cf"


def create_kwargs(**changes) -> dict:
    kwargs = {
        "partner_code": "MOMOEVN01",
        "access_key": ACCESS_KEY,
        "secret": SECRET,
        "request_id": "PE01000012345-202505-r1",
        "order_id": "PE01000012345-202505",
        "amount": 356_000,
        "order_info": ORDER_INFO,
        "redirect_url": "https://cskh.example.vn/momo/return",
        "ipn_url": "https://cskh.example.vn/momo/ipn",
        "extra": {"invoices": [12, 13], "customer": "PE01000012345"},
    }
    return kwargs | changes


def ipn(**changes) -> dict:
    """An IPN body as MoMo posts it (JSON numbers stay numbers), with the vector's signature."""
    return {
        "partnerCode": "MOMOEVN01",
        "orderId": "PE01000012345-202505",
        "requestId": "PE01000012345-202505-r1",
        "amount": 356_000,
        "orderInfo": ORDER_INFO,
        "orderType": "momo_wallet",
        "transId": 4088878653,
        "resultCode": 0,
        "message": "Successful.",
        "payType": "qr",
        "responseTime": 1748748660000,
        "extraData": EXTRA,
        "signature": IPN_SIGNATURE,
    } | changes


def test_the_create_request_is_signed_over_the_raw_sorted_fields():
    body = momo.create_request(**create_kwargs())
    assert momo.raw_signature({**body, "accessKey": ACCESS_KEY}, momo.CREATE_FIELDS) == CREATE_RAW
    assert body["signature"] == CREATE_SIGNATURE


def test_the_create_request_body_sends_no_access_key_and_an_integer_amount():
    body = momo.create_request(**create_kwargs())
    assert body == {
        "partnerCode": "MOMOEVN01",
        "requestId": "PE01000012345-202505-r1",
        "amount": 356_000,
        "orderId": "PE01000012345-202505",
        "orderInfo": ORDER_INFO,
        "redirectUrl": "https://cskh.example.vn/momo/return",
        "ipnUrl": "https://cskh.example.vn/momo/ipn",
        "requestType": "captureWallet",
        "extraData": EXTRA,
        "lang": "vi",
        "signature": CREATE_SIGNATURE,
    }


def test_the_ipn_raw_string_and_signature_match_the_vector():
    assert momo.raw_signature({**ipn(), "accessKey": ACCESS_KEY}, momo.IPN_FIELDS) == IPN_RAW
    assert momo.sign({**ipn(), "accessKey": ACCESS_KEY}, momo.IPN_FIELDS, secret=SECRET) == (
        IPN_SIGNATURE
    )


def test_a_genuine_ipn_verifies():
    assert momo.verify_ipn(ipn(), access_key=ACCESS_KEY, secret=SECRET)


def test_an_ipn_with_string_numbers_verifies_the_same():
    body = ipn(amount="356000", resultCode="0", transId="4088878653")
    assert momo.verify_ipn(body, access_key=ACCESS_KEY, secret=SECRET)


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 356_001},
        {"resultCode": 1006},
        {"orderId": "PE01000012345-202506"},
        {"extraData": ""},
        {"signature": IPN_SIGNATURE[:-1] + "0"},
        {"signature": ""},
        {"signature": None},
        {"signature": "ạ"},
    ],
)
def test_a_tampered_ipn_fails(changes):
    assert not momo.verify_ipn(ipn(**changes), access_key=ACCESS_KEY, secret=SECRET)


def test_an_ipn_checked_with_another_key_fails():
    assert not momo.verify_ipn(ipn(), access_key=ACCESS_KEY, secret=SECRET + "x")
    assert not momo.verify_ipn(ipn(), access_key="OTHERACCESSKEY01", secret=SECRET)


def test_the_access_key_of_the_body_is_not_trusted():
    body = ipn(accessKey="OTHERACCESSKEY01")
    assert momo.verify_ipn(body, access_key=ACCESS_KEY, secret=SECRET)


def test_paid_only_with_result_code_zero():
    assert momo.is_paid(ipn())
    assert momo.is_paid(ipn(resultCode="0"))
    assert not momo.is_paid(ipn(resultCode=1006))
    assert not momo.is_paid(ipn(resultCode=False))
    assert not momo.is_paid({})


def test_extra_data_round_trips():
    data = {"invoices": [12, 13], "customer": "PE01000012345", "note": "Hóa đơn"}
    assert momo.extra_data({"invoices": [12, 13], "customer": "PE01000012345"}) == EXTRA
    assert momo.parse_extra_data(momo.extra_data(data)) == data
    assert momo.extra_data(None) == momo.extra_data({}) == ""
    assert momo.parse_extra_data("") == {}


@pytest.mark.parametrize("text", ["not base64!", "bm90IGpzb24=", "WzEsMl0="])
def test_malformed_extra_data_raises(text):
    with pytest.raises(momo.MoMoError):
        momo.parse_extra_data(text)


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 0},
        {"amount": -1000},
        {"amount": 356000.0},
        {"amount": "356000"},
        {"amount": True},
        {"lang": "vn"},
        {"order_id": ""},
        {"request_id": ""},
        {"ipn_url": ""},
        {"secret": ""},
    ],
)
def test_create_request_rejects_bad_input(changes):
    with pytest.raises(momo.MoMoError):
        momo.create_request(**create_kwargs(**changes))
