"""The gateways behind one interface: how a payment starts (a redirect to the gateway's
page, or a QR to scan), what the gateway says when asked about it, and refunds. The
protocols themselves are the pure modules vnpay, vietqr, momo and zalopay."""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.urls import reverse

from cskh.payments import http, momo, vnpay, zalopay
from cskh.payments.models import Method, Payment


class GatewayRefused(Exception):
    """The gateway answered, and said no (its code is in `code`)."""

    def __init__(self, code: str, message: str = ""):
        self.code = code
        super().__init__(f"{code} {message}".strip())


@dataclass(frozen=True)
class Outcome:
    """A gateway's final word on one payment."""

    paid: bool
    amount: int
    code: str
    transaction_no: str = ""
    bank_code: str = ""
    payload: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundAnswer:
    accepted: bool
    code: str
    payload: dict


def order_info(payment: Payment, codes: list[str], month: str) -> str:
    """What the customer reads on the gateway's page, without diacritics."""
    if len(codes) == 1:
        return f"Thanh toan hoa don tien dien {codes[0]} ky {month}"
    return f"Thanh toan {len(codes)} hoa don tien dien {payment.reference}"


class VNPay:
    method = Method.VNPAY
    channel = "VNPay"

    @property
    def minutes(self) -> int:
        return settings.PAYMENT_VNPAY_MINUTES

    def start(self, payment: Payment, *, return_url: str, page_url: str, info: str) -> str:
        """VNPay's page, which sends the customer back to our Return URL."""
        params = vnpay.pay_params(
            tmn_code=settings.VNPAY_TMN_CODE,
            amount=payment.amount,
            txn_ref=payment.reference,
            order_info=info,
            locale="en" if payment.locale == "en" else "vn",
            return_url=return_url,
            ip=payment.ip or "127.0.0.1",
            created_at=payment.created_at,
            expires_at=payment.expires_at,
        )
        return vnpay.payment_url(
            base_url=settings.VNPAY_PAYMENT_URL, params=params, secret=settings.VNPAY_HASH_SECRET
        )

    def verify(self, query: dict) -> bool:
        """Signed by VNPay; never true without a secret (an empty key signs anything)."""
        secret = settings.VNPAY_HASH_SECRET
        return bool(secret) and vnpay.verify(query, secret=secret)

    def outcome(self, query: dict) -> Outcome:
        """An IPN's (or a Return URL's) word, already verified."""
        return Outcome(
            paid=vnpay.is_success(query),
            amount=vnpay.amount_of(query),
            code=query.get("vnp_ResponseCode", ""),
            transaction_no=query.get("vnp_TransactionNo", ""),
            bank_code=query.get("vnp_BankCode", ""),
            payload=dict(query),
        )

    def query(self, payment: Payment, *, request_id: str, now: datetime) -> Outcome | None:
        """querydr: the final word, or None while VNPay has none (not found, not completed)."""
        body = vnpay.querydr_request(
            request_id=request_id,
            tmn_code=settings.VNPAY_TMN_CODE,
            txn_ref=payment.reference,
            transaction_date=vnpay.vn_time(payment.created_at),
            created_at=now,
            ip="127.0.0.1",
            order_info=f"Truy van giao dich {payment.reference}",
            secret=settings.VNPAY_HASH_SECRET,
        )
        answer = self._call(body, vnpay.QUERYDR_RESPONSE)
        code = answer.get("vnp_ResponseCode", "")
        if code == "91":
            return None
        if code != "00":
            raise GatewayRefused(code, answer.get("vnp_Message", ""))
        status = answer.get("vnp_TransactionStatus", "")
        if status == "01":
            return None
        return Outcome(
            paid=status == "00",
            amount=vnpay.amount_of(answer),
            code=status,
            transaction_no=answer.get("vnp_TransactionNo", ""),
            bank_code=answer.get("vnp_BankCode", ""),
            payload=answer,
        )

    def refund(
        self, payment: Payment, *, request_id: str, amount: int, full: bool, by: str, now
    ) -> RefundAnswer:
        body = vnpay.refund_request(
            request_id=request_id,
            tmn_code=settings.VNPAY_TMN_CODE,
            full=full,
            txn_ref=payment.reference,
            amount=amount,
            transaction_no=payment.transaction_no,
            transaction_date=vnpay.vn_time(payment.created_at),
            create_by=by,
            created_at=now,
            ip="127.0.0.1",
            order_info=f"Hoan tien giao dich {payment.reference}",
            secret=settings.VNPAY_HASH_SECRET,
        )
        answer = self._call(body, vnpay.REFUND_RESPONSE)
        code = answer.get("vnp_ResponseCode", "")
        return RefundAnswer(accepted=code == "00", code=code, payload=answer)

    def _call(self, body: dict, fields: tuple[str, ...]) -> dict:
        answer = http.post_json(settings.VNPAY_API_URL, body)
        if not vnpay.verify_response(answer, fields, secret=settings.VNPAY_HASH_SECRET):
            raise http.GatewayUnreachable("VNPay's answer has a wrong checksum")
        return answer


