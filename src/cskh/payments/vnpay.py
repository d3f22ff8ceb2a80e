"""VNPay payment gateway, version 2.1.0: payment URL, callback check, querydr and refund.

Implements the protocol as written in domain/payments.md ("VNPay"): parameters sorted by key
and form-encoded like PHP's `urlencode`, HMAC-SHA512 in hex; querydr and refund sign their
values joined by `|`. Pure functions (no Django); bad input raises `VNPayError`.
"""

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

VERSION = "2.1.0"
BANK_CODES = frozenset({"", "VNPAYQR", "VNBANK", "INTCARD"})
LOCALES = frozenset({"vn", "en"})

QUERYDR_REQUEST = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
REFUND_REQUEST = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERYDR_RESPONSE = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
REFUND_RESPONSE = QUERYDR_RESPONSE[:-2]

_VN = ZoneInfo("Asia/Ho_Chi_Minh")
_TMN_CODE = re.compile(r"[A-Za-z0-9]{8}")
_TXN_REF = re.compile(r"[A-Za-z0-9_-]{1,100}")
_REQUEST_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_VN_TIME = re.compile(r"[0-9]{14}")
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9 \-.,/:]")


class VNPayError(ValueError):
    """Input that cannot make a valid VNPay request (or a malformed VNPay value)."""


def encode(params: Mapping[str, str]) -> str:
    """The query string VNPay signs: sorted by key, PHP-urlencoded, empty values left out."""
    return "&".join(
        f"{_urlencode(key)}={_urlencode(value)}"
        for key, value in sorted(params.items())
        if value not in ("", None)
    )


def sign(params: Mapping[str, str], *, secret: str) -> str:
    return _hmac(secret, encode(params))


def payment_url(*, base_url: str, params: Mapping[str, str], secret: str) -> str:
    return f"{base_url}?{encode(params)}&vnp_SecureHash={sign(params, secret=secret)}"


def verify(query: Mapping[str, str], *, secret: str) -> bool:
    """Whether a callback (IPN or return URL) carries VNPay's signature of its `vnp_*` params."""
    signed = {
        key: value
        for key, value in query.items()
        if key.startswith("vnp_") and key not in ("vnp_SecureHash", "vnp_SecureHashType")
    }
    return _same(sign(signed, secret=secret), query.get("vnp_SecureHash"))


def vn_time(moment: datetime) -> str:
    """`yyyyMMddHHmmss` in Vietnam time (GMT+7) of an aware datetime."""
    if moment.utcoffset() is None:
        raise VNPayError("naive datetime")
    t = moment.astimezone(_VN)
    return f"{t.year:04}{t.month:02}{t.day:02}{t.hour:02}{t.minute:02}{t.second:02}"


def parse_vn_time(text: str) -> datetime:
    if not isinstance(text, str) or not _VN_TIME.fullmatch(text):
        raise VNPayError(f"not a VNPay time: {text!r}")
    parts = (text[0:4], text[4:6], text[6:8], text[8:10], text[10:12], text[12:14])
    try:
        return datetime(*map(int, parts), tzinfo=_VN)
    except ValueError as exc:
        raise VNPayError(f"not a VNPay time: {text!r}") from exc


