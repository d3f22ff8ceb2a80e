"""Benchmark: loading daily meter readings on PostgreSQL, the real import path against
a raw `psql \\copy` of the same rows.

    psql -h 127.0.0.1 -U postgres -c "create database bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python scripts/bench_ingest.py [--meters 100000] [--days 100] [--resend 30]

1. Population: units, `--meters` customers with one meter each (one in nine
   time-of-use, with three registers), inserted set-based (scripts/bench/common.py).
2. Files, generated once and kept under var/bench/ingest/ (re-runs reuse them): one file
   per day from `--first` on, all meters, in the import columns
   (customer_code,meter_no,reading_date,register,index_kwh,kwh,quality), with
   accumulating indexes and kwh = advance × multiplier; and the same rows already in
   the table's columns (meter_id,index_wh,wh,batch_id,reading_date,register,quality).
3. (b) raw: TRUNCATE the readings and the rollups, then one psql session runs
   `\\copy metering_reading (…) FROM file CSV` for each day (same partitions, same key).
4. (a) real: TRUNCATE again, then `cskh.metering.ingest.import_readings` on each file,
   as `manage.py import_readings` calls it, in this process: rows/s including the
   rollups, the batch reports checked (every row new), and the time of each step.
5. (c) the last `--resend` days sent again through the real path: every row unchanged.
6. (d) with `--side-by-side`: TRUNCATE again, each day's file split by power
   corporation (from the customer code), then one `manage.py import_readings --unit
   <corporation>` per corporation, all at once, each loading its days in turn: the
   five MDMS sending their files at the same time.

`--table-meters N` first fills the customer and meter tables to N (more than the files
cover), as EVN's tables hold every corporation's meters.

`--without-meter-index` drops the readings' second index (meter, day: partitions.py)
for (a)–(d) and builds it again after: what that index costs the load.

`--explain N` instead prints EXPLAIN (ANALYZE, BUFFERS) of every statement of the
real path for day N of the files (1-based; the days before it are loaded first) and
stops. Writes the figures to var/bench/ingest-<meters>x<days>.md
(see docs/performance.md). It only talks to a database on this machine."""

import argparse
import re
import subprocess
import sys
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

from cskh.metering import ingest, partitions  # noqa: E402
from cskh.metering.models import ImportBatch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
READING_COLUMNS = common.READING_COLUMNS
CLEAN = (
    "TRUNCATE metering_reading, metering_monthlyusage, metering_correction, "
    "metering_rejectedrow, metering_importbatch"
)

# The statements of ingest.py, by the first words of their SQL (see the module).
STEPS = [
    ("drop temp tables", r"^DROP TABLE IF EXISTS ingest_"),
    ("create staging", r"^CREATE TEMP TABLE ingest_staging"),
    ("date span", r"^SELECT min\(d\), max\(d\)"),
    ("partitions.ensure", r"pg_advisory_xact_lock\(hashtext\(%s\)\)|pg_inherits|PARTITION OF"),
    ("lock + work_mem", r"metering_ingest|^SET LOCAL"),
    ("ingest_rows (parse, match meter)", r"^CREATE TEMP TABLE ingest_rows"),
    ("duplicates", r"^CREATE TEMP TABLE ingest_dups|^UPDATE ingest_rows SET error"),
    ("ingest_merge (stored, previous)", r"^CREATE TEMP TABLE ingest_merge"),
    ("previous inside month", r"^SELECT line, meter_id, register, d, prev_d"),
    ("previous month's rollup", r"^UPDATE ingest_merge SET\s+prev_d = \(SELECT"),
    ("start index", r"^UPDATE ingest_merge SET\s+prev_index = COALESCE"),
    (
        "ingest_final (energy, checks)",
        r"^CREATE TEMP TABLE ingest_final|^DROP TABLE IF EXISTS ingest_final$",
    ),
    ("re-measure after rejected batch rows", r"^UPDATE ingest_merge SET\s+prev_d = CASE"),
    ("INSERT readings", r"^INSERT INTO metering_reading"),
    ("corrections", r"^INSERT INTO metering_correction|^UPDATE metering_reading"),
    ("rollups upsert", r"^INSERT INTO metering_monthlyusage"),
    ("rejected rows", r"^INSERT INTO metering_rejectedrow"),
    ("counts", r"^SELECT outcome, count|^SELECT count\(\*\) FROM ingest_staging"),
    ("ANALYZE temp tables", r"^ANALYZE ingest_"),
]
COMPILED = [(label, re.compile(pattern)) for label, pattern in STEPS]
EXPLAINED = re.compile(
    r"^(CREATE TEMP TABLE ingest_(rows|dups|merge|final)"
    r"|INSERT INTO metering_(reading|correction|monthlyusage|rejectedrow)"
    r"|UPDATE (ingest_|metering_reading))"
)


