"""Where the time of one consumption request goes: the endpoint in this process
(Django's test client, DEBUG off, Redis DB 9 as the JSON cache), for N customers of
var/bench/consumption-targets.txt (after `scripts/bench_consumption.py load`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python scripts/bench/profile_consumption.py [--requests 300] [--profile]

Prints, for each kind of request (30-day view and 24-month view built from the
database, the same from the JSON cache, and the 304 revalidation), the wall time per
request and the part spent in SQL calls (sent, executed, fetched); with --profile the
functions that cost the most (cProfile, by own time)."""

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/9"
common.setup_django()

import redis  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402


def month_from() -> str:
    end = timezone.localdate() - timedelta(days=1)
    index = end.year * 12 + end.month - 1 - 23
    return f"{index // 12:04d}-{index % 12 + 1:02d}-01"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    lines = (common.VAR / "consumption-targets.txt").read_text().splitlines()
    picked = random.Random(args.seed).sample(lines, args.requests)  # noqa: S311
    client = Client(HTTP_HOST="127.0.0.1")
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    spent = [0.0, 0]

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - started
            spent[1] += 1

    views = {"30 days": "", "24 months": f"?granularity=month&from={month_from()}"}
    etags = {}

    def run(kind: str, view: str, revalidate: bool) -> None:
        walls, sqls = [], []
        spent[1] = 0
        profiler = cProfile.Profile() if args.profile else None
        for line in picked:
            code, token = line.split()[:2]
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "vi"}
            if revalidate:
                headers["HTTP_IF_NONE_MATCH"] = etags[(code, view)]
            spent[0] = 0.0
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            with connection.execute_wrapper(timer):
                response = client.get(
                    f"/api/v1/customers/{code}/consumption{views[view]}", **headers
                )
            if profiler:
                profiler.disable()
            walls.append(time.perf_counter() - started)
            sqls.append(spent[0])
            etags[(code, view)] = response["ETag"]
            assert response.status_code == (304 if revalidate else 200), response.status_code
        ms = [w * 1000 for w in walls]
        sql_ms = [s * 1000 for s in sqls]
        print(
            f"{kind:>22} {view:>9}: wall p50 {common.percentile(ms, 0.5):6.2f} ms, "
            f"p99 {common.percentile(ms, 0.99):6.2f} ms; SQL p50 "
            f"{common.percentile(sql_ms, 0.5):6.2f} ms ({spent[1] / len(picked):.1f} queries)"
        )
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats("tottime").print_stats(12)

    for view in views:
        run("200, JSON built", view, revalidate=False)
    for view in views:
        run("200, JSON from cache", view, revalidate=False)
    for view in views:
        run("304", view, revalidate=True)


if __name__ == "__main__":
    main()
