"""Writing invoices: from the engine's bills (bill runs) to issued, numbered invoices that
tell the customers; and what a customer has already been billed for a period.

An issued invoice is never edited (its payment state aside): a changed bill for a billed
period becomes an adjustment invoice carrying the difference, with the corrected lines.

A bill run writes a million invoices: `prepare` builds plain rows (no model instance per
invoice, line or notice), works out what the invoices of one bill share once and renders
the notices from one translated template per language; `store` numbers the invoices and
inserts everything with `cskh.core.bulk` (binary COPY on PostgreSQL). A run prepares a
chunk while the previous one is stored.

The priced lines are stored once per distinct bill (a Pricing, found by the digest of
its lines), not once per invoice: a run's million invoices share ~15,000 bills.
"""

import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cskh.billing import engine
from cskh.billing.models import Invoice, InvoiceLine, InvoiceRegister, InvoiceSequence, Pricing
from cskh.core import bulk
from cskh.core.money import format_vnd, percent_text
from cskh.customers.models import Customer, Unit
from cskh.notifications import services as notifications
from cskh.notifications.models import Category

LOOKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
LOOKUP_LENGTH = 10
# Pricings written per INSERT statement (one parameter each).
PRICING_BATCH = 1000
# Drafts updated per statement when issued: bulk_update's CASE grows with the batch and
# is evaluated for every row of it (18,000 drafts in one statement took ten minutes).
ISSUE_BATCH = 500
# A random byte → a letter: 256 is a multiple of the alphabet's 32 letters, so every
# letter is as likely as with secrets.choice.
_LOOKUP_TABLE = bytes(ord(LOOKUP_ALPHABET[byte % len(LOOKUP_ALPHABET)]) for byte in range(256))

NORMAL, ADJUSTMENT = Invoice.Kind.NORMAL.value, Invoice.Kind.ADJUSTMENT.value
DRAFT, UNPAID, PAID = (
    Invoice.Status.DRAFT.value,
    Invoice.Status.UNPAID.value,
    Invoice.Status.PAID.value,
)


class CustomerRow(NamedTuple):
    """What an invoice needs of its customer (a bill run reads these, not models)."""

    id: int
    code: str
    name: str
    address: str
    unit_id: int
    purpose: str
    voltage: str
    households: int


class LineRow(NamedTuple):
    """A priced line as written: InvoiceLine's columns but its pricing."""

    position: int
    segment_start: date
    segment_end: date
    segment_days: int
    tariff: str
    tier: int | None
    lower: int | None
    upper: int | None
    width: int | None
    band: str
    flat_tier: bool
    kwh: int
    price: int
    amount: int


class RegisterRow(NamedTuple):
    meter_no: str
    register: str
    old_index: Decimal  # kWh
    new_index: Decimal
    multiplier: int
    kwh: int


@dataclass
class Billed:
    """A customer's invoice for a period and its adjustments so far."""

    invoice: Invoice
    kwh: int
    subtotal: int
    vat: int
    total: int

    def same_as(self, bill: engine.Bill) -> bool:
        return (self.kwh, self.total) == (bill.kwh, bill.total)


@dataclass(slots=True)
class Draft:
    customer: CustomerRow
    group: str
    bill: engine.Bill
    registers: list[RegisterRow]
    previous: Billed | None


def billed(customer_ids: list[int], period_end: date) -> dict[int, Billed]:
    """The invoice (with its adjustments) of each customer for the period ending then;
    `customer_ids` in increasing order."""
    if not customer_ids:
        return {}
    wanted = set(customer_ids)
    rows = [
        invoice
        for invoice in Invoice.objects.filter(
            customer_id__gte=customer_ids[0],
            customer_id__lte=customer_ids[-1],
            period_end=period_end,
        )
        .filter(Q(kind=Invoice.Kind.NORMAL) | Q(adjusts__period_end=period_end))
        .exclude(status=Invoice.Status.CANCELLED)
        .order_by("pk")
        if invoice.customer_id in wanted
    ]
    result: dict[int, Billed] = {}
    for invoice in rows:
        if invoice.kind == Invoice.Kind.NORMAL:
            result[invoice.customer_id] = Billed(
                invoice, invoice.kwh, invoice.subtotal, invoice.vat, invoice.total
            )
    for invoice in rows:
        if invoice.kind == Invoice.Kind.ADJUSTMENT and invoice.customer_id in result:
            so_far = result[invoice.customer_id]
            so_far.kwh += invoice.kwh
            so_far.subtotal += invoice.subtotal
            so_far.vat += invoice.vat
            so_far.total += invoice.total
    return result


