"""MoMo e-wallet payment gateway, API v2: create request and IPN check.

Implements the protocol as written in domain/payments.md ("MoMo (v2) and ZaloPay (v2)"):
HMAC-SHA256 hex over the raw (unencoded) `k=v&…` of fixed, sorted keys; extraData is
base64 of compact JSON, or "". Pure functions (no Django); bad input raises `MoMoError`.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence

CREATE_FIELDS = (
    "accessKey",
    "amount",
    "extraData",
    "ipnUrl",
    "orderId",
    "orderInfo",
    "partnerCode",
    "redirectUrl",
    "requestId",
    "requestType",
)
IPN_FIELDS = (
    "accessKey",
    "amount",
    "extraData",
    "message",
    "orderId",
    "orderInfo",
    "orderType",
    "partnerCode",
    "payType",
    "requestId",
    "responseTime",
    "resultCode",
    "transId",
)
LANGS = frozenset({"vi", "en"})


class MoMoError(ValueError):
    """Input that cannot make a valid MoMo request (or a malformed MoMo value)."""


def raw_signature(values: Mapping[str, object], fields: Sequence[str]) -> str:
    """`k=v&…` over `fields` in the given order, unencoded; a missing value is empty."""
    return "&".join(f"{key}={'' if values.get(key) is None else values[key]}" for key in fields)


def sign(values: Mapping[str, object], fields: Sequence[str], *, secret: str) -> str:
    message = raw_signature(values, fields).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def extra_data(data: Mapping[str, object] | None) -> str:
    """MoMo's extraData: "" for nothing, else base64 of compact UTF-8 JSON."""
    if not data:
        return ""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(text.encode()).decode()


def parse_extra_data(text: str) -> dict:
    """The mapping carried by an extraData value (the inverse of `extra_data`)."""
    if not text:
        return {}
    try:
        data = json.loads(base64.b64decode(text, validate=True).decode())
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MoMoError(f"extraData is not base64 JSON: {text!r}") from exc
    if not isinstance(data, dict):
        raise MoMoError(f"extraData is not a JSON object: {text!r}")
    return data


def create_request(
    *,
    partner_code: str,
    access_key: str,
    secret: str,
    request_id: str,
    order_id: str,
    amount: int,
    order_info: str,
    redirect_url: str,
    ipn_url: str,
    request_type: str = "captureWallet",
    extra: Mapping[str, object] | None = None,
    lang: str = "vi",
) -> dict:
    """The signed JSON body of POST /v2/gateway/api/create.

    accessKey is signed but not sent: MoMo knows it from partnerCode.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise MoMoError(f"amount must be a positive integer of VND: {amount!r}")
    if lang not in LANGS:
        raise MoMoError(f"lang must be one of {sorted(LANGS)}: {lang!r}")
    needed = [partner_code, access_key, secret, request_id, order_id, order_info]
    if not all([*needed, redirect_url, ipn_url, request_type]):
        raise MoMoError("partner, keys, ids, order info, URLs and request type are required")
    body = {
        "partnerCode": partner_code,
        "requestId": request_id,
        "amount": amount,
        "orderId": order_id,
        "orderInfo": order_info,
        "redirectUrl": redirect_url,
        "ipnUrl": ipn_url,
        "requestType": request_type,
        "extraData": extra_data(extra),
        "lang": lang,
    }
    signature = sign({**body, "accessKey": access_key}, CREATE_FIELDS, secret=secret)
    return {**body, "signature": signature}


def verify_ipn(body: Mapping[str, object], *, access_key: str, secret: str) -> bool:
    """Whether an IPN carries MoMo's signature; accessKey comes from our config."""
    given = body.get("signature")
    expected = sign({**body, "accessKey": access_key}, IPN_FIELDS, secret=secret)
    return isinstance(given, str) and hmac.compare_digest(expected.encode(), given.lower().encode())


def is_paid(body: Mapping[str, object]) -> bool:
    code = body.get("resultCode")
    return not isinstance(code, bool) and str(code) == "0"
