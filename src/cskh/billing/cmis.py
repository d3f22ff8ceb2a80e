"""Invoices from the power corporations' billing system (CMIS): one service behind
`manage.py import_invoices` and `POST /api/v1/ingest/invoices` (docs/invoices-import.md).

In production EVN's bills are computed and issued in CMIS; the platform keeps them in the
same model as its own bill runs' (`Invoice.source` = CMIS), so customers see, download and
pay them the same way.

- The file is read with the readings import's checks (metering.csvfile: gzip, UTF-8,
  header, line length, CSV syntax); any of these stops the import and nothing is written
  (`BadFile`).
- One row per line of an invoice; the invoice's own columns repeat on each of its rows
  and its rows are consecutive. Each invoice is checked on its own and rejected whole with
  one reason (`REASONS`); the rest of the file still loads. Nothing is half-written.
- An invoice already on file (same issuing unit, series and number) with the same content
  is counted unchanged: re-sending a file is harmless. With other content it is rejected
  (`already_issued`): an issued invoice is corrected by an adjustment invoice.
- Invoices are checked against the database and written in bulk, CHUNK at a time, in one
  transaction per file; the customers of new unpaid invoices are told (a BILL notice).
"""

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import BinaryIO

from django.db import connection, transaction
from django.db.models import Prefetch, Q, Sum
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from cskh.billing import billrun, engine, invoices
from cskh.billing.models import Invoice, InvoiceLine, InvoiceRegister
from cskh.customers.models import Customer, Unit
from cskh.metering import csvfile
from cskh.metering.csvfile import BadFile

COLUMNS = (
    # the invoice's own columns, repeated on each of its rows
    "customer_code",
    "series",
    "number",
    "lookup_code",
    "period_start",
    "period_end",
    "due_date",
    "subtotal",
    "vat_percent",
    "vat",
    "total",
    "status",
    "adjusts_series",
    "adjusts_number",
    # one row of the invoice
    "kind",
    "meter_no",
    "register",
    "old_index",
    "new_index",
    "multiplier",
    "tier",
    "band",
    "kwh",
    "unit_price",
    "amount",
)
INVOICE_COLUMNS = COLUMNS[: COLUMNS.index("kind")]
STATUSES = {"UNPAID": Invoice.Status.UNPAID, "PAID": Invoice.Status.PAID}
KINDS = ("READING", "PRICE")
REGISTERS = ("KT", "BT", "CD", "TD")
BANDS = engine.BANDS
MAX_PERIOD_DAYS = 366
CHUNK = 1000  # invoices checked against the database and written together
REPORT_LIMIT = 1000  # rejections kept for the answer

REASONS = {
    "missing_value": _("A required value is empty."),
    "too_long": _(
        "The value is longer than its column allows: 16 characters for a customer code, "
        "8 for a series, 12 for a lookup code, 20 for a meter number."
    ),
    "bad_number": _(
        "The value is not a whole number within its limits: digits only, a minus sign only "
        "on the subtotal, VAT and total, an invoice number of at most 8 digits, a unit price "
        "and a multiplier of at least 1."
    ),
    "bad_decimal": _(
        "The value is not a decimal number written with a dot: at most three decimals for "
        "an index, two for the VAT rate (below 100)."
    ),
    "bad_date": _("The date is not a date written YYYY-MM-DD."),
    "bad_status": _("The status is not UNPAID or PAID."),
    "bad_kind": _("The kind is not READING or PRICE."),
    "bad_register": _("The register is not one of KT, BT, CD, TD."),
    "bad_band": _(
        "A priced line names either a tier (1, 2, …) or a band (NORMAL, PEAK, OFFPEAK): "
        "one of the two."
    ),
    "inconsistent": _("The invoice's own columns differ between its rows."),
    "bad_period": _("The period must end after it starts and last at most 366 days."),
    "bad_due_date": _("The due date is before the end of the period."),
    "no_price_lines": _("The invoice has no priced line (no PRICE row)."),
    "amount_mismatch": _("The line's amount differs from its kWh times its unit price."),
    "kwh_mismatch": _("The kWh of the priced lines differ from the kWh of the reading table."),
    "subtotal_mismatch": _(
        "The subtotal differs from the sum of the priced lines (for an adjustment: from "
        "that sum less the subtotal billed before for the period)."
    ),
    "vat_mismatch": _(
        "The VAT differs from the subtotal times the VAT rate rounded half up to a whole "
        "dong (for an adjustment: the VAT of the corrected bill less the VAT billed before)."
    ),
    "total_mismatch": _("The total differs from the subtotal plus the VAT."),
    "unknown_customer": _("No customer has this code."),
    "other_unit": _("This customer belongs to a unit outside the sender's."),
    "already_issued": _(
        "An invoice with this series and number is already on file with a different "
        "content: send a correction as an adjustment invoice."
    ),
    "adjusts_unknown": _(
        "The invoice it adjusts is not on file for this customer and this period."
    ),
    "period_billed": _(
        "This customer already has an invoice for this period: send a correction as an "
        "adjustment invoice."
    ),
    "lookup_code_taken": _("Another invoice already has this lookup code."),
}