def period_month(period_end: date) -> date:
    """The month a bill is named after: the month of the period's last priced day."""
    return (period_end - timedelta(days=1)).replace(day=1)


class _Sellers:
    """The power company that issues a customer's invoices (its unit, or the company
    above its branch)."""

    def __init__(self):
        self.units = {unit.code: unit for unit in Unit.objects.all()}
        self._by_id = {unit.pk: unit for unit in self.units.values()}
        self._sellers: dict[int, Unit] = {}

    def __call__(self, customer: Customer) -> Unit:
        return self.of_unit(customer.unit_id)

    def of_unit(self, unit_id: int) -> Unit:
        """The seller of the customers of unit `unit_id`."""
        seller = self._sellers.get(unit_id)
        if seller is None:
            unit = self._by_id[unit_id]
            if unit.level == Unit.Level.BRANCH:
                unit = self.units[unit.path.strip("/").split("/")[2]]
            seller = self._sellers[unit_id] = unit
        return seller


def series_of(unit: Unit, day: date) -> str:
    """The e-invoice symbol (ký hiệu): C (with the tax office's code), the year, T
    (registered invoices), two letters of the issuer."""
    return f"C{day:%y}T{unit.code[:2]}"


def _lookup_codes(count: int) -> list[str]:
    """`count` random lookup codes of LOOKUP_LENGTH letters of LOOKUP_ALPHABET."""
    letters = secrets.token_bytes(count * LOOKUP_LENGTH).translate(_LOOKUP_TABLE).decode()
    return [letters[n : n + LOOKUP_LENGTH] for n in range(0, len(letters), LOOKUP_LENGTH)]


def _take_numbers(series: list[tuple[int, str]]) -> list[int]:
    """The invoice number of each (unit id, series) in turn: a block per series taken
    under a row lock."""
    counts = Counter(series)
    following: dict[tuple[int, str], int] = {}
    for (unit_id, name), count in counts.items():
        InvoiceSequence.objects.get_or_create(unit_id=unit_id, series=name)
        sequence = InvoiceSequence.objects.select_for_update().get(unit_id=unit_id, series=name)
        following[unit_id, name] = sequence.next_number
        sequence.next_number += count
        sequence.save(update_fields=["next_number"])
    numbers = []
    for key in series:
        numbers.append(following[key])
        following[key] += 1
    return numbers


def _status_of(total: int) -> str:
    return UNPAID if total > 0 else PAID


def _number(invoices: list[Invoice], now: datetime) -> None:
    """Give issued invoices their numbers (a block per series under a row lock), lookup
    codes and status."""
    numbers = _take_numbers([(invoice.unit_id, invoice.series) for invoice in invoices])
    codes = _lookup_codes(len(invoices))
    for invoice, number, code in zip(invoices, numbers, codes, strict=True):
        invoice.number = number
        invoice.lookup_code = code
        invoice.issued_at = now
        invoice.status = _status_of(invoice.total)


def _vat_percent(bill: engine.Bill):
    return None if bill.vat_rate is None else percent_text(bill.vat_rate)


# ---------------------------------------------------------------- rows

INVOICE_COLUMNS = (
    "customer_id",
    "unit_id",
    "kind",
    "adjusts_id",
    "source",
    "bill_run_id",
    "customer_name",
    "customer_address",
    "customer_group",
    "voltage",
    "households",
    "kwh",
    "subtotal",
    "vat",
    "total",
    "series",
    "status",
    "number",
    "lookup_code",
    "issued_at",
    "pricing_id",
    # what every invoice of one bill shares (_Shared.invoice)
    "period_month",
    "period_start",
    "period_end",
    "vat_percent",
    "tier_divisor",
    "due_date",
)
PRICING_COLUMN = INVOICE_COLUMNS.index("pricing_id")
LINE_COLUMNS = ("pricing_id", *LineRow._fields)
REGISTER_COLUMNS = (
    "invoice_id",
    "position",
    "meter_no",
    "register",
    "old_index",
    "new_index",
    "multiplier",
    "kwh",
)