def ascii_text(text: str, *, limit: int = 255) -> str:
    """Vietnamese without diacritics or special characters, as VNPay wants order info."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(" " if c.isspace() else c for c in text if not unicodedata.combining(c))
    return " ".join(_NOT_ALLOWED.sub("", text).split())[:limit].rstrip()


def pay_params(
    *,
    tmn_code: str,
    amount: int,
    txn_ref: str,
    order_info: str,
    locale: str,
    return_url: str,
    ip: str,
    created_at: datetime,
    expires_at: datetime,
    order_type: str = "other",
    bank_code: str = "",
) -> dict[str, str]:
    """The `vnp_*` parameters of a payment URL (unsigned; `payment_url` signs them)."""
    _check("tmn_code", tmn_code, _TMN_CODE)
    _check("txn_ref", txn_ref, _TXN_REF)
    info = ascii_text(order_info)
    create_date, expire_date = vn_time(created_at), vn_time(expires_at)
    if locale not in LOCALES:
        raise VNPayError(f"locale must be one of {sorted(LOCALES)}: {locale!r}")
    if expires_at <= created_at:
        raise VNPayError("expires_at must be after created_at")
    if bank_code not in BANK_CODES:
        raise VNPayError(f"unknown bank code: {bank_code!r}")
    if not (info and return_url and ip and order_type):
        raise VNPayError("order_info, return_url, ip and order_type must not be empty")
    params = {
        "vnp_Version": VERSION,
        "vnp_Command": "pay",
        "vnp_TmnCode": tmn_code,
        "vnp_Amount": _vnp_amount(amount),
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": txn_ref,
        "vnp_OrderInfo": info,
        "vnp_OrderType": order_type,
        "vnp_Locale": locale,
        "vnp_ReturnUrl": return_url,
        "vnp_IpAddr": ip,
        "vnp_CreateDate": create_date,
        "vnp_ExpireDate": expire_date,
    }
    if bank_code:
        params["vnp_BankCode"] = bank_code
    return params


def amount_of(query: Mapping[str, str]) -> int:
    """The amount in VND of a VNPay callback or response (`vnp_Amount` is VND × 100)."""
    raw = query.get("vnp_Amount")
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or int(raw) % 100:
        raise VNPayError(f"bad vnp_Amount: {raw!r}")
    return int(raw) // 100


def is_success(query: Mapping[str, str]) -> bool:
    return query.get("vnp_ResponseCode") == "00" and query.get("vnp_TransactionStatus") == "00"


def pipe_sign(body: Mapping[str, str], fields: Sequence[str], *, secret: str) -> str:
    """HMAC-SHA512 hex of the values of `fields` (missing ones empty) joined by `|`."""
    return _hmac(secret, "|".join("" if body.get(f) is None else str(body[f]) for f in fields))


def querydr_request(
    *,
    request_id: str,
    tmn_code: str,
    txn_ref: str,
    transaction_date: str,
    created_at: datetime,
    ip: str,
    order_info: str,
    secret: str,
) -> dict[str, str]:
    """The signed JSON body asking VNPay for the state of the payment `txn_ref`."""
    body = _api_body(request_id, "querydr", tmn_code, txn_ref, transaction_date)
    body.update(
        {
            "vnp_CreateDate": vn_time(created_at),
            "vnp_IpAddr": ip,
            "vnp_OrderInfo": ascii_text(order_info),
        }
    )
    return signed_response(body, QUERYDR_REQUEST, secret=secret)


def refund_request(
    *,
    request_id: str,
    tmn_code: str,
    full: bool,
    txn_ref: str,
    amount: int,
    transaction_no: str,
    transaction_date: str,
    create_by: str,
    created_at: datetime,
    ip: str,
    order_info: str,
    secret: str,
) -> dict[str, str]:
    """The signed JSON body refunding `amount` VND (all of it when `full`) of a payment."""
    body = _api_body(request_id, "refund", tmn_code, txn_ref, transaction_date)
    if not create_by:
        raise VNPayError("create_by must not be empty")
    body.update(
        {
            "vnp_TransactionType": "02" if full else "03",
            "vnp_Amount": _vnp_amount(amount),
            "vnp_TransactionNo": transaction_no,
            "vnp_CreateBy": create_by,
            "vnp_CreateDate": vn_time(created_at),
            "vnp_IpAddr": ip,
            "vnp_OrderInfo": ascii_text(order_info),
        }
    )
    return signed_response(body, REFUND_REQUEST, secret=secret)


def verify_response(body: Mapping[str, str], fields: Sequence[str], *, secret: str) -> bool:
    """Whether a querydr/refund message carries the pipe signature of its `fields`."""
    return _same(pipe_sign(body, fields, secret=secret), body.get("vnp_SecureHash"))


def signed_response(
    body: Mapping[str, str], fields: Sequence[str], *, secret: str
) -> dict[str, str]:
    return {**body, "vnp_SecureHash": pipe_sign(body, fields, secret=secret)}


def _urlencode(text: str) -> str:
    return quote_plus(text, safe="").replace("~", "%7E")


def _hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha512).hexdigest()


def _same(expected: str, given: object) -> bool:
    return isinstance(given, str) and hmac.compare_digest(expected.encode(), given.lower().encode())


def _vnp_amount(amount: int) -> str:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise VNPayError(f"amount must be a positive integer of VND: {amount!r}")
    return str(amount * 100)


def _check(name: str, value: str, pattern: re.Pattern[str]) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise VNPayError(f"bad {name} (must match {pattern.pattern}): {value!r}")


def _api_body(
    request_id: str, command: str, tmn_code: str, txn_ref: str, transaction_date: str
) -> dict[str, str]:
    _check("request_id", request_id, _REQUEST_ID)
    _check("tmn_code", tmn_code, _TMN_CODE)
    _check("txn_ref", txn_ref, _TXN_REF)
    parse_vn_time(transaction_date)
    return {
        "vnp_RequestId": request_id,
        "vnp_Version": VERSION,
        "vnp_Command": command,
        "vnp_TmnCode": tmn_code,
        "vnp_TxnRef": txn_ref,
        "vnp_TransactionDate": transaction_date,
    }