_INTEGER = re.compile(r"-?[0-9]+")
_INDEX = re.compile(r"[0-9]{1,11}(\.[0-9]{1,3})?")
_PERCENT = re.compile(r"[0-9]{1,2}(\.[0-9]{1,2})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MAX_INT = 2**31 - 1


@dataclass(frozen=True)
class Rejection:
    """An invoice not loaded: its rows' lines, why, and the row and column at fault
    when the problem is one value."""

    lines: tuple[int, ...]
    reason: str
    customer_code: str
    series: str
    number: str
    line: int | None = None
    column: str | None = None

    @property
    def message(self) -> str:
        problem = str(REASONS[self.reason])
        if self.line is None:
            return problem
        if self.column is None:
            return _t("Line %(line)d: %(problem)s") % {"line": self.line, "problem": problem}
        return _t("Line %(line)d, %(column)s: %(problem)s") % {
            "line": self.line,
            "column": self.column,
            "problem": problem,
        }


@dataclass
class Result:
    """What became of a file's invoices; the first REPORT_LIMIT rejections, by line."""

    source: str
    rows: int = 0
    invoices: int = 0
    new: int = 0
    unchanged: int = 0
    rejected: int = 0
    announced: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def rejections_more(self) -> bool:
        return self.rejected > len(self.rejections)


class InvoicesFile(csvfile.ReadingsFile):
    """The readings file's checks with the invoices' header: every column of COLUMNS,
    in any order, each once; lines up to 2 KB."""

    max_line_bytes = 2048

    def _parse_header(self, header: bytes) -> tuple[str, ...]:
        names = next(csv.reader([header.decode().strip("\r")]), [])
        columns = tuple(name.strip().lower() for name in names)
        if sorted(columns) != sorted(COLUMNS):
            raise BadFile(
                _("the header must name the columns %(columns)s, each once; found: %(found)s.")
                % {"columns": ",".join(COLUMNS), "found": ",".join(columns) or "—"},
                line=1,
            )
        return columns


def import_invoices(
    stream: BinaryIO, *, source: str, unit: Unit | None, announce: bool = True, now: datetime
) -> Result:
    """Load one CMIS file of invoices (customers of `unit`'s subtree only, unless None);
    tell the customers of the new unpaid ones unless not `announce`.

    Raises BadFile (nothing written) when the file as a whole cannot be read."""
    file = InvoicesFile(stream)
    loader = _Loader(source=source, unit=unit, announce=announce, now=now)
    with transaction.atomic():
        if connection.vendor == "postgresql":  # two files never race for the same number
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('billing_cmis_import'))")
        for group in _groups(file.rows(), file.columns):
            loader.add(group)
        loader.flush()
    return loader.result


# ---------------------------------------------------------------- one invoice, on its own