def _line_rows(bill: engine.Bill) -> tuple[LineRow, ...]:
    """The bill's priced lines."""
    rows = []
    for position, line in enumerate(bill.lines, start=1):
        segment = bill.segments[line.segment]
        width = None
        if line.tier is not None and line.upper is not None and segment.flat_tier is None:
            width = segment.tier_widths[line.tier - 1]
        rows.append(
            LineRow(
                position=position,
                segment_start=segment.start,
                segment_end=segment.end,
                segment_days=segment.days,
                tariff=segment.tariff,
                tier=line.tier,
                lower=line.lower,
                upper=line.upper,
                width=width,
                band=line.band or "",
                flat_tier=segment.flat_tier is not None,
                kwh=line.kwh,
                price=line.price,
                amount=line.amount,
            )
        )
    return tuple(rows)


def pricing_digest(lines: tuple[LineRow, ...]) -> str:
    """What a pricing is found by: the SHA-256 of its lines, in order."""
    text = json.dumps(lines, default=date.isoformat, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class Pricings:
    """The pricing of each set of lines: found by its digest, or written with its lines.
    What it found is remembered once the transaction that found it has committed, so the
    later chunks of a bill run, which share most of their bills, need no query."""

    MAX_KNOWN = 200_000  # sets of lines remembered; past that the memory starts again

    def __init__(self):
        self._known: dict[tuple[LineRow, ...], int] = {}

    def ids(self, line_sets: Sequence[tuple[LineRow, ...]]) -> list[int]:
        """The pricing id of each set of lines, in the caller's transaction."""
        distinct = {id(lines): lines for lines in line_sets}  # a bill's lines are one object
        unknown = {
            pricing_digest(lines): lines for lines in distinct.values() if lines not in self._known
        }
        found = _pricings(unknown)
        resolved = {lines: found[digest] for digest, lines in unknown.items()}
        transaction.on_commit(lambda: self._remember(resolved))
        by_object = {
            key: resolved[lines] if lines in resolved else self._known[lines]
            for key, lines in distinct.items()
        }
        return [by_object[id(lines)] for lines in line_sets]

    def _remember(self, resolved: dict[tuple[LineRow, ...], int]) -> None:
        if len(self._known) + len(resolved) > self.MAX_KNOWN:
            self._known.clear()
        self._known.update(resolved)


def _pricings(wanted: dict[str, tuple[LineRow, ...]]) -> dict[str, int]:
    """The pricing id of each digest of `wanted`; those not on file are written with
    their lines."""
    if not wanted:
        return {}
    found = dict(Pricing.objects.filter(digest__in=wanted).values_list("digest", "pk"))
    # In order, so that two runs writing the same new pricings wait, never deadlock.
    new = sorted(wanted.keys() - found.keys())
    if not new:
        return found
    created = _insert_digests(new)
    bulk.insert(
        InvoiceLine,
        LINE_COLUMNS,
        ((pricing_id, *line) for digest, pricing_id in created.items() for line in wanted[digest]),
        ids=False,
    )
    found.update(created)
    if len(created) < len(new):  # written meanwhile by another run, with their lines
        others = [digest for digest in new if digest not in created]
        found.update(Pricing.objects.filter(digest__in=others).values_list("digest", "pk"))
    return found


def _insert_digests(digests: list[str]) -> dict[str, int]:
    """Pricings for `digests`, but for those another transaction has written: the id of
    each one written here."""
    table = connection.ops.quote_name(Pricing._meta.db_table)
    created: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(digests), PRICING_BATCH):
            part = digests[start : start + PRICING_BATCH]
            values = ", ".join(["(%s)"] * len(part))
            cursor.execute(
                f"INSERT INTO {table} (digest) VALUES {values}"  # noqa: S608 - the model's table, values as parameters
                " ON CONFLICT (digest) DO NOTHING RETURNING digest, id",
                part,
            )
            created.update(cursor.fetchall())
    return created


class _Shared:
    """What the invoices of one bill have in common (customers with the same kWh get
    the same bill from the run's engine cache): computed once per bill."""

    __slots__ = ("invoice", "lines")

    def __init__(self, bill: engine.Bill):
        vat_percent = _vat_percent(bill)
        self.invoice = (
            period_month(bill.end),
            bill.start,
            bill.end,
            None if vat_percent is None else Decimal(vat_percent),
            bill.divisor,
            bill.end + timedelta(days=settings.BILLING_DUE_DAYS),
        )
        self.lines = _line_rows(bill)


