"""ZaloPay payment gateway, API v2: create order and callback check.

Implements the protocol as written in domain/payments.md ("MoMo (v2) and ZaloPay (v2)"):
the order `mac` is HMAC-SHA256(key1) over `app_id|app_trans_id|app_user|amount|app_time|
embed_data|item`; a callback's `mac` is HMAC-SHA256(key2) over its raw `data`; app_trans_id
starts with the date in GMT+7. Pure functions (no Django); bad input raises `ZaloPayError`.
"""

import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone

CALLBACK_OK = {"return_code": 1, "return_message": "success"}
CALLBACK_BAD_MAC = {"return_code": -1, "return_message": "mac not equal"}

_GMT7 = timezone(timedelta(hours=7))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SUFFIX = re.compile(r"[A-Za-z0-9]{1,33}")
_APP_TRANS_ID = re.compile(r"[0-9]{6}_[A-Za-z0-9]{1,33}")


class ZaloPayError(ValueError):
    """Input that cannot make a valid ZaloPay request, or a callback that fails its check."""


def app_trans_id(*, now: datetime, suffix: str) -> str:
    """`yymmdd_<suffix>`, the date being today's in Vietnam (GMT+7)."""
    if not isinstance(suffix, str) or not _SUFFIX.fullmatch(suffix):
        raise ZaloPayError(f"suffix must be 1 to 33 letters or digits: {suffix!r}")
    return f"{_aware(now).astimezone(_GMT7):%y%m%d}_{suffix}"


def app_time(now: datetime) -> int:
    """Milliseconds since the epoch."""
    return (_aware(now) - _EPOCH) // timedelta(milliseconds=1)


def order_mac(
    *,
    key1: str,
    app_id: int | str,
    app_trans_id: str,
    app_user: str,
    amount: int,
    app_time: int,
    embed_data: str,
    item: str,
) -> str:
    message = f"{app_id}|{app_trans_id}|{app_user}|{amount}|{app_time}|{embed_data}|{item}"
    return _hmac(key1, message)


def create_request(
    *,
    app_id: int | str,
    key1: str,
    app_user: str,
    app_trans_id: str,
    amount: int,
    app_time: int,
    description: str,
    embed_data: Mapping[str, object],
    items: Sequence[Mapping[str, object]],
    callback_url: str = "",
    bank_code: str = "",
) -> dict:
    """The form fields of POST /v2/create, with their `mac`."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ZaloPayError(f"amount must be a positive integer of VND: {amount!r}")
    if not isinstance(app_trans_id, str) or not _APP_TRANS_ID.fullmatch(app_trans_id):
        raise ZaloPayError(f"bad app_trans_id: {app_trans_id!r}")
    if not (app_id and key1 and app_user and description):
        raise ZaloPayError("app_id, key1, app_user and description are required")
    embed, item = _json(embed_data), _json(list(items))
    fields = {
        "app_id": app_id,
        "app_user": app_user,
        "app_trans_id": app_trans_id,
        "app_time": app_time,
        "amount": amount,
        "description": description,
        "embed_data": embed,
        "item": item,
        "bank_code": bank_code,
    }
    if callback_url:
        fields["callback_url"] = callback_url
    mac = order_mac(
        key1=key1,
        app_id=app_id,
        app_trans_id=app_trans_id,
        app_user=app_user,
        amount=amount,
        app_time=app_time,
        embed_data=embed,
        item=item,
    )
    return {**fields, "mac": mac}


def verify_callback(body: Mapping[str, object], *, key2: str) -> dict:
    """The order data of a callback whose `mac` is ZaloPay's; raises otherwise."""
    data, mac = body.get("data"), body.get("mac")
    if not isinstance(data, str) or not isinstance(mac, str):
        raise ZaloPayError("callback without data or mac")
    if not hmac.compare_digest(_hmac(key2, data).encode(), mac.lower().encode()):
        raise ZaloPayError("mac not equal")
    try:
        order = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ZaloPayError("callback data is not JSON") from exc
    if not isinstance(order, dict):
        raise ZaloPayError("callback data is not a JSON object")
    return order


def _aware(moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        raise ZaloPayError("naive datetime")
    return moment


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _hmac(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()