@dataclass(frozen=True)
class _Reading:
    meter_no: str
    register: str
    old_index: Decimal
    new_index: Decimal
    multiplier: int
    kwh: int


@dataclass(frozen=True)
class _Price:
    tier: int | None
    band: str
    kwh: int
    unit_price: int
    amount: int


@dataclass
class _Parsed:
    lines: tuple[int, ...]
    customer_code: str
    series: str
    number: int
    lookup_code: str
    period_start: date
    period_end: date
    due_date: date
    subtotal: int
    vat_percent: Decimal
    vat: int
    total: int
    status: str
    adjusts: tuple[str, int] | None
    readings: list[_Reading]
    prices: list[_Price]

    @property
    def priced_subtotal(self) -> int:
        return sum(price.amount for price in self.prices)

    @property
    def priced_kwh(self) -> int:
        return sum(price.kwh for price in self.prices)

    def content(self) -> tuple:
        """What must be equal for a re-sent invoice to be the same invoice (the payment
        state aside)."""
        return (
            self.customer_code,
            self.lookup_code,
            self.period_start,
            self.period_end,
            self.due_date,
            self.subtotal,
            self.vat_percent,
            self.vat,
            self.total,
            self.adjusts,
            tuple(self.readings),
            tuple(self.prices),
        )


def _content_of(invoice: Invoice) -> tuple:
    """_Parsed.content() of an invoice on file (lines and registers prefetched)."""
    return (
        invoice.customer.code,
        invoice.lookup_code,
        invoice.period_start,
        invoice.period_end,
        invoice.due_date,
        invoice.subtotal,
        invoice.vat_percent,
        invoice.vat,
        invoice.total,
        (invoice.adjusts.series, invoice.adjusts.number) if invoice.adjusts else None,
        tuple(
            _Reading(r.meter_no, r.register, r.old_index, r.new_index, r.multiplier, r.kwh)
            for r in invoice.registers.all()
        ),
        tuple(
            _Price(line.tier, line.band, line.kwh, line.price, line.amount)
            for line in invoice.lines.all()
        ),
    )


class _Problem(Exception):
    def __init__(self, reason: str, *, line: int | None = None, column: str | None = None):
        self.reason, self.line, self.column = reason, line, column
        super().__init__(reason)


class _Row:
    """One line's values, read column by column with the reason of the first problem."""

    def __init__(self, line: int, values: dict[str, str]):
        self.line, self.values = line, values

    def text(self, column: str, *, max_length: int, required: bool = True) -> str:
        value = self.values[column]
        if required and not value:
            raise _Problem("missing_value", line=self.line, column=column)
        if len(value) > max_length:
            raise _Problem("too_long", line=self.line, column=column)
        return value

    def integer(
        self, column: str, *, least: int = 0, most: int = _MAX_INT, required: bool = True
    ) -> int | None:
        value = self.values[column]
        if not value:
            if required:
                raise _Problem("missing_value", line=self.line, column=column)
            return None
        if not _INTEGER.fullmatch(value) or len(value) > 19 or not least <= int(value) <= most:
            raise _Problem("bad_number", line=self.line, column=column)
        return int(value)

    def decimal(self, column: str, pattern: re.Pattern) -> Decimal:
        value = self.values[column]
        if not value:
            raise _Problem("missing_value", line=self.line, column=column)
        if not pattern.fullmatch(value):
            raise _Problem("bad_decimal", line=self.line, column=column)
        return Decimal(value)

    def day(self, column: str) -> date:
        value = self.values[column]
        if not value:
            raise _Problem("missing_value", line=self.line, column=column)
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise _Problem("bad_date", line=self.line, column=column) from None

    def choice(self, column: str, choices, reason: str, *, required: bool = True) -> str:
        value = self.values[column]
        if not value and required:
            raise _Problem("missing_value", line=self.line, column=column)
        if value and value not in choices:
            raise _Problem(reason, line=self.line, column=column)
        return value


_AMOUNT = {"least": -(10**15), "most": 10**15}


