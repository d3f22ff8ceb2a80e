"""Identifiers customers type: phone numbers, CCCD numbers, customer codes."""

import phonenumbers
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from cskh.core.codes import (
    InvalidCode,
    mask_cccd,
    mask_phone,
    national_phone,
    normalize_cccd,
    normalize_customer_code,
    normalize_phone,
    unit_prefixes,
)


def reason(function, text, **kwargs) -> str:
    with pytest.raises(InvalidCode) as caught:
        function(text, **kwargs)
    return caught.value.reason


# ---------------------------------------------------------------- phone numbers


@pytest.mark.parametrize(
    "text",
    [
        "0912 345 678",
        "0912.345.678",
        "0912345678",
        "0912-345-678",
        "84912345678",
        "84 912 345 678",
        "+84912345678",
        "+84 912 345 678",
        "+84-912-345-678",
        "(+84) 912 345 678",
        "0084 912 345 678",
        "+84 (0) 912 345 678",
        "912345678",
        "  0912 345 678  ",
        "\t0912\u00a0345\u00a0678\n",
        "０９１２ ３４５ ６７８",  # full-width digits, as some phone keyboards type them
    ],
)
def test_common_ways_of_writing_a_mobile_number_give_e164(text):
    assert normalize_phone(text) == "+84912345678"


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("0321 234 567", "+84321234567"),  # Viettel 03x
        ("0561 234 567", "+84561234567"),  # Vietnamobile 05x
        ("0701 234 567", "+84701234567"),  # MobiFone 07x
        ("0868 123 456", "+84868123456"),  # Viettel 086
        ("0888 123 456", "+84888123456"),  # VinaPhone 08x
    ],
)
def test_every_carrier_range_is_accepted(text, e164):
    assert normalize_phone(text) == e164


@pytest.mark.parametrize(
    "text",
    [
        "024 3825 3535",  # Hà Nội landline
        "028 3829 1234",  # Hồ Chí Minh City landline
        "+84 24 3825 3535",
        "842438253535",
        "1900 545454",  # hotline
    ],
)
def test_landlines_are_refused_because_they_cannot_receive_sms(text):
    assert reason(normalize_phone, text) == "not_mobile"


def test_landlines_are_accepted_when_any_number_will_do():
    assert normalize_phone("024 3825 3535", mobile_only=False) == "+842438253535"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        (None, "empty"),
        ("   ", "empty"),
        (" . - ( ) ", "empty"),
        ("abc", "format"),
        ("0912 345 67a", "format"),
        ("12345", "format"),  # too short to be a number
        ("0912345678901234567", "format"),  # too long
        ("++84912345678", "format"),
        ("0912+345678", "format"),
        ("0912 345 67", "not_vietnamese"),  # a digit missing
        ("09123456789", "not_vietnamese"),  # a digit too many
        ("+1 202 555 0143", "not_vietnamese"),  # United States
        ("+86 139 1234 5678", "not_vietnamese"),  # China
        ("0800 123 456", "not_vietnamese"),
    ],
)
def test_wrong_numbers_are_refused_with_the_reason(text, expected):
    assert reason(normalize_phone, text) == expected


def test_invalid_code_carries_its_reason_as_a_value_error():
    error = InvalidCode("format")
    assert isinstance(error, ValueError)
    assert error.reason == "format"
    assert str(error) == "format"


# Two-digit prefixes of the Vietnamese mobile ranges (03x, 05x, 07x, 08x, 09x).
MOBILE_PREFIXES = [
    *range(32, 40),
    56,
    58,
    59,
    70,
    *range(76, 80),
    *range(81, 87),
    88,
    90,
    91,
    93,
    94,
    96,
    97,
    98,
]
subscriber_numbers = st.builds(
    lambda prefix, rest: f"{prefix}{rest:07d}",
    st.sampled_from(MOBILE_PREFIXES),
    st.integers(min_value=0, max_value=9_999_999),
)

WRITINGS = [
    lambda n: "0" + n,
    lambda n: f"0{n[:3]} {n[3:6]} {n[6:]}",
    lambda n: f"0{n[:3]}.{n[3:6]}.{n[6:]}",
    lambda n: f"0{n[:3]}-{n[3:6]}-{n[6:]}",
    lambda n: "84" + n,
    lambda n: f"84 {n[:2]} {n[2:5]} {n[5:]}",
    lambda n: "+84" + n,
    lambda n: f"+84 {n[:2]} {n[2:5]} {n[5:]}",
    lambda n: f"(+84) {n[:3]} {n[3:6]} {n[6:]}",
    lambda n: "0084" + n,
    lambda n: n,
]


@given(subscriber_numbers, st.sampled_from(WRITINGS), st.sampled_from(["", " ", "  ", "\t"]))
def test_any_mobile_written_any_common_way_gives_the_same_e164(number, write, padding):
    assert normalize_phone(padding + write(number) + padding) == "+84" + number


@given(subscriber_numbers)
def test_e164_national_and_masked_forms_agree(number):
    e164 = normalize_phone("0" + number)
    national = national_phone(e164)
    assert national.replace(" ", "") == "0" + number
    assert normalize_phone(national) == e164
    masked = mask_phone(e164)
    assert masked == "0" + number[:2] + "****" + number[-3:]


@given(st.one_of(subscriber_numbers.map(lambda n: "0" + n), st.text(max_size=20)))
@example("0912 345 678")
def test_normalize_phone_is_idempotent(text):
    try:
        e164 = normalize_phone(text)
    except InvalidCode:
        return
    assert e164.startswith("+84")
    assert normalize_phone(e164) == e164


@given(st.text(max_size=30))
def test_normalize_phone_only_ever_raises_invalid_code(text):
    try:
        normalize_phone(text)
    except InvalidCode as error:
        assert error.reason in {"empty", "format", "not_vietnamese", "not_mobile"}


