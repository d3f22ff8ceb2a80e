"""Pages: the tariff in force (Giá bán điện) and the bill calculator (Tính tiền điện), for
anyone; the invoices of the account's linked codes (Hóa đơn), with their PDF."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from cskh.billing import calculator, forms, pages, pdf, queries, tariffs
from cskh.core.errors import InvalidInput
from cskh.core.forms import add_errors

PAGE_SIZE = 20


def tariff_sheet(request):
    today = timezone.localdate()
    form = forms.SheetForm(request.GET or None)
    day = today
    if form.is_bound and form.is_valid() and form.cleaned_data["date"]:
        day = form.cleaned_data["date"]
    return render(
        request,
        "billing/tariffs.html",
        {
            "form": form,
            "sheet": tariffs.sheet(day),
            "versions": tariffs.price_lists(),
            "today": today,
        },
    )


def bill_calculator(request):
    form = forms.CalculatorForm(request.GET or None, today=timezone.localdate())
    quote = None
    if form.is_bound and form.is_valid():
        try:
            quote = calculator.quote(form.cleaned_data)
        except InvalidInput as error:
            add_errors(form, error)
    return render(request, "billing/calculator.html", {"form": form, "quote": quote})


@login_required
def invoice_list(request):
    form = forms.InvoiceFilterForm(request.GET or None, account=request.user)
    rows = queries.invoices_for(request.user, **form.filters())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for invoice in page.object_list:
        invoice.nickname = form.nicknames.get(invoice.customer.code, "")
    return render(
        request,
        "billing/invoices.html",
        {
            "form": form,
            "page": page,
            "total_due": queries.total_due(request.user),
        },
    )


@login_required
def invoice_detail(request, invoice_id: int):
    invoice = _invoice_or_404(request, invoice_id)
    return render(
        request,
        "billing/invoice.html",
        {
            "invoice": invoice,
            "lines": pages.labelled_lines(invoice),
            "segments": pages.segments(invoice),
            "hotlines": queries.hotlines(invoice, today=timezone.localdate()),
        },
    )


@login_required
def invoice_pdf(request, invoice_id: int):
    return pdf.response(_invoice_or_404(request, invoice_id))


def _invoice_or_404(request, invoice_id: int):
    try:
        return queries.invoice_for(request.user, invoice_id)
    except queries.InvoiceNotFound:
        raise Http404 from None