def _parse(rows: list[_Row]) -> _Parsed:
    """The invoice of consecutive rows, checked on its own; raises _Problem."""
    head = rows[0]
    own = [head.values[column] for column in INVOICE_COLUMNS]
    for row in rows[1:]:
        if [row.values[column] for column in INVOICE_COLUMNS] != own:
            raise _Problem("inconsistent", line=row.line)
    invoice = _Parsed(
        lines=tuple(row.line for row in rows),
        customer_code=head.text("customer_code", max_length=16),
        series=head.text("series", max_length=8),
        number=head.integer("number", least=1, most=99_999_999),
        lookup_code=head.text("lookup_code", max_length=12),
        period_start=head.day("period_start"),
        period_end=head.day("period_end"),
        due_date=head.day("due_date"),
        subtotal=head.integer("subtotal", **_AMOUNT),
        vat_percent=head.decimal("vat_percent", _PERCENT),
        vat=head.integer("vat", **_AMOUNT),
        total=head.integer("total", **_AMOUNT),
        status=head.choice("status", STATUSES, "bad_status"),
        adjusts=_adjusts(head),
        readings=[],
        prices=[],
    )
    for row in rows:
        if row.choice("kind", KINDS, "bad_kind") == "READING":
            invoice.readings.append(
                _Reading(
                    meter_no=row.text("meter_no", max_length=20),
                    register=row.choice("register", REGISTERS, "bad_register"),
                    old_index=row.decimal("old_index", _INDEX),
                    new_index=row.decimal("new_index", _INDEX),
                    multiplier=row.integer("multiplier", least=1),
                    kwh=row.integer("kwh"),
                )
            )
        else:
            tier = row.integer("tier", least=1, most=99, required=False)
            band = row.choice("band", BANDS, "bad_band", required=False)
            if (tier is None) == (not band):
                raise _Problem("bad_band", line=row.line, column="band")
            price = _Price(
                tier=tier,
                band=band,
                kwh=row.integer("kwh"),
                unit_price=row.integer("unit_price", least=1),
                amount=row.integer("amount", most=10**15),
            )
            if price.amount != price.kwh * price.unit_price:
                raise _Problem("amount_mismatch", line=row.line, column="amount")
            invoice.prices.append(price)
    _check_sums(invoice, head.line)
    return invoice


def _adjusts(head: _Row) -> tuple[str, int] | None:
    """The series and number of the invoice an adjustment corrects (None: not one)."""
    series = head.text("adjusts_series", max_length=8, required=False)
    number = head.integer("adjusts_number", least=1, most=99_999_999, required=False)
    if bool(series) != (number is not None):
        column = "adjusts_number" if series else "adjusts_series"
        raise _Problem("missing_value", line=head.line, column=column)
    return (series, number) if series else None


def _check_sums(invoice: _Parsed, line: int) -> None:
    """The invoice's own arithmetic; an adjustment's amounts are checked against what
    the period was billed before (_Loader)."""
    days = (invoice.period_end - invoice.period_start).days
    if not 0 < days <= MAX_PERIOD_DAYS:
        raise _Problem("bad_period", line=line, column="period_end")
    if invoice.due_date < invoice.period_end:
        raise _Problem("bad_due_date", line=line, column="due_date")
    if not invoice.prices:
        raise _Problem("no_price_lines")
    if invoice.priced_kwh > _MAX_INT:
        raise _Problem("bad_number", line=line, column="kwh")
    if invoice.priced_kwh != sum(reading.kwh for reading in invoice.readings):
        raise _Problem("kwh_mismatch")
    if invoice.adjusts is None:
        if invoice.subtotal != invoice.priced_subtotal:
            raise _Problem("subtotal_mismatch", line=line, column="subtotal")
        if invoice.vat != vat_of(invoice.priced_subtotal, invoice.vat_percent):
            raise _Problem("vat_mismatch", line=line, column="vat")
    if invoice.total != invoice.subtotal + invoice.vat:
        raise _Problem("total_mismatch", line=line, column="total")