def label_of(sql: str) -> str:
    text = sql.strip()
    for label, pattern in COMPILED:
        if pattern.search(text):
            return label
    return "other (batch row, savepoints, report)"


class Timer:
    """Per-step wall time of the real path: an execute wrapper for the statements and
    a wrapper of the COPY into the staging table (which bypasses execute)."""

    def __init__(self, explain: bool = False):
        self.seconds: dict[str, float] = defaultdict(float)
        self.explain = explain
        self.plans: list[tuple[str, str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            if (
                self.explain
                and not many
                and EXPLAINED.search(sql.strip())
                and label_of(sql) != "re-measure after rejected batch rows"  # needs rowcount
            ):
                execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params, many, context)
                plan = "\n".join(row[0] for row in context["cursor"].fetchall())
                self.plans.append((label_of(sql), plan, time.perf_counter() - started))
                return None
            return execute(sql, params, many, context)
        finally:
            self.seconds[label_of(sql)] += time.perf_counter() - started

    current: "Timer | None" = None

    def __enter__(self):
        Timer.current = self
        return self

    def __exit__(self, *exc):
        Timer.current = None


_load_staging = ingest._Postgres.load_staging


def _timed_load_staging(dialect, cursor, readings):
    started = time.perf_counter()
    try:
        return _load_staging(dialect, cursor, readings)
    finally:
        if Timer.current is not None:
            Timer.current.seconds["COPY file → staging"] += time.perf_counter() - started


# Timing only: the same method, with a stopwatch around it.
ingest._Postgres.load_staging = _timed_load_staging


# ---------------------------------------------------------------- files


def days_of(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


def file_dir(meters: int) -> Path:
    return common.VAR / "ingest" / f"{meters}"


def import_file(meters: int, day: date) -> Path:
    return file_dir(meters) / "import" / f"readings-{day:%Y%m%d}.csv"


def raw_file(meters: int, day: date) -> Path:
    return file_dir(meters) / "raw" / f"raw-{day:%Y%m%d}.csv"


def day_query(day: date, first_id: int, last_id: int, raw: bool) -> str:
    n = f"(date '{day.isoformat()}' - date '{common.EPOCH}')"
    index, advance = common.index_sql(n), common.advance_sql(n)
    estimated = common.estimated_sql(n)
    if raw:
        select = (
            f"m.id, {index}, {advance} * m.multiplier, 0, date '{day.isoformat()}', r.register, "
            f"CASE WHEN {estimated} THEN 'E' ELSE 'A' END"
        )
        join = ""
    else:
        kwh = f"({advance} * m.multiplier)"
        select = (
            f"c.code, m.number, '{day.isoformat()}', r.register, "
            f"({index} / 1000)::text || '.' || lpad(({index} % 1000)::text, 3, '0'), "
            f"({kwh} / 1000)::text || '.' || lpad(({kwh} % 1000)::text, 3, '0'), "
            f"CASE WHEN {estimated} THEN 'estimated' ELSE 'actual' END"
        )
        join = "JOIN customers_customer c ON c.id = m.customer_id"
    return (
        f"SELECT {select} FROM customers_meter m {join} "  # noqa: S608 - our literals
        f"JOIN {common.REGISTERS_SQL} ON r.registers = m.registers "
        f"WHERE m.id BETWEEN {first_id} AND {last_id} ORDER BY m.id, r.salt"
    )


def write_files(meters: int, days: list[date], log) -> None:
    first_id, last_id = common.meter_ids(meters)
    missing = [
        d for d in days if not (import_file(meters, d).exists() and raw_file(meters, d).exists())
    ]
    if not missing:
        return
    started = time.perf_counter()
    for kind in ("import", "raw"):
        (file_dir(meters) / kind).mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cursor:
        for day in missing:
            for raw, path in ((False, import_file(meters, day)), (True, raw_file(meters, day))):
                partial = path.with_suffix(".part")
                with (
                    partial.open("wb") as out,
                    cursor.cursor.copy(
                        f"COPY ({day_query(day, first_id, last_id, raw)}) TO STDOUT (FORMAT csv)"
                    ) as copy,
                ):
                    if not raw:
                        out.write((",".join(ingest.STAGING_COLUMNS) + "\n").encode())
                    for chunk in copy:
                        out.write(chunk)
                partial.rename(path)
    log(f"files: {len(missing)} days written in {time.perf_counter() - started:.0f} s")


def count_lines(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        with path.open("rb") as file:
            total += sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 24), b""))
    return total


