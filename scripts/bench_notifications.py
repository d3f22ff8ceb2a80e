"""Benchmark: publish a notice to a whole power corporation on PostgreSQL.

    createdb (psql -h 127.0.0.1 -U postgres -c "create database cskh_bench")
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cskh_bench \\
        .venv/bin/python scripts/bench_notifications.py --load

`--load` migrates and loads the demo population (1,000,000 customers, 300,000
accounts) first; without it the database must hold them already. `--history` adds
a month of personal notices, one bill notice per customer as `notify_customer`
stores them, so the lists are read from a notice table of realistic size.

K readers, each with its own connection (threads of one process, or with
`--processes` processes, as server workers), read random affected accounts' notice
list (page 1) and unread count for a while before and after a staff member
publishes one notice to the corporation (a draft, then `services.publish`, as the
back-office does). Meanwhile another process checks a sample of affected accounts
through `queries.visible` until each of them sees it. Afterwards one set-based
query checks that the notice resolves to exactly the affected accounts. Prints the
figures and writes them to var/bench-notifications.md (see docs/performance.md).

Every loop has a time limit; it only talks to a database on this machine."""

import argparse
import multiprocessing
import os
import platform
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ["DJANGO_SETTINGS_MODULE"] = "cskh.settings"

sys.path.insert(0, str(ROOT / "scripts" / "bench"))

import common  # noqa: E402 - the guard shared by the benchmarks

common.database_url()  # only a PostgreSQL database of its own, on this machine

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from cskh.accounts.models import User  # noqa: E402
from cskh.customers.models import Customer, CustomerLink, Unit  # noqa: E402
from cskh.notifications import queries, services  # noqa: E402
from cskh.notifications.models import Audience, Category, Notice, NoticeCustomer  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of `values` (not empty)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def stats(values: list[float]) -> str:
    if not values:
        return "no samples"
    ms = [v * 1000 for v in values]
    return (
        f"n={len(ms):,}  p50 {percentile(ms, 0.50):.1f} ms  p95 {percentile(ms, 0.95):.1f} ms  "
        f"p99 {percentile(ms, 0.99):.1f} ms  max {max(ms):.1f} ms"
    )