def vat_of(subtotal: int, percent: Decimal) -> int:
    """The VAT of a non-negative subtotal, rounded half up to a whole đồng (as the engine)."""
    rate = Fraction(percent) / 100
    return engine.round_half_up(subtotal * rate.numerator, rate.denominator)


def _groups(rows: Iterable[tuple[int, list[str]]], columns) -> Iterator[list[_Row]]:
    """Consecutive rows of the same series and number: one invoice each."""
    group: list[_Row] = []
    for line, fields in rows:
        row = _Row(line, {name: value.strip() for name, value in zip(columns, fields, strict=True)})
        if group and (row.values["series"], row.values["number"]) != (
            group[0].values["series"],
            group[0].values["number"],
        ):
            yield group
            group = []
        group.append(row)
    if group:
        yield group


# ---------------------------------------------------------------- against the database


@dataclass
class _Billed:
    """What a customer's period was billed so far: the invoice and its adjustments."""

    kwh: int = 0
    subtotal: int = 0
    vat: int = 0
    total: int = 0

    def add(self, invoice: Invoice) -> None:
        self.kwh += invoice.kwh
        self.subtotal += invoice.subtotal
        self.vat += invoice.vat
        self.total += invoice.total


@dataclass
class _Refused:
    """An invoice rejected on its own, kept in its place in the file until its chunk is
    done, so that the report follows the file's order."""

    values: dict[str, str]
    lines: tuple[int, ...]
    problem: _Problem

    @classmethod
    def of(cls, parsed: _Parsed, problem: _Problem) -> "_Refused":
        values = {
            "customer_code": parsed.customer_code,
            "series": parsed.series,
            "number": str(parsed.number),
        }
        return cls(values, parsed.lines, problem)


@dataclass
class _New:
    invoice: Invoice
    parsed: _Parsed