# ---------------------------------------------------------------- phases


sql = common.sql


def clean() -> None:
    sql(CLEAN)
    sql("CHECKPOINT")


def backend_pid() -> int:
    return sql("SELECT pg_backend_pid()")[0][0]


def raw_copy(meters: int, days: list[date]) -> dict:
    clean()
    script = "\n".join(
        f"\\copy metering_reading ({READING_COLUMNS}) FROM '{raw_file(meters, d)}' CSV"
        for d in days
    )
    busy = common.busy_cpu_seconds()
    started = time.perf_counter()
    common.run([*common.psql_args(), "-f", "-"], input=script.encode())
    took = time.perf_counter() - started
    busy = common.busy_cpu_seconds() - busy
    rows = sql("SELECT count(*) FROM metering_reading")[0][0]
    return {"rows": rows, "seconds": took, "busy": busy}


def real_import(meters: int, days: list[date], timer: Timer, log, *, fresh: bool) -> dict:
    if fresh:
        clean()
    pid = backend_pid()
    backend_cpu, own_cpu = common.cpu_seconds_of(pid), common.own_cpu_seconds()
    busy = common.busy_cpu_seconds()
    totals = defaultdict(int)
    per_file = []
    started = time.perf_counter()
    with timer, connection.execute_wrapper(timer):
        for day in days:
            path = import_file(meters, day)
            began = time.perf_counter()
            with path.open("rb") as file:
                result = ingest.import_readings(
                    file,
                    source=path.name,
                    channel=ImportBatch.Channel.COMMAND,
                    unit=None,
                    today=timezone.localdate(),
                    now=timezone.now(),
                )
            batch = result.batch
            per_file.append(time.perf_counter() - began)
            for name in ("total", "new", "unchanged", "corrected", "rejected"):
                totals[name] += getattr(batch, f"rows_{name}")
            if batch.rows_rejected:
                log(f"  {path.name}: {batch.rows_rejected} rejected, e.g. {result.rejections[:3]}")
    took = time.perf_counter() - started
    return {
        "rows": totals["total"],
        "seconds": took,
        "totals": dict(totals),
        "busy": common.busy_cpu_seconds() - busy,
        "backend_cpu": common.cpu_seconds_of(pid) - backend_cpu,
        "python_cpu": common.own_cpu_seconds() - own_cpu,
        "per_file": per_file,
    }


def corporation_files(meters: int, days: list[date]) -> dict[str, list[Path]]:
    """Each day's file split by power corporation (kept under by-corporation/), from the
    first two letters of the customer code (the company's): what the five MDMS send."""
    companies = sql(
        "SELECT left(u.code, 2), c.code FROM customers_unit u "
        "JOIN customers_unit c ON starts_with(u.path, c.path) AND c.level = 'CORPORATION' "
        "WHERE u.level = 'COMPANY'"
    )
    corporation_of = {prefix.encode(): code for prefix, code in companies}
    files: dict[str, list[Path]] = defaultdict(list)
    for day in days:
        paths = {
            code: file_dir(meters) / "by-corporation" / code / f"readings-{day:%Y%m%d}.csv"
            for code in set(corporation_of.values())
        }
        for code, path in paths.items():
            files[code].append(path)
        if all(path.exists() for path in paths.values()):
            continue
        outs = {}
        for code, path in paths.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            outs[code] = path.open("wb")
        with import_file(meters, day).open("rb") as source:
            header = source.readline()
            for out in outs.values():
                out.write(header)
            for line in source:
                outs[corporation_of[line[:2]]].write(line)
        for out in outs.values():
            out.close()
    return files


