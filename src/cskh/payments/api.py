"""Payments API: /api/v1/payments for an account (start, list, one, its receipt), and the
gateways' server-to-server callbacks (VNPay's IPN, MoMo's IPN, ZaloPay's callback)."""

import json
from typing import Any

from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from ninja import Field, Query, Router, Schema, Status

from cskh.accounts.api import bearer
from cskh.core.forms import validated
from cskh.core.http import client_ip
from cskh.payments import forms, pages, pdf, queries, services
from cskh.payments.models import Method, Payment

router = Router(tags=["payments"], auth=bearer)
callbacks = Router(tags=["payment gateways"], auth=None)


class PaymentIn(Schema):
    invoice_ids: list[Any] | None = Field(None, description="Unpaid invoices to pay")
    method: str | None = Field(None, description="VNPAY or VIETQR (MOMO, ZALOPAY if enabled)")


class PaymentQuery(Schema):
    status: str | None = Field(
        None, description="PENDING, PAID, FAILED, EXPIRED, REFUND_DUE, REFUNDED"
    )
    customer: str | None = Field(None, description="One of the account's customer codes")
    from_: str | None = Field(None, alias="from", description="First day, YYYY-MM-DD")
    to: str | None = Field(None, description="Last day (included), YYYY-MM-DD")


def payment_json(request, payment: Payment) -> dict:
    data = {
        "id": payment.pk,
        "reference": payment.reference,
        "status": payment.status,
        "method": payment.method,
        "amount": payment.amount,
        "refunded_amount": payment.refunded_amount,
        "created_at": payment.created_at.isoformat(),
        "expires_at": payment.expires_at.isoformat(),
        "settled_at": payment.settled_at.isoformat() if payment.settled_at else None,
        "transaction_no": payment.transaction_no or None,
        "bank_code": payment.bank_code or None,
        "invoices": [
            {
                "id": item.invoice_id,
                "customer_code": item.invoice.customer.code,
                "period": f"{item.invoice.period_month:%Y-%m}",
                "amount": item.amount,
            }
            for item in payment.items.all()
        ],
        "receipt_url": request.build_absolute_uri(reverse("api:payment_receipt", args=[payment.pk]))
        if payment.status == Payment.Status.PAID
        else None,
    }
    if payment.method == Method.VIETQR and payment.status == Payment.Status.PENDING:
        data["qr"] = pages.qr_json(payment)
    return data


@router.post("", response={201: dict})
def start_payment(request, payload: PaymentIn):
    """Start paying whole invoices of the account's linked codes; the amount is computed
    here. VNPay answers `payment_url` (send the customer there); VietQR answers `qr`."""
    data = validated(forms.PayForm, {"invoices": payload.invoice_ids, "method": payload.method})
    payment = services.start(
        account=request.auth,
        invoice_ids=data["invoices"],
        method=data["method"],
        now=timezone.now(),
        ip=client_ip(request),
        locale=translation.get_language(),
    )
    url = services.redirect_url(
        payment,
        return_url=request.build_absolute_uri(reverse("payments:vnpay_return")),
        page_url=request.build_absolute_uri(reverse("payments:detail", args=[payment.pk])),
    )
    payment = queries.payment_for(request.auth, payment.pk)
    body = payment_json(request, payment)
    if url:
        body["payment_url"] = request.build_absolute_uri(url)
    return Status(201, body)


@router.get("")
def list_payments(request, query: Query[PaymentQuery]):
    """The account's payments, newest first."""
    filters = validated(
        forms.HistoryFilterForm,
        {"status": query.status, "customer": query.customer, "start": query.from_, "end": query.to},
        account=request.auth,
    )
    rows = queries.payments_for(request.auth, **forms.HistoryFilterForm.as_filters(filters))
    return [payment_json(request, row) for row in rows]


@router.get("/{payment_id}")
def payment_detail(request, payment_id: int):
    return payment_json(request, queries.payment_for(request.auth, payment_id))


@router.get("/{payment_id}/receipt", url_name="payment_receipt")
def payment_receipt(request, payment_id: int):
    """The receipt (PDF) of a paid payment."""
    return pdf.response(pages.paid(queries.payment_for(request.auth, payment_id)))


@callbacks.get("/vnpay/ipn", url_name="vnpay_ipn")
def vnpay_ipn(request):
    """VNPay's IPN (server to server): answers {"RspCode", "Message"} as VNPay expects."""
    answer = services.vnpay_ipn(query=request.GET.dict(), now=timezone.now())
    return JsonResponse(answer)


@callbacks.post("/momo/ipn", url_name="momo_ipn")
def momo_ipn(request):
    """MoMo's IPN: 204 once verified (and recorded, or known already)."""
    try:
        body = json.loads(request.body)
    except ValueError:
        return HttpResponse(status=400)
    if not isinstance(body, dict) or not services.momo_ipn(body=body, now=timezone.now()):
        return HttpResponse(status=400)
    return HttpResponse(status=204)


@callbacks.post("/zalopay/callback", url_name="zalopay_callback")
def zalopay_callback(request):
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JsonResponse({"return_code": -1, "return_message": "bad request"})
    return JsonResponse(services.zalopay_callback(body=body, now=timezone.now()))