class _Notices:
    """The BILL notices' titles and texts in both languages, each message translated
    once per language and month, then filled in per invoice."""

    LANGUAGES = ("vi", "en")

    def __init__(self):
        self._forms: dict[tuple, tuple] = {}

    @staticmethod
    def links() -> Callable[[int], str]:
        """The link of an invoice's notice from its id (the URL reversed once)."""
        mark = 987654321
        before, after = reverse("billing:invoice", args=[mark]).split(str(mark))
        return lambda invoice_id: f"{before}{invoice_id}{after}"

    def _templates(self, key: tuple) -> tuple:
        kind, more, month_day, due_date = key
        forms = []
        for language in self.LANGUAGES:
            with translation.override(language):
                month = f"{month_day:%m/%Y}"
                if kind == ADJUSTMENT:
                    title = _("Adjusted electricity bill for %(month)s") % {"month": month}
                    body = (
                        _("Customer code %(code)s: the bill is %(amount)s more; pay by %(due)s.")
                        if more
                        else _("Customer code %(code)s: the bill is %(amount)s less.")
                    )
                else:
                    title = _("Electricity bill for %(month)s") % {"month": month}
                    body = _("Customer code %(code)s: %(amount)s to pay by %(due)s.")
                due = date_format(due_date, "SHORT_DATE_FORMAT")
                forms.append((translation.get_language(), title, body, due))
        return tuple(forms)

    def __call__(self, code: str, kind: str, total: int, month: date, due: date) -> tuple:
        """(title_vi, body_vi, title_en, body_en) of an invoice's notice."""
        key = (kind, total > 0, month, due)
        forms = self._forms.get(key)
        if forms is None:
            forms = self._forms[key] = self._templates(key)
        (vi, vi_title, vi_body, vi_due), (en, en_title, en_body, en_due) = forms
        amount = abs(total)
        return (
            vi_title,
            vi_body % {"code": code, "amount": format_vnd(amount, vi), "due": vi_due},
            en_title,
            en_body % {"code": code, "amount": format_vnd(amount, en), "due": en_due},
        )


# ---------------------------------------------------------------- writing


@dataclass
class Batch:
    """Invoices ready to write: rows of INVOICE_COLUMNS (status, number, lookup code, time
    of issue and pricing filled in by `store`), and for each its lines (without the
    pricing id), reading rows and notice texts (None: no notice)."""

    invoices: list[list]
    series: list[tuple[int, str]]  # (seller id, series) of each invoice
    lines: list[tuple[LineRow, ...]]
    registers: list[list[RegisterRow]]
    notices: list[tuple[int, str, str, str, str]] | None  # customer id and 4 texts
    stale: list[int]  # drafts never issued, replaced by these invoices
    issue: bool


def prepare(drafts: list[Draft], *, run, draft: bool, announce: bool = True) -> Batch:
    """The rows of the invoices of `drafts`, issued unless `draft` (and the customers told
    unless not `announce`). A draft never issued is replaced, not adjusted. Reads only
    the units; a bill run prepares a chunk while the previous one is stored."""
    sellers = _Sellers()
    series: dict[tuple[int, date], tuple[int, str]] = {}
    shared: dict[int, _Shared] = {}  # by id(bill): the drafts keep every bill alive
    texts = _Notices() if announce and not draft else None
    batch = Batch([], [], [], [], [] if texts else None, [], not draft)
    for item in drafts:
        customer, bill, previous = item.customer, item.bill, item.previous
        key = (customer.unit_id, bill.end)
        seller = series.get(key)
        if seller is None:
            unit = sellers.of_unit(customer.unit_id)
            seller = series[key] = (unit.pk, series_of(unit, bill.end))
        common = shared.get(id(bill))
        if common is None:
            common = shared[id(bill)] = _Shared(bill)
        if previous is not None and previous.invoice.is_issued:
            kind, adjusts = ADJUSTMENT, previous.invoice.pk
            kwh, subtotal = bill.kwh - previous.kwh, bill.subtotal - previous.subtotal
            vat, total = bill.vat_amount - previous.vat, bill.total - previous.total
        else:
            if previous is not None:
                batch.stale.append(previous.invoice.pk)
            kind, adjusts = NORMAL, None
            kwh, subtotal, vat, total = bill.kwh, bill.subtotal, bill.vat_amount, bill.total
        batch.invoices.append(
            [
                customer.id,
                seller[0],
                kind,
                adjusts,
                Invoice.Source.BILL_RUN.value,
                run.pk,
                customer.name,
                customer.address,
                item.group,
                customer.voltage,
                customer.households,
                kwh,
                subtotal,
                vat,
                total,
                seller[1],
                DRAFT,
                None,
                "",
                None,
                None,
                *common.invoice,
            ]
        )
        batch.series.append(seller)
        batch.lines.append(common.lines)
        batch.registers.append(item.registers)
        if texts:
            month, due = common.invoice[0], common.invoice[5]
            batch.notices.append((customer.id, *texts(customer.code, kind, total, month, due)))
    return batch