def side_by_side(meters: int, days: list[date]) -> dict:
    """(d): every corporation's files loaded by its own `manage.py import_readings
    --unit`, all five at once, each day after day."""
    files = corporation_files(meters, days)
    clean()
    busy = common.busy_cpu_seconds()
    started = time.perf_counter()
    workers = [
        subprocess.Popen(  # noqa: S603 - our own command on our own files
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "import_readings",
                "--unit",
                code,
                *map(str, paths),
            ],
            stdout=subprocess.DEVNULL,
        )
        for code, paths in sorted(files.items())
    ]
    failed = [worker.args for worker in workers if worker.wait() != 0]
    took = time.perf_counter() - started
    if failed:
        raise subprocess.CalledProcessError(1, failed[0])
    rows = sql("SELECT count(*) FROM metering_reading")[0][0]
    return {
        "rows": rows,
        "seconds": took,
        "busy": common.busy_cpu_seconds() - busy,
        "corporations": len(files),
    }


def explain(meters: int, days: list[date], number: int) -> None:
    """EXPLAIN ANALYZE every statement of day `number`, after loading days 1 … number-1
    (unless the readings already end with the day before)."""
    loaded = sql("SELECT max(reading_date) FROM metering_reading")[0][0]
    if number < 2 or loaded != days[number - 2]:
        clean()
        real_import(meters, days[: number - 1], Timer(), print, fresh=False)
    timer = Timer(explain=True)
    started = time.perf_counter()
    real_import(meters, [days[number - 1]], timer, print, fresh=False)
    print(f"day {days[number - 1]}: {time.perf_counter() - started:.1f} s with EXPLAIN ANALYZE\n")
    for label, plan, seconds in timer.plans:
        print(f"==== {label} ({seconds * 1000:.0f} ms)\n{plan}\n")
    print_steps(timer)


def print_steps(timer: Timer, out=None) -> list[str]:
    seconds = dict(timer.seconds)
    copy = seconds.pop("COPY file → staging", 0.0) - seconds.get("create staging", 0.0)
    seconds["COPY file → staging"] = copy
    total = sum(seconds.values())
    lines = ["| step | seconds | share |", "| --- | ---: | ---: |"]
    for label, value in sorted(seconds.items(), key=lambda item: -item[1]):
        lines.append(f"| {label} | {value:.1f} | {value / total:.0%} |")
    lines.append(f"| **all statements** | {total:.1f} | |")
    print("\n".join(lines))
    return lines