@given(st.text(min_size=1, max_size=20).filter(lambda t: any(c.isalpha() for c in t)))
def test_text_with_letters_is_not_a_phone_number(text):
    assert reason(normalize_phone, text) == "format"


@given(st.sampled_from(["24", "28"]), st.integers(min_value=30_000_000, max_value=39_999_999))
def test_big_city_landlines_are_never_taken_for_mobiles(area, rest):
    number = f"0{area}{rest}"
    parsed = phonenumbers.parse(number, "VN")
    assume(phonenumbers.is_valid_number(parsed))
    assert reason(normalize_phone, number) == "not_mobile"
    assert normalize_phone(number, mobile_only=False) == f"+84{area}{rest}"


def test_mask_phone_hides_the_middle_digits():
    assert mask_phone("+84912345678") == "091****678"


def test_national_phone_is_written_the_vietnamese_way():
    assert national_phone("+84912345678") == "0912 345 678"


# ---------------------------------------------------------------- CCCD


@pytest.mark.parametrize(
    ("text", "cccd"),
    [
        ("001203012345", "001203012345"),
        ("079 085 001 234", "079085001234"),
        ("079.085.001.234", "079085001234"),
        (" 096199012345 ", "096199012345"),
    ],
)
def test_cccd_numbers_are_12_digits(text, cccd):
    assert normalize_cccd(text) == cccd


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        (None, "empty"),
        (" . ", "empty"),
        ("07908500123a", "digits"),
        ("079-085-001-234", "digits"),
        ("０７９０８５００１２３４", "digits"),  # full-width digits
        ("079085²01234", "digits"),
        ("07908500123", "length"),  # 11 digits
        ("0790850012345", "length"),  # 13 digits
        ("123456789", "length"),  # an old 9-digit CMND
        ("000203012345", "province"),
        ("097203012345", "province"),
        ("999203012345", "province"),
    ],
)
def test_wrong_cccd_numbers_are_refused_with_the_reason(text, expected):
    assert reason(normalize_cccd, text) == expected


@given(st.integers(min_value=1, max_value=96), st.integers(min_value=0, max_value=10**9 - 1))
def test_any_12_digits_with_a_province_code_is_a_cccd(province, rest):
    cccd = f"{province:03d}{rest:09d}"
    assert normalize_cccd(cccd) == cccd
    assert normalize_cccd(f"{cccd[:3]} {cccd[3:6]} {cccd[6:9]} {cccd[9:]}") == cccd


@given(st.integers(min_value=97, max_value=999), st.integers(min_value=0, max_value=10**9 - 1))
@example(0, 203012345)
def test_no_cccd_outside_the_province_codes(province, rest):
    assert reason(normalize_cccd, f"{province:03d}{rest:09d}") == "province"


not_a_digit = st.characters(
    exclude_categories=["Zs", "Zl", "Zp", "Cc"],
    exclude_characters="0123456789.",
)


@given(
    st.text(alphabet="0123456789", min_size=0, max_size=14),
    not_a_digit,
    st.text(alphabet="0123456789", min_size=0, max_size=14),
)
def test_anything_with_a_non_digit_is_not_a_cccd(before, odd, after):
    assert reason(normalize_cccd, before + odd + after) == "digits"


@given(st.integers(min_value=1, max_value=96), st.integers(min_value=0, max_value=10**9 - 1))
def test_mask_cccd_keeps_the_province_and_the_last_two_digits(province, rest):
    cccd = f"{province:03d}{rest:09d}"
    masked = mask_cccd(cccd)
    assert masked == cccd[:3] + "*******" + cccd[-2:]
    assert len(masked) == 12


def test_mask_cccd_example():
    assert mask_cccd("001203012345") == "001*******45"


# ---------------------------------------------------------------- customer codes


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("PE0100012345", "PE0100012345"),
        ("pe0100012345", "PE0100012345"),
        ("Pe 0100 012345", "PE0100012345"),
        ("PE.0100.012345", "PE0100012345"),
        ("PE-0100-012345", "PE0100012345"),
        (" PD01000123456 ", "PD01000123456"),
        ("PK01000123", "PK01000123"),  # 8 digits
        ("PA010001234567", "PA010001234567"),  # 12 digits
    ],
)
def test_customer_codes_are_normalised(text, code):
    assert normalize_customer_code(text) == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        (None, "empty"),
        (" - ", "empty"),
        ("PE01000123/5", "characters"),
        ("PE_0100012345", "characters"),
        ("PĐ0100012345", "characters"),
        ("PE0100012", "format"),  # 7 digits
        ("PE0100012345678", "format"),  # 13 digits
        ("QE0100012345", "format"),
        ("P10100012345", "format"),
        ("PEE100012345", "format"),
        ("0100012345", "format"),
        ("PE01000123AB", "format"),
    ],
)
def test_wrong_customer_codes_are_refused_with_the_reason(text, expected):
    assert reason(normalize_customer_code, text) == expected


customer_codes = st.from_regex(r"P[A-Z][0-9]{8,12}", fullmatch=True)


@given(customer_codes, st.data())
def test_customer_code_round_trip(code, data):
    """Lower case, spaces, dots and dashes anywhere: the same code comes back."""
    mixed = "".join(
        data.draw(st.sampled_from([c, c.lower()])) + data.draw(st.sampled_from(["", " ", ".", "-"]))
        for c in code
    )
    assert normalize_customer_code(mixed) == code
    assert normalize_customer_code(code) == code


def test_unit_prefixes_go_from_branch_to_corporation():
    assert unit_prefixes("PE0100012345") == ["PE0100", "PE01", "PE"]
