"""Benchmark: the consumption API on PostgreSQL against a bare ASGI baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python scripts/bench_consumption.py load     # once, ~10 min
    DATABASE_URL=… .venv/bin/python scripts/bench_consumption.py http     # wrk + autocannon
    DATABASE_URL=… .venv/bin/python scripts/bench_consumption.py cold     # out of cache (root)

`load` (replaces every reading and rollup of the database; the ingest benchmark does
too): 100,000 customers with a meter each (scripts/bench/common.py), an account per
customer linked as its holder, an API access token per account (stored as
`ApiToken` stores it: the SHA-256 digest of `bench-<n>`), one import batch per day,
and 730 days of daily readings up to `--end` (default: yesterday, local time),
inserted set-based **day by day**, each day's rows in meter order, as the MDMS sends
them: the physical order of the table is the arrival order. Monthly rollups are then
computed from the readings month by month (as `cskh.metering.rollups.computed`
defines them), and VACUUM ANALYZE stands in for autovacuum (off on this server).
Writes var/bench/consumption-targets.txt: `code token meter_id` per line.

`http`: the baseline (scripts/bench_baseline_asgi.py under granian, 2 workers) and
the project (granian's WSGI server as `manage.py serve` starts it: 2 workers × 2
threads, or `--threads`; `--server gunicorn` for gunicorn's gthread workers instead),
DEBUG off, REDIS_URL → Redis DB 9), each under wrk -c64 for 30 s with
scripts/bench/rotate.lua rotating customers (tokens) and meters, then at a constant
500 requests/s with autocannon (scripts/bench/rate.js). The project's requests
alternate the 30-day daily view (`/consumption`) and the 24-month view
(`/consumption?granularity=month&from=…`); they are measured
  - "200 cold": no If-None-Match, each request a customer not asked before since the
    cache was flushed (a first visit: the JSON is built);
  - "304": the client sends the ETag it got before (a phone app revalidating): the
    ETags are fetched first for a separate set of customers.

`cold`: stops PostgreSQL, drops the kernel's page cache, starts PostgreSQL, then runs
the endpoint in this process (Django's test client) for 1,000 random customers,
timing every SQL statement it sends (p50/p99 of the sum per request), and the
baseline's naive query for 1,000 other random meters. Needs root (drop_caches).

Every loop has a time limit; it only talks to servers on this machine."""

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "bench"))

import common

REDIS_DB_URL = "redis://127.0.0.1:6379/9"
os.environ["REDIS_URL"] = REDIS_DB_URL  # the JSON cache of the endpoint, as in production
common.setup_django()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from cskh.demo.management.commands.serve import server_command  # noqa: E402

ROOT = common.ROOT
BENCH = ROOT / "scripts" / "bench"
TARGETS = common.VAR / "consumption-targets.txt"
ETAGS = common.VAR / "consumption-etags.txt"
CUSTOMERS = 100_000
DAYS = 730
BASELINE_PORT, APP_PORT = 8101, 8102
TOKEN_PREFIX = "bench-"  # noqa: S105 - the benchmark's own tokens


sql = common.sql


def data_end() -> date:
    return timezone.localdate() - timedelta(days=1)


