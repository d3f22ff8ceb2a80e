"""VNPay 2.1.0: the signed query string, callbacks, times, order info, querydr and refund."""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cskh.payments import vnpay

# The test vector of domain/payments.md.
SECRET = "TESTSECRETKEY0123456789ABCDEFGHI"
SIGNED = (
    "vnp_Amount=35600000&vnp_Command=pay&vnp_CreateDate=20250601103000&vnp_CurrCode=VND"
    "&vnp_ExpireDate=20250601104500&vnp_IpAddr=127.0.0.1&vnp_Locale=vn"
    "&vnp_OrderInfo=Thanh+toan+hoa+don+tien+dien+PE01000012345+ky+05%2F2025"
    "&vnp_OrderType=other&vnp_ReturnUrl=https%3A%2F%2Fcskh.example.vn%2Fvnpay%2Freturn"
    "&vnp_TmnCode=EVNTEST1&vnp_TxnRef=PE01000012345-202505&vnp_Version=2.1.0"
)
HASH = (
    "6ea66026d9be6634918a3c75556d27a7f6ebf7ba709f7086902706c175b0fd33"
    "ae64c521a16206df9418493e272c97d8c975e25b6844b2c588c9ba28d4430523"
)
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vector_params() -> dict[str, str]:
    return dict(parse_qsl(SIGNED))


def pay_kwargs(**changes) -> dict:
    created_at = datetime(2025, 6, 1, 3, 30, tzinfo=UTC)
    kwargs = {
        "tmn_code": "EVNTEST1",
        "amount": 356_000,
        "txn_ref": "PE01000012345-202505",
        "order_info": "Thanh toán hóa đơn tiền điện PE01000012345 kỳ 05/2025",
        "locale": "vn",
        "return_url": "https://cskh.example.vn/vnpay/return",
        "ip": "127.0.0.1",
        "created_at": created_at,
        "expires_at": created_at + timedelta(minutes=15),
    }
    return kwargs | changes


def callback(**changes: str) -> dict[str, str]:
    """A callback query as VNPay sends it, signed with the test secret."""
    query = {
        "vnp_Amount": "35600000",
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": "VNP14422574",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": "Thanh toan hoa don tien dien PE01000012345 ky 05/2025",
        "vnp_PayDate": "20250601103512",
        "vnp_ResponseCode": "00",
        "vnp_TmnCode": "EVNTEST1",
        "vnp_TransactionNo": "14422574",
        "vnp_TransactionStatus": "00",
        "vnp_TxnRef": "PE01000012345-202505",
    } | changes
    return query | {"vnp_SecureHash": vnpay.sign(query, secret=SECRET)}


# ---------------------------------------------------------------- signature


def test_the_documented_vector_is_encoded_and_signed_byte_for_byte():
    params = vector_params()
    assert vnpay.encode(params) == SIGNED
    assert vnpay.sign(params, secret=SECRET) == HASH


def test_pay_params_build_the_documented_vector():
    params = vnpay.pay_params(**pay_kwargs())
    assert params == vector_params()
    assert list(params)[:3] == ["vnp_Version", "vnp_Command", "vnp_TmnCode"]
    assert "vnp_SecureHashType" not in params
    assert "vnp_BankCode" not in params


def test_payment_url_carries_the_signed_string_and_its_hash():
    url = vnpay.payment_url(
        base_url="https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
        params=vector_params(),
        secret=SECRET,
    )
    assert url == (
        f"https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?{SIGNED}&vnp_SecureHash={HASH}"
    )
    assert vnpay.verify(dict(parse_qsl(urlsplit(url).query)), secret=SECRET)


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("a~b", "a%7Eb"),
        ("05/2025", "05%2F2025"),
        ("hai tu", "hai+tu"),
        ("a+b&c=d", "a%2Bb%26c%3Dd"),
        ("-_.", "-_."),
        ("Đà Nẵng", "%C4%90%C3%A0+N%E1%BA%B5ng"),
    ],
)
def test_values_are_encoded_like_php_urlencode(value, encoded):
    assert vnpay.encode({"vnp_X": value}) == f"vnp_X={encoded}"


