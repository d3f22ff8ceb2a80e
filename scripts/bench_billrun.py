"""Benchmark: a bill run on PostgreSQL, invoices issued per second end to end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_billing \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=… .venv/bin/python scripts/bench_billrun.py --customers 1000000 --load
    DATABASE_URL=… .venv/bin/python scripts/bench_billrun.py --customers 1000000

`--load` (replaces every reading of the database): the population of
scripts/bench/common.py (N customers, one meter each, one in nine time-of-use and
business, one in 27 with a multiplier of 40) and their synthetic daily readings from
the day before the period to its reading day: one month (`--date`, default the last
day of last month), every customer read on the month's last day.

Then the bill run itself, as `manage.py bill_run --unit EVN --date …` does it
(`cskh.billing.billrun.run_bills` over the whole population): read the period's
usage (from the monthly rollups: the period is a calendar month), price every
customer with the engine, find or write the pricings (the priced lines, once per
distinct bill), write the invoices with their reading rows, number them, and queue a
BILL notice for each (Notice + NoticeCustomer rows and one push job per chunk).
Before each run the previous run's invoices, pricings, notices and jobs are deleted.
Reports invoices/s, rows written and where the time went, to var/bench/billrun.md:

- CPU seconds of this process (Python, all threads) and of the PostgreSQL backends
  of the benchmark's database (sampled from /proc every 0.2 s: the bill run's own
  connection and the two writers');
- wall seconds by step, timed around the bill run's own functions: in the main
  thread the chunks (reading their meters and readings, pricing, preparing the rows)
  and the waits for the writers; in the writers each table's COPY, the commits
  (where the deferred foreign keys are checked) and the waits for the previous
  chunk's commit (summed over both writer threads).

`--chunk N` changes the customers per chunk; `--unit CODE` bills one unit's route
instead of EVN's (the population gives each branch every 11th meter: a route whose
meters are scattered); `--profile` runs cProfile (every thread's functions show, the
writers' under `_write_chunk`) and keeps it in var/bench/billrun.prof."""

import argparse
import cProfile
import os
import pstats
import resource
import sys
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "bench"))

import common

common.setup_django()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from cskh.billing import billrun, invoices  # noqa: E402
from cskh.core import bulk  # noqa: E402
from cskh.customers.models import Unit  # noqa: E402

CLEAN = (
    "TRUNCATE billing_invoiceregister, billing_skippedcustomer, billing_invoice, "
    "billing_invoiceline, billing_pricing, notifications_noticecustomer, "
    "django_tasks_database_dbtaskresult CASCADE; DELETE FROM billing_billrun; "
    "DELETE FROM billing_invoicesequence; "
    "DELETE FROM notifications_notice WHERE category = 'BILL'"
)


def last_month_end() -> date:
    return timezone.localdate().replace(day=1) - timedelta(days=1)


def load(customers: int, day: date, log) -> None:
    common.ensure_population(customers, log=log)
    common.sql("UPDATE customers_customer SET reading_day = 31 WHERE reading_day <> 31")
    first_id, last_id = common.meter_ids(customers)
    common.load_readings(first_id, last_id, billrun.previous_reading_day(day), day, log)


