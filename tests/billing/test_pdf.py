"""The invoice PDF: what the e-invoice shows, in the customer's language."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from pypdf import PdfReader

from cskh.billing import invoices, pdf
from cskh.billing.models import Invoice, InvoiceRegister
from tests import factories

pytestmark = pytest.mark.django_db

HOTLINES = ["1900 545454"]
# Residential tiers at the 2025 prices: 120 kWh → 249.300 đ + VAT 8 % = 269.244 đ.
TIERS = [(1, 0, 50, 1984), (2, 50, 100, 2050), (3, 100, 200, 2380)]
KWH = [50, 50, 20]


def invoice(units, **fields) -> Invoice:
    """An issued residential invoice of 120 kWh for 16/09/2026–16/10/2026 (30 days)."""
    customer = factories.customer(
        name=fields.pop("customer_name", "Nguyễn Thị Hoa"),
        address="12 Đường Trần Hưng Đạo, Phường Cầu Ông Lãnh, Quận 1, TP. Hồ Chí Minh",
    )
    unit = units["PE01"]
    unit.name = "Công ty Điện lực Sài Gòn"
    unit.tax_code = "0300951119-001"
    unit.address = "12 Nguyễn Thị Minh Khai, Phường Đa Kao, Quận 1, TP. Hồ Chí Minh"
    unit.save()
    lines = fields.pop("lines", list(zip(TIERS, KWH, strict=True)))
    subtotal = sum(price * kwh for (_, _, _, price), kwh in lines)
    vat = fields.pop("vat", subtotal * 8 // 100)
    values = {
        "customer": customer,
        "unit": unit,
        "source": Invoice.Source.BILL_RUN,
        "period_month": date(2026, 10, 1),
        "period_start": date(2026, 9, 16),
        "period_end": date(2026, 10, 16),
        "customer_name": customer.name,
        "customer_address": customer.address,
        "customer_group": "RESIDENTIAL",
        "voltage": customer.voltage,
        "kwh": sum(kwh for _, kwh in lines),
        "subtotal": subtotal,
        "vat_percent": Decimal("8.00"),
        "vat": vat,
        "total": subtotal + vat,
        "tier_divisor": 30,
        "due_date": date(2026, 10, 23),
        "series": "C26TPE",
        "number": 1234,
        "lookup_code": "K7M2P9QX4A",
        "status": Invoice.Status.UNPAID,
        "issued_at": timezone.make_aware(datetime(2026, 10, 17, 8, 0)),
    } | fields
    start, end = values["period_start"], values["period_end"]
    rows = tuple(
        invoices.LineRow(
            position=position,
            segment_start=start,
            segment_end=end,
            segment_days=(end - start).days,
            tariff="1279/QĐ-BCT",
            tier=tier,
            lower=lower,
            upper=upper,
            width=None if upper is None else upper - lower,
            band="",
            flat_tier=False,
            kwh=kwh,
            price=price,
            amount=kwh * price,
        )
        for position, ((tier, lower, upper, price), kwh) in enumerate(lines, start=1)
    )
    made = Invoice.objects.create(pricing_id=invoices.Pricings().ids([rows])[0], **values)
    InvoiceRegister.objects.create(
        invoice=made,
        position=1,
        meter_no="24110123456",
        register="KT",
        old_index=Decimal("12345.000"),
        new_index=Decimal("12465.000"),
        multiplier=1,
        kwh=120,
    )
    return made


def text_of(body: bytes) -> str:
    """The PDF's text, one line per line, with runs of spaces made one."""
    reader = PdfReader(io.BytesIO(body))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def test_the_invoice_in_vietnamese(units):
    made = invoice(units)
    assert made.total == 269_244
    body = pdf.render(made, hotlines=HOTLINES)
    assert body.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(body)).pages) == 1
    text = text_of(body)
    assert "HÓA ĐƠN GIÁ TRỊ GIA TĂNG (TIỀN ĐIỆN)" in text
    assert "Bản thể hiện của hóa đơn điện tử" in text
    assert "Công ty Điện lực Sài Gòn" in text
    assert "0300951119-001" in text and "1900 545454" in text
    assert "C26TPE" in text and "1234" in text and "K7M2P9QX4A" in text
    assert "Nguyễn Thị Hoa" in text
    assert made.customer.code in text
    assert "12 Đường Trần Hưng Đạo, Phường Cầu Ông Lãnh" in text
    assert "Sinh hoạt" in text
    assert "Tháng 10/2026 (30 ngày từ 16/09/2026 đến 16/10/2026)" in text
    assert "24110123456" in text and "12.345" in text and "12.465" in text
    assert "Bậc 1: 0–50 kWh" in text and "Bậc 3: 101–200 kWh" in text
    assert "1.984" in text and "47.600" in text  # tier 3: 20 × 2.380
    assert "249.300" in text and "19.944" in text
    assert "269.244 đ" in text
    assert "Hai trăm sáu mươi chín nghìn hai trăm bốn mươi bốn đồng" in text
    assert "23/10/2026" in text
    assert "not a regular month" not in text and "tháng đều" not in text


