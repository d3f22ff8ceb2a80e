"""The receipt (biên nhận thanh toán) of a paid payment as an A4 PDF in the active
language, in the invoice PDF's fonts and grid."""

import io
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from cskh.billing import pdf as invoice_pdf
from cskh.core import codes
from cskh.core.money import format_vnd
from cskh.core.words import amount_in_words
from cskh.payments import gateways
from cskh.payments.models import Payment


def filename(payment: Payment) -> str:
    return f"bien-nhan-{payment.reference}.pdf"


def response(payment: Payment) -> HttpResponse:
    answer = HttpResponse(render(payment), content_type="application/pdf")
    answer["Content-Disposition"] = f'attachment; filename="{filename(payment)}"'
    return answer


def render(payment: Payment) -> bytes:
    invoice_pdf.register_fonts()
    language = get_language() or "vi"
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=invoice_pdf.MARGIN,
        rightMargin=invoice_pdf.MARGIN,
        topMargin=invoice_pdf.MARGIN,
        bottomMargin=invoice_pdf.MARGIN,
        title=_("PAYMENT RECEIPT"),
        author="EVN",
        subject=payment.reference,
    )

    def cell(text: str, style=invoice_pdf.CELL) -> Paragraph:
        return Paragraph(escape(text), style)

    # a receipt reached without logging in shows the holder's name masked, as /pay/ does
    name = (lambda text: text) if payment.account_id else codes.mask_name
    settled = timezone.localtime(payment.settled_at)
    facts = [
        (_("Receipt number"), payment.reference),
        (_("Paid on"), date_format(settled, "DATETIME_FORMAT")),
        (_("Paid through"), gateways.get(payment.method).channel),
        (_("Gateway transaction number"), payment.transaction_no or "—"),
        (_("Bank"), payment.bank_code or "—"),
    ]
    heads = (_("Customer code"), _("Customer name"), _("Billing month"), _("Invoice"), _("Amount"))
    rows = [[cell(text, invoice_pdf.HEAD) for text in heads]]
    for item in payment.items.all():
        invoice = item.invoice
        rows.append(
            [
                cell(invoice.customer.code),
                cell(name(invoice.customer_name)),
                cell(f"{invoice.period_month:%m/%Y}"),
                cell(f"{invoice.series} {invoice.number or '—'}"),
                cell(format_vnd(item.amount, language), invoice_pdf.CELL_RIGHT),
            ]
        )
    total = cell(format_vnd(payment.amount, language), invoice_pdf.CELL_RIGHT)
    rows.append([cell(_("Total paid"), invoice_pdf.HEAD), "", "", "", total])
    width = invoice_pdf.WIDTH
    table = Table(rows, colWidths=[w * width for w in (0.2, 0.32, 0.14, 0.16, 0.18)])
    style = invoice_pdf.grid()
    style.add("SPAN", (0, -1), (3, -1))
    table.setStyle(style)
    story = [
        Paragraph(escape(_("Vietnam Electricity (EVN)")), invoice_pdf.SELLER),
        Spacer(0, 4),
        Paragraph(escape(_("PAYMENT RECEIPT")), invoice_pdf.TITLE),
        Paragraph(escape(_("for electricity invoices")), invoice_pdf.SUBTITLE),
        Spacer(0, 8),
        *(
            Paragraph(f"<b>{escape(label)}:</b> {escape(value)}", invoice_pdf.TEXT)
            for label, value in facts
        ),
        Spacer(0, 6),
        table,
        Spacer(0, 4),
        Paragraph(
            escape(_("In words: %(words)s") % {"words": amount_in_words(payment.amount, language)}),
            invoice_pdf.TEXT,
        ),
    ]
    if payment.refunded_amount:
        story.append(
            Paragraph(
                escape(
                    _("Refunded: %(amount)s")
                    % {"amount": format_vnd(payment.refunded_amount, language)}
                ),
                invoice_pdf.TEXT,
            )
        )
    document.build(story)
    return buffer.getvalue()
