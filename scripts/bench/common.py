"""Shared by the benchmarks (scripts/bench_*.py): the database guard; for the meter-data
ones (bench_ingest.py, bench_consumption.py) also the population and the readings.

- a guard: only a PostgreSQL database on this machine, never the shared ones;
- the population: units (the demo tree), N customers with one meter each, inserted
  set-based (generate_series) in a few seconds, idempotent (a second call adds nothing);
- the synthetic readings, defined in SQL so that the CSV files of the ingest benchmark
  and the set-based load of the consumption benchmark give the same values: for meter
  `id`, register with share `share` and salt `salt`, on day number n (days since
  2020-01-01), the index is

      start + rate·n + w(n)        with 0 ≤ w(n) < rate  (a hash of meter, register, day)

  so that the daily advance rate + w(n) − w(n−1) lies in [1, 2·rate − 1]: indexes always
  accumulate, never roll over, and kWh = advance × multiplier exactly.
"""

import os
import platform
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent.parent
VAR = ROOT / "var" / "bench"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
FORBIDDEN = {"", "postgres", "template0", "template1", "test"}
EPOCH = "2020-01-01"


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1/bench"
        )
    if parsed.hostname not in LOCAL_HOSTS:
        sys.exit(
            f"This benchmark only runs against a database on this machine, not {parsed.hostname}"
        )
    name = parsed.path.strip("/")
    if name in FORBIDDEN or name.startswith("test_"):
        sys.exit("Use a database of its own for the benchmark (e.g. bench)")
    return url


def setup_django() -> None:
    database_url()
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "cskh.settings"
    import django

    django.setup()


def psql_args() -> list[str]:
    parsed = urlparse(database_url())
    return [
        "psql",
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        parsed.hostname,
        "-p",
        str(parsed.port or 5432),
        "-U",
        parsed.username or "postgres",
        "-d",
        parsed.path.strip("/"),
    ]


def percentile(values, fraction: float) -> float:
    """Nearest-rank percentile of `values` (not empty)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} CPUs, {memory:.0f} GiB, Python {platform.python_version()}, "
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


def code_version(*paths: str) -> str:
    """The commit of the work tree, and which of `paths` differ from it."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from the PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    changed = subprocess.run(  # noqa: S603 - git with our paths
        ["git", "status", "--porcelain", "--", *paths],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    changed = [name for name in changed if "/" in name]
    return f"commit {head}" + (
        f", modified in the work tree: {', '.join(changed)}" if changed else ""
    )


def pg_settings(cursor) -> str:
    cursor.execute(
        "SELECT name, setting, unit FROM pg_settings WHERE name IN ('server_version', "
        "'shared_buffers', 'max_wal_size', 'synchronous_commit', 'fsync', 'autovacuum', "
        "'work_mem', 'wal_compression', 'checkpoint_timeout') ORDER BY name"
    )
    parts = []
    for name, setting, unit in cursor.fetchall():
        if unit == "8kB":
            setting = f"{int(setting) * 8 // 1024} MB"
        elif unit == "MB":
            setting = f"{setting} MB"
        elif unit == "s":
            setting = f"{setting} s"
        elif unit == "kB":
            setting = f"{int(setting) // 1024} MB"
        parts.append(f"{name}={setting}")
    return ", ".join(parts)


def cpu_seconds_of(pid: int) -> float:
    """User + system CPU seconds of a process (a PostgreSQL backend, for instance)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has been busy (all CPUs), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- population

# (meter registers, register, share of the meter's daily advance in ‰, salt)
REGISTERS_SQL = (
    "(VALUES ('KT', 'KT', 1000, 0), ('BT_CD_TD', 'BT', 600, 1), "
    "('BT_CD_TD', 'CD', 150, 2), ('BT_CD_TD', 'TD', 250, 3)) "
    "AS r(registers, register, share, salt)"
)


def rate_sql(m="m", r="r") -> str:
    """Wh of index advance per day on average: 3–15 kWh × the register's share."""
    return f"greatest(10, (3000 + ({m}.id * 37) % 12000) * {r}.share / 1000)"


def w_sql(n: str, m="m", r="r") -> str:
    return (
        f"((hashint8({m}.id * 8 + {r}.salt + ({n})::bigint * 100000000) & 2147483647)::bigint"
        f" % {rate_sql(m, r)})"
    )