def test_keys_are_sorted_and_empty_values_left_out():
    params = {"vnp_b": "2", "vnp_BankCode": "", "vnp_a": "1", "vnp_Z": None, "vnp_A": "0"}
    assert vnpay.encode(params) == "vnp_A=0&vnp_a=1&vnp_b=2"


# ---------------------------------------------------------------- callbacks


def test_a_correctly_signed_callback_verifies():
    assert vnpay.verify(callback(), secret=SECRET)


def test_the_hash_is_compared_without_regard_to_case():
    query = callback()
    assert vnpay.verify(query | {"vnp_SecureHash": query["vnp_SecureHash"].upper()}, secret=SECRET)


@pytest.mark.parametrize(
    "key",
    [
        "vnp_Amount",
        "vnp_BankCode",
        "vnp_BankTranNo",
        "vnp_CardType",
        "vnp_OrderInfo",
        "vnp_PayDate",
        "vnp_ResponseCode",
        "vnp_TmnCode",
        "vnp_TransactionNo",
        "vnp_TransactionStatus",
        "vnp_TxnRef",
    ],
)
def test_changing_any_signed_value_breaks_the_signature(key):
    query = callback()
    assert not vnpay.verify(query | {key: query[key] + "1"}, secret=SECRET)


def test_adding_a_vnp_param_breaks_the_signature():
    assert not vnpay.verify(callback() | {"vnp_Extra": "x"}, secret=SECRET)


def test_a_callback_without_hash_or_with_another_secret_fails():
    query = callback()
    del query["vnp_SecureHash"]
    assert not vnpay.verify(query, secret=SECRET)
    assert not vnpay.verify(callback(), secret=SECRET + "x")
    assert not vnpay.verify(callback() | {"vnp_SecureHash": "zz"}, secret=SECRET)
    assert not vnpay.verify(callback() | {"vnp_SecureHash": "ạ"}, secret=SECRET)


def test_params_that_are_not_vnp_and_the_hash_type_are_ignored():
    query = callback() | {"foo": "bar", "vnp_SecureHashType": "HmacSHA512"}
    assert vnpay.verify(query, secret=SECRET)


def test_success_needs_both_codes():
    assert vnpay.is_success(callback())
    assert not vnpay.is_success(callback(vnp_ResponseCode="24"))
    assert not vnpay.is_success(callback(vnp_TransactionStatus="02"))
    assert not vnpay.is_success({})


def test_amount_of_a_callback_is_in_vnd():
    assert vnpay.amount_of(callback()) == 356_000


@pytest.mark.parametrize(
    "raw", ["35600050", "", "-35600000", "356000.00", "３５６００００００", None]
)
def test_a_malformed_amount_raises(raw):
    with pytest.raises(vnpay.VNPayError):
        vnpay.amount_of({"vnp_Amount": raw})


# ---------------------------------------------------------------- times and text


def test_vn_time_is_gmt_plus_7():
    assert vnpay.vn_time(datetime(2025, 6, 1, 3, 30, tzinfo=UTC)) == "20250601103000"
    assert vnpay.parse_vn_time("20250601103000") == datetime(2025, 6, 1, 3, 30, tzinfo=UTC)
    assert vnpay.parse_vn_time("20250601103000").tzinfo == VN


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from(
            [UTC, VN, ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")]
        ),
    )
)
def test_vn_time_round_trips(moment):
    # Compared in UTC: datetimes of different zones never compare equal inside a DST fold.
    back = vnpay.parse_vn_time(vnpay.vn_time(moment))
    assert back.astimezone(UTC) == moment.replace(microsecond=0).astimezone(UTC)


def test_a_naive_datetime_is_refused():
    with pytest.raises(vnpay.VNPayError):
        vnpay.vn_time(datetime(2025, 6, 1, 10, 30))


@pytest.mark.parametrize(
    "text", ["", "2025060110300", "202506011030000", "20251301103000", "2025060110300a", None]
)
def test_a_malformed_vn_time_raises(text):
    with pytest.raises(vnpay.VNPayError):
        vnpay.parse_vn_time(text)


