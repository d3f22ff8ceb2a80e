"""VietQR: the NAPAS 247 bank-transfer QR code (EMVCo merchant-presented), encode and parse.

Implements the payload as written in domain/payments.md ("VietQR"): TLV fields (two-digit
tag, two-digit decimal length, value), ending in tag 63 with a CRC-16/CCITT-FALSE of the
whole string. Pure functions (no Django); bad input raises `VietQRError`.
"""

import hmac
import re

GUID = "A000000727"
TO_ACCOUNT = "QRIBFTTA"
TO_CARD = "QRIBFTTC"
CURRENCY = "704"
COUNTRY = "VN"

_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(r"[A-Z0-9]{1,19}")
_AMOUNT = re.compile(r"[1-9][0-9]{0,12}")
_EXTRA = re.compile(r"[ -~]{0,25}")
_EXTRA_TAGS = {"bill_number": "01", "reference": "05", "purpose": "08"}


class VietQRError(ValueError):
    """Input that cannot make a VietQR payload, or a payload that is not a valid VietQR."""


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as 4 upper-case hex digits."""
    crc = 0xFFFF
    for byte in data.encode():
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return f"{crc:04X}"


def encode(
    *,
    bin: str,
    account: str,
    amount: int | None = None,
    bill_number: str = "",
    reference: str = "",
    purpose: str = "",
    to_card: bool = False,
) -> str:
    """The payload of a VietQR code for a transfer to `account` at the bank `bin`.

    Without `amount` the code is static (reusable); with it, dynamic (one payment).
    """
    _check("bin", bin, _BIN)
    _check("account", account, _ACCOUNT)
    extra = {"bill_number": bill_number, "reference": reference, "purpose": purpose}
    for name, value in extra.items():
        _check(name, value, _EXTRA)
    if amount is not None:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise VietQRError(f"amount must be an integer of VND: {amount!r}")
        _check("amount", str(amount), _AMOUNT)
    merchant = _tlv("00", GUID) + _tlv("01", _tlv("00", bin) + _tlv("01", account))
    payload = (
        _tlv("00", "01")
        + _tlv("01", "11" if amount is None else "12")
        + _tlv("38", merchant + _tlv("02", TO_CARD if to_card else TO_ACCOUNT))
        + _tlv("53", CURRENCY)
    )
    if amount is not None:
        payload += _tlv("54", str(amount))
    payload += _tlv("58", COUNTRY)
    additional = "".join(_tlv(_EXTRA_TAGS[name], value) for name, value in extra.items() if value)
    if additional:
        payload += _tlv("62", additional)
    payload += "6304"
    return payload + crc16(payload)


def parse(payload: str) -> dict:
    """The fields of a VietQR payload, after checking its CRC and structure."""
    if not isinstance(payload, str) or not payload.isascii() or payload[-8:-4] != "6304":
        raise VietQRError("no CRC field at the end")
    if not hmac.compare_digest(crc16(payload[:-4]), payload[-4:].upper()):
        raise VietQRError("wrong CRC")
    fields = _fields(payload)
    if list(fields)[-1] != "63":
        raise VietQRError("the CRC field is not last")
    merchant = _fields(_get(fields, "38"))
    account = _fields(_get(merchant, "01"))
    additional = _fields(fields.get("62", ""))
    result = {
        "initiation": _get(fields, "01"),
        "bin": _get(account, "00"),
        "account": _get(account, "01"),
        "service": _get(merchant, "02"),
        "amount": None,
        **{name: additional.get(tag, "") for name, tag in _EXTRA_TAGS.items()},
        "currency": _get(fields, "53"),
        "country": _get(fields, "58"),
    }
    expected = {
        "format": (_get(fields, "00"), {"01"}),
        "initiation": (result["initiation"], {"11", "12"}),
        "guid": (_get(merchant, "00"), {GUID}),
        "service": (result["service"], {TO_ACCOUNT, TO_CARD}),
        "currency": (result["currency"], {CURRENCY}),
        "country": (result["country"], {COUNTRY}),
    }
    for name, (value, allowed) in expected.items():
        if value not in allowed:
            raise VietQRError(f"bad {name}: {value!r}")
    _check("bin", result["bin"], _BIN)
    _check("account", result["account"], _ACCOUNT)
    if "54" in fields:
        result["amount"] = int(_check("amount", fields["54"], _AMOUNT))
    return result


def _check(name: str, value: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise VietQRError(f"bad {name} (must match {pattern.pattern}): {value!r}")
    return value


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise VietQRError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02}{value}"


def _fields(data: str) -> dict[str, str]:
    """The TLV fields of `data`, in order; malformed or repeated fields raise."""
    fields: dict[str, str] = {}
    at = 0
    while at < len(data):
        head = data[at : at + 4]
        if len(head) < 4 or not head.isdigit():
            raise VietQRError(f"malformed TLV at {at}")
        tag, size, at = head[:2], int(head[2:]), at + 4
        if tag in fields or at + size > len(data):
            raise VietQRError(f"malformed TLV field {tag}")
        fields[tag], at = data[at : at + size], at + size
    return fields


def _get(fields: dict[str, str], tag: str) -> str:
    if tag not in fields:
        raise VietQRError(f"missing field {tag}")
    return fields[tag]