def test_the_invoice_in_english(units):
    made = invoice(units)
    with translation.override("en"):
        text = text_of(pdf.render(made, hotlines=HOTLINES))
    assert "VAT INVOICE (ELECTRICITY)" in text
    assert "Nguyễn Thị Hoa" in text  # names keep their diacritics
    assert "Residential" in text
    assert "Month 10/2026 (30 days from 16/09/2026 to 16/10/2026)" in text
    assert "Tier 1: 0–50 kWh" in text
    assert "12,345" in text and "47,600" in text
    assert "269,244 VND" in text
    assert "Two hundred sixty-nine thousand two hundred forty-four dong" in text
    assert "VAT 8%" in text


def test_an_irregular_period_says_how_the_tiers_were_scaled(units):
    made = invoice(units, period_start=date(2026, 9, 6), tier_divisor=30)
    with translation.override("en"):
        text = text_of(pdf.render(made, hotlines=HOTLINES))
    assert "40 days from 06/09/2026 to 16/10/2026" in text
    assert "the tier widths are scaled by 40/30" in text


def test_two_vat_rates_are_named_several_rates(units):
    made = invoice(units, vat_percent=None, vat=22_100)
    with translation.override("en"):
        text = text_of(pdf.render(made, hotlines=HOTLINES))
    assert "VAT (several rates)" in text
    assert "271,400 VND" in text


def test_an_adjustment_names_the_invoice_it_adjusts_and_shows_the_difference(units):
    original = invoice(units)
    adjustment = Invoice.objects.create(
        **{
            field.attname: getattr(original, field.attname)
            for field in Invoice._meta.concrete_fields
            if field.attname not in {"id", "number", "lookup_code", "created_at"}
        }
        | {
            "kind": Invoice.Kind.ADJUSTMENT,
            "adjusts_id": original.pk,
            "kwh": -10,
            "subtotal": -23_800,
            "vat": -1_904,
            "total": -25_704,
            "number": 1300,
            "status": Invoice.Status.PAID,
        }
    )
    with translation.override("en"):
        text = text_of(pdf.render(adjustment, hotlines=HOTLINES))
        name = pdf.filename(adjustment)
    assert "adjusts invoice series C26TPE number 1234 for 10/2026" in text
    assert "difference" in text
    assert "-25,704 VND" in text
    assert "Minus twenty-five thousand seven hundred four dong" in text
    assert name == f"hoa-don-{original.customer.code}-2026-10-dieu-chinh-1300.pdf"


def test_many_lines_flow_onto_more_pages(units):
    lines = [((1, 0, None, 1984), 1)] * 80
    made = invoice(units, lines=lines)
    body = pdf.render(made, hotlines=[])
    assert len(PdfReader(io.BytesIO(body)).pages) > 1
    assert "Một trăm bảy mươi mốt nghìn bốn trăm mười bảy đồng" in text_of(body)


def test_the_file_name_is_ascii(units):
    made = invoice(units)
    name = pdf.filename(made)
    assert name == f"hoa-don-{made.customer.code}-2026-10.pdf"
    assert name.isascii()
