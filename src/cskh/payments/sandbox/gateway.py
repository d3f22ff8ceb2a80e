"""VNPay's side of the protocol (domain/payments.md), as the sandbox plays it: check a
payment request, sign the IPN and the Return URL's query, deliver the IPN with VNPay's
retries, answer querydr and refund."""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from cskh.payments import http, vnpay
from cskh.payments.sandbox.models import RefundRequest, Transaction

REQUIRED = (
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_CurrCode",
    "vnp_TxnRef",
    "vnp_OrderInfo",
    "vnp_OrderType",
    "vnp_Locale",
    "vnp_ReturnUrl",
    "vnp_IpAddr",
    "vnp_CreateDate",
    "vnp_ExpireDate",
)
# What the tester can choose on the payment page: (vnp_ResponseCode, vnp_TransactionStatus).
OUTCOMES = {"00": "00", "51": "02", "24": "02", "11": "02"}
# How the IPN is delivered: as VNPay does, twice, later, with a forged amount, or never.
DELIVERIES = ("normal", "duplicate", "delayed", "tampered", "none")
RETRIES = 10
RETRY_EVERY = timedelta(minutes=5)
STOP = ("00", "02")  # VNPay stops retrying on these RspCodes


class Refused(Exception):
    """The payment request is not acceptable; `code` as VNPay would show it."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def _secret() -> str:
    return settings.VNPAY_HASH_SECRET


def open_request(query: dict[str, str], *, ipn_url: str, now: datetime) -> Transaction:
    """Check a payment request as VNPay does and remember it (once per TmnCode + TxnRef)."""
    if not vnpay.verify(query, secret=_secret()):
        raise Refused("97", "Sai chữ ký / Invalid signature")
    missing = [key for key in REQUIRED if not query.get(key)]
    if missing:
        raise Refused("03", "Thiếu tham số / Missing: " + ", ".join(missing))
    if query.get("vnp_SecureHashType"):
        raise Refused("03", "vnp_SecureHashType is not sent in 2.1.0")
    if query["vnp_Version"] != vnpay.VERSION or query["vnp_Command"] != "pay":
        raise Refused("03", "Sai phiên bản / Wrong version or command")
    if query["vnp_TmnCode"] != settings.VNPAY_TMN_CODE:
        raise Refused("02", "Sai mã website / Unknown merchant")
    if query["vnp_CurrCode"] != "VND" or query["vnp_Locale"] not in ("vn", "en"):
        raise Refused("03", "Sai định dạng / Wrong format")
    try:
        vnpay.amount_of(query)
        expires = vnpay.parse_vn_time(query["vnp_ExpireDate"])
        vnpay.parse_vn_time(query["vnp_CreateDate"])
    except vnpay.VNPayError as error:
        raise Refused("03", f"Sai định dạng / Wrong format: {error}") from error
    if expires <= now:
        raise Refused("11", "Giao dịch đã hết hạn / The payment has expired")
    txn, _created = Transaction.objects.get_or_create(
        tmn_code=query["vnp_TmnCode"],
        txn_ref=query["vnp_TxnRef"],
        defaults={
            "amount": query["vnp_Amount"],
            "order_info": query["vnp_OrderInfo"],
            "create_date": query["vnp_CreateDate"],
            "expire_date": query["vnp_ExpireDate"],
            "return_url": query["vnp_ReturnUrl"],
            "ipn_url": ipn_url,
            "locale": query["vnp_Locale"],
            "bank_code": query.get("vnp_BankCode") or "NCB",
        },
    )
    if txn.amount != query["vnp_Amount"]:
        raise Refused("94", "Trùng mã giao dịch / This TxnRef was sent with another amount")
    return txn


def choose(txn: Transaction, *, response_code: str, now: datetime) -> Transaction:
    """The customer paid (or did not): the outcome is final, once."""
    with transaction.atomic():
        txn = Transaction.objects.select_for_update().get(pk=txn.pk)
        if not txn.done:
            txn.response_code = response_code
            txn.transaction_status = OUTCOMES[response_code]
            txn.pay_date = vnpay.vn_time(now)
            txn.save()
    return txn


def result_query(txn: Transaction, *, tamper: bool = False) -> dict[str, str]:
    """The signed query VNPay sends to the IPN and appends to the Return URL."""
    params = {
        "vnp_TmnCode": txn.tmn_code,
        "vnp_Amount": txn.amount,
        "vnp_BankCode": txn.bank_code,
        "vnp_BankTranNo": f"VNP{txn.transaction_no}" if txn.response_code == "00" else "",
        "vnp_CardType": "ATM",
        "vnp_PayDate": txn.pay_date,
        "vnp_OrderInfo": txn.order_info,
        "vnp_TransactionNo": txn.transaction_no,
        "vnp_ResponseCode": txn.response_code,
        "vnp_TransactionStatus": txn.transaction_status,
        "vnp_TxnRef": txn.txn_ref,
    }
    params = {key: value for key, value in params.items() if value}
    params["vnp_SecureHash"] = vnpay.sign(params, secret=_secret())
    if tamper:
        params["vnp_Amount"] = str(int(txn.amount) + 100_000)
    return params


def return_url(txn: Transaction) -> str:
    separator = "&" if "?" in txn.return_url else "?"
    return txn.return_url + separator + urlencode(result_query(txn))


def send_ipn(txn: Transaction, *, tamper: bool = False) -> str:
    """Call the merchant's IPN once; its RspCode ("" when it did not answer)."""
    url = txn.ipn_url + "?" + urlencode(result_query(txn, tamper=tamper))
    try:
        code = str(http.get_json(url).get("RspCode", ""))
    except http.GatewayUnreachable:
        code = ""
    Transaction.objects.filter(pk=txn.pk).update(
        ipn_attempts=F("ipn_attempts") + 1, ipn_answer=code
    )
    txn.refresh_from_db()
    return code