def month_view_from(end: date) -> date:
    """The first month of the 24-month view ending with the month of `end`."""
    index = end.year * 12 + end.month - 1 - 23
    return date(index // 12, index % 12 + 1, 1)


# ---------------------------------------------------------------- load


def load_accounts(count: int, log) -> None:
    from django.contrib.auth.hashers import make_password

    started = time.perf_counter()
    password = make_password("Bench@12345")  # hashed once; nobody logs in with it here
    sql(
        """
        INSERT INTO accounts_user (password, last_login, is_superuser, phone, full_name, cccd,
            email, language, is_active, is_staff, created_at)
        SELECT %s, NULL, false, '+8496' || lpad(n::text, 7, '0'), 'Tài khoản ' || n, '', '',
               'vi', true, false, now()
        FROM generate_series(0, %s - 1) n
        ON CONFLICT DO NOTHING
        """,
        [password, count],
    )
    # account n holds the n-th customer (by id) and has the access token bench-<n>
    sql(
        """
        WITH a AS (
            SELECT id, substr(phone, 6)::int AS n FROM accounts_user WHERE phone LIKE '+8496%%'
        ), c AS (
            SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM customers_customer
        )
        INSERT INTO customers_customerlink (relation, proof, nickname, is_default, linked_at,
            account_id, customer_id)
        SELECT 'OWNER', 'CCCD', '', true, now(), a.id, c.id FROM a JOIN c USING (n)
        WHERE NOT EXISTS (SELECT 1 FROM customers_customerlink l WHERE l.account_id = a.id)
        """
    )
    sql(
        """
        INSERT INTO accounts_apitoken (kind, digest, family, created_at, expires_at, user_id)
        SELECT 'ACCESS', encode(sha256(convert_to(%s || substr(phone, 6)::int, 'UTF8')), 'hex'),
               gen_random_uuid(), now(), timestamptz '2099-01-01', id
        FROM accounts_user u WHERE phone LIKE '+8496%%'
        ON CONFLICT (digest) DO NOTHING
        """,
        [TOKEN_PREFIX],
    )
    for table in ("accounts_user", "customers_customerlink", "accounts_apitoken"):
        sql(f"VACUUM ANALYZE {table}")
    log(f"accounts, links, tokens: {time.perf_counter() - started:.0f} s")


def write_targets(count: int) -> None:
    rows = sql(
        """
        SELECT c.code, substr(u.phone, 6)::int, m.id
        FROM customers_customerlink l JOIN accounts_user u ON u.id = l.account_id
        JOIN customers_customer c ON c.id = l.customer_id
        JOIN customers_meter m ON m.customer_id = c.id
        WHERE u.phone LIKE '+8496%%' ORDER BY c.id LIMIT %s
        """,
        [count],
    )
    rng = random.Random(20261124)  # noqa: S311 - benchmark sampling
    rng.shuffle(rows)
    TARGETS.parent.mkdir(parents=True, exist_ok=True)
    TARGETS.write_text("".join(f"{code} {TOKEN_PREFIX}{n} {meter}\n" for code, n, meter in rows))


def load(args, log) -> None:
    end = args.end or data_end()
    first = end - timedelta(days=DAYS - 1)
    common.ensure_population(CUSTOMERS, log)
    first_id, last_id = common.meter_ids(CUSTOMERS)
    load_accounts(CUSTOMERS, log)
    common.load_readings(first_id, last_id, first, end, log)
    size = sql(
        "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'metering_reading'::regclass"
    )[0][0]
    rollups = sql("SELECT pg_size_pretty(pg_total_relation_size('metering_monthlyusage'))")[0][0]
    log(
        f"data: {CUSTOMERS:,} meters × {DAYS} days, {first} … {end}; readings {size} with "
        f"their key, rollups {rollups}"
    )
    write_targets(CUSTOMERS)
    log(f"targets: {TARGETS}")


# ---------------------------------------------------------------- servers


class Server:
    def __init__(self, name: str, args: list[str], port: int, env: dict, cwd: Path):
        self.name, self.args, self.port, self.env, self.cwd = name, args, port, env, cwd
        self.process = None

    def __enter__(self):
        log_file = (common.VAR / f"server-{self.name}.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own server
            self.args,
            cwd=self.cwd,
            env={**os.environ, **self.env},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                time.sleep(0.5)
        else:
            self.__exit__()
            sys.exit(f"{self.name} did not start; see {log_file.name}")
        return self

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def baseline_server(end: date) -> Server:
    return Server(
        "baseline",
        [
            str(ROOT / ".venv" / "bin" / "granian"),
            "--interface",
            "asgi",
            "--workers",
            "2",
            "--host",
            "127.0.0.1",
            "--port",
            str(BASELINE_PORT),
            "--no-ws",
            "--log-level",
            "warning",
            "bench_baseline_asgi:app",
        ],
        BASELINE_PORT,
        {"BASELINE_END": end.isoformat()},
        ROOT / "scripts",
    )


def app_server(server: str, threads: int) -> Server:
    """The project's WSGI app with 2 workers of `threads` threads, without the task
    worker and the access log: under granian as `manage.py serve` starts it, or under
    gunicorn (gthread), the server it replaced (docs/decisions/0010)."""
    if server == "granian":
        command = server_command(
            host="127.0.0.1", port=APP_PORT, workers=2, threads=threads, access_log=False
        )
    else:
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "cskh.wsgi:application",
            f"--bind=127.0.0.1:{APP_PORT}",
            "--workers=2",
            f"--threads={threads}",
            "--worker-class=gthread",
            "--timeout=60",
        ]
    return Server(
        "app",
        command,
        APP_PORT,
        {"REDIS_URL": REDIS_DB_URL, "DEBUG": "", "PYTHONPATH": str(ROOT / "src")},
        ROOT,
    )


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_DB_URL).flushdb()


