"""Payments for the demo: the corporations' collecting accounts for VietQR (fictional
account numbers at real banks' NAPAS BINs), and one earlier VNPay payment in the demo
customer's history. The last month's bills stay unpaid, to be paid in the sandbox.

Idempotent: a second run changes nothing."""

from datetime import date, timedelta

from django.db import transaction

from cskh.accounts.models import User
from cskh.billing.models import Invoice
from cskh.customers.models import Unit
from cskh.payments import gateways
from cskh.payments.models import CollectingAccount, Method, Payment, PaymentInvoice

# corporation: (bank BIN, bank, account number, account name)
COLLECTING = {
    "EVNHCMC": ("970436", "Vietcombank", "0071000888001", "TONG CONG TY DIEN LUC TP HCM"),
    "EVNHANOI": ("970415", "VietinBank", "113000888002", "TONG CONG TY DIEN LUC TP HA NOI"),
    "EVNNPC": ("970418", "BIDV", "21510000888003", "TONG CONG TY DIEN LUC MIEN BAC"),
    "EVNCPC": ("970405", "Agribank", "4000201888004", "TONG CONG TY DIEN LUC MIEN TRUNG"),
    "EVNSPC": ("970436", "Vietcombank", "0071000888005", "TONG CONG TY DIEN LUC MIEN NAM"),
}
SINCE = date(2025, 12, 21)
HISTORY_CODES = ("PE01000000001", "PD01000000001")


def ensure_payments() -> None:
    for code, (bin_, bank, number, name) in COLLECTING.items():
        unit = Unit.objects.filter(code=code).first()
        if unit is not None:
            CollectingAccount.objects.get_or_create(
                unit=unit,
                valid_from=SINCE,
                defaults={
                    "bank_bin": bin_,
                    "bank_name": bank,
                    "account_number": number,
                    "account_name": name,
                },
            )
    _earlier_payment()


def _earlier_payment() -> None:
    """The demo customer paid the month before last of two homes in one VNPay payment."""
    demo = User.objects.filter(phone="+84900000001").first()
    if demo is None or Payment.objects.filter(account=demo).exists():
        return
    paid = list(
        Invoice.objects.filter(
            customer__code__in=HISTORY_CODES, kind=Invoice.Kind.NORMAL, status=Invoice.Status.PAID
        ).order_by("-period_end", "customer__code")
    )
    month = paid[0].period_end if paid else None
    invoices = [invoice for invoice in paid if invoice.period_end == month]
    if len(invoices) != len(HISTORY_CODES):
        return
    at = max(invoice.paid_at for invoice in invoices)
    with transaction.atomic():
        payment = Payment.objects.create(
            reference=f"EVN{at:%y%m%d}DEMO23",
            account=demo,
            method=Method.VNPAY,
            status=Payment.Status.PAID,
            amount=sum(invoice.total for invoice in invoices),
            created_at=at - timedelta(minutes=3),
            expires_at=at + timedelta(minutes=12),
            settled_at=at,
            transaction_no="14123456",
            bank_code="NCB",
            result_code="00",
        )
        PaymentInvoice.objects.bulk_create(
            PaymentInvoice(payment=payment, invoice=invoice, amount=invoice.total)
            for invoice in invoices
        )
        Invoice.objects.filter(pk__in=[invoice.pk for invoice in invoices]).update(
            paid_channel=gateways.VNPay.channel
        )
