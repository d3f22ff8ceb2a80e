"""Validation of the identifiers customers type: phone numbers, CCCD, customer codes.

Pure functions (no Django): each `normalize_*` returns the canonical form or raises
`InvalidCode` with a machine-readable reason; interfaces translate the reason.
"""

import re

import phonenumbers


class InvalidCode(ValueError):
    """The text is not a valid identifier of the asked kind."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


_PHONE_JUNK = re.compile(r"[\s.\-()]")


def normalize_phone(text: str, *, mobile_only: bool = True) -> str:
    """Return a Vietnamese phone number in E.164 (`+84912345678`).

    Accepts the common ways people write one: `0912 345 678`, `0912.345.678`,
    `84912345678`, `+84 912 345 678`. With `mobile_only`, landlines are refused
    (an SMS must be able to reach the number).
    """
    raw = _PHONE_JUNK.sub("", text or "")
    if not raw:
        raise InvalidCode("empty")
    if not re.fullmatch(r"\+?\d{8,15}", raw):
        raise InvalidCode("format")
    if raw.startswith("84") and len(raw) >= 11:
        raw = "+" + raw
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidCode("format") from exc
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        raise InvalidCode("not_vietnamese")
    if mobile_only and phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise InvalidCode("not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national_phone(e164: str) -> str:
    """`+84912345678` → `0912 345 678`, the way Vietnamese people read numbers."""
    number = phonenumbers.parse(e164, "VN")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def mask_phone(e164: str) -> str:
    """`+84912345678` → `091****678`: enough to recognise, not enough to call."""
    digits = "0" + e164.removeprefix("+84")
    return digits[:3] + "*" * (len(digits) - 6) + digits[-3:]


CCCD_LENGTH = 12


def normalize_cccd(text: str) -> str:
    """Return a CCCD (citizen identity card) number: exactly 12 digits.

    The first three digits are the province code of birth registration (001–096)
    and the fourth encodes century and sex (0–9), so a number starting with 000
    or 097–999 cannot exist.
    """
    raw = re.sub(r"[\s.]", "", text or "")
    if not raw:
        raise InvalidCode("empty")
    if not raw.isascii() or not raw.isdigit():
        raise InvalidCode("digits")
    if len(raw) != CCCD_LENGTH:
        raise InvalidCode("length")
    if not 1 <= int(raw[:3]) <= 96:
        raise InvalidCode("province")
    return raw


def mask_cccd(cccd: str) -> str:
    """`001203012345` → `001*******45`."""
    return cccd[:3] + "*" * (len(cccd) - 5) + cccd[-2:]


def mask_name(name: str) -> str:
    """`Nguyễn Văn An` → `N***** V** A*`: enough for a holder to recognise, not to read."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())


_CUSTOMER_CODE = re.compile(r"P[A-Z][0-9]{8,12}")


def normalize_customer_code(text: str) -> str:
    """Return a customer code (mã khách hàng): `P`, a letter, then 8–12 digits.

    Examples: `PE0100012345`, `PD01000123456`. The first six characters name the
    managing unit; which units exist is data, checked by the caller.
    """
    raw = re.sub(r"[\s.\-]", "", text or "")
    if not raw:
        raise InvalidCode("empty")
    if not raw.isascii() or not raw.isalnum():
        raise InvalidCode("characters")
    raw = raw.upper()
    if not _CUSTOMER_CODE.fullmatch(raw):
        raise InvalidCode("format")
    return raw


def unit_prefixes(customer_code: str) -> list[str]:
    """Unit codes a customer code may belong to, most specific first."""
    return [customer_code[:6], customer_code[:4], customer_code[:2]]
