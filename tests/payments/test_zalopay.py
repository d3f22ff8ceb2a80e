"""ZaloPay v2: app_trans_id and app_time, the order mac, callback verification.

The fixed vectors below were computed outside Python with the openssl CLI:
    printf '%s' "$RAW" | openssl dgst -sha256 -hmac "$KEY"
with RAW the raw string written next to each hex and KEY the key1 or key2 below.
"""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from cskh.payments import zalopay

KEY1 = "TESTZALOKEY1abcdefghijklmnopqrst"
KEY2 = "TESTZALOKEY2abcdefghijklmnopqrst"
EMBED = '{"redirecturl":"https://cskh.example.vn/zalopay/return"}'
ITEM = '[{"invoice":12,"amount":356000}]'

ORDER_RAW = f"2553|250601_PE01000012345|PE01000012345|356000|1748748600000|{EMBED}|{ITEM}"
# printf '%s' "$ORDER_RAW" | openssl dgst -sha256 -hmac 'TESTZALOKEY1abcdefghijklmnopqrst'
ORDER_MAC = "55a7a471d13349b6aefbd06e1bf882bb090b35aef3214d252fb73c30be6c091a"

CALLBACK_DATA = (
    '{"app_id":2553,"app_trans_id":"250601_PE01000012345","app_time":1748748600000,'
    '"app_user":"PE01000012345","amount":356000,"embed_data":"{}","item":"[]",'
    '"zp_trans_id":250601000000001,"server_time":1748748660000,"channel":38}'
)
# printf '%s' "$CALLBACK_DATA" | openssl dgst -sha256 -hmac 'TESTZALOKEY2abcdefghijklmnopqrst'
CALLBACK_MAC = "de305e4159db6e5940b63b6a5eec3a2613bf2bc1aa6af86cbdb5579ccd5d76e0"

# 2025-06-01T03:30:00Z; `date -u -d 2025-06-01T03:30:00Z +%s` prints 1748748600.
NOW = datetime(2025, 6, 1, 3, 30, tzinfo=UTC)


def create_kwargs(**changes) -> dict:
    kwargs = {
        "app_id": 2553,
        "key1": KEY1,
        "app_user": "PE01000012345",
        "app_trans_id": "250601_PE01000012345",
        "amount": 356_000,
        "app_time": 1748748600000,
        "description": "EVN - Thanh toán hóa đơn tiền điện PE01000012345",
        "embed_data": {"redirecturl": "https://cskh.example.vn/zalopay/return"},
        "items": [{"invoice": 12, "amount": 356000}],
    }
    return kwargs | changes


def test_app_trans_id_starts_with_the_date_in_vietnam():
    assert zalopay.app_trans_id(now=NOW, suffix="PE01000012345") == "250601_PE01000012345"


def test_app_trans_id_takes_the_next_day_after_utc_17h():
    now = datetime(2026, 11, 24, 18, 30, tzinfo=UTC)
    assert zalopay.app_trans_id(now=now, suffix="abc123") == "261125_abc123"
    assert zalopay.app_trans_id(now=now - timedelta(hours=2), suffix="abc") == "261124_abc"


def test_app_trans_id_is_the_same_from_any_timezone():
    paris = NOW.astimezone(timezone(timedelta(hours=2)))
    assert zalopay.app_trans_id(now=paris, suffix="x") == "250601_x"


def test_the_longest_suffix_makes_40_characters():
    assert len(zalopay.app_trans_id(now=NOW, suffix="a" * 33)) == 40


@pytest.mark.parametrize("suffix", ["", "a" * 34, "PE01-2025", "PE01_2025", "Hóa", None])
def test_a_bad_suffix_raises(suffix):
    with pytest.raises(zalopay.ZaloPayError):
        zalopay.app_trans_id(now=NOW, suffix=suffix)


def test_naive_datetimes_are_refused():
    with pytest.raises(zalopay.ZaloPayError):
        zalopay.app_trans_id(now=datetime(2025, 6, 1, 10, 30), suffix="x")
    with pytest.raises(zalopay.ZaloPayError):
        zalopay.app_time(datetime(2025, 6, 1, 10, 30))


def test_app_time_is_milliseconds_since_the_epoch():
    assert zalopay.app_time(NOW) == 1748748600000
    assert zalopay.app_time(NOW + timedelta(microseconds=123_999)) == 1748748600123


