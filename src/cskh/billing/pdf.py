"""The invoice as an A4 PDF in the active language: what the e-invoice shows (Decree
123/2020/NĐ-CP, Art. 10), the reading table, the priced lines and the total in words.

The vendored DejaVu fonts carry the Vietnamese letters; reportlab embeds them."""

import io
import re
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from cskh.billing import pages, queries
from cskh.billing.models import Invoice
from cskh.core.money import format_vnd
from cskh.core.words import amount_in_words

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
MARGIN = 14 * mm
WIDTH = A4[0] - 2 * MARGIN - 12  # a frame pads its content by 6 points each side
GRID = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#eef2f6")


def filename(invoice: Invoice) -> str:
    """`hoa-don-PE01000000001-2026-10.pdf`; an adjustment adds `-dieu-chinh-<number>`."""
    code = re.sub(r"[^A-Za-z0-9]", "", invoice.customer.code)
    name = f"hoa-don-{code}-{invoice.period_month:%Y-%m}"
    if invoice.kind == Invoice.Kind.ADJUSTMENT:
        name += "-dieu-chinh" + (f"-{invoice.number}" if invoice.number else "")
    return name + ".pdf"


def response(invoice: Invoice) -> HttpResponse:
    """The invoice's PDF as a download (the page and the API)."""
    body = render(invoice, hotlines=queries.hotlines(invoice, today=timezone.localdate()))
    answer = HttpResponse(body, content_type="application/pdf")
    answer["Content-Disposition"] = f'attachment; filename="{filename(invoice)}"'
    return answer


def render(invoice: Invoice, *, hotlines: list[str]) -> bytes:
    """The invoice on one A4 page (more if it has many lines), in the active language."""
    register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=_("VAT INVOICE (ELECTRICITY)"),
        author=invoice.unit.name,
        subject=_("Month %(month)s") % {"month": f"{invoice.period_month:%m/%Y}"},
    )
    document.build(_Page(invoice, hotlines).story())
    return buffer.getvalue()


def register_fonts() -> None:
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(REGULAR, FONTS / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont(BOLD, FONTS / "DejaVuSans-Bold.ttf"))
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
    )


def _style(name: str, **overrides) -> ParagraphStyle:
    values = {"fontName": REGULAR, "fontSize": 8.5, "leading": 11} | overrides
    return ParagraphStyle(name, **values)


TEXT = _style("text")
SMALL = _style("small", fontSize=7.5, leading=9.5)
CELL = _style("cell", fontSize=8, leading=10)
CELL_RIGHT = _style("cell-right", fontSize=8, leading=10, alignment=TA_RIGHT)
HEAD = _style("head", fontName=BOLD, fontSize=7.5, leading=9.5, alignment=TA_CENTER)
TITLE = _style("title", fontName=BOLD, fontSize=14, leading=18, alignment=TA_CENTER)
SUBTITLE = _style("subtitle", fontSize=9, leading=12, alignment=TA_CENTER)
SELLER = _style("seller", fontName=BOLD, fontSize=10, leading=13)
SECTION = _style("section", fontName=BOLD, fontSize=9, leading=12, spaceBefore=4)


def grid() -> TableStyle:
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, GRID),
            ("FONTNAME", (0, 0), (-1, -1), REGULAR),
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
    )


