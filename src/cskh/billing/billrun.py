"""Bill runs: the invoices of the customers of a unit whose meters are read on one day,
for the period from the previous reading day to that day, priced by the engine.

- Usage comes from the daily readings: the energy of the days (start, end] per meter and
  register (so meter replacements, multiplier changes and rollovers are already in it),
  with the indexes of the two reading days for the reading table. Customers are billed
  in chunks, read as rows (not models) with their meters and one aggregate of those
  meters' readings; for a period that is one calendar month, the monthly rollups
  instead of the days.
- The engine prices each distinct input once per run (group, voltage, households, kWh
  per band): customers with the same kWh share the bill, its lines are built once.
- A chunk is written (COPY on PostgreSQL, see cskh.core.bulk) while the next one's
  first rows are written and the one after is read and priced: see _Writer.
- Idempotent per customer and period: a customer already billed with the same kWh and
  amounts gets nothing new; changed readings give an adjustment invoice (or replace a
  draft never issued). Resumable: each chunk commits with the run's cursor.
- Customers who cannot be billed (a reading missing, no tariff) are listed on the run
  and tried again by the next run of the same day.
"""

import calendar
import gc
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone

from cskh.billing import engine, invoices, tariffs
from cskh.billing.models import TOU_GROUPS, BillRun, CustomerGroup, Invoice, SkippedCustomer
from cskh.core import bulk
from cskh.customers.models import Customer, Meter, Unit
from cskh.metering.models import MonthlyUsage, Reading, StartIndex

CHUNK = 10_000
WH_PER_KWH = 1000
TOU_REGISTERS = {"BT": engine.NORMAL, "CD": engine.PEAK, "TD": engine.OFFPEAK}
GROUP_OF_PURPOSE = {
    Customer.Purpose.RESIDENTIAL: CustomerGroup.RESIDENTIAL,
    Customer.Purpose.BUSINESS: CustomerGroup.BUSINESS,
    Customer.Purpose.PRODUCTION: CustomerGroup.PRODUCTION,
    Customer.Purpose.ADMINISTRATIVE: CustomerGroup.ADMINISTRATIVE,
}
NO_READING = SkippedCustomer.Reason.NO_READING.value
NO_PREVIOUS_READING = SkippedCustomer.Reason.NO_PREVIOUS_READING.value
NO_TARIFF = SkippedCustomer.Reason.NO_TARIFF.value


def previous_reading_day(day: date) -> date:
    """The reading day a month before: the same day, or the last day of the previous
    month for a reading on a month's last day (engine.is_regular_month agrees)."""
    first = day.replace(day=1)
    before = first - timedelta(days=1)
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return before
    return before.replace(day=min(day.day, before.day))


def route(unit: Unit, day: date):
    """The customers of `unit` (and the units under it) whose meters are read on `day`:
    reading day = that day of the month, or above it when `day` is the month's last."""
    customers = Customer.objects.filter(unit__path__startswith=unit.path).exclude(
        status=Customer.Status.TERMINATED
    )
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return customers.filter(reading_day__gte=day.day)
    return customers.filter(reading_day=day.day)


# ---------------------------------------------------------------- usage

# How a chunk's readings are found. Readings are keyed (day, meter, register) and stored
# day by day in meter order, so the meters of an id range are one stretch of each day's
# rows (~20 µs a customer with a million meters); a list of ids costs an index descent
# per meter and day (60–200 µs). Ids at most RANGE_GAP apart make one range (the meters
# in between are read and dropped); past MAX_RANGES ranges, the list.
RANGE_GAP = 8
MAX_RANGES = 16

# (meter number, register, Wh of the period, old index Wh, new index Wh, multiplier)
Register = tuple[str, str, int, int | None, int | None, int]


def _meter_filter(meter_ids: list[int]) -> Q:
    """Readings of (at least) the meters `meter_ids`, given in increasing order."""
    ranges: list[list[int]] = []
    for meter_id in meter_ids:
        if ranges and meter_id - ranges[-1][1] <= RANGE_GAP:
            ranges[-1][1] = meter_id
        else:
            ranges.append([meter_id, meter_id])
    if len(ranges) > MAX_RANGES:
        return Q(meter_id__in=meter_ids)
    wanted = Q()
    for first, last in ranges:
        wanted |= Q(meter_id__gte=first, meter_id__lte=last)
    return wanted


