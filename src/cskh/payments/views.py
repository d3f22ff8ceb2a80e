"""Pages: "Thanh toán" (choose invoices and a method), a payment (its QR, its result, its
receipt), the history, VNPay's Return URL, and paying without logging in."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cskh.core import codes, ratelimit
from cskh.core.errors import DomainError, InvalidInput, RateLimited
from cskh.core.forms import add_errors
from cskh.core.http import client_ip
from cskh.customers.models import Customer
from cskh.payments import forms, gateways, pages, pdf, queries, services
from cskh.payments.models import Method, Payment

PAGE_SIZE = 20
_TOKEN_SALT = "payments.guest"  # noqa: S105 - a signing salt, not a secret
_TOKEN_DAYS = 90  # a guest's link to the payment and its receipt


@login_required
@require_http_methods(["GET", "POST"])
def pay(request):
    form = forms.PayForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            payment = services.start(
                account=request.user,
                invoice_ids=form.cleaned_data["invoices"],
                method=form.cleaned_data["method"],
                now=timezone.now(),
                ip=client_ip(request),
                locale=translation.get_language(),
            )
            return _to_gateway(request, payment, reverse("payments:detail", args=[payment.pk]))
        except InvalidInput as error:
            add_errors(form, error)
        except DomainError as error:
            form.add_error(None, str(error.message))
    chosen = set(form.cleaned_data.get("invoices", [])) if form.is_bound else set()
    if not form.is_bound:
        chosen = set(map(forms.whole_number, request.GET.getlist("invoice"))) - {None}
    invoices = queries.payable_invoices(request.user)
    held = [invoice.pk for invoice in invoices if invoice.status == invoice.Status.PENDING]
    if held:
        services.release_expired(invoice_ids=held, now=timezone.now())
        invoices = queries.payable_invoices(request.user)
    return render(
        request,
        "payments/pay.html",
        {
            "form": form,
            "invoices": list(invoices),
            "chosen": chosen,
            "pending": queries.payments_for(request.user, status=Payment.Status.PENDING),
        },
        status=422 if form.is_bound else 200,
    )


def _to_gateway(request, payment: Payment, page: str):
    """To the gateway's page, or to ours with the QR."""
    url = services.redirect_url(
        payment,
        return_url=request.build_absolute_uri(reverse("payments:vnpay_return")),
        page_url=request.build_absolute_uri(page),
    )
    return redirect(url or page)


@login_required
def detail(request, payment_id: int):
    payment = _own(request, payment_id)
    return _detail(request, payment, pdf_url=reverse("payments:receipt_pdf", args=[payment.pk]))


def _detail(request, payment: Payment, *, pdf_url: str):
    return render(
        request,
        "payments/detail.html",
        {
            "payment": payment,
            "qr": pages.qr_svg(payment) if payment.qr_payload and payment.is_open else "",
            "result": pages.result_text(payment.result_code) if payment.result_code else "",
            "pdf_url": pdf_url,
            "again": _again(payment),
        },
    )


def _again(payment: Payment) -> str:
    """The pay page's query that ticks the payment's invoices again."""
    return "&".join(f"invoice={item.invoice_id}" for item in payment.items.all())


@login_required
def resume(request, payment_id: int):
    """Back to VNPay's page for a payment still waiting (the same signed request)."""
    payment = _own(request, payment_id)
    now = timezone.now()
    if payment.status == Payment.Status.PENDING and payment.expires_at <= now:
        services.expire(payment_id=payment.pk, now=now)  # VNPay would refuse it now
        return redirect("payments:detail", payment.pk)
    if payment.status != Payment.Status.PENDING or payment.method != Method.VNPAY:
        return redirect("payments:detail", payment.pk)
    return _to_gateway(request, payment, reverse("payments:detail", args=[payment.pk]))


@login_required
@require_POST
def cancel(request, payment_id: int):
    """Give up a payment still waiting: its invoices can be paid again at once."""
    payment = _own(request, payment_id)
    if services.cancel(payment=payment):
        messages.success(request, _("The payment is cancelled. You can pay the invoices again."))
    return redirect(f"{reverse('payments:pay')}?{_again(payment)}")


def _own(request, payment_id: int) -> Payment:
    try:
        return queries.payment_for(request.user, payment_id)
    except queries.PaymentNotFound:
        raise Http404 from None


@login_required
def receipt_pdf(request, payment_id: int):
    try:
        return pdf.response(pages.paid(_own(request, payment_id)))
    except queries.PaymentNotFound:
        raise Http404 from None