# ---------------------------------------------------------------- load generators


def wrk(url: str, targets: Path, mode: str, *, connections=64, seconds=30) -> dict:
    out = subprocess.run(  # noqa: S603 - our own load generator
        [  # noqa: S607 - wrk from the PATH (apt-get install wrk)
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(BENCH / "rotate.lua"),
            url,
            "--",
            str(targets),
            mode,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    result = json.loads(out[out.index("JSON ") + 5 :].splitlines()[0])
    result["raw"] = out
    return result


def rate(url: str, targets: Path, mode: str, *, rps=500, seconds=30, connections=32) -> dict:
    out = subprocess.run(  # noqa: S603 - our own load generator
        [  # noqa: S607 - node from the PATH
            "node",
            str(BENCH / "rate.js"),
            url,
            str(targets),
            mode,
            str(rps),
            str(seconds),
            str(connections),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
        cwd=BENCH,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def fetch_etags(targets: list[str], end: date, out: Path, limit_seconds=300) -> int:
    """GET both views of each target once (8 connections) and keep their ETags."""
    import http.client

    month_from = month_view_from(end).isoformat()
    deadline = time.time() + limit_seconds

    def one(line: str):
        if time.time() > deadline:
            return None
        code, token, meter = line.split()
        connection = http.client.HTTPConnection("127.0.0.1", APP_PORT, timeout=30)
        tags = []
        for path in (
            f"/api/v1/customers/{code}/consumption",
            f"/api/v1/customers/{code}/consumption?granularity=month&from={month_from}",
        ):
            connection.request(
                "GET", path, headers={"Authorization": f"Bearer {token}", "Accept-Language": "vi"}
            )
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: {response.status}")
            tags.append(response.getheader("ETag"))
        connection.close()
        return f"{code} {token} {meter} {tags[0]} {tags[1]}"

    with ThreadPoolExecutor(8) as pool:
        lines = [line for line in pool.map(one, targets) if line]
    out.write_text("".join(f"{line}\n" for line in lines))
    return len(lines)


def row(name: str, r: dict) -> str:
    statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(r.get("status", {}).items()) if v)
    if r.get("errors"):
        statuses += f", errors: {r['errors']:,}"
    return f"| {name} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {statuses} |"


def http(args, log) -> None:
    end = args.end or data_end()
    lines = TARGETS.read_text().splitlines()
    # 200 runs walk the first 60 %, the 304 runs the rest (their ETags fetched first)
    split = int(len(lines) * 0.6)
    cold_file, revalidate = common.VAR / "targets-200.txt", lines[split:]
    cold_file.write_text("\n".join(lines[:split]) + "\n")
    month_from = month_view_from(end).isoformat()
    os.environ["BENCH_MONTH_FROM"] = month_from  # read by rotate.lua and rate.js
    log(f"app: {args.server}, 2 workers × {args.threads} threads")
    table = [
        "| run | requests/s | p50 ms | p99 ms | statuses |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for attempt in range(args.repeat):
        with baseline_server(end):
            time.sleep(2)
            wrk(f"http://127.0.0.1:{BASELINE_PORT}", cold_file, "baseline", seconds=5)  # warm-up
            r = wrk(f"http://127.0.0.1:{BASELINE_PORT}", cold_file, "baseline")
            table.append(row(f"baseline wrk -c64 ({attempt + 1})", r))
            log(table[-1])
            r = wrk(f"http://127.0.0.1:{BASELINE_PORT}", cold_file, "ping", seconds=10)
            table.append(row(f"baseline /ping wrk -c64 ({attempt + 1})", r))
            log(table[-1])
            r = rate(f"http://127.0.0.1:{BASELINE_PORT}", cold_file, "baseline")
            table.append(row(f"baseline 500 req/s ({attempt + 1})", r))
            log(table[-1])
        with app_server(args.server, args.threads):
            flush_redis()
            time.sleep(2)
            # warm-up (imports, connections) on customers the measured runs do not use
            warm = common.VAR / "targets-warm.txt"
            warm.write_text("\n".join(revalidate[-2000:]) + "\n")
            wrk(f"http://127.0.0.1:{APP_PORT}", warm, "api", seconds=5)
            flush_redis()
            r = wrk(f"http://127.0.0.1:{APP_PORT}", cold_file, "api")
            table.append(row(f"app 200, JSON built (cache cold), wrk -c64 ({attempt + 1})", r))
            log(table[-1])
            # one GET of both views of other customers: their ETags, and their JSON cached
            started = time.perf_counter()
            fetched = fetch_etags(revalidate[: args.etags], end, ETAGS)
            log(f"ETags of {fetched:,} customers fetched in {time.perf_counter() - started:.0f} s")
            r = wrk(f"http://127.0.0.1:{APP_PORT}", ETAGS, "api")
            table.append(row(f"app 200, JSON from the cache, wrk -c64 ({attempt + 1})", r))
            log(table[-1])
            r = wrk(f"http://127.0.0.1:{APP_PORT}", ETAGS, "etag")
            table.append(row(f"app 304 (If-None-Match), wrk -c64 ({attempt + 1})", r))
            log(table[-1])
            flush_redis()
            r = rate(f"http://127.0.0.1:{APP_PORT}", cold_file, "api")
            table.append(row(f"app 200, JSON built, 500 req/s ({attempt + 1})", r))
            log(table[-1])
            r = rate(f"http://127.0.0.1:{APP_PORT}", ETAGS, "etag")
            table.append(row(f"app 304, 500 req/s ({attempt + 1})", r))
            log(table[-1])
    print("\n".join(table))
    write_report("http", table, log)


# ---------------------------------------------------------------- out of cache


def restart_postgres_cold(log) -> None:
    subprocess.run(["pg_ctlcluster", "15", "main", "stop"], check=True)  # noqa: S607
    subprocess.run(["sync"], check=True)  # noqa: S607
    Path("/proc/sys/vm/drop_caches").write_text("3\n")
    subprocess.run(["pg_ctlcluster", "15", "main", "start"], check=True)  # noqa: S607
    connection.close()
    for _ in range(60):
        try:
            sql("SELECT 1")
            return
        except Exception:
            time.sleep(0.5)
    log("PostgreSQL did not come back")
    sys.exit(1)


FROM = re.compile(r'FROM "?(\w+)')


def outer_table(sql_text: str) -> str:
    """The table of a statement's outer FROM (not a subquery's; a UNION's first part)."""
    matches = list(FROM.finditer(sql_text))
    for match in matches:
        before = sql_text[: match.start()]
        if before.count("(") == before.count(")"):
            return match.group(1)
    return matches[0].group(1) if matches else "?"


def time_endpoint(lines: list[str], end: date, kind: str, per_table=None):
    """The SQL time per request of the real endpoint, in this process; `per_table`
    (a dict) collects each statement's time under the table it reads (its outer FROM)."""
    from django.db import reset_queries
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    month_from = month_view_from(end).isoformat()
    times, statements = [], []

    def timer(execute, sql_text, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            took = time.perf_counter() - started
            spent[0] += took
            if per_table is not None:
                per_table.setdefault(outer_table(sql_text), []).append(took)
            if len(statements) < 20 and first[0]:
                statements.append(sql_text % tuple(_literal(p) for p in params or ()))

    first = [True]
    for line in lines:
        code, token, _meter = line.split()[:3]
        path = f"/api/v1/customers/{code}/consumption"
        if kind == "month":
            path += f"?granularity=month&from={month_from}"
        spent = [0.0]
        with connection.execute_wrapper(timer):
            response = client.get(
                path, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="vi"
            )
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
        first[0] = False
        times.append(spent[0])
        reset_queries()
    return times, statements


def _literal(value) -> str:
    if isinstance(value, (list, tuple)):
        return "ARRAY[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def time_naive(meters: list[int], end: date) -> list[float]:
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench_baseline_asgi import QUERY

    days = [end - timedelta(days=n) for n in range(364, -1, -1)]
    text = QUERY.replace("$1", "%(meter)s").replace("$2::date[]", "%(days)s::date[]")
    times = []
    with connection.cursor() as cursor:
        for meter in meters:
            started = time.perf_counter()
            cursor.execute(text, {"meter": meter, "days": days})
            cursor.fetchall()
            times.append(time.perf_counter() - started)
    return times


def stats(times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return f"p50 {common.percentile(ms, 0.5):.2f} ms, p99 {common.percentile(ms, 0.99):.2f} ms"


def cold(args, log) -> None:
    from django.conf import settings

    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        log("note: the JSON cache is not Redis in this process")
    end = args.end or data_end()
    lines = TARGETS.read_text().splitlines()
    rng = random.Random(args.seed)  # noqa: S311 - benchmark sampling
    picked = rng.sample(lines, 3000)
    day_set, month_set, naive_set = picked[:1000], picked[1000:2000], picked[2000:]
    table = ["| query | state | p50 | p99 |", "| --- | --- | ---: | ---: |"]
    flush_redis()
    restart_postgres_cold(log)
    day_tables, month_tables = {}, {}
    day_times, day_sql = time_endpoint(day_set, end, "day", day_tables)
    month_times, month_sql = time_endpoint(month_set, end, "month", month_tables)
    naive_times = time_naive([int(line.split()[2]) for line in naive_set], end)
    flush_redis()
    warm_day, _ = time_endpoint(day_set, end, "day")
    warm_month, _ = time_endpoint(month_set, end, "month")
    warm_naive = time_naive([int(line.split()[2]) for line in naive_set], end)
    for name, cold_times, warm_times in (
        ("endpoint, 30 days daily: all its SQL", day_times, warm_day),
        ("endpoint, 24 months: all its SQL", month_times, warm_month),
        ("baseline naive query (365 days by month)", naive_times, warm_naive),
    ):
        for state, times in (("out of cache", cold_times), ("in cache", warm_times)):
            ms = [t * 1000 for t in times]
            table.append(
                f"| {name} | {state} | {common.percentile(ms, 0.5):.2f} ms | "
                f"{common.percentile(ms, 0.99):.2f} ms |"
            )
            log(table[-1])
    for name, tables in (("30 days", day_tables), ("24 months", month_tables)):
        for relation, times in tables.items():
            ms = [t * 1000 for t in times]
            table.append(
                f"| {name}: statement on {relation} | out of cache | "
                f"{common.percentile(ms, 0.5):.2f} ms | {common.percentile(ms, 0.99):.2f} ms |"
            )
            log(table[-1])
    print("\n".join(table))
    log("SQL of one daily request:\n" + "\n".join(f"    {s};" for s in day_sql))
    log("SQL of one monthly request:\n" + "\n".join(f"    {s};" for s in month_sql))
    write_report("cold", table, log)


# ---------------------------------------------------------------- main


REPORT: list[str] = []


def write_report(kind: str, table: list[str], log) -> None:
    out = common.VAR / f"consumption-{kind}.md"
    command = " ".join(["scripts/bench_consumption.py", *sys.argv[1:]])
    out.write_text(f"# {command}\n\n" + "\n".join(REPORT) + "\n\n" + "\n".join(table) + "\n")
    print(f"written to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("phase", choices=["load", "http", "cold"])
    parser.add_argument("--end", type=date.fromisoformat, help="last day of data")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--etags", type=int, default=8000, help="customers revalidated")
    parser.add_argument("--threads", type=int, default=2, help="threads a server worker")
    parser.add_argument("--server", choices=["granian", "gunicorn"], default="granian")
    args = parser.parse_args()

    def log(line: str) -> None:
        print(line, flush=True)
        REPORT.append(line)

    with connection.cursor() as cursor:
        log(f"PostgreSQL: {common.pg_settings(cursor)}")
    log(f"machine: {common.machine()}")
    log(f"code: {common.code_version('src/cskh/metering', 'src/cskh/accounts')}")
    {"load": load, "http": http, "cold": cold}[args.phase](args, log)


if __name__ == "__main__":
    main()