def sql_one(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


# ---------------------------------------------------------------- (a) loading


def load(customers: int, accounts: int, report: list[str]) -> None:
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter()
    call_command("load_demo", customers=customers, accounts=accounts)
    loaded = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # fresh statistics, as autovacuum would give later
    analysed = time.perf_counter()
    report.append(
        f"load: migrate {migrated - started:.0f} s, load_demo --customers {customers:,} "
        f"--accounts {accounts:,} {loaded - migrated:.0f} s, VACUUM ANALYZE "
        f"{analysed - loaded:.0f} s"
    )


HISTORY_TITLE = "Thông báo phát hành hóa đơn tiền điện (lịch sử benchmark)"


def add_history(report: list[str]) -> None:
    """One BILL notice per customer, published over the last 29 days, stored as
    `services.notify_customer` stores it (a CUSTOMERS notice and its one recipient);
    once: a second call adds nothing."""
    notice, recipient = Notice._meta.db_table, NoticeCustomer._meta.db_table
    customer = Customer._meta.db_table
    if Notice.objects.filter(title_vi=HISTORY_TITLE).exists():
        report.append("history: already there")
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            with inserted as (
                insert into {notice} (category, title_vi, body_vi, title_en, body_en, link,
                    audience, publish_at, created_at)
                select 'BILL', %(title)s,
                    'Hóa đơn tiền điện của mã khách hàng ' || code || ' đã được phát hành.',
                    'Electricity bill issued', 'The bill of customer ' || code || ' is issued.',
                    '/customers/' || code || '/', 'CUSTOMERS', at, now()
                from (
                    select code,
                        now() - make_interval(secs => abs(hashtext(code)) %% (29 * 86400)) as at
                    from {customer}
                ) bills
                order by at
                returning id, link
            )
            insert into {recipient} (notice_id, customer_id)
            select inserted.id, c.id
            from inserted join {customer} c on inserted.link = '/customers/' || c.code || '/'
            """,  # noqa: S608 - table names from the models, values as parameters
            {"title": HISTORY_TITLE},
        )
        added = cursor.rowcount
        cursor.execute(f"VACUUM ANALYZE {notice}")
        cursor.execute(f"VACUUM ANALYZE {recipient}")
    report.append(
        f"history: {added:,} personal bill notices (and recipients) added in "
        f"{time.perf_counter() - started:.0f} s"
    )


# ---------------------------------------------------------------- (b) who is affected


def affected_accounts(corporation: Unit) -> list[int]:
    return list(
        CustomerLink.objects.filter(customer__unit__path__startswith=corporation.path)
        .values_list("account_id", flat=True)
        .distinct()
    )


def audience_check(notice: Notice, corporation: Unit) -> tuple[int, int, int]:
    """One set-based query: (affected accounts, accounts the notice resolves to,
    accounts in one set and not the other). The audience side follows the rule of
    `queries`: a UNIT notice reaches every account linked to a customer whose unit
    path contains the notice's unit, registered after publish_at - history."""
    link, customer, unit = (
        CustomerLink._meta.db_table,
        Customer._meta.db_table,
        Unit._meta.db_table,
    )
    user, notice_table = User._meta.db_table, Notice._meta.db_table
    sql = f"""
        with affected as (
            select distinct l.account_id
            from {link} l join {customer} c on c.id = l.customer_id
                join {unit} u on u.id = c.unit_id
            where u.path like %(corporation)s || '%%'
        ), audience as (
            select distinct l.account_id
            from {notice_table} n join {unit} nu on nu.id = n.unit_id
                join {unit} u on u.path like nu.path || '%%'
                join {customer} c on c.unit_id = u.id
                join {link} l on l.customer_id = c.id
                join {user} a on a.id = l.account_id
            where n.id = %(notice)s and n.audience = 'UNIT' and n.publish_at <= now()
                and n.publish_at >= a.created_at - make_interval(days => %(days)s)
        )
        select (select count(*) from affected), (select count(*) from audience),
            (select count(*) from (
                (select account_id from affected except select account_id from audience)
                union all
                (select account_id from audience except select account_id from affected)
            ) difference)
    """  # noqa: S608 - table names from the models, values as parameters
    return sql_one(
        sql,
        {
            "corporation": corporation.path,
            "notice": notice.pk,
            "days": settings.NOTICE_HISTORY_DAYS,
        },
    )


# ---------------------------------------------------------------- (c) readers


class Holder:
    """What `multiprocessing.Value` offers, for reader threads."""

    def __init__(self, value=0):
        self.value = value


def read_loop(pool: list[User], seed: int, stop, notice_id, deadline: float) -> list[tuple]:
    """Read page 1 and the unread count of random accounts of the pool until `stop`
    is set (or the deadline passes). One row per call: (kind, started, seconds,
    seconds in SQL calls, whether the list showed the published notice — None when
    it began before publishing returned)."""
    rng = random.Random(seed)  # noqa: S311 - benchmark sampling
    in_sql = [0.0]

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            in_sql[0] += time.perf_counter() - started

    rows = []
    with connection.execute_wrapper(timed):
        while not stop.is_set() and time.perf_counter() < deadline:
            account = rng.choice(pool)
            published = notice_id.value
            now = timezone.now()
            in_sql[0] = 0.0
            started = time.perf_counter()
            page = queries.page(account, now=now, category=None, number=1)
            listed = time.perf_counter()
            list_sql, in_sql[0] = in_sql[0], 0.0
            queries.unread_count(account, now=now)
            counted = time.perf_counter()
            shows = any(n.id == published for n in page["items"]) if published else None
            rows.append(("list", started, listed - started, list_sql, shows))
            rows.append(("unread", listed, counted - listed, in_sql[0], shows))
    return rows


def reader_process(pool_ids, seed, stop, notice_id, deadline, queue) -> None:
    try:
        pool = list(User.objects.filter(pk__in=pool_ids))
        queue.put((read_loop(pool, seed, stop, notice_id, deadline), None))
    except Exception as error:  # report it, do not hang the benchmark
        queue.put(([], repr(error)))
    finally:
        connections.close_all()


class Readers:
    """K readers, each with its own connection: threads of this process (as a
    threaded server would run them) or processes (as server workers would)."""

    def __init__(self, pool: list[User], count: int, seed: int, processes: bool, limit: float):
        self.rows: list[tuple] = []
        self.errors: list[str] = []
        deadline = time.perf_counter() + limit
        if processes:
            context = multiprocessing.get_context("spawn")
            self.stop, self.notice_id, self.queue = (
                context.Event(),
                context.Value("q", 0),
                context.Queue(),
            )
            ids = [user.pk for user in pool]
            self.workers = [
                context.Process(
                    target=reader_process,
                    args=(ids, seed + i, self.stop, self.notice_id, deadline, self.queue),
                )
                for i in range(count)
            ]
        else:
            self.stop, self.notice_id, self.queue = threading.Event(), Holder(), None
            self.workers = [
                threading.Thread(target=self._thread, args=(pool, seed + i, deadline), daemon=True)
                for i in range(count)
            ]

    def _thread(self, pool, seed, deadline) -> None:
        try:
            self.rows += read_loop(pool, seed, self.stop, self.notice_id, deadline)
        except Exception as error:  # report it, do not hang the benchmark
            self.errors.append(repr(error))
        finally:
            connection.close()

    def start(self) -> None:
        for worker in self.workers:
            worker.start()

    def finish(self, timeout: float) -> None:
        self.stop.set()
        if self.queue is not None:
            for _worker in self.workers:
                rows, error = self.queue.get(timeout=timeout)
                self.rows += rows
                self.errors += [error] if error else []
        for worker in self.workers:
            worker.join(timeout)
            if self.queue is not None and worker.is_alive():
                worker.kill()


# ---------------------------------------------------------------- (d, e) publish and check


def publish(corporation: Unit, author: User | None) -> tuple[Notice, float, float, float]:
    """A draft as the back-office saves it, then `services.publish` now; returns the
    notice, the draft time, the publish time and the moment publishing returned."""
    started = time.perf_counter()
    draft = Notice.objects.create(
        category=Category.INCIDENT,
        audience=Audience.UNIT,
        unit=corporation,
        issuer_unit=corporation,
        created_by=author,
        title_vi="Thông báo khẩn: kiểm tra an toàn lưới điện toàn Tổng công ty",
        body_vi="Thông báo thử nghiệm hiệu năng gửi tới toàn bộ khách hàng của Tổng công ty.",
        title_en="Urgent: grid safety check across the corporation",
        body_en="A benchmark notice to every customer of the corporation.",
    )
    drafted = time.perf_counter()
    now = timezone.now()
    notice = services.publish(notice=draft, at=now, now=now)
    published = time.perf_counter()
    return notice, drafted - started, published - drafted, published


def check_visible(
    notice_id: int, accounts: list[User], *, since: float, timeout: float
) -> tuple[list[float], int, int]:
    """Check each account until it sees the notice, within `timeout`; return the
    times (from `since`) at which each one was seen, how many checks it took and how
    many of them found it missing."""
    pending, seen = list(accounts), []
    checks = misses = 0
    deadline = time.perf_counter() + timeout
    while pending and time.perf_counter() < deadline:
        still = []
        for account in pending:
            if time.perf_counter() >= deadline:
                still.append(account)
                continue
            checks += 1
            if queries.visible(account, now=timezone.now()).filter(pk=notice_id).exists():
                seen.append(time.perf_counter() - since)
            else:
                misses += 1
                still.append(account)
        pending = still
        if pending:
            time.sleep(0.05)
    return seen, checks, misses


def checker(account_ids: list[int], pipe, wait: float, timeout: float) -> None:
    """A process of its own (so that it does not queue behind the readers for the
    GIL): loads the sample, says it is ready, waits for the published notice, checks."""
    try:
        accounts = list(User.objects.filter(pk__in=account_ids))
        for account in accounts[:20]:  # warm up
            queries.visible(account, now=timezone.now()).exists()
        pipe.send("ready")
        if pipe.poll(wait):
            notice_id, published_at = pipe.recv()
            pipe.send(check_visible(notice_id, accounts, since=published_at, timeout=timeout))
    finally:
        connections.close_all()
        pipe.close()


def check_not_visible(notice: Notice, accounts: list[User]) -> int:
    now = timezone.now()
    return sum(queries.visible(a, now=now).filter(pk=notice.pk).exists() for a in accounts)


# ---------------------------------------------------------------- main


def machine() -> str:
    version, buffers = sql_one("select version(), current_setting('shared_buffers')")
    size = sql_one("select pg_size_pretty(pg_database_size(current_database()))")[0]
    return (
        f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{version.split(' on ')[0]}, shared_buffers {buffers}, database {size}"
    )


def load_average() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def busy_cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine since it started (every process)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:8]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--load", action="store_true", help="migrate and load the population")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=300_000)
    parser.add_argument("--history", action="store_true", help="add a month of bill notices")
    parser.add_argument("--corporation", default="EVNHCMC")
    parser.add_argument("--readers", type=int, default=8, help="reader threads")
    parser.add_argument("--processes", action="store_true", help="readers as processes")
    parser.add_argument("--pool", type=int, default=20_000, help="affected accounts read")
    parser.add_argument("--before", type=float, default=20, help="seconds read before publishing")
    parser.add_argument("--after", type=float, default=30, help="seconds read after publishing")
    parser.add_argument("--sample", type=int, default=5_000, help="affected accounts checked")
    parser.add_argument("--timeout", type=float, default=120, help="limit of the visibility check")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench-notifications.md")
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 - benchmark sampling
    report = [f"load average before: {load_average()}"]

    if args.load:
        load(args.customers, args.accounts, report)
        print(report[-1], flush=True)
    if args.history:
        add_history(report)
        print(report[-1], flush=True)

    # (b) the population and who the notice is for
    corporation = Unit.objects.get(code=args.corporation)
    started = time.perf_counter()
    affected = affected_accounts(corporation)
    affected_customers = Customer.objects.filter(unit__path__startswith=corporation.path).count()
    report.append(
        f"data: {Customer.objects.count():,} customers, {User.objects.count():,} accounts, "
        f"{CustomerLink.objects.count():,} links, {Notice.objects.count():,} notices; "
        f"{args.corporation}: {affected_customers:,} customers, {len(affected):,} affected "
        f"accounts (found in {time.perf_counter() - started:.1f} s)"
    )
    print(report[-1], flush=True)
    if not affected:
        sys.exit("No affected accounts: load the population first (--load).")
    chosen = rng.sample(affected, min(len(affected), max(args.pool, args.sample)))
    users = {user.pk: user for user in User.objects.filter(pk__in=chosen)}
    pool = [users[pk] for pk in chosen[: args.pool]]
    sample = [users[pk] for pk in rng.sample(chosen, min(len(chosen), args.sample))]
    affected_set = set(affected)
    others = [
        user
        for user in User.objects.filter(phone__startswith="+8497").order_by("?")[:2000]
        if user.pk not in affected_set
    ][:1000]
    author = User.objects.filter(is_superuser=True).first()

    # the sample checker, ready before publishing
    pipe, child_pipe = multiprocessing.Pipe()
    check_process = multiprocessing.get_context("spawn").Process(
        target=checker,
        args=([user.pk for user in sample], child_pipe, args.before + 120, args.timeout),
    )
    connections.close_all()
    check_process.start()
    if not (pipe.poll(60) and pipe.recv() == "ready"):
        check_process.kill()
        sys.exit("The checker did not start.")

    # (c) readers before publishing
    limit = 3 + args.before + max(args.after, args.timeout) + 60
    readers = Readers(pool, args.readers, args.seed, args.processes, limit)
    readers.start()
    time.sleep(10 if args.processes else 3)  # start and warm up, not counted
    cpu_start, wall_start = busy_cpu_seconds(), time.perf_counter()
    time.sleep(args.before)

    # (d) publish
    notice, draft_time, publish_time, published_at = publish(corporation, author)
    readers.notice_id.value = notice.pk
    publish_start = published_at - draft_time - publish_time
    report.append(
        f"publish: draft {draft_time * 1000:.1f} ms, services.publish {publish_time * 1000:.1f} ms"
    )
    print(report[-1], flush=True)

    # (e) a sample through the application's own query, checked by another process
    pipe.send((notice.pk, published_at))
    result = pipe.recv() if pipe.poll(args.timeout + 30) else ([], 0, 0)
    check_process.join(30)
    if check_process.is_alive():
        check_process.kill()
    seen, checks, misses = result
    check_took = time.perf_counter() - published_at
    report.append(
        f"sample: {len(seen):,} of {len(sample):,} affected accounts saw it through "
        f"queries.visible at their first check ({misses} of {checks:,} checks found it "
        f"missing); checked one by one from {min(seen, default=0):.2f} s to "
        f"{max(seen, default=0):.1f} s after publishing "
        f"({checks / max(max(seen, default=0), 0.001):.0f} checks/s)"
    )
    print(report[-1], flush=True)
    if args.after > check_took:
        time.sleep(args.after - check_took)
    readers.finish(timeout=60)
    cpu_end, wall = busy_cpu_seconds(), time.perf_counter() - wall_start

    # every affected account at once, and none of the others
    started = time.perf_counter()
    total, resolved, difference = audience_check(notice, corporation)
    report.append(
        f"audience (one set-based query, {time.perf_counter() - started:.1f} s): the notice "
        f"resolves to {resolved:,} accounts; the affected accounts are {total:,}; {difference} "
        f"differ"
    )
    wrongly = check_not_visible(notice, others)
    report.append(f"not affected: {wrongly} of {len(others):,} other generated accounts saw it")
    print(*report[-2:], sep="\n", flush=True)

    # (f) latencies: before publishing, and from the publish call on
    counted = [row for row in readers.rows if row[1] >= wall_start]
    phases = {
        "before": [row for row in counted if row[1] < publish_start],
        "after": [row for row in counted if row[1] >= publish_start],
    }
    for phase, rows in phases.items():
        for kind in ("list", "unread"):
            rows_of_kind = [row for row in rows if row[0] == kind]
            line = f"{phase:6} {kind:6} {stats([row[2] for row in rows_of_kind])}"
            if rows_of_kind:
                sql = percentile([row[3] * 1000 for row in rows_of_kind], 0.5)
                line += f"  (in SQL calls p50 {sql:.1f} ms)"
            report.append(line)
            print(line, flush=True)
    lists_after = [row for row in phases["after"] if row[0] == "list" and row[4] is not None]
    if lists_after:
        first = min((row[1] + row[2] for row in lists_after if row[4]), default=published_at)
        report.append(
            f"{sum(row[4] for row in lists_after):,} of {len(lists_after):,} lists begun after "
            f"publishing showed the notice; the first returned "
            f"{(first - published_at) * 1000:.0f} ms after publishing"
        )
    kind = "processes" if args.processes else "threads"
    report.append(
        f"readers: {args.readers} {kind}, {len(counted) / 2 / wall:.0f} list+unread pairs/s; "
        f"the machine's CPUs were {(cpu_end - cpu_start) / wall:.2f} of {os.cpu_count()} busy "
        f"over these {wall:.0f} s; load average after: {load_average()}"
    )
    report.append(f"machine: {machine()}")
    report += [f"error: {error}" for error in readers.errors]
    print(*report[-3 - len(readers.errors) :], sep="\n")
    command = " ".join(["scripts/bench_notifications.py", *sys.argv[1:]])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(f"# {command}\n\n" + "\n".join(f"- {line}" for line in report) + "\n")
    print(f"written to {args.out}")
    connections.close_all()
    if readers.errors or len(seen) < len(sample) or difference or wrongly:
        sys.exit(1)


if __name__ == "__main__":
    main()