@transaction.atomic
def store(
    batch: Batch, *, now: datetime, pricings: Pricings, turn: Callable[[], None] | None = None
) -> Counter:
    """Write a prepared batch: the notices and the reading rows first, under invoice ids
    taken ahead, then `turn()` if given, then the rest: drafts replaced, pricings, the
    numbers of the invoices to issue (a block per series under a row lock) and the
    invoices. Returns how many invoices of each kind were written.

    What comes before `turn()` meets no other writer's rows, and on PostgreSQL the
    notices' foreign keys are checked there rather than at commit: a bill run writing
    two chunks at once waits in `turn()` for the previous chunk's commit, so that chunks
    take their numbers and commit in order while the next one's first rows are written
    (billrun._Writer)."""
    rows = batch.invoices
    ids = bulk.new_ids(Invoice, len(rows)) if rows else []
    if batch.notices is not None and rows:
        link = _Notices.links()
        _tell(
            [
                (customer_id, link(invoice_id), *texts)
                for invoice_id, (customer_id, *texts) in zip(ids, batch.notices, strict=True)
            ],
            now=now,
        )
        if connection.vendor == "postgresql":
            connection.check_constraints()  # the notices' keys, while the previous chunk commits
    bulk.insert(
        InvoiceRegister,
        REGISTER_COLUMNS,
        (
            (invoice_id, position, *register)
            for invoice_id, registers in zip(ids, batch.registers, strict=True)
            for position, register in enumerate(registers, start=1)
        ),
        ids=False,
    )
    if turn is not None:
        turn()
    if batch.stale:
        Invoice.objects.filter(pk__in=batch.stale).delete()
    if not rows:
        return Counter()
    for row, pricing_id in zip(rows, pricings.ids(batch.lines), strict=True):
        row[PRICING_COLUMN] = pricing_id
    if batch.issue:
        numbers = _take_numbers(batch.series)
        codes = _lookup_codes(len(rows))
        for row, number, code in zip(rows, numbers, codes, strict=True):
            row[16:20] = _status_of(row[14]), number, code, now
    bulk.insert(
        Invoice,
        ("id", *INVOICE_COLUMNS),
        ((invoice_id, *row) for invoice_id, row in zip(ids, rows, strict=True)),
        ids=False,
    )
    return Counter(row[2] for row in rows)


@transaction.atomic
def issue(invoices: list[Invoice], *, now: datetime) -> list[Invoice]:
    """Issue checked drafts: number them and tell the customers."""
    drafts = [invoice for invoice in invoices if invoice.status == Invoice.Status.DRAFT]
    _number(drafts, now)
    Invoice.objects.bulk_update(
        drafts, ["number", "lookup_code", "issued_at", "status"], batch_size=ISSUE_BATCH
    )
    tell(drafts, now=now)
    return drafts


def tell(invoices: list[Invoice], *, now: datetime) -> None:
    """A BILL notice to every account linked to each invoice's customer."""
    codes = {i.customer_id: i.customer.code for i in invoices if Invoice.customer.is_cached(i)}
    missing = {invoice.customer_id for invoice in invoices} - codes.keys()
    if missing:
        codes.update(Customer.objects.filter(pk__in=missing).values_list("pk", "code"))
    texts, link = _Notices(), _Notices.links()
    _tell(
        [
            (
                invoice.customer_id,
                link(invoice.pk),
                *texts(
                    codes[invoice.customer_id],
                    invoice.kind,
                    invoice.total,
                    invoice.period_month,
                    invoice.due_date,
                ),
            )
            for invoice in invoices
        ],
        now=now,
    )


def _tell(items: list[notifications.Rendered], *, now: datetime) -> None:
    notifications.notify_each(items=items, category=Category.BILL.value, now=now)