def test_ascii_text_drops_diacritics():
    assert (
        vnpay.ascii_text("Thanh toán hóa đơn tiền điện Đà Nẵng")
        == "Thanh toan hoa don tien dien Da Nang"
    )


def test_ascii_text_drops_special_characters_and_collapses_spaces():
    text = "  Hóa đơn #PE01 (kỳ 05/2025):\n\tƯu đãi, 10.5% - xong!  "
    assert vnpay.ascii_text(text) == "Hoa don PE01 ky 05/2025: Uu dai, 10.5 - xong"


def test_ascii_text_is_cut_to_the_limit():
    assert vnpay.ascii_text("a" * 300) == "a" * 255
    assert vnpay.ascii_text("ab cd", limit=3) == "ab"


# ---------------------------------------------------------------- payment parameters


def test_pay_params_send_the_bank_code_only_when_given():
    assert vnpay.pay_params(**pay_kwargs(bank_code="VNBANK"))["vnp_BankCode"] == "VNBANK"


@pytest.mark.parametrize(
    "changes",
    [
        {"tmn_code": "EVNTEST"},
        {"tmn_code": "EVNTEST12"},
        {"tmn_code": "EVN-TEST"},
        {"amount": 0},
        {"amount": -1},
        {"amount": 1.5},
        {"amount": "356000"},
        {"amount": True},
        {"txn_ref": ""},
        {"txn_ref": "x" * 101},
        {"txn_ref": "PE01/2025"},
        {"txn_ref": "PE01 2025"},
        {"locale": "vi"},
        {"expires_at": datetime(2025, 6, 1, 3, 30, tzinfo=UTC)},
        {"expires_at": datetime(2025, 6, 1, 3, 0, tzinfo=UTC)},
        {"expires_at": datetime(2025, 6, 1, 10, 45)},
        {"created_at": datetime(2025, 6, 1, 10, 30)},
        {"bank_code": "NCB"},
        {"order_info": "###"},
        {"return_url": ""},
        {"ip": ""},
    ],
)
def test_pay_params_reject_bad_input(changes):
    with pytest.raises(vnpay.VNPayError):
        vnpay.pay_params(**pay_kwargs(**changes))


def test_pay_params_accept_the_longest_reference():
    assert vnpay.pay_params(**pay_kwargs(txn_ref="A_-9" * 25))["vnp_TxnRef"] == "A_-9" * 25


# ---------------------------------------------------------------- querydr and refund


def pipe_hmac(text: str) -> str:
    return hmac.new(SECRET.encode(), text.encode(), hashlib.sha512).hexdigest()


def test_querydr_request_signs_its_values_joined_by_pipes():
    body = vnpay.querydr_request(
        request_id="REQ20250601A",
        tmn_code="EVNTEST1",
        txn_ref="PE01000012345-202505",
        transaction_date="20250601103000",
        created_at=datetime(2025, 6, 1, 5, 0, tzinfo=UTC),
        ip="127.0.0.1",
        order_info="Tra cứu giao dịch PE01000012345-202505",
        secret=SECRET,
    )
    text = (
        "REQ20250601A|2.1.0|querydr|EVNTEST1|PE01000012345-202505|20250601103000"
        "|20250601120000|127.0.0.1|Tra cuu giao dich PE01000012345-202505"
    )
    assert body["vnp_SecureHash"] == pipe_hmac(text)
    assert list(body) == [*vnpay.QUERYDR_REQUEST, "vnp_SecureHash"]
    assert vnpay.verify_response(body, vnpay.QUERYDR_REQUEST, secret=SECRET)


@pytest.mark.parametrize(
    ("full", "kind", "amount"), [(True, "02", 356_000), (False, "03", 100_000)]
)
def test_refund_request_signs_its_values_joined_by_pipes(full, kind, amount):
    body = vnpay.refund_request(
        request_id="REQ20250601B",
        tmn_code="EVNTEST1",
        full=full,
        txn_ref="PE01000012345-202505",
        amount=amount,
        transaction_no="14422574",
        transaction_date="20250601103000",
        create_by="nv.an",
        created_at=datetime(2025, 6, 1, 5, 0, tzinfo=UTC),
        ip="127.0.0.1",
        order_info="Hoàn tiền PE01000012345-202505",
        secret=SECRET,
    )
    text = (
        f"REQ20250601B|2.1.0|refund|EVNTEST1|{kind}|PE01000012345-202505|{amount * 100}"
        "|14422574|20250601103000|nv.an|20250601120000|127.0.0.1"
        "|Hoan tien PE01000012345-202505"
    )
    assert body["vnp_SecureHash"] == pipe_hmac(text)
    assert set(body) == {*vnpay.REFUND_REQUEST, "vnp_SecureHash"}
    assert len(vnpay.REFUND_REQUEST) == 13


