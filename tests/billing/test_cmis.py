"""Invoices imported from the billing system (CMIS): what is stored and who is told, every
reason an invoice is rejected (the rest of the file still loads), re-sent files,
adjustments, paid history, the unit scope, and files that cannot be read at all."""

import csv
import gzip
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from cskh.billing import cmis
from cskh.billing.models import Invoice
from cskh.customers.models import Customer
from cskh.metering.csvfile import BadFile
from cskh.notifications.models import Notice, NoticeCustomer
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 3, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
HEADER = ",".join(cmis.COLUMNS)
TIERS = ((50, 1984), (50, 2050), (20, 2380))  # 120 kWh: 249,300 + VAT 19,944 = 269,244


# ---------------------------------------------------------------- files


def invoice(
    customer: Customer,
    *,
    number: int = 1,
    series: str = "C26TPE",
    tiers=TIERS,
    bands=None,
    start: str = "2026-09-30",
    end: str = "2026-10-31",
    status: str = "UNPAID",
    adjusts: Invoice | None = None,
    **columns,
) -> list[dict]:
    """The rows of one invoice, its sums right: a reading row (or one per band) and one
    priced line per tier (or band). An adjustment carries the difference with `adjusts`
    (the period's only invoice so far). `columns` override the invoice's own columns."""
    if bands:  # {"BT": (kwh, price), "CD": …, "TD": …}
        names = {"BT": "NORMAL", "CD": "PEAK", "TD": "OFFPEAK"}
        prices = [("", names[reg], kwh, price) for reg, (kwh, price) in bands.items()]
        readings = [(reg, kwh) for reg, (kwh, _price) in bands.items()]
    else:
        prices = [(str(n), "", kwh, price) for n, (kwh, price) in enumerate(tiers, start=1)]
        readings = [("KT", sum(kwh for kwh, _price in tiers))]
    subtotal = sum(kwh * price for _tier, _band, kwh, price in prices)
    vat = cmis.vat_of(subtotal, Decimal("8"))
    if adjusts is not None:
        subtotal, vat = subtotal - adjusts.subtotal, vat - adjusts.vat
    own = {
        "customer_code": customer.code,
        "series": series,
        "number": str(number),
        "lookup_code": f"K{customer.pk}X{number}",
        "period_start": start,
        "period_end": end,
        "due_date": "2026-11-10",
        "subtotal": str(subtotal),
        "vat_percent": "8",
        "vat": str(vat),
        "total": str(subtotal + vat),
        "status": status,
        "adjusts_series": adjusts.series if adjusts else "",
        "adjusts_number": str(adjusts.number) if adjusts else "",
    } | columns
    empty = dict.fromkeys(cmis.COLUMNS[len(cmis.INVOICE_COLUMNS) :], "")
    meter = customer.meters.get().number
    rows = [
        own
        | empty
        | {
            "kind": "READING",
            "meter_no": meter,
            "register": register,
            "old_index": "1000.5",
            "new_index": str(Decimal("1000.5") + kwh),
            "multiplier": "1",
            "kwh": str(kwh),
        }
        for register, kwh in readings
    ]
    rows += [
        own
        | empty
        | {
            "kind": "PRICE",
            "tier": tier,
            "band": band,
            "kwh": str(kwh),
            "unit_price": str(price),
            "amount": str(kwh * price),
        }
        for tier, band, kwh, price in prices
    ]
    return rows