def _usage(
    customers: list[invoices.CustomerRow], start: date, end: date
) -> dict[int, tuple[str | None, list[Register]]]:
    """What each customer used over (start, end] register by register, or why it
    cannot be billed (a customer without a meter in service is not in the result):
    the chunk's meters in service during the period, and their readings (one query
    for the chunk)."""
    ids = {customer.id for customer in customers}
    meters = [
        meter
        for meter in Meter.objects.filter(
            customer_id__gte=customers[0].id,
            customer_id__lte=customers[-1].id,
            installed_date__lte=end,
        )
        .exclude(removed_date__lte=start)
        .order_by("customer_id", "id")
        .values_list("customer_id", "id", "number", "multiplier", "installed_date", "removed_date")
        if meter[0] in ids
    ]
    if not meters:
        return {}
    readings = _readings(sorted(meter[1] for meter in meters), start, end)
    start_indexes = {}
    installed = [meter[1] for meter in meters if meter[4] > start]
    if installed:
        start_indexes = {
            (meter_id, register): index
            for meter_id, register, index in StartIndex.objects.filter(
                meter_id__in=installed
            ).values_list("meter_id", "register", "index_wh")
        }
    result: dict[int, list] = {}
    for customer_id, meter_id, number, multiplier, installed_date, removed_date in meters:
        entry = result.get(customer_id)
        if entry is None:
            entry = result[customer_id] = [None, []]
        registers = readings.get(meter_id)
        if not registers:
            entry[0] = entry[0] or NO_READING
            continue
        removed = removed_date is not None and removed_date <= end
        new_meter = installed_date > start
        for register, (wh, old, new) in sorted(registers.items()):
            if new is None and not removed:
                entry[0] = NO_READING
            if old is None and not new_meter:
                entry[0] = entry[0] or NO_PREVIOUS_READING
            if old is None and new_meter:
                old = start_indexes.get((meter_id, register), 0)
            if new is None and removed:
                new = _last_index(meter_id, register, end)
            entry[1].append((number, register, wh, old, new, multiplier))
    for entry in result.values():
        if not entry[1] and entry[0] is None:
            entry[0] = NO_READING
    return {customer_id: tuple(entry) for customer_id, entry in result.items()}


def is_calendar_month(start: date, end: date) -> bool:
    """Whether the period (start, end] is one calendar month: a route read on the
    month's last day."""
    last_day = calendar.monthrange(end.year, end.month)[1]
    return end.day == last_day and start == end.replace(day=1) - timedelta(days=1)


# What the meters used, register by register: (Wh of the period, old index Wh, new index
# Wh), an index None when the meter was not read that day.
Readings = dict[int, dict[str, tuple[int, int | None, int | None]]]


def _readings(meter_ids: list[int], start: date, end: date) -> Readings:
    """What the meters used over (start, end]: one aggregate of their daily readings of
    the days start…end, or of their monthly rollups when the period is a calendar month."""
    usage = _month_usage if is_calendar_month(start, end) else _day_usage
    readings: Readings = defaultdict(dict)
    for meter_id, register, wh, old, new in usage(meter_ids, start, end).values_list(
        "meter_id", "register", "period_wh", "old_index", "new_index"
    ):
        readings[meter_id][register] = (int(wh or 0), old, new)
    return readings


def _day_usage(meter_ids: list[int], start: date, end: date) -> QuerySet:
    """Per meter and register: the energy of the days after `start` up to `end`, and the
    indexes of both days."""
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return (
        Reading.objects.filter(_meter_filter(meter_ids), reading_date__in=days)
        .values("meter_id", "register")
        .annotate(
            period_wh=Sum("wh", filter=Q(reading_date__gt=start)),
            old_index=Max("index_wh", filter=Q(reading_date=start)),
            new_index=Max("index_wh", filter=Q(reading_date=end)),
        )
    )


def _month_usage(meter_ids: list[int], start: date, end: date) -> QuerySet:
    """The same for a calendar month from the monthly rollups, two rows a register
    instead of a row a day: the month's energy, its last index if that was read on `end`,
    and the month before's if read on `start`, its last day (a register read in the
    month before but not on its last day, nor this month, is not in the days either).
    The import writes the rollups in the transaction that writes the days, so both
    give the same (tests/billing/test_billrun.py compares them)."""
    month = end.replace(day=1)
    return (
        MonthlyUsage.objects.filter(
            _meter_filter(meter_ids),
            Q(month=month) | Q(month=start.replace(day=1), last_date=start),
        )
        .values("meter_id", "register")
        .annotate(
            period_wh=Max("wh", filter=Q(month=month)),
            old_index=Max("last_index_wh", filter=Q(last_date=start)),
            new_index=Max("last_index_wh", filter=Q(last_date=end)),
        )
    )