@pytest.mark.parametrize(
    "changes",
    [
        {"request_id": ""},
        {"request_id": "R" * 33},
        {"request_id": "REQ-1"},
        {"tmn_code": "EVN"},
        {"txn_ref": "PE01 2025"},
        {"transaction_date": "2025-06-01"},
        {"created_at": datetime(2025, 6, 1, 12, 0)},
        {"amount": 0},
        {"create_by": ""},
    ],
)
def test_refund_request_rejects_bad_input(changes):
    kwargs = {
        "request_id": "REQ20250601B",
        "tmn_code": "EVNTEST1",
        "full": True,
        "txn_ref": "PE01000012345-202505",
        "amount": 356_000,
        "transaction_no": "14422574",
        "transaction_date": "20250601103000",
        "create_by": "nv.an",
        "created_at": datetime(2025, 6, 1, 5, 0, tzinfo=UTC),
        "ip": "127.0.0.1",
        "order_info": "Hoan tien",
        "secret": SECRET,
    }
    with pytest.raises(vnpay.VNPayError):
        vnpay.refund_request(**(kwargs | changes))


def querydr_response() -> dict[str, str]:
    return {
        "vnp_ResponseId": "RSP20250601A",
        "vnp_Command": "querydr",
        "vnp_ResponseCode": "00",
        "vnp_Message": "QueryDR Success",
        "vnp_TmnCode": "EVNTEST1",
        "vnp_TxnRef": "PE01000012345-202505",
        "vnp_Amount": "35600000",
        "vnp_BankCode": "NCB",
        "vnp_PayDate": "20250601103512",
        "vnp_TransactionNo": "14422574",
        "vnp_TransactionType": "01",
        "vnp_TransactionStatus": "00",
        "vnp_OrderInfo": "Thanh toan hoa don",
    }


def test_a_querydr_response_is_signed_over_its_fields_with_missing_ones_empty():
    body = vnpay.signed_response(querydr_response(), vnpay.QUERYDR_RESPONSE, secret=SECRET)
    text = (
        "RSP20250601A|querydr|00|QueryDR Success|EVNTEST1|PE01000012345-202505|35600000|NCB"
        "|20250601103512|14422574|01|00|Thanh toan hoa don||"
    )
    assert body["vnp_SecureHash"] == pipe_hmac(text)
    assert vnpay.verify_response(body, vnpay.QUERYDR_RESPONSE, secret=SECRET)


def test_a_tampered_or_unsigned_response_fails():
    body = vnpay.signed_response(querydr_response(), vnpay.QUERYDR_RESPONSE, secret=SECRET)
    fields = vnpay.QUERYDR_RESPONSE
    assert not vnpay.verify_response(body | {"vnp_Amount": "35600100"}, fields, secret=SECRET)
    assert not vnpay.verify_response(body, fields, secret="other")
    assert not vnpay.verify_response(querydr_response(), fields, secret=SECRET)
    assert not vnpay.verify_response(body, vnpay.REFUND_RESPONSE, secret=SECRET)


def test_the_field_orders_are_the_documented_ones():
    assert len(vnpay.QUERYDR_RESPONSE) == 15
    assert vnpay.QUERYDR_RESPONSE[-2:] == ("vnp_PromotionCode", "vnp_PromotionAmount")
    assert vnpay.QUERYDR_RESPONSE[:13] == vnpay.REFUND_RESPONSE
    assert vnpay.REFUND_REQUEST[4:7] == ("vnp_TransactionType", "vnp_TxnRef", "vnp_Amount")
