"""VietQR (NAPAS 247): the documented payloads, the CRC, round trips and bad input."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cskh.payments import vietqr

# The vectors of domain/payments.md.
STATIC = (
    "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB4"
)
DYNAMIC = (
    "00020101021238570010A00000072701270006970422011300234579234420208QRIBFTTA"
    "53037045405401235802VN62200816test text string6304D9C6"
)


def test_crc16_check_value():
    assert vietqr.crc16("123456789") == "29B1"
    assert vietqr.crc16("") == "FFFF"


def test_crc16_is_zero_padded():
    assert len(vietqr.crc16("1")) == 4
    assert all(len(vietqr.crc16(chr(c))) == 4 for c in range(32, 127))


def test_the_static_vector_is_encoded_byte_for_byte():
    assert vietqr.encode(bin="970423", account="0099999999") == STATIC


def test_the_dynamic_vector_is_encoded_byte_for_byte():
    payload = vietqr.encode(
        bin="970422", account="0023457923442", amount=40123, purpose="test text string"
    )
    assert payload == DYNAMIC


def test_the_static_vector_is_parsed():
    assert vietqr.parse(STATIC) == {
        "initiation": "11",
        "bin": "970423",
        "account": "0099999999",
        "service": "QRIBFTTA",
        "amount": None,
        "bill_number": "",
        "reference": "",
        "purpose": "",
        "currency": "704",
        "country": "VN",
    }


def test_the_dynamic_vector_is_parsed():
    assert vietqr.parse(DYNAMIC) == {
        "initiation": "12",
        "bin": "970422",
        "account": "0023457923442",
        "service": "QRIBFTTA",
        "amount": 40123,
        "bill_number": "",
        "reference": "",
        "purpose": "test text string",
        "currency": "704",
        "country": "VN",
    }


def test_additional_data_keeps_the_order_bill_reference_purpose():
    payload = vietqr.encode(
        bin="970436",
        account="1234567890",
        amount=356000,
        bill_number="PE01000012345",
        reference="EVN8F3K2Q",
        purpose="Tien dien 05/2025",
        to_card=True,
    )
    assert "0208QRIBFTTC" in payload
    assert "62510113PE010000123450509EVN8F3K2Q0817Tien dien 05/20256304" in payload
    assert vietqr.parse(payload)["reference"] == "EVN8F3K2Q"


def test_a_lower_case_crc_is_accepted():
    assert vietqr.parse(STATIC[:-4] + STATIC[-4:].lower())["bin"] == "970423"


printable = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=25)


@given(
    bin=st.from_regex(r"[0-9]{6}", fullmatch=True),
    account=st.from_regex(r"[A-Z0-9]{1,19}", fullmatch=True),
    amount=st.none() | st.integers(min_value=1, max_value=10**13 - 1),
    bill_number=printable,
    reference=printable,
    purpose=printable,
    to_card=st.booleans(),
)
def test_encode_then_parse_gives_the_fields_back(**fields):
    parsed = vietqr.parse(vietqr.encode(**fields))
    assert parsed["initiation"] == ("11" if fields["amount"] is None else "12")
    assert parsed["service"] == ("QRIBFTTC" if fields.pop("to_card") else "QRIBFTTA")
    assert {name: parsed[name] for name in fields} == fields
    assert (parsed["currency"], parsed["country"]) == ("704", "VN")


@pytest.mark.parametrize("position", [0, 5, 30, 60, len(DYNAMIC) - 20, len(DYNAMIC) - 1])
def test_one_changed_character_fails_the_crc(position):
    replacement = "7" if DYNAMIC[position] != "7" else "8"
    corrupted = DYNAMIC[:position] + replacement + DYNAMIC[position + 1 :]
    with pytest.raises(vietqr.VietQRError):
        vietqr.parse(corrupted)


def with_crc(body: str) -> str:
    return body + "6304" + vietqr.crc16(body + "6304")


@pytest.mark.parametrize(
    "payload",
    [
        "",
        STATIC[:-8],
        STATIC[:-4],
        "6304" + vietqr.crc16("6304"),
        with_crc("000201010211"),
        with_crc("0002010102113854"),
        with_crc("00020101021101021153037045802VN"),
        with_crc("0002020102113854" + STATIC[16:-8]),
        with_crc(STATIC[:-8].replace("010211", "010213")),
        with_crc(STATIC[:-8] + "54040000"),
        with_crc(STATIC[:-8] + "5402-1"),
        with_crc(STATIC[:-8].replace("5303704", "5303840")),
        with_crc(STATIC[:-8].replace("QRIBFTTA", "QRIBFTTX")),
        with_crc(STATIC[:-8].replace("A000000727", "A000000728")),
        with_crc(STATIC[:-8].replace("970423", "97042X")),
        with_crc(STATIC[:-8].replace("0099999999", "009999999a")),
        STATIC[:-8] + "6304" + vietqr.crc16(STATIC[:-8] + "6304") + "0000",
        with_crc(STATIC[:-8] + "6304CBB4"),
        with_crc(STATIC[:-8]).replace("VN", "VÑ"),
    ],
)
def test_a_malformed_payload_raises(payload):
    with pytest.raises(vietqr.VietQRError):
        vietqr.parse(payload)


GOOD = {"bin": "970423", "account": "0099999999"}


@pytest.mark.parametrize(
    "changes",
    [
        {"bin": "97042"},
        {"bin": "9704231"},
        {"bin": "97042a"},
        {"bin": "９７０４２３"},
        {"account": ""},
        {"account": "1" * 20},
        {"account": "00999-9999"},
        {"account": "abc123"},
        {"amount": 0},
        {"amount": -5},
        {"amount": 10**13},
        {"amount": 1.5},
        {"amount": True},
        {"amount": "40123"},
        {"bill_number": "x" * 26},
        {"reference": "Hóa đơn"},
        {"purpose": "line\nbreak"},
    ],
)
def test_encode_rejects_bad_input(changes):
    with pytest.raises(vietqr.VietQRError):
        vietqr.encode(**(GOOD | changes))


def test_the_longest_values_fit():
    payload = vietqr.encode(
        bin="970423",
        account="9" * 19,
        amount=10**13 - 1,
        bill_number="b" * 25,
        reference="r" * 25,
        purpose="p" * 25,
    )
    assert vietqr.parse(payload)["amount"] == 10**13 - 1