@login_required
def history(request):
    form = forms.HistoryFilterForm(request.GET or None, account=request.user)
    rows = queries.payments_for(request.user, **form.filters())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "payments/history.html", {"form": form, "page": page})


def vnpay_return(request):
    """VNPay sends the customer back here: show what happened, change nothing (the IPN
    changes the payment)."""
    query = request.GET.dict()
    if not gateways.get("VNPAY").verify(query):
        return render(request, "payments/return.html", {"forged": True}, status=400)
    payment = queries.payment_by_reference(query.get("vnp_TxnRef", ""))
    if payment is None:
        raise Http404
    mine = request.user.is_authenticated and payment.account_id == request.user.pk
    if mine:
        link = reverse("payments:detail", args=[payment.pk])
    elif payment.account_id is None:
        link = reverse("payments:guest_payment", args=[_token(payment)])
    else:
        link = ""
    return render(
        request,
        "payments/return.html",
        {
            "payment": payment,
            "paid_at_gateway": query.get("vnp_ResponseCode") == "00"
            and query.get("vnp_TransactionStatus") == "00",
            "result": pages.result_text(query.get("vnp_ResponseCode", "")),
            "link": link,
            "mine": mine,
            "again": _again(payment) if mine else "",
        },
    )


# paying without logging in


def _token(payment: Payment) -> str:
    return signing.dumps(payment.pk, salt=_TOKEN_SALT)


def _guest(token: str) -> Payment:
    try:
        payment_id = signing.loads(token, salt=_TOKEN_SALT, max_age=_TOKEN_DAYS * 86400)
    except signing.BadSignature:
        raise Http404 from None
    payment = Payment.objects.filter(pk=payment_id, account=None).first()
    if payment is None:
        raise Http404
    return queries.payment_by_reference(payment.reference)


@require_http_methods(["GET", "POST"])
def guest(request):
    """Enter a customer code, see what is due and the holder's name masked, pay. Both
    steps post the code; looking it up is rate-limited per IP."""
    form = forms.GuestLookupForm(request.POST or None)
    paying = "method" in request.POST
    found = pay_form = None
    limited = False
    if form.is_valid():
        ip = client_ip(request)
        try:
            ratelimit.check("guest-pay", ip)
            ratelimit.record(
                "guest-pay", ip, limit=settings.GUEST_PAY_LOOKUPS_PER_IP_PER_HOUR, window=3600
            )
            found = _due_on(form.cleaned_data["code"], now=timezone.now())
        except InvalidInput as error:
            add_errors(form, error)
        except DomainError as error:
            limited = isinstance(error, RateLimited)
            form.add_error(None, str(error.message))
    if found:
        pay_form = forms.GuestPayForm(
            request.POST if paying else None, initial={"total": found["total"]}
        )
        if pay_form.is_valid() and pay_form.cleaned_data["total"] != found["total"]:
            messages.warning(
                request, _("What is due on this code has changed: check the amount and pay again.")
            )
            pay_form = forms.GuestPayForm(initial={"total": found["total"]})
        elif pay_form.is_valid():
            try:
                payment = services.start_for_customer(
                    customer=found["customer"],
                    method=pay_form.cleaned_data["method"],
                    now=timezone.now(),
                    ip=client_ip(request),
                    locale=translation.get_language(),
                )
                page = reverse("payments:guest_payment", args=[_token(payment)])
                return _to_gateway(request, payment, page)
            except DomainError as error:
                pay_form.add_error(None, str(error.message))
    failed = form.errors or (pay_form is not None and pay_form.errors)
    return render(
        request,
        "payments/guest.html",
        {"form": form, "found": found, "pay_form": pay_form},
        status=429 if limited else 422 if failed else 200,
    )


def _due_on(code: str, *, now) -> dict:
    customer = Customer.objects.filter(code=code).first()
    if customer is None:
        raise InvalidInput(fields={"code": [services.NoSuchCustomer.default_message]})
    invoices = services.payable_of(customer, now=now)
    return {
        "customer": customer,
        "code": customer.code,
        "name": codes.mask_name(customer.name),
        "invoices": invoices,
        "total": sum(invoice.due for invoice in invoices),
        "held_until": queries.held_until(customer),
    }


def guest_payment(request, token: str):
    payment = _guest(token)
    return _detail(request, payment, pdf_url=reverse("payments:guest_receipt_pdf", args=[token]))


def guest_receipt_pdf(request, token: str):
    try:
        return pdf.response(pages.paid(_guest(token)))
    except queries.PaymentNotFound:
        raise Http404 from None