def index_sql(n: str, m="m", r="r") -> str:
    start = f"((({m}.id * 7919) % 300000) * 1000 + {r}.salt * 1000)"
    return f"({start} + {rate_sql(m, r)} * ({n}) + {w_sql(n, m, r)})"


def advance_sql(n: str, m="m", r="r") -> str:
    return f"({rate_sql(m, r)} + {w_sql(n, m, r)} - {w_sql(f'({n}) - 1', m, r)})"


def estimated_sql(n: str, m="m", r="r") -> str:
    return f"(({m}.id + {r}.salt + ({n})) % 53 = 0)"


def ensure_population(count: int, log=print) -> dict:
    """Units, `count` customers (codes as the demo generator makes them) and a meter
    each; one in nine meters is time-of-use (three registers), one in 27 has a
    multiplier of 40. Returns {"customers": …, "meters": …, "seconds": …}."""
    from django.db import connection

    from cskh.demo import generator

    started = time.perf_counter()
    branches = generator.ensure_units()
    codes = [b.code for b in branches]
    unit_ids = [b.unit_id for b in branches]
    provinces = [b.province for b in branches]
    districts = [b.district for b in branches]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer")
        before = cursor.fetchone()[0]
        if before < count:
            cursor.execute(
                """
                INSERT INTO customers_customer (code, name, address, ward, district, province,
                    purpose, voltage, households, contract_phone, holder_cccd, status,
                    created_at, unit_id, feeder, substation)
                SELECT (%(codes)s::text[])[1 + i %% %(n)s]
                           || lpad((%(first)s + i / %(n)s)::text, 7, '0'),
                       'Khách hàng ' || i, i || ' Lê Lợi', 'Phường 1',
                       (%(districts)s::text[])[1 + i %% %(n)s],
                       (%(provinces)s::text[])[1 + i %% %(n)s],
                       CASE WHEN i %% 9 = 0 THEN 'BUSINESS' ELSE 'RESIDENTIAL' END, 'LT_6KV', 1,
                       '+8491' || lpad((i %% 10000000)::text, 7, '0'),
                       '079' || lpad((i %% 1000000000)::text, 9, '0'), 'ACTIVE', now(),
                       (%(units)s::bigint[])[1 + i %% %(n)s], '', ''
                FROM generate_series(%(before)s, %(count)s - 1) i
                ON CONFLICT (code) DO NOTHING
                """,
                {
                    "codes": codes,
                    "units": unit_ids,
                    "provinces": provinces,
                    "districts": districts,
                    "n": len(branches),
                    "first": generator.FIRST_GENERATED_NUMBER,
                    "before": before,
                    "count": count,
                },
            )
        cursor.execute(
            """
            INSERT INTO customers_meter (number, registers, multiplier, digits, installed_date,
                                         customer_id)
            SELECT (1000000000 + (c.id * 2654435761) % 9000000000)::text,
                   CASE WHEN c.id % 9 = 0 THEN 'BT_CD_TD' ELSE 'KT' END,
                   CASE WHEN c.id % 27 = 0 THEN 40 ELSE 1 END, 6,
                   date '2015-01-01' + (c.id % 3000)::int, c.id
            FROM customers_customer c
            WHERE NOT EXISTS (SELECT 1 FROM customers_meter m WHERE m.customer_id = c.id)
            ORDER BY c.id
            """
        )
        cursor.execute("SELECT count(*), max(id) FROM customers_meter")
        meters, _ = cursor.fetchone()
        cursor.execute("ANALYZE customers_customer")
        cursor.execute("ANALYZE customers_meter")
        cursor.execute("ANALYZE customers_unit")
    took = time.perf_counter() - started
    log(
        f"population: {count:,} customers and meters ({meters:,} meters in the table), {took:.1f} s"
    )
    return {"customers": count, "meters": meters, "seconds": took}


