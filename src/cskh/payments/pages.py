"""What the pages and the API show of a payment: the VietQR (image and text), the
gateway's result in words, the receipt."""

import segno
from django.utils.translation import gettext_lazy as _

from cskh.payments.models import Payment
from cskh.payments.queries import PaymentNotFound

# VNPay's vnp_ResponseCode, for the customer (domain/payments.md).
VNPAY_RESULTS = {
    "00": _("The payment went through."),
    "07": _("The money was debited, but the bank flagged the transaction as suspicious."),
    "09": _("Your card or account is not registered for internet banking."),
    "10": _("Your card or account failed authentication more than 3 times."),
    "11": _("The payment timed out. Nothing was charged; please pay again."),
    "12": _("Your card or account is locked."),
    "13": _("The one-time password (OTP) was wrong. Nothing was charged; please pay again."),
    "24": _("You cancelled the payment. Nothing was charged."),
    "51": _("Your account does not have enough balance. Nothing was charged."),
    "65": _("Your account has reached its daily limit. Nothing was charged."),
    "75": _("The bank is under maintenance. Please pay again later."),
    "79": _("The payment password was wrong too many times. Nothing was charged."),
}
OTHER_RESULT = _("The payment did not go through. Nothing was charged; please try again.")


def result_text(code: str) -> str:
    return str(VNPAY_RESULTS.get(code, OTHER_RESULT))


def _qr(payment: Payment) -> segno.QRCode:
    return segno.make(payment.qr_payload, error="m")


def qr_svg(payment: Payment) -> str:
    """The VietQR as inline SVG (no external image, no script)."""
    return _qr(payment).svg_inline(scale=5, border=2, title=f"VietQR {payment.reference}")


def qr_json(payment: Payment) -> dict:
    account = payment.collecting_account
    return {
        "payload": payment.qr_payload,
        "bank_bin": account.bank_bin,
        "bank_name": account.bank_name,
        "account_number": account.account_number,
        "account_name": account.account_name,
        "amount": payment.amount,
        "reference": payment.reference,
        "image": _qr(payment).svg_data_uri(scale=5, border=2),
    }


def paid(payment: Payment) -> Payment:
    """The payment if it has a receipt (it paid its invoices); 404 otherwise."""
    if payment.status != Payment.Status.PAID:
        raise PaymentNotFound(_("There is no receipt: this payment is not paid."))
    return payment