@contextmanager
def meter_index(*, present: bool, log):
    """The runs with the readings' second index (partitions.create_meter_index) as
    migrated, or without it: what that index costs the load. Built again afterwards."""
    if present:
        yield
        return
    sql(f"DROP INDEX {partitions.METER_INDEX}")
    log(f"without {partitions.METER_INDEX} (dropped for these runs)")
    try:
        yield
    finally:
        with connection.schema_editor() as editor:
            partitions.create_meter_index(editor)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--meters", type=int, default=100_000)
    parser.add_argument(
        "--table-meters",
        type=int,
        default=0,
        help="customers and meters in the tables, when more than --meters (the files cover "
        "the first --meters)",
    )
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--first", type=date.fromisoformat, default=date(2026, 6, 1))
    parser.add_argument("--resend", type=int, default=30)
    parser.add_argument("--explain", type=int, metavar="DAY", help="profile one day and stop")
    parser.add_argument("--skip-raw", action="store_true", help="only the real path")
    parser.add_argument(
        "--side-by-side", action="store_true", help="also (d): the corporations at once"
    )
    parser.add_argument(
        "--without-meter-index",
        action="store_true",
        help="drop the readings' (meter, day) index for the runs, build it again after",
    )
    args = parser.parse_args()
    days = days_of(args.first, args.days)
    report = []

    def log(line: str) -> None:
        print(line, flush=True)
        report.append(line)

    with connection.cursor() as cursor:
        settings_line = common.pg_settings(cursor)
    log(f"machine: {common.machine()}")
    log(f"PostgreSQL: {settings_line}")
    log(f"code: {common.code_version('src/cskh/metering')}")
    population = common.ensure_population(max(args.meters, args.table_meters), log)
    partitions.ensure(days[0], days[-1])
    write_files(args.meters, days, log)
    if args.explain:
        explain(args.meters, days, args.explain)
        return
    files = [import_file(args.meters, d) for d in days]
    size = sum(p.stat().st_size for p in files) / 2**20
    rows = count_lines(files) - len(files)
    log(
        f"data: {args.meters:,} meters ({population['meters']:,} in the meter table), "
        f"{args.days} daily files from {days[0]} to {days[-1]}, {rows:,} rows "
        f"({rows / args.days:,.0f} a file, {size:,.0f} MiB of CSV)"
    )

    with meter_index(present=not args.without_meter_index, log=log):
        results = {}
        if not args.skip_raw:
            results["raw"] = raw_copy(args.meters, days)
            r = results["raw"]
            log(
                f"(b) raw psql \\copy: {r['rows']:,} rows in {r['seconds']:.1f} s = "
                f"{r['rows'] / r['seconds']:,.0f} rows/s (CPUs busy {r['busy'] / r['seconds']:.2f})"
            )

        timer = Timer()
        results["real"] = real_import(args.meters, days, timer, log, fresh=True)
        r = results["real"]
        log(
            f"(a) real import_readings: {r['rows']:,} rows in {r['seconds']:.1f} s = "
            f"{r['rows'] / r['seconds']:,.0f} rows/s; {r['totals']}; per file "
            f"{min(r['per_file']):.2f}–{max(r['per_file']):.2f} s; CPU: PostgreSQL backend "
            f"{r['backend_cpu']:.0f} s, Python {r['python_cpu']:.0f} s, machine busy "
            f"{r['busy'] / r['seconds']:.2f} CPUs"
        )
        steps = print_steps(timer)
        sql("CHECKPOINT")
        if args.resend:
            resend_timer = Timer()
            again = days[-args.resend :]
            results["resend"] = real_import(args.meters, again, resend_timer, log, fresh=False)
            r = results["resend"]
            log(
                f"(c) re-send of {len(again)} days: {r['rows']:,} rows in {r['seconds']:.1f} s = "
                f"{r['rows'] / r['seconds']:,.0f} rows/s; {r['totals']}"
            )
            resend_steps = print_steps(resend_timer)

        if args.side_by_side:
            results["side"] = side_by_side(args.meters, days)
            r = results["side"]
            log(
                f"(d) {r['corporations']} corporations side by side: {r['rows']:,} rows in "
                f"{r['seconds']:.1f} s = {r['rows'] / r['seconds']:,.0f} rows/s "
                f"(CPUs busy {r['busy'] / r['seconds']:.2f})"
            )

    real = results["real"]["rows"] / results["real"]["seconds"]
    lines = ["| path | rows | seconds | rows/s |", "| --- | ---: | ---: | ---: |"]
    for key, name in (
        ("raw", "(b) raw `psql \\copy`, table columns"),
        ("real", "(a) `ingest.import_readings`, rollups included"),
        ("resend", f"(c) identical re-send, last {args.resend} days"),
        ("side", "(d) the corporations' files, five imports at once"),
    ):
        if key in results:
            r = results[key]
            lines.append(
                f"| {name} | {r['rows']:,} | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f} |"
            )
    if "raw" in results:
        raw = results["raw"]["rows"] / results["raw"]["seconds"]
        lines.append(f"| ratio (a)/(b) | | | **{real / raw:.2f}** |")
        if "side" in results:
            side = results["side"]["rows"] / results["side"]["seconds"]
            lines.append(f"| ratio (d)/(b) | | | **{side / raw:.2f}** |")
    lines.append(f"| 30 M rows (a day of all EVN) at rate (a) | | {30e6 / real:.0f} | |")
    if "side" in results:
        lines.append(f"| 30 M rows at rate (d) | | {30e6 / side:.0f} | |")
    print("\n".join(lines))
    report += ["", *lines, "", "Steps of (a):", "", *steps]
    if args.resend:
        report += ["", "Steps of (c):", "", *resend_steps]
    out = common.VAR / f"ingest-{args.meters}x{args.days}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = " ".join(["scripts/bench_ingest.py", *sys.argv[1:]])
    out.write_text(f"# {command}\n\n" + "\n".join(report) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as error:
        sys.exit(f"failed: {error}")