def deliver(txn: Transaction, *, how: str, retry) -> None:
    """Deliver the IPN `how` the tester chose; `retry(txn, delay)` schedules another try."""
    if how == "none":
        return
    if how == "delayed":
        retry(txn, RETRY_EVERY)
        return
    code = send_ipn(txn, tamper=how == "tampered")
    if how == "duplicate":
        send_ipn(txn)
    if code not in STOP and how != "tampered":
        retry(txn, RETRY_EVERY)


def retry_ipn(txn: Transaction, *, retry) -> None:
    """One of VNPay's later tries: up to 10 in all, 5 minutes apart, until 00 or 02."""
    if txn.ipn_answer in STOP or txn.ipn_attempts >= RETRIES:
        return
    if send_ipn(txn) not in STOP and txn.ipn_attempts < RETRIES:
        retry(txn, RETRY_EVERY)


# the merchant API: querydr and refund

_REQUEST_FIELDS = {"querydr": vnpay.QUERYDR_REQUEST, "refund": vnpay.REFUND_REQUEST}


def api(body: dict) -> dict[str, str]:
    command = body.get("vnp_Command", "")
    fields = _REQUEST_FIELDS.get(command)
    base = {
        "vnp_ResponseId": body.get("vnp_RequestId", ""),
        "vnp_Command": command,
        "vnp_TmnCode": body.get("vnp_TmnCode", ""),
        "vnp_TxnRef": body.get("vnp_TxnRef", ""),
    }
    if fields is None or any(not body.get(key) for key in fields):
        return _answer(base, command, "03", "Invalid format")
    if not vnpay.verify_response(body, fields, secret=_secret()):
        return _answer(base, command, "97", "Invalid checksum")
    if body["vnp_TmnCode"] != settings.VNPAY_TMN_CODE:
        return _answer(base, command, "02", "Invalid TmnCode")
    txn = Transaction.objects.filter(
        tmn_code=body["vnp_TmnCode"],
        txn_ref=body["vnp_TxnRef"],
        create_date=body["vnp_TransactionDate"],
    ).first()
    if txn is None:
        return _answer(base, command, "91", "Not found")
    if command == "refund":
        return _refund(body, txn, base)
    return _answer(base | _state(txn), command, "00", "OK")


def _state(txn: Transaction) -> dict[str, str]:
    return {
        "vnp_Amount": txn.amount,
        "vnp_BankCode": txn.bank_code,
        "vnp_PayDate": txn.pay_date,
        "vnp_TransactionNo": txn.transaction_no,
        "vnp_TransactionType": "01",
        "vnp_TransactionStatus": txn.transaction_status or "01",
        "vnp_OrderInfo": txn.order_info,
    }


def _refund(body: dict, txn: Transaction, base: dict) -> dict[str, str]:
    """A refund, once per request id (94 for a repeat, checked first as VNPay does)."""
    if RefundRequest.objects.filter(request_id=body["vnp_RequestId"]).exists():
        return _answer(base, "refund", "94", "Duplicate")
    if txn.transaction_status != "00":
        return _answer(base, "refund", "95", "Not successful")
    text = body["vnp_Amount"]
    amount = int(text) if text.isascii() and text.isdigit() else 0
    with transaction.atomic():
        txn = Transaction.objects.select_for_update().get(pk=txn.pk)
        if amount <= 0 or amount > int(txn.amount) - txn.refunded:
            return _answer(base, "refund", "03", "Bad amount")
        try:
            with transaction.atomic():
                RefundRequest.objects.create(
                    request_id=body["vnp_RequestId"], transaction=txn, amount=amount
                )
        except IntegrityError:
            return _answer(base, "refund", "94", "Duplicate")
        txn.refunded += amount
        txn.save(update_fields=["refunded"])
    status = "05" if txn.refunded < int(txn.amount) else "06"
    state = _state(txn) | {
        "vnp_Amount": str(amount),
        "vnp_TransactionType": body["vnp_TransactionType"],
        "vnp_TransactionStatus": status,
    }
    return _answer(base | state, "refund", "00", "OK")


def _answer(body: dict[str, str], command: str, code: str, message: str) -> dict[str, str]:
    fields = vnpay.REFUND_RESPONSE if command == "refund" else vnpay.QUERYDR_RESPONSE
    body = body | {"vnp_ResponseCode": code, "vnp_Message": message}
    return vnpay.signed_response(body, fields, secret=_secret())
