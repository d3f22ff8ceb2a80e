"""Tariff API for anyone: /api/v1/tariffs (the tariff in force) and /tariffs/calculate;
invoice API for an account: /api/v1/invoices (its linked codes' invoices)."""

from datetime import date

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from cskh.accounts.api import bearer
from cskh.billing import calculator, forms, pages, pdf, queries, tariffs
from cskh.billing.models import Invoice
from cskh.core.errors import InvalidInput
from cskh.core.forms import validated
from cskh.core.money import percent_text

router = Router(tags=["tariffs"])
invoices_router = Router(tags=["invoices"], auth=bearer)

Number = int | float | str | None  # the form says what is wrong with a value


class RegistersIn(Schema):
    model_config = {"extra": "forbid"}
    normal: Number = None
    peak: Number = None
    offpeak: Number = None


class TenantIn(Schema):
    people: Number = Field(None, description="People declared on the lease; null: none declared")


class CalculateIn(Schema):
    customer_group: str | None = Field(
        None,
        description="RESIDENTIAL, PREPAID, BUSINESS, PRODUCTION, HOSPITAL_SCHOOL, ADMINISTRATIVE",
    )
    voltage: str | None = Field(
        None, description="LT_6KV, KV_6_22, KV_22_110, GE_110KV; required for BUSINESS, PRODUCTION"
    )
    kwh: Number = Field(None, description="Whole kWh of the period")
    registers: RegistersIn | None = Field(None, description="kWh per time-of-use band")
    amount: Number = Field(None, description="Reverse mode: VND to spend, VAT included")
    households: Number = Field(None, description="Households sharing the meter (default 1)")
    tenant: TenantIn | None = Field(None, description="A tenant on a lease under 12 months")
    period_start: str | None = Field(None, description="Previous reading date, YYYY-MM-DD")
    period_end: str | None = Field(None, description="This reading date, YYYY-MM-DD")


class LineOut(Schema):
    label: str
    kwh: int
    unit_price: int
    amount: int
    tier: int | None
    band: str | None
    segment: int


class VatPartOut(Schema):
    rate: str
    base: int
    vat: int


class SegmentOut(Schema):
    start: str
    end: str
    days: int
    tariff: str
    kwh: int
    households: str
    vat_rate: str
    tier_widths: list[int]


class QuoteOut(Schema):
    customer_group: str
    voltage: str | None
    period_start: str
    period_end: str
    days: int
    regular_period: bool
    tier_divisor: int
    kwh: int
    amount: int | None
    lines: list[LineOut]
    subtotal: int
    vat_rate: str | None
    vat_parts: list[VatPartOut]
    vat: int
    total: int
    segments: list[SegmentOut]


@router.post("/calculate", response=QuoteOut, auth=None)
def calculate(request, payload: CalculateIn):
    """The bill for kWh (or time-of-use registers) over a period, or, given `amount`,
    the kWh it buys. Amounts in integer VND. Periods are [period_start, period_end):
    the days from the previous reading to this one; by default this month."""
    data = payload.dict(exclude={"registers", "tenant"})
    data.update(payload.registers.dict() if payload.registers else {})
    if payload.tenant is not None:
        data.update(tenant=True, tenant_people=payload.tenant.people)
    cleaned = validated(forms.CalculatorForm, data, today=timezone.localdate())
    return calculator.quote_json(calculator.quote(cleaned))


class SheetQuery(Schema):
    date_: str | None = Field(None, alias="date", description="YYYY-MM-DD; default today")


def _day(text: str | None) -> date:
    if not text:
        return timezone.localdate()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(fields={"date": [forms.DATE_MESSAGE]}) from None


@router.get("", auth=None)
def tariff_sheet(request, query: Query[SheetQuery]):
    """The retail tariff in force on a day: prices (VND/kWh, VAT excluded) with the
    decision that set them, the VAT rate, the time-of-use hours and the tenant rule."""
    sheet = tariffs.sheet(_day(query.date_))
    price_list = sheet.price_list
    return {
        "date": sheet.day.isoformat(),
        "price_list": None
        if price_list is None
        else {
            "legal_basis": price_list.legal_basis,
            "title": price_list.title,
            "valid_from": price_list.valid_from.isoformat(),
            "valid_until": price_list.valid_until.isoformat() if price_list.valid_until else None,
        },
        "residential_tiers": [
            {"tier": row.number, "from_kwh": row.lower, "to_kwh": row.upper, "price": row.price}
            for row in sheet.tiers
        ],
        "time_of_use": [
            {
                "customer_group": row.group,
                "voltage": row.voltage,
                "offpeak": row.offpeak,
                "normal": row.normal,
                "peak": row.peak,
            }
            for row in sheet.tou
        ],
        "single_price": [
            {"customer_group": row.group, "voltage": row.voltage or None, "price": row.price}
            for row in sheet.flat
        ],
        "vat_percent": percent_text(sheet.vat.rate) if sheet.vat else None,
        "time_of_use_hours": [
            {
                "band": window.band,
                "days": window.days,
                "from": window.starts_at.strftime("%H:%M"),
                "to": window.ends_at.strftime("%H:%M"),
            }
            for window in sheet.windows
        ],
        "tenant_rule": None
        if sheet.tenant_rule is None
        else {
            "people_per_household": sheet.tenant_rule.people_per_household,
            "undeclared_tier": sheet.tenant_rule.undeclared_tier,
            "legal_basis": sheet.tenant_rule.legal_basis,
        },
    }