def test_order_mac_matches_the_vector():
    mac = zalopay.order_mac(
        key1=KEY1,
        app_id=2553,
        app_trans_id="250601_PE01000012345",
        app_user="PE01000012345",
        amount=356_000,
        app_time=1748748600000,
        embed_data=EMBED,
        item=ITEM,
    )
    assert mac == ORDER_MAC


def test_create_request_sends_compact_json_and_the_mac():
    fields = zalopay.create_request(**create_kwargs())
    assert fields == {
        "app_id": 2553,
        "app_user": "PE01000012345",
        "app_trans_id": "250601_PE01000012345",
        "app_time": 1748748600000,
        "amount": 356_000,
        "description": "EVN - Thanh toán hóa đơn tiền điện PE01000012345",
        "embed_data": EMBED,
        "item": ITEM,
        "bank_code": "",
        "mac": ORDER_MAC,
    }


def test_create_request_sends_the_callback_url_when_given():
    fields = zalopay.create_request(
        **create_kwargs(callback_url="https://cskh.example.vn/zalopay/callback")
    )
    assert fields["callback_url"] == "https://cskh.example.vn/zalopay/callback"
    assert fields["mac"] == ORDER_MAC


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 0},
        {"amount": -1},
        {"amount": 356000.0},
        {"amount": True},
        {"app_trans_id": "PE01000012345"},
        {"app_trans_id": "2506_PE01"},
        {"app_trans_id": "250601_"},
        {"app_user": ""},
        {"description": ""},
    ],
)
def test_create_request_rejects_bad_input(changes):
    with pytest.raises(zalopay.ZaloPayError):
        zalopay.create_request(**create_kwargs(**changes))


def test_a_genuine_callback_gives_its_data():
    body = {"data": CALLBACK_DATA, "mac": CALLBACK_MAC, "type": 1}
    assert zalopay.verify_callback(body, key2=KEY2) == json.loads(CALLBACK_DATA)


@pytest.mark.parametrize(
    "body",
    [
        {"data": CALLBACK_DATA.replace("356000", "356001"), "mac": CALLBACK_MAC, "type": 1},
        {"data": CALLBACK_DATA, "mac": CALLBACK_MAC[:-1] + "f", "type": 1},
        {"data": CALLBACK_DATA, "mac": "", "type": 1},
        {"data": CALLBACK_DATA, "mac": "ạ", "type": 1},
        {"data": CALLBACK_DATA, "type": 1},
        {"mac": CALLBACK_MAC, "type": 1},
        {"data": json.loads(CALLBACK_DATA), "mac": CALLBACK_MAC, "type": 1},
    ],
)
def test_a_tampered_callback_raises(body):
    with pytest.raises(zalopay.ZaloPayError):
        zalopay.verify_callback(body, key2=KEY2)


def test_a_callback_checked_with_key1_raises():
    with pytest.raises(zalopay.ZaloPayError):
        zalopay.verify_callback({"data": CALLBACK_DATA, "mac": CALLBACK_MAC}, key2=KEY1)


@pytest.mark.parametrize(
    ("data", "mac"),
    [
        # printf '%s' '[1,2]' | openssl dgst -sha256 -hmac 'TESTZALOKEY2abcdefghijklmnopqrst'
        ("[1,2]", "b50fea27082b900acd56d258b8f91632ecbaeb406e7e96fb1a309b50882be668"),
        # printf '%s' '{"a":' | openssl dgst -sha256 -hmac 'TESTZALOKEY2abcdefghijklmnopqrst'
        ('{"a":', "6f4999549103aa71b98b0b6ebd69e4a566b56f86383372a1c8e8505e67dd9229"),
    ],
)
def test_a_signed_callback_whose_data_is_not_a_json_object_raises(data, mac):
    with pytest.raises(zalopay.ZaloPayError):
        zalopay.verify_callback({"data": data, "mac": mac, "type": 1}, key2=KEY2)


def test_the_replies_are_zalopays():
    assert zalopay.CALLBACK_OK == {"return_code": 1, "return_message": "success"}
    assert zalopay.CALLBACK_BAD_MAC == {"return_code": -1, "return_message": "mac not equal"}
