"""The sandbox's pages: VNPay's payment page (GET shows it, POST is the customer's
choice) and VNPay's merchant API (querydr, refund)."""

import json

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from cskh.payments import vnpay
from cskh.payments.sandbox import gateway, tasks
from cskh.payments.sandbox.models import Transaction

TEXT = {
    "vn": {
        "title": "Cổng thanh toán VNPay (môi trường thử)",
        "merchant": "Đơn vị",
        "amount": "Số tiền",
        "info": "Nội dung",
        "reference": "Mã giao dịch",
        "expires": "Hết hạn lúc",
        "outcome": "Kết quả thanh toán",
        "delivery": "Cách gửi IPN (dành cho kiểm thử)",
        "pay": "Xác nhận",
        "error": "Không thể thực hiện giao dịch",
        "done": "Giao dịch này đã được xử lý.",
        "outcomes": {
            "00": "Thanh toán thành công",
            "51": "Tài khoản không đủ số dư (51)",
            "24": "Hủy giao dịch (24)",
            "11": "Hết thời gian chờ thanh toán (11)",
        },
    },
    "en": {
        "title": "VNPay payment gateway (sandbox)",
        "merchant": "Merchant",
        "amount": "Amount",
        "info": "Order",
        "reference": "Reference",
        "expires": "Expires at",
        "outcome": "Outcome",
        "delivery": "IPN delivery (for testing)",
        "pay": "Confirm",
        "error": "This payment cannot be made",
        "done": "This payment has already been processed.",
        "outcomes": {
            "00": "Pay successfully",
            "51": "Insufficient balance (51)",
            "24": "Cancel (24)",
            "11": "Time out (11)",
        },
    },
}


def _ipn_url(request) -> str:
    return settings.VNPAY_SANDBOX_IPN_URL or request.build_absolute_uri(reverse("api:vnpay_ipn"))


@require_http_methods(["GET", "POST"])
def pay(request):
    if request.method == "POST":
        return _choose(request)
    query = request.GET.dict()
    lang = "en" if query.get("vnp_Locale") == "en" else "vi"
    text = TEXT["en" if lang == "en" else "vn"]
    try:
        txn = gateway.open_request(query, ipn_url=_ipn_url(request), now=timezone.now())
    except gateway.Refused as error:
        context = {"lang": lang, "text": text, "error": str(error), "code": error.code}
        return render(request, "sandbox/pay.html", context, status=400)
    return render(
        request,
        "sandbox/pay.html",
        {
            "lang": lang,
            "text": text,
            "txn": txn,
            "amount": f"{vnpay.amount_of(query):,}".replace(",", "."),
            "expires": vnpay.parse_vn_time(txn.expire_date),
            "outcomes": text["outcomes"].items(),
            "deliveries": gateway.DELIVERIES,
        },
    )


def _choose(request):
    pk = request.POST.get("transaction", "")
    txn = Transaction.objects.filter(pk=pk).first() if pk.isascii() and pk.isdigit() else None
    code = request.POST.get("outcome", "")
    how = request.POST.get("delivery", "normal")
    if txn is None or code not in gateway.OUTCOMES or how not in gateway.DELIVERIES:
        return HttpResponseBadRequest("unknown transaction, outcome or delivery")
    if not txn.done:
        txn = gateway.choose(txn, response_code=code, now=timezone.now())
        gateway.deliver(txn, how=how, retry=tasks.schedule)
    return redirect(gateway.return_url(txn))


@csrf_exempt  # a server-to-server API signed with the merchant's secret
@require_POST
def api(request):
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    if not isinstance(body, dict) or not all(isinstance(v, str) for v in body.values()):
        return JsonResponse({"vnp_ResponseCode": "03", "vnp_Message": "Invalid format"})
    return JsonResponse(gateway.api(body))