def _last_index(meter_id: int, register: str, end: date) -> int | None:
    """The index of a meter removed during the period, on its last day of readings."""
    reading = (
        Reading.objects.filter(meter_id=meter_id, register=register, reading_date__lte=end)
        .order_by("-reading_date")
        .values_list("index_wh", flat=True)
        .first()
    )
    return reading


# ---------------------------------------------------------------- pricing


def kwh_of(wh: int) -> int:
    """Billed kWh of a register: its energy rounded half-up to a whole kWh."""
    return engine.round_half_up(max(wh, 0), WH_PER_KWH)


class _Pricing:
    """The engine's bills of the run's period [start, end): the timelines loaded once
    per group and voltage, and each distinct input priced once (the engine is pure, a
    bill depends on nothing else)."""

    MAX_BILLS = 200_000  # distinct inputs kept; past that the cache starts again

    def __init__(self, start: date, end: date):
        self.start, self.end = start, end
        self._timelines: dict[tuple[str, str], tariffs.Timelines] = {}
        self._bills: dict[tuple, engine.Bill | None] = {}

    def timelines(self, group: str, voltage: str) -> tariffs.Timelines:
        key = (group, voltage)
        if key not in self._timelines:
            self._timelines[key] = tariffs.timelines(
                group=group, voltage=voltage, start=self.start, end=self.end
            )
        return self._timelines[key]

    def bill(
        self, group: str, voltage: str, households: int, per_band: dict[str, int]
    ) -> engine.Bill | None:
        """The bill of kWh `per_band` ("": not a time-of-use register); None when the
        engine cannot price it (no tariff)."""
        by_band = group in TOU_GROUPS and "" not in per_band
        usage = tuple(per_band.items()) if by_band else sum(per_band.values())
        key = (group, voltage, households, usage)
        try:
            return self._bills[key]
        except KeyError:
            pass
        lines = self.timelines(group, voltage)
        inputs = {
            "start": self.start,
            "end": self.end,
            "schedules": lines.schedules,
            "vat_rates": lines.vat_rates,
            "households": [engine.Dated(self.start, None, Fraction(households))],
        }
        try:
            if by_band:
                bill = engine.compute_bill(registers=dict(per_band), **inputs)
            else:
                bill = engine.compute_bill(kwh=usage, **inputs)
        except engine.EngineError:
            bill = None
        if len(self._bills) >= self.MAX_BILLS:
            self._bills.clear()
        self._bills[key] = bill
        return bill


# ---------------------------------------------------------------- the run


@dataclass
class Summary:
    run: BillRun
    problems: dict[str, int]