def meter_ids(count: int) -> tuple[int, int]:
    """The id range of the first `count` meters (the benchmark's meters)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), max(id) FROM (SELECT id FROM customers_meter ORDER BY id LIMIT %s) s",
            [count],
        )
        return cursor.fetchone()


# ---------------------------------------------------------------- readings

READING_COLUMNS = "meter_id, index_wh, wh, batch_id, reading_date, register, quality"


def sql(statement: str, params=()):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def reading_insert(day: date, batch: int, first_id: int, last_id: int) -> str:
    """One day of all meters, in meter order (values are ours: literals, no parameters)."""
    n = f"(date '{day.isoformat()}' - date '{EPOCH}')"
    return (
        f"INSERT INTO metering_reading ({READING_COLUMNS}) "  # noqa: S608 - our literals
        f"SELECT m.id, {index_sql(n)}, {advance_sql(n)} * m.multiplier, "
        f"{int(batch)}, date '{day.isoformat()}', r.register, "
        f"CASE WHEN {estimated_sql(n)} THEN 'E' ELSE 'A' END "
        f"FROM customers_meter m JOIN {REGISTERS_SQL} ON r.registers = m.registers "
        f"WHERE m.id BETWEEN {int(first_id)} AND {int(last_id)} ORDER BY m.id, r.salt"
    )


def load_readings(first_id: int, last_id: int, first: date, end: date, log) -> None:
    """Replace every reading and rollup by the synthetic readings of the meters
    [first_id, last_id] from `first` to `end`, day by day in meter order, then the
    monthly rollups and VACUUM ANALYZE."""
    from django.db import connection

    from cskh.metering import partitions

    started = time.perf_counter()
    sql(
        "TRUNCATE metering_reading, metering_monthlyusage, metering_correction, "
        "metering_rejectedrow, metering_importbatch"
    )
    partitions.ensure(first, end)
    days = [first + timedelta(days=n) for n in range((end - first).days + 1)]
    batches = sql(
        """
        INSERT INTO metering_importbatch (channel, source, unit_id, received_at, rows_total,
            rows_new, rows_unchanged, rows_corrected, rows_rejected)
        SELECT 'COMMAND', 'readings-' || to_char(d, 'YYYYMMDD') || '.csv', NULL,
               d + interval '1 day 2 hours', 0, 0, 0, 0, 0
        FROM generate_series(%s::date, %s::date, interval '1 day') d ORDER BY d
        RETURNING id
        """,
        [first, end],
    )
    batch_ids = sorted(row[0] for row in batches)
    rows = 0
    with connection.cursor() as cursor:
        for day, batch in zip(days, batch_ids, strict=True):
            cursor.execute(reading_insert(day, batch, first_id, last_id))
            rows += cursor.rowcount
            cursor.execute(
                "UPDATE metering_importbatch SET rows_total = %s, rows_new = %s WHERE id = %s",
                [cursor.rowcount, cursor.rowcount, batch],
            )
            if day.day == 1:
                print(f"  {day}: {rows:,} rows, {time.perf_counter() - started:.0f} s", flush=True)
    took = time.perf_counter() - started
    log(f"readings: {rows:,} rows, day by day, in {took:.0f} s ({rows / took:,.0f} rows/s)")

    started = time.perf_counter()
    month = first.replace(day=1)
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '1GB'")
        while month <= end:
            following = partitions.add_months(month, 1)
            cursor.execute(
                """
                INSERT INTO metering_monthlyusage (meter_id, month, register, wh, days,
                    estimated_days, first_date, last_date, last_index_wh)
                SELECT meter_id, %(month)s, register, sum(wh), count(*),
                       count(*) FILTER (WHERE quality = 'E'), min(reading_date),
                       max(reading_date), (array_agg(index_wh ORDER BY reading_date DESC))[1]
                FROM metering_reading
                WHERE reading_date >= %(month)s AND reading_date < %(following)s
                GROUP BY meter_id, register ORDER BY meter_id, register
                """,
                {"month": month, "following": following},
            )
            month = following
        cursor.execute("RESET work_mem")
    rollups = sql("SELECT count(*) FROM metering_monthlyusage")[0][0]
    log(f"rollups: {rollups:,} rows in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    sql("VACUUM ANALYZE metering_reading")
    sql("VACUUM ANALYZE metering_monthlyusage")
    sql("VACUUM ANALYZE metering_importbatch")
    log(f"VACUUM ANALYZE: {time.perf_counter() - started:.0f} s")


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, **kwargs)  # noqa: S603 - our own commands