class _Page:
    """The flowables of one invoice, in reading order."""

    def __init__(self, invoice: Invoice, hotlines: list[str]):
        self.invoice = invoice
        self.hotlines = hotlines
        self.language = get_language() or "vi"

    def story(self) -> list:
        return [
            self.header(),
            Spacer(0, 3 * mm),
            Paragraph(escape(_("VAT INVOICE (ELECTRICITY)")), TITLE),
            Paragraph(escape(_("(A printout of an e-invoice)")), SUBTITLE),
            *self.adjustment(),
            Spacer(0, 3 * mm),
            self.customer(),
            Spacer(0, 2 * mm),
            Paragraph(escape(_("Meter readings")), SECTION),
            self.readings(),
            Spacer(0, 2 * mm),
            Paragraph(escape(_("Electricity used and its price")), SECTION),
            self.lines(),
            Spacer(0, 2 * mm),
            *self.closing(),
        ]

    # the blocks

    def header(self) -> Table:
        unit = self.invoice.unit
        seller = [Paragraph(escape(unit.name), SELLER)]
        seller += [
            self.field(label, value)
            for label, value in (
                (_("Tax code"), unit.tax_code),
                (_("Address"), unit.address),
                (_("Hotline"), ", ".join(self.hotlines)),
            )
            if value
        ]
        invoice = self.invoice
        identity = [
            self.field(_("Form"), invoice.form_number),
            self.field(_("Series"), invoice.series),
            self.field(_("Number"), str(invoice.number) if invoice.number else "—"),
        ]
        if invoice.lookup_code:
            identity.append(self.field(_("Lookup code"), invoice.lookup_code))
        if invoice.issued_at:
            identity.append(self.field(_("Issued on"), self.day(invoice.issued_at)))
        table = Table([[seller, identity]], colWidths=[WIDTH * 0.64, WIDTH * 0.36])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (0, 0), 0),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, GRID),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        return table

    def adjustment(self) -> list:
        invoice = self.invoice
        if invoice.kind != Invoice.Kind.ADJUSTMENT or invoice.adjusts is None:
            return []
        adjusted = invoice.adjusts
        text = _(
            "Adjustment invoice: adjusts invoice series %(series)s number %(number)s "
            "for %(month)s. The kWh and amounts of this invoice are the difference from "
            "the adjusted invoice; the lines show the corrected bill."
        ) % {
            "series": adjusted.series,
            "number": adjusted.number or "—",
            "month": f"{adjusted.period_month:%m/%Y}",
        }
        return [Spacer(0, 1 * mm), Paragraph(f"<b>{escape(text)}</b>", SUBTITLE)]

    def customer(self) -> Table:
        invoice = self.invoice
        rows = [
            (_("Customer name"), invoice.customer_name, True),
            (_("Customer code"), invoice.customer.code, True),
            (_("Address"), invoice.customer_address, False),
            (_("Purpose"), invoice.get_customer_group_display(), False),
            (_("Households"), str(invoice.households), False),
            (
                _("Period"),
                _("Month %(month)s (%(days)d days from %(first)s to %(last)s)")
                % {
                    "month": f"{invoice.period_month:%m/%Y}",
                    "days": invoice.period_days,
                    "first": self.day(invoice.period_start),
                    "last": self.day(invoice.period_end),
                },
                False,
            ),
        ]
        data = [
            [
                Paragraph(escape(label), CELL),
                Paragraph(f"<b>{escape(value)}</b>" if bold else escape(value), CELL),
            ]
            for label, value, bold in rows
        ]
        table = Table(data, colWidths=[WIDTH * 0.2, WIDTH * 0.8])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (0, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        return table

    def readings(self) -> Table:
        heads = [
            _("Meter number"),
            pgettext("meter register", "Register"),
            _("Old index"),
            _("New index"),
            _("Multiplier"),
            "kWh",
            _("kWh deducted"),
            _("kWh billed"),
        ]
        data = [[Paragraph(escape(head), HEAD) for head in heads]]
        for row in self.invoice.registers.order_by("position"):
            data.append(
                [
                    Paragraph(escape(row.meter_no), CELL),
                    Paragraph(escape(row.register), CELL),
                    *(
                        Paragraph(self.number(value), CELL_RIGHT)
                        for value in (
                            row.old_index,
                            row.new_index,
                            row.multiplier,
                            row.kwh,
                            row.deducted_kwh,
                            row.billed_kwh,
                        )
                    ),
                ]
            )
        if len(data) == 1:
            data.append([Paragraph(escape(_("No meter reading in this period.")), CELL)])
        widths = [0.16, 0.1, 0.13, 0.13, 0.11, 0.1, 0.13, 0.14]
        table = Table(data, colWidths=[WIDTH * share for share in widths], repeatRows=1)
        table.setStyle(grid())
        if len(data) == 2 and len(data[1]) == 1:
            table.setStyle(TableStyle([("SPAN", (0, 1), (-1, 1))]))
        return table

    def lines(self) -> Table:
        invoice = self.invoice
        heads = [_("Line"), "kWh", _("Unit price (VND/kWh)"), _("Amount (VND)")]
        data = [[Paragraph(escape(head), HEAD) for head in heads]]
        labelled = pages.labelled_lines(invoice)
        for item in labelled:
            line = item["line"]
            data.append(
                [
                    Paragraph(escape(item["label"]), CELL),
                    Paragraph(self.number(line.kwh), CELL_RIGHT),
                    Paragraph(self.number(line.price), CELL_RIGHT),
                    Paragraph(self.number(line.amount), CELL_RIGHT),
                ]
            )
        if not labelled:
            data.append(
                [Paragraph(escape(_("No electricity used: nothing to pay.")), CELL), "", "", ""]
            )
        body = len(data)
        adjustment = invoice.kind == Invoice.Kind.ADJUSTMENT
        if adjustment:
            corrected = sum(item["line"].amount for item in labelled)
            corrected_kwh = sum(item["line"].kwh for item in labelled)
            data.append(self.sum_row(_("Corrected bill before VAT"), corrected, corrected_kwh))
            data.append(self.sum_row(_("Difference before VAT"), invoice.subtotal, invoice.kwh))
        else:
            data.append(self.sum_row(_("Subtotal"), invoice.subtotal, invoice.kwh))
        if invoice.vat_percent is None:
            vat_label = _("VAT (several rates)")
        else:
            vat_label = _("VAT %(rate)s%%") % {"rate": self.rate(invoice.vat_percent)}
        if adjustment:
            vat_label = _("%(vat)s, difference") % {"vat": vat_label}
        data.append(self.sum_row(vat_label, invoice.vat))
        total_label = _("Difference to pay") if adjustment else _("Total to pay")
        data.append(
            [
                Paragraph(f"<b>{escape(total_label)}</b>", CELL),
                "",
                "",
                Paragraph(f"<b>{escape(format_vnd(invoice.total, self.language))}</b>", CELL_RIGHT),
            ]
        )
        widths = [0.52, 0.13, 0.16, 0.19]
        table = Table(data, colWidths=[WIDTH * share for share in widths], repeatRows=1)
        table.setStyle(grid())
        table.setStyle(
            TableStyle(
                [
                    ("LINEABOVE", (0, body), (-1, body), 0.9, colors.black),
                    ("BACKGROUND", (0, len(data) - 1), (-1, len(data) - 1), SHADE),
                ]
            )
        )
        if not labelled:
            table.setStyle(TableStyle([("SPAN", (0, 1), (-1, 1))]))
        return table

    def closing(self) -> list:
        invoice = self.invoice
        words = amount_in_words(invoice.total, self.language)
        flowables = [
            Paragraph(
                f"{escape(_('Amount in words'))}: <b>{escape(words)}</b>",
                TEXT,
            ),
        ]
        if invoice.total > 0:
            flowables.append(
                Paragraph(
                    f"{escape(_('Due date'))}: <b>{escape(self.day(invoice.due_date))}</b>",
                    TEXT,
                )
            )
        if invoice.tier_divisor != invoice.period_days:
            note = _(
                "This period is not a regular month (%(days)s days): the tier widths are "
                "scaled by %(days)s/%(divisor)s."
            ) % {"days": invoice.period_days, "divisor": invoice.tier_divisor}
            flowables += [Spacer(0, 1.5 * mm), Paragraph(escape(note), SMALL)]
        flowables += [
            Spacer(0, 4 * mm),
            Paragraph(
                escape(
                    _(
                        "This is a printout of the e-invoice issued by %(seller)s; the "
                        "e-invoice can be looked up with its lookup code."
                    )
                    % {"seller": invoice.unit.name}
                ),
                SMALL,
            ),
        ]
        return flowables

    # pieces

    def field(self, label: str, value: str) -> Paragraph:
        return Paragraph(f"{escape(label)}: <b>{escape(value)}</b>", TEXT)

    def sum_row(self, label: str, amount: int, kwh: int | None = None) -> list:
        return [
            Paragraph(escape(label), CELL),
            Paragraph(self.number(kwh) if kwh is not None else "", CELL_RIGHT),
            "",
            Paragraph(self.number(amount), CELL_RIGHT),
        ]

    def number(self, value) -> str:
        """Digits grouped for the language; an index keeps only the decimals it has."""
        if isinstance(value, Decimal):
            value = int(value) if value == value.to_integral_value() else value.normalize()
        return number_format(value, use_l10n=True, force_grouping=True)

    def rate(self, percent) -> str:
        return self.number(Decimal(percent))

    def day(self, value) -> str:
        if hasattr(value, "hour"):
            value = timezone.localtime(value).date()
        return date_format(value, "SHORT_DATE_FORMAT")