class VietQR:
    """A bank transfer to the power company's collecting account; the bank statement is
    its only word, so it has no query and no refund."""

    method = Method.VIETQR
    channel = "VietQR"

    @property
    def minutes(self) -> int:
        return settings.PAYMENT_VIETQR_MINUTES


class MoMo:
    method = Method.MOMO
    channel = "MoMo"

    @property
    def minutes(self) -> int:
        return settings.PAYMENT_VNPAY_MINUTES

    def start(self, payment: Payment, *, return_url: str, page_url: str, info: str) -> str:
        """MoMo's page, which sends the customer back to the payment's page."""
        body = momo.create_request(
            partner_code=settings.MOMO_PARTNER_CODE,
            access_key=settings.MOMO_ACCESS_KEY,
            secret=settings.MOMO_SECRET_KEY,
            request_id=payment.reference,
            order_id=payment.reference,
            amount=payment.amount,
            order_info=info,
            redirect_url=page_url,
            ipn_url=settings.SITE_URL + reverse("api:momo_ipn"),
            lang="en" if payment.locale == "en" else "vi",
        )
        answer = http.post_json(f"{settings.MOMO_ENDPOINT}/v2/gateway/api/create", body)
        if str(answer.get("resultCode")) != "0" or not answer.get("payUrl"):
            raise GatewayRefused(str(answer.get("resultCode", "")), answer.get("message", ""))
        return answer["payUrl"]

    def verify(self, body: dict) -> bool:
        return momo.verify_ipn(
            body, access_key=settings.MOMO_ACCESS_KEY, secret=settings.MOMO_SECRET_KEY
        )

    def outcome(self, body: dict) -> Outcome:
        return Outcome(
            paid=momo.is_paid(body),
            amount=int(body["amount"]),
            code=str(body.get("resultCode", "")),
            transaction_no=str(body.get("transId", "")),
            bank_code=str(body.get("payType", "")),
            payload=dict(body),
        )


class ZaloPay:
    method = Method.ZALOPAY
    channel = "ZaloPay"

    @property
    def minutes(self) -> int:
        return settings.PAYMENT_VNPAY_MINUTES

    def start(self, payment: Payment, *, return_url: str, page_url: str, info: str) -> str:
        """ZaloPay's page, which sends the customer back to the payment's page."""
        now = payment.created_at
        body = zalopay.create_request(
            app_id=settings.ZALOPAY_APP_ID,
            key1=settings.ZALOPAY_KEY1,
            app_user=str(payment.account_id or "guest"),
            app_trans_id=zalopay.app_trans_id(now=now, suffix=payment.reference),
            amount=payment.amount,
            app_time=zalopay.app_time(now),
            description=info,
            embed_data={"redirecturl": page_url},
            items=[],
            callback_url=settings.SITE_URL + reverse("api:zalopay_callback"),
        )
        answer = http.post_form(f"{settings.ZALOPAY_ENDPOINT}/v2/create", body)
        if answer.get("return_code") != 1 or not answer.get("order_url"):
            raise GatewayRefused(
                str(answer.get("return_code", "")), answer.get("return_message", "")
            )
        return answer["order_url"]

    def data(self, body: dict) -> dict:
        """The callback's data when its mac is right (ZaloPayError otherwise)."""
        return zalopay.verify_callback(body, key2=settings.ZALOPAY_KEY2)

    def outcome(self, data: dict) -> Outcome:
        """ZaloPay calls back only for a paid order."""
        return Outcome(
            paid=True,
            amount=int(data["amount"]),
            code="1",
            transaction_no=str(data.get("zp_trans_id", "")),
            payload=data,
        )

    @staticmethod
    def reference(data: dict) -> str:
        """Our reference from app_trans_id ("yymmdd_" + reference)."""
        return str(data.get("app_trans_id", "")).partition("_")[2]


GATEWAYS = {gateway.method: gateway for gateway in (VNPay(), VietQR(), MoMo(), ZaloPay())}
_KEYS = {
    Method.VNPAY: ("VNPAY_TMN_CODE", "VNPAY_HASH_SECRET", "VNPAY_PAYMENT_URL"),
    Method.VIETQR: (),
    Method.MOMO: ("MOMO_PARTNER_CODE", "MOMO_ACCESS_KEY", "MOMO_SECRET_KEY"),
    Method.ZALOPAY: ("ZALOPAY_APP_ID", "ZALOPAY_KEY1", "ZALOPAY_KEY2"),
}


def enabled() -> list[str]:
    """The methods offered: named in PAYMENT_METHODS and with their keys set."""
    return [
        method
        for method in Method.values
        if method in settings.PAYMENT_METHODS
        and all(getattr(settings, key) for key in _KEYS[method])
    ]


def get(method: str):
    return GATEWAYS[Method(method)]


def refunds(method: str) -> bool:
    """Whether the gateway takes refund requests (VietQR transfers are refunded by hand)."""
    return hasattr(get(method), "refund")