# ---------------------------------------------------------------- invoices


class InvoiceQuery(Schema):
    status: str | None = Field(None, description="UNPAID, PARTIALLY_PAID, PAID, CANCELLED, PENDING")
    customer: str | None = Field(None, description="One of the account's customer codes")
    from_: str | None = Field(None, alias="from", description="First billing month, YYYY-MM-DD")
    to: str | None = Field(None, description="Last billing month (included), YYYY-MM-DD")


def _summary(invoice: Invoice) -> dict:
    return {
        "id": invoice.pk,
        "customer_code": invoice.customer.code,
        "kind": invoice.kind,
        "period": f"{invoice.period_month:%Y-%m}",
        "period_start": invoice.period_start.isoformat(),
        "period_end": invoice.period_end.isoformat(),
        "kwh": invoice.kwh,
        "subtotal": invoice.subtotal,
        "vat": invoice.vat,
        "total": invoice.total,
        "due": invoice.due,
        "status": invoice.status,
        "due_date": invoice.due_date.isoformat(),
        "paid_at": invoice.paid_at.isoformat() if invoice.paid_at else None,
        "paid_channel": invoice.paid_channel or None,
        "series": invoice.series,
        "number": invoice.number,
        "adjusts": invoice.adjusts_id,
    }


@invoices_router.get("")
def list_invoices(request, query: Query[InvoiceQuery]):
    """The account's invoices across its linked codes, unpaid first, then newest first."""
    filters = validated(
        forms.InvoiceFilterForm,
        {"status": query.status, "customer": query.customer, "start": query.from_, "end": query.to},
        account=request.auth,
    )
    rows = queries.invoices_for(request.auth, **forms.InvoiceFilterForm.as_filters(filters))
    return [_summary(row) for row in rows]


@invoices_router.get("/{invoice_id}")
def invoice_detail(request, invoice_id: int):
    """One invoice with its reading table and priced lines (404 unless linked)."""
    invoice = queries.invoice_for(request.auth, invoice_id)
    return _summary(invoice) | {
        "form_number": invoice.form_number,
        "lookup_code": invoice.lookup_code,
        "issued_at": invoice.issued_at.isoformat(),
        "seller": {"name": invoice.unit.name, "tax_code": invoice.unit.tax_code},
        "customer": {
            "name": invoice.customer_name,
            "address": invoice.customer_address,
            "group": invoice.customer_group,
            "voltage": invoice.voltage,
            "households": invoice.households,
        },
        "vat_percent": None
        if invoice.vat_percent is None
        else format(invoice.vat_percent.normalize(), "f"),
        "tier_divisor": invoice.tier_divisor,
        "registers": [
            {
                "meter_no": row.meter_no,
                "register": row.register,
                "old_index": str(row.old_index),
                "new_index": str(row.new_index),
                "multiplier": row.multiplier,
                "kwh": row.kwh,
                "deducted_kwh": row.deducted_kwh,
                "billed_kwh": row.billed_kwh,
            }
            for row in invoice.registers.all()
        ],
        "lines": [
            {
                "label": item["label"],
                "kwh": item["line"].kwh,
                "unit_price": item["line"].price,
                "amount": item["line"].amount,
                "tier": item["line"].tier,
                "band": item["line"].band or None,
                "tier_width": item["line"].width,
                "segment_start": item["line"].segment_start.isoformat(),
                "segment_end": item["line"].segment_end.isoformat(),
                "tariff": item["line"].tariff,
            }
            for item in pages.labelled_lines(invoice)
        ],
    }


@invoices_router.get("/{invoice_id}/pdf")
def invoice_pdf(request, invoice_id: int):
    """The invoice as a PDF file."""
    return pdf.response(queries.invoice_for(request.auth, invoice_id))