def csv_of(*invoices: list[dict], header: str = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = header.split(",")
    writer.writerow(names)
    writer.writerows([row[name] for name in names] for rows in invoices for row in rows)
    return out.getvalue().encode()


def send(data: bytes, *, unit=None, announce: bool = True) -> cmis.Result:
    return cmis.import_invoices(
        io.BytesIO(data), source="test.csv", unit=unit, announce=announce, now=NOW
    )


def set_all(rows: list[dict], **columns) -> list[dict]:
    for row in rows:
        row.update(columns)
    return rows


def bill_notices(customer: Customer) -> list[Notice]:
    ids = NoticeCustomer.objects.filter(customer=customer).values("notice_id")
    return list(Notice.objects.filter(pk__in=ids, category="BILL").order_by("pk"))


# ---------------------------------------------------------------- loading


def test_an_invoice_is_stored_as_sent_and_the_customer_is_told(units):
    customer = factories.customer(households=2)
    result = send(csv_of(invoice(customer, number=1234)))
    assert (result.invoices, result.rows, result.new, result.rejected) == (1, 4, 1, 0)
    assert result.announced == 1
    stored = Invoice.objects.get()
    assert stored.source == Invoice.Source.CMIS
    assert stored.unit == units["PE01"]  # the power company above the customer's branch
    assert (stored.series, stored.number, stored.lookup_code) == (
        "C26TPE",
        1234,
        f"K{customer.pk}X1234",
    )
    assert stored.status == Invoice.Status.UNPAID and stored.issued_at == NOW
    assert (stored.kind, stored.adjusts) == (Invoice.Kind.NORMAL, None)
    assert (stored.customer_name, stored.customer_address) == (customer.name, customer.address)
    assert (stored.customer_group, stored.voltage, stored.households) == (
        "RESIDENTIAL",
        "LT_6KV",
        2,
    )
    assert stored.period_month == date(2026, 10, 1)
    assert (stored.period_start, stored.period_end) == (date(2026, 9, 30), date(2026, 10, 31))
    assert stored.tier_divisor == 31 == stored.period_days
    assert (stored.kwh, stored.subtotal, stored.vat, stored.total) == (120, 249300, 19944, 269244)
    assert stored.vat_percent == Decimal("8") and stored.due == 269244
    lines = list(stored.lines.order_by("position"))
    assert [(line.tier, line.kwh, line.price, line.amount) for line in lines] == [
        (1, 50, 1984, 99200),
        (2, 50, 2050, 102500),
        (3, 20, 2380, 47600),
    ]
    assert {(line.segment_start, line.segment_end, line.segment_days) for line in lines} == {
        (date(2026, 9, 30), date(2026, 10, 31), 31)
    }
    assert {
        (line.tariff, line.lower, line.upper, line.width, line.flat_tier) for line in lines
    } == {("", None, None, None, False)}
    register = stored.registers.get()
    assert (register.register, register.old_index, register.new_index) == (
        "KT",
        Decimal("1000.5"),
        Decimal("1120.5"),
    )
    assert (register.multiplier, register.kwh, register.meter_no) == (
        1,
        120,
        customer.meters.get().number,
    )
    [notice] = bill_notices(customer)
    assert notice.link == f"/invoices/{stored.pk}/"
    assert "269.244" in notice.body_vi


def test_time_of_use_bands_and_gzip(units):
    shop = factories.customer(purpose=Customer.Purpose.BUSINESS)
    bands = {"BT": (300, 1811), "CD": (100, 3266), "TD": (150, 1146)}
    result = send(gzip.compress(csv_of(invoice(shop, bands=bands))))
    assert result.new == 1
    stored = Invoice.objects.get()
    assert stored.customer_group == "BUSINESS" and stored.kwh == 550
    assert [line.band for line in stored.lines.order_by("position")] == [
        "NORMAL",
        "PEAK",
        "OFFPEAK",
    ]
    assert [row.register for row in stored.registers.order_by("position")] == ["BT", "CD", "TD"]


def test_paid_history_is_kept_and_not_announced(units):
    customer = factories.customer()
    result = send(csv_of(invoice(customer, status="PAID")))
    assert (result.new, result.announced) == (1, 0)
    stored = Invoice.objects.get()
    assert stored.status == Invoice.Status.PAID and stored.paid_amount == stored.total
    assert stored.due == 0
    assert not Notice.objects.exists()


def test_a_quiet_import_tells_nobody(units):
    customer = factories.customer()
    assert send(csv_of(invoice(customer)), announce=False).new == 1
    assert not Notice.objects.exists()


def test_a_resent_file_changes_nothing(units):
    customer = factories.customer()
    other = factories.customer()
    data = csv_of(invoice(customer, number=1), invoice(other, number=2))
    send(data)
    again = send(data)
    assert (again.invoices, again.new, again.unchanged, again.rejected) == (2, 0, 2, 0)
    assert Invoice.objects.count() == 2
    assert len(bill_notices(customer)) == 1
    # The payment state is not part of the invoice: a re-sent "paid" changes nothing here.
    assert send(csv_of(invoice(customer, number=1, status="PAID"))).unchanged == 1
    assert Invoice.objects.get(number=1).status == Invoice.Status.UNPAID


def test_a_number_on_file_with_another_content_is_refused(units):
    customer = factories.customer()
    send(csv_of(invoice(customer, number=7)))
    result = send(csv_of(invoice(customer, number=7, tiers=((50, 1984), (30, 2050)))))
    assert [r.reason for r in result.rejections] == ["already_issued"]
    assert Invoice.objects.get().kwh == 120


def test_an_adjustment_carries_the_difference_with_the_corrected_lines(units):
    customer = factories.customer()
    send(csv_of(invoice(customer, number=1)))
    original = Invoice.objects.get()
    corrected = ((50, 1984), (50, 2050), (30, 2380))  # 130 kWh
    rows = invoice(customer, number=2, tiers=corrected, adjusts=original)
    result = send(csv_of(rows))
    assert (result.new, result.rejected, result.announced) == (1, 0, 1)
    adjustment = Invoice.objects.get(number=2)
    assert adjustment.kind == Invoice.Kind.ADJUSTMENT and adjustment.adjusts == original
    assert (adjustment.kwh, adjustment.subtotal) == (10, 23800)
    assert adjustment.vat == cmis.vat_of(273100, Decimal(8)) - original.vat
    assert adjustment.total == adjustment.subtotal + adjustment.vat
    assert sum(line.amount for line in adjustment.lines.all()) == 273100  # the corrected bill
    assert adjustment.registers.get().kwh == 130
    assert "Adjusted" in bill_notices(customer)[-1].title_en
    assert send(csv_of(rows)).unchanged == 1


def test_an_invoice_and_its_adjustment_in_one_file(units):
    customer = factories.customer()
    first = invoice(customer, number=1)
    original = Invoice(series="C26TPE", number=1, subtotal=249300, vat=19944)
    second = invoice(customer, number=2, tiers=((50, 1984), (40, 2050)), adjusts=original)
    result = send(csv_of(first, second))
    assert (result.new, result.rejected) == (2, 0), result.rejections
    adjustment = Invoice.objects.get(number=2)
    assert adjustment.adjusts == Invoice.objects.get(number=1)
    assert adjustment.kwh == -30 and adjustment.total < 0


def test_a_unit_scope_loads_only_its_customers(units):
    hcmc = factories.customer()
    hanoi = factories.customer(unit_code="PD0100")
    data = csv_of(invoice(hcmc, number=1), invoice(hanoi, number=2, series="C26TPD"))
    result = send(data, unit=units["PE01"])
    assert [(r.reason, r.customer_code) for r in result.rejections] == [("other_unit", hanoi.code)]
    assert send(data).new == 1  # an operator's import without a unit loads the other too
    assert Invoice.objects.get(customer=hanoi).unit == units["PD01"]


# ---------------------------------------------------------------- rejections


def _number_on_file(ctx, rows):
    send(csv_of(invoice(ctx["customer"], number=2, tiers=((10, 1984),))))
    return rows


def _period_on_file(ctx, rows):
    send(csv_of(invoice(ctx["customer"], number=99)))
    return rows


CASES = {
    "missing_value": lambda ctx, rows: set_all(rows, lookup_code=""),
    "too_long": lambda ctx, rows: set_all(rows, series="C26TPE-XYZ"),
    "bad_number": lambda ctx, rows: rows[2].update(kwh="50.0") or rows,
    "bad_decimal": lambda ctx, rows: rows[0].update(old_index="1000,5") or rows,
    "bad_date": lambda ctx, rows: set_all(rows, due_date="10/11/2026"),
    "bad_status": lambda ctx, rows: set_all(rows, status="CHUATT"),
    "bad_kind": lambda ctx, rows: rows[1].update(kind="TAX") or rows,
    "bad_register": lambda ctx, rows: rows[0].update(register="XX") or rows,
    "bad_band": lambda ctx, rows: rows[1].update(band="PEAK") or rows,
    "inconsistent": lambda ctx, rows: rows[2].update(due_date="2026-11-20") or rows,
    "bad_period": lambda ctx, rows: set_all(rows, period_end="2026-09-30"),
    "bad_due_date": lambda ctx, rows: set_all(rows, due_date="2026-10-30"),
    "no_price_lines": lambda ctx, rows: rows[:1],
    "amount_mismatch": lambda ctx, rows: rows[3].update(amount="102501") or rows,
    "kwh_mismatch": lambda ctx, rows: rows[0].update(kwh="121") or rows,
    "subtotal_mismatch": lambda ctx, rows: set_all(rows, subtotal="249301", total="269245"),
    "vat_mismatch": lambda ctx, rows: set_all(rows, vat="19945", total="269245"),
    "total_mismatch": lambda ctx, rows: set_all(rows, total="269245"),
    "unknown_customer": lambda ctx, rows: set_all(rows, customer_code="PE0100999999"),
    "other_unit": lambda ctx, rows: set_all(rows, customer_code=ctx["hanoi"].code),
    "already_issued": _number_on_file,
    "adjusts_unknown": lambda ctx, rows: set_all(rows, adjusts_series="C26TPE", adjusts_number="9"),
    "period_billed": _period_on_file,
    "lookup_code_taken": lambda ctx, rows: set_all(
        rows, lookup_code=ctx["first"][0]["lookup_code"]
    ),
}


def test_every_reason_is_tested():
    assert set(CASES) == set(cmis.REASONS)


@pytest.mark.parametrize("reason", sorted(CASES))
def test_a_bad_invoice_is_rejected_whole_and_the_rest_loads(units, reason):
    good, customer = factories.customer(), factories.customer()
    ctx = {"customer": customer, "hanoi": factories.customer(unit_code="PD0100")}
    ctx["first"] = invoice(good, number=1)
    bad = CASES[reason](ctx, invoice(customer, number=2))
    before = Invoice.objects.count()
    result = send(csv_of(ctx["first"], bad), unit=units["PE01"])
    assert [r.reason for r in result.rejections] == [reason]
    rejection = result.rejections[0]
    assert rejection.lines == tuple(range(6, 6 + len(bad)))
    assert str(cmis.REASONS[reason]) in rejection.message
    assert (result.new, result.rejected) == (1, 1)
    assert Invoice.objects.count() == before + 1
    assert Invoice.objects.filter(customer=good).exists()


def test_a_rejection_names_the_line_and_column_at_fault(units):
    customer = factories.customer()
    rows = invoice(customer)
    rows[2]["kwh"] = "many"
    [rejection] = send(csv_of(rows)).rejections
    assert (rejection.line, rejection.column) == (4, "kwh")
    with translation.override("en"):
        assert rejection.message.startswith("Line 4, kwh: The value is not a whole number")
    assert (rejection.customer_code, rejection.series, rejection.number) == (
        customer.code,
        "C26TPE",
        "1",
    )


# ---------------------------------------------------------------- unreadable files


def good_file() -> bytes:
    return csv_of(invoice(factories.customer()))


@pytest.mark.parametrize(
    ("spoil", "line"),
    [
        (lambda data: b"", None),
        (lambda data: data.replace(b"customer_code,", b"code,", 1), 1),
        (lambda data: data + b"PE0100," + b"\xff" * 3 + b"\n", 6),
        (lambda data: data + b"x" * 1100 + b"\n", 6),
        (lambda data: data + b"a,b,c\n", 6),
        (lambda data: data + b'"unclosed,' + b",".join([b"x"] * 24) + b"\n", 6),
        (lambda data: gzip.compress(data)[:-12], None),
    ],
    ids=["empty", "header", "utf8", "long", "columns", "quoting", "gzip"],
)
def test_an_unreadable_file_writes_nothing(units, monkeypatch, spoil, line):
    monkeypatch.setattr(cmis, "CHUNK", 1)  # the good invoice is written before the bad line
    with pytest.raises(BadFile) as caught, translation.override("en"):
        send(spoil(good_file()))
    assert caught.value.line == line
    if line:
        assert str(caught.value.message).startswith(f"Line {line}: ")
    assert not Invoice.objects.exists()
    assert not Notice.objects.exists()


def test_a_file_with_only_the_header_loads_nothing(units):
    result = send(csv_of())
    assert (result.invoices, result.new, result.rejected) == (0, 0, 0)


def test_the_report_follows_the_file(units):
    customer = factories.customer()
    unknown = set_all(invoice(customer, number=1), customer_code="PE0100999999")
    unreadable = set_all(invoice(customer, number=2), status="?")
    result = send(csv_of(unknown, unreadable))
    assert [(r.reason, r.lines[0]) for r in result.rejections] == [
        ("unknown_customer", 2),
        ("bad_status", 6),
    ]