def run_bills(
    *,
    unit: Unit,
    reading_date: date,
    now: datetime,
    draft: bool = False,
    announce: bool = True,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Bill the route of `unit` read on `reading_date`; resume an unfinished run of the
    same unit and day. Returns the run with its counts. `announce=False` issues without
    telling the customers (loading past months)."""
    start = previous_reading_day(reading_date)
    with transaction.atomic():
        run = (
            BillRun.objects.select_for_update()
            .filter(unit=unit, reading_date=reading_date, status=BillRun.Status.RUNNING)
            .first()
        )
        if run is None:
            run = BillRun.objects.create(
                unit=unit,
                reading_date=reading_date,
                period_start=start,
                draft=draft,
                status=BillRun.Status.RUNNING,
                started_at=now,
            )
    customers = route(unit, reading_date)
    pricing = _Pricing(start, reading_date)
    pricings = invoices.Pricings()
    after = run.cursor
    with _Writer() as writer, _few_collections():
        while True:
            batch = [
                invoices.CustomerRow._make(row)
                for row in customers.filter(pk__gt=after)
                .order_by("pk")
                .values_list(*invoices.CustomerRow._fields)[:chunk]
            ]
            if not batch:
                break
            _bill_chunk(run, batch, start, reading_date, pricing, pricings, now, announce, writer)
            after = batch[-1].id
            if progress:
                progress(len(batch))
    run.status, run.finished_at = BillRun.Status.DONE, timezone.now()
    run.save(update_fields=["status", "finished_at"])
    problems = defaultdict(int)
    for reason in run.skipped_rows.values_list("reason", flat=True):
        problems[reason] += 1
    return Summary(run=run, problems=dict(problems))


class _Writer:
    """Writes the chunks in order, each in its own transaction. On PostgreSQL outside a
    transaction it writes from two threads with a connection each, which take the
    chunks in turn: while one numbers, writes and commits chunk k, the other writes
    chunk k+1's notices and reading rows, then waits for chunk k's commit before its
    own numbers (`turn` of invoices.store), and the main thread reads and prices chunk
    k+2. So the chunks commit in order (the run's cursor stays true) and a chunk whose
    predecessor failed fails too. Otherwise, and inside a transaction (whose rows
    another connection could not see), it writes in line."""

    THREADS = 2

    def __init__(self):
        self._pools: list[ThreadPoolExecutor] = []
        self._pending: deque[Future] = deque()
        self._handed = 0
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self._pools = [
                ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"billrun-{n}")
                for n in range(self.THREADS)
            ]

    def __call__(self, function, *args) -> None:
        """Write a chunk: `function(*args, turn)`, `turn` None or a callable that waits
        for the previous chunk's commit (and raises its error)."""
        if not self._pools:
            function(*args, None)
            return
        if len(self._pending) == len(self._pools):
            self._pending.popleft().result()  # the oldest chunk, whose thread is next
        turn = self._pending[-1].result if self._pending else None
        pool = self._pools[self._handed % len(self._pools)]
        self._handed += 1
        self._pending.append(pool.submit(function, *args, turn))

    def wait(self) -> None:
        """Until every chunk handed over is committed (the first error raised here)."""
        while self._pending:
            self._pending.popleft().result()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self.wait()
        finally:
            for pool in self._pools:  # after the chunk it may still be writing
                pool.submit(lambda: connection.close()).result()  # the thread's own
                pool.shutdown()


@contextmanager
def _few_collections():
    """No cyclic garbage collection while billing: the chunks make millions of short-lived
    tuples and no cycles, and full collections over them cost a quarter of the Python
    time. Collection resumes (and catches up) afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _bill_chunk(run, batch, start, end, pricing, pricings, now, announce, writer) -> None:
    """Price the customers of `batch` and hand what to write to `writer`."""
    usages = _usage(batch, start, end)
    ids = [customer.id for customer in batch]
    existing = invoices.billed(ids, end)
    new, skipped, unchanged = [], [], 0
    no_meter = (NO_READING, ())
    for customer in batch:
        problem, registers = usages.get(customer.id, no_meter)
        if problem:
            skipped.append((run.pk, customer.id, problem))
            continue
        per_band: dict[str, int] = {}
        for row in registers:
            band = TOU_REGISTERS.get(row[1], "")
            per_band[band] = per_band.get(band, 0) + kwh_of(row[2])
        group = GROUP_OF_PURPOSE[customer.purpose].value
        bill = pricing.bill(group, customer.voltage, customer.households, per_band)
        if bill is None:
            skipped.append((run.pk, customer.id, NO_TARIFF))
            continue
        before = existing.get(customer.id)
        if before is not None and before.same_as(bill):
            unchanged += 1
            continue
        new.append(
            invoices.Draft(
                customer,
                group,
                bill,
                [
                    invoices.RegisterRow(
                        meter_no,
                        register,
                        Decimal(old or 0).scaleb(-3),
                        Decimal(new_index or 0).scaleb(-3),
                        multiplier,
                        kwh_of(wh),
                    )
                    for meter_no, register, wh, old, new_index, multiplier in registers
                ],
                before,
            )
        )
    batch = invoices.prepare(new, run=run, draft=run.draft, announce=announce)
    writer(_write_chunk, run, ids, batch, skipped, unchanged, now, pricings)


@transaction.atomic
def _write_chunk(run, ids, batch, skipped, unchanged, now, pricings, turn) -> None:
    """The chunk's invoices and skipped customers, with the run's counts and cursor
    (which change after `turn`: see _Writer)."""
    written = invoices.store(batch, now=now, pricings=pricings, turn=turn)
    if run.skipped:  # only a run that has skipped customers has rows to replace
        SkippedCustomer.objects.filter(bill_run=run, customer_id__in=ids).delete()
    bulk.insert(SkippedCustomer, ("bill_run_id", "customer_id", "reason"), skipped, ids=False)
    run.customers += len(ids)
    run.issued += written[Invoice.Kind.NORMAL.value]
    run.adjusted += written[Invoice.Kind.ADJUSTMENT.value]
    run.unchanged += unchanged
    run.skipped += len(skipped)
    run.cursor = ids[-1]
    run.save(update_fields=["customers", "issued", "adjusted", "unchanged", "skipped", "cursor"])