class _Loader:
    """Invoices checked on their own as they come, then CHUNK at a time against the
    database and written."""

    def __init__(self, *, source: str, unit: Unit | None, announce: bool, now: datetime):
        self.result = Result(source=source)
        self.scope = unit.path if unit else None
        self.announce, self.now = announce, now
        self.sellers = invoices._Sellers()
        self.pending: list[_Parsed | _Refused] = []

    def add(self, rows: list[_Row]) -> None:
        self.result.rows += len(rows)
        self.result.invoices += 1
        try:
            self.pending.append(_parse(rows))
        except _Problem as problem:
            self.pending.append(_Refused(rows[0].values, tuple(row.line for row in rows), problem))
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Check the pending invoices against the database, in file order, and write the
        new ones."""
        chunk, self.pending = self.pending, []
        on_file = _OnFile([item for item in chunk if isinstance(item, _Parsed)])
        new: list[_New] = []
        for item in chunk:
            if isinstance(item, _Refused):
                self._reject(item)
                continue
            try:
                created = self._check(item, on_file)
            except _Problem as problem:
                self._reject(_Refused.of(item, problem))
                continue
            if created is None:
                self.result.unchanged += 1
            else:
                new.append(created)
        if new:
            self._write(new)

    def _reject(self, refused: "_Refused") -> None:
        self.result.rejected += 1
        if len(self.result.rejections) < REPORT_LIMIT:
            values, problem = refused.values, refused.problem
            self.result.rejections.append(
                Rejection(
                    lines=refused.lines,
                    reason=problem.reason,
                    customer_code=values["customer_code"],
                    series=values["series"],
                    number=values["number"],
                    line=problem.line,
                    column=problem.column,
                )
            )

    def _check(self, parsed: _Parsed, on_file: "_OnFile") -> _New | None:
        """The new invoice, or None for one already on file; raises _Problem."""
        customer = on_file.customers.get(parsed.customer_code)
        if customer is None:
            raise _Problem("unknown_customer")
        if self.scope and not customer.unit.path.startswith(self.scope):
            raise _Problem("other_unit")
        seller = self.sellers(customer)
        same = on_file.invoices.get((seller.pk, parsed.series, parsed.number))
        if same is not None:
            if same.content() != parsed.content():
                raise _Problem("already_issued")
            return None
        period = (customer.pk, parsed.period_end)
        adjusts = None
        if parsed.adjusts is not None:
            adjusts = on_file.invoices.get((seller.pk, *parsed.adjusts))
            if adjusts is None or not adjusts.adjustable_by(customer, parsed):
                raise _Problem("adjusts_unknown")
            billed = on_file.billed[period]
            corrected = parsed.priced_subtotal
            if parsed.subtotal != corrected - billed.subtotal:
                raise _Problem("subtotal_mismatch")
            if parsed.vat != vat_of(corrected, parsed.vat_percent) - billed.vat:
                raise _Problem("vat_mismatch")
        elif period in on_file.periods:
            raise _Problem("period_billed")
        if parsed.lookup_code in on_file.lookup_codes:
            raise _Problem("lookup_code_taken")
        invoice = self._invoice(parsed, customer, seller, adjusts, on_file.billed[period])
        on_file.accept(invoice, parsed, seller)
        return _New(invoice, parsed)

    def _invoice(self, parsed: _Parsed, customer, seller, adjusts, billed: _Billed) -> Invoice:
        paid = parsed.status == "PAID"
        return Invoice(
            customer=customer,
            unit=seller,
            kind=Invoice.Kind.ADJUSTMENT if adjusts else Invoice.Kind.NORMAL,
            adjusts=adjusts.invoice if adjusts else None,
            source=Invoice.Source.CMIS,
            period_month=invoices.period_month(parsed.period_end),
            period_start=parsed.period_start,
            period_end=parsed.period_end,
            customer_name=customer.name,
            customer_address=customer.address,
            customer_group=billrun.GROUP_OF_PURPOSE[customer.purpose],
            voltage=customer.voltage,
            households=customer.households,
            kwh=parsed.priced_kwh - (billed.kwh if adjusts else 0),
            subtotal=parsed.subtotal,
            vat_percent=parsed.vat_percent,
            vat=parsed.vat,
            total=parsed.total,
            # CMIS does not say how it divided the tier widths: the period's own days.
            tier_divisor=(parsed.period_end - parsed.period_start).days,
            due_date=parsed.due_date,
            series=parsed.series,
            number=parsed.number,
            lookup_code=parsed.lookup_code,
            status=STATUSES[parsed.status],
            issued_at=self.now,
            paid_amount=max(parsed.total, 0) if paid else 0,
        )

    def _write(self, new: list[_New]) -> None:
        """Their priced lines, the invoices in bulk (an adjustment after the invoice it
        adjusts when both are new), then their reading tables; then tell the
        customers."""
        pricing_ids = invoices.Pricings().ids([_line_rows(item) for item in new])
        for item, pricing_id in zip(new, pricing_ids, strict=True):
            item.invoice.pricing_id = pricing_id
        waiting = [item.invoice for item in new]
        while waiting:
            ready = [i for i in waiting if i.adjusts is None or i.adjusts.pk is not None]
            Invoice.objects.bulk_create(ready)
            waiting = [i for i in waiting if i.pk is None]
        InvoiceRegister.objects.bulk_create(
            InvoiceRegister(invoice=item.invoice, position=position, **vars(reading))
            for item in new
            for position, reading in enumerate(item.parsed.readings, start=1)
        )
        self.result.new += len(new)
        unpaid = [item.invoice for item in new if item.invoice.status == Invoice.Status.UNPAID]
        if self.announce and unpaid:
            invoices.tell(unpaid, now=self.now)
            self.result.announced += len(unpaid)


def _line_rows(item: _New) -> tuple[invoices.LineRow, ...]:
    """The invoice's priced lines. CMIS says neither which price list it used nor how it
    split the period."""
    parsed = item.parsed
    return tuple(
        invoices.LineRow(
            position=position,
            segment_start=parsed.period_start,
            segment_end=parsed.period_end,
            segment_days=item.invoice.period_days,
            tariff="",
            tier=price.tier,
            lower=None,
            upper=None,
            width=None,
            band=price.band,
            flat_tier=False,
            kwh=price.kwh,
            price=price.unit_price,
            amount=price.amount,
        )
        for position, price in enumerate(parsed.prices, start=1)
    )


class _Known:
    """An invoice on file or new in this chunk: what a re-send and an adjustment are
    compared with."""

    def __init__(self, invoice: Invoice, content):
        self.invoice, self._content = invoice, content

    def content(self) -> tuple:
        if callable(self._content):
            self._content = self._content()
        return self._content

    def adjustable_by(self, customer: Customer, parsed: _Parsed) -> bool:
        invoice = self.invoice
        return (
            invoice.customer_id == customer.pk
            and (invoice.period_start, invoice.period_end)
            == (parsed.period_start, parsed.period_end)
            and invoice.status not in (Invoice.Status.DRAFT, Invoice.Status.CANCELLED)
        )


class _OnFile:
    """What a chunk's invoices meet in the database, loaded in a few queries, and kept
    up to date with the chunk's own new invoices."""

    def __init__(self, chunk: list[_Parsed]):
        codes = {parsed.customer_code for parsed in chunk}
        self.customers = {
            customer.code: customer
            for customer in Customer.objects.filter(code__in=codes).select_related("unit")
        }
        identities = {(parsed.series, parsed.number) for parsed in chunk} | {
            parsed.adjusts for parsed in chunk if parsed.adjusts
        }
        self.invoices: dict[tuple[int, str, int], _Known] = {}
        rows = (
            Invoice.objects.filter(
                series__in={series for series, _number in identities},
                number__in={number for _series, number in identities},
            )
            .select_related("customer", "adjusts")
            .prefetch_related(
                Prefetch("pricing__lines", InvoiceLine.objects.order_by("position")),
                Prefetch("registers", InvoiceRegister.objects.order_by("position")),
            )
        )
        for invoice in rows:
            if (invoice.series, invoice.number) in identities:
                self.invoices[(invoice.unit_id, invoice.series, invoice.number)] = _Known(
                    invoice, lambda invoice=invoice: _content_of(invoice)
                )
        customer_ids = [customer.pk for customer in self.customers.values()]
        ends = {parsed.period_end for parsed in chunk}
        of_periods = (
            Invoice.objects.filter(customer_id__in=customer_ids, period_end__in=ends)
            .exclude(status=Invoice.Status.CANCELLED)
            .order_by()
        )
        self.periods = set(
            of_periods.filter(kind=Invoice.Kind.NORMAL).values_list("customer_id", "period_end")
        )
        self.billed: dict[tuple[int, date], _Billed] = defaultdict(_Billed)
        sums = (
            of_periods.exclude(status=Invoice.Status.DRAFT)
            .values("customer_id", "period_end")
            .annotate(kwh=Sum("kwh"), subtotal=Sum("subtotal"), vat=Sum("vat"), total=Sum("total"))
        )
        for row in sums:
            self.billed[(row["customer_id"], row["period_end"])] = _Billed(
                row["kwh"], row["subtotal"], row["vat"], row["total"]
            )
        self.lookup_codes = set(
            Invoice.objects.filter(
                ~Q(lookup_code=""), lookup_code__in={parsed.lookup_code for parsed in chunk}
            ).values_list("lookup_code", flat=True)
        )

    def accept(self, invoice: Invoice, parsed: _Parsed, seller: Unit) -> None:
        self.invoices[(seller.pk, parsed.series, parsed.number)] = _Known(invoice, parsed.content())
        if invoice.kind == Invoice.Kind.NORMAL:
            self.periods.add((invoice.customer_id, invoice.period_end))
        self.billed[(invoice.customer_id, invoice.period_end)].add(invoice)
        self.lookup_codes.add(parsed.lookup_code)