class Steps:
    """Wall seconds spent in named steps, from either thread."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()

    def add(self, name: str, seconds: float) -> None:
        with self._lock:
            self.seconds[name] += seconds

    def wrap(self, name, function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                label = name(*args, **kwargs) if callable(name) else name
                self.add(label, time.perf_counter() - started)

        return timed


@contextmanager
def timed_steps(steps: Steps, writer_profilers: dict[int, cProfile.Profile] | None):
    """Time the bill run's steps by wrapping its functions for the duration (and
    profile each writer thread into `writer_profilers`, by thread id)."""
    import psycopg

    patches = [
        (billrun, "_bill_chunk", "main: chunks (read, price, prepare rows, hand over)"),
        (billrun, "_usage", "main: read the chunks' meters and readings"),
        (billrun._Writer, "__call__", "main: hand a chunk over (wait for the previous one)"),
        (billrun._Writer, "__exit__", "main: wait for the last chunk"),
        (billrun, "_write_chunk", "writer: whole chunk"),
        (invoices, "_pricings", "writer: find or write the pricings"),
        (bulk, "_copy", lambda model, *a, **k: f"writer: COPY {model._meta.db_table}"),
        (psycopg.Connection, "commit", "commits"),
    ]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _label in patches]
    for owner, name, label in patches:
        setattr(owner, name, steps.wrap(label, getattr(owner, name)))
    timed_write = billrun._write_chunk

    def write_chunk(*args):
        *others, turn = args
        if turn is not None:
            turn = steps.wrap("writer: wait for the previous chunk's commit", turn)
        if writer_profilers is None:
            return timed_write(*others, turn)
        profiler = writer_profilers.setdefault(threading.get_ident(), cProfile.Profile())
        return profiler.runcall(timed_write, *others, turn)

    billrun._write_chunk = write_chunk
    try:
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


class BackendCpu:
    """CPU seconds of the PostgreSQL backends connected to the benchmark's database,
    sampled from /proc (a backend's command line names its database)."""

    def __init__(self, database: str):
        self.marker = f" {database} ".encode()
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _backends(self) -> dict[int, float]:
        found = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                command = Path(f"/proc/{name}/cmdline").read_bytes()
                if command.startswith(b"postgres: ") and self.marker in command:
                    found[int(name)] = common.cpu_seconds_of(int(name))
            except OSError:
                continue
        return found

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            for pid, cpu in self._backends().items():
                self.first.setdefault(pid, 0.0)
                self.last[pid] = cpu

    def __enter__(self):
        self.first = self._backends()
        self.last = dict(self.first)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        for pid, cpu in self._backends().items():
            self.last[pid] = cpu

    @property
    def seconds(self) -> float:
        return sum(cpu - self.first.get(pid, 0.0) for pid, cpu in self.last.items())


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bill(day: date, profile: bool, log, chunk: int = billrun.CHUNK, unit: str = "") -> dict:
    common.sql(CLEAN)
    common.sql("VACUUM ANALYZE billing_invoice")
    common.sql("CHECKPOINT")
    billed = Unit.objects.get(code=unit) if unit else Unit.objects.get(parent__isnull=True)
    customers = billrun.route(billed, day).count()
    profiler = cProfile.Profile() if profile else None
    steps = Steps()
    database = connection.settings_dict["NAME"]
    load = os.getloadavg()[0]
    writer_profilers: dict[int, cProfile.Profile] | None = {} if profile else None
    with BackendCpu(database) as backends, timed_steps(steps, writer_profilers):
        started, cpu = time.perf_counter(), common.busy_cpu_seconds()
        own = common.own_cpu_seconds()
        if profiler:
            profiler.enable()
        summary = billrun.run_bills(unit=billed, reading_date=day, now=timezone.now(), chunk=chunk)
        if profiler:
            profiler.disable()
        seconds, busy = time.perf_counter() - started, common.busy_cpu_seconds() - cpu
        own = common.own_cpu_seconds() - own
    run = summary.run
    counts = dict(
        common.sql(
            "SELECT 'invoices', count(*) FROM billing_invoice UNION ALL "
            "SELECT 'pricings', count(*) FROM billing_pricing UNION ALL "
            "SELECT 'their lines', count(*) FROM billing_invoiceline UNION ALL "
            "SELECT 'reading rows', count(*) FROM billing_invoiceregister UNION ALL "
            "SELECT 'notices', count(*) FROM notifications_notice WHERE category = 'BILL' "
            "UNION ALL SELECT 'notice customers', count(*) FROM notifications_noticecustomer "
            "UNION ALL SELECT 'push jobs', count(*) FROM django_tasks_database_dbtaskresult"
        )
    )
    result = {
        "customers": customers,
        "issued": run.issued,
        "skipped": run.skipped,
        "seconds": seconds,
        "rate": run.issued / seconds,
        "cpus": busy / seconds,
        "python": own,
        "postgres": backends.seconds,
        "load": load,
        "chunk": chunk,
        "steps": dict(steps.seconds),
        "rows": counts,
    }
    log(
        f"bill run: {run.issued:,} invoices of {customers:,} customers in {seconds:.1f} s "
        f"= {result['rate']:,.0f} invoices/s (chunks of {chunk:,}; CPU s: Python {own:.1f}, "
        f"PostgreSQL {backends.seconds:.1f}; machine CPUs busy {result['cpus']:.2f}, "
        f"load before {load:.2f}; peak RSS {peak_mib():,.0f} MiB); rows {counts}"
    )
    for name, spent in sorted(steps.seconds.items(), key=lambda item: -item[1]):
        log(f"  {spent:7.2f} s  {name}")
    if profiler:
        stats = pstats.Stats(profiler)
        for writer_profiler in writer_profilers.values():
            stats.add(writer_profiler)
        stats.sort_stats("tottime").print_stats(30)
        stats.dump_stats(common.VAR / "billrun.prof")  # for pstats: callers, callees
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--date", type=date.fromisoformat, default=None)
    parser.add_argument("--load", action="store_true", help="(re)load population and readings")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the bill run")
    parser.add_argument("--chunk", type=int, default=billrun.CHUNK, help="customers per chunk")
    parser.add_argument(
        "--unit", default="", help="bill one unit's route (its meters scattered), not EVN's"
    )
    args = parser.parse_args()
    day = args.date or last_month_end()
    lines = []

    def log(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    if args.load:
        load(args.customers, day, log)
    results = [bill(day, args.profile, log, args.chunk, args.unit) for _ in range(args.runs)]
    report = [
        f"# Bill run, {args.customers:,} customers, reading day {day}, unit {args.unit or 'EVN'}",
        "",
        common.machine(),
        "",
        common.code_version("src/cskh/billing", "src/cskh/core", "scripts/bench_billrun.py"),
        "",
        "| run | invoices | seconds | invoices/s | Python CPU s | PostgreSQL CPU s | load before |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {n} | {r['issued']:,} | {r['seconds']:.1f} | {r['rate']:,.0f} "
            f"| {r['python']:.1f} | {r['postgres']:.1f} | {r['load']:.2f} |"
            for n, r in enumerate(results, start=1)
        ),
        "",
        *lines,
    ]
    common.VAR.mkdir(parents=True, exist_ok=True)
    (common.VAR / "billrun.md").write_text("\n".join(report) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
