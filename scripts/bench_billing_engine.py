"""Benchmark: residential bills per second through the bill engine
(`cskh.billing.engine.compute_bill`), next to a bare tier loop computing the same totals.

    .venv/bin/python scripts/bench_billing_engine.py [--bills 1000000] [--seed 1279] [--repeat 1]

1. kWh: `--bills` values drawn once from a fixed-seed log-normal distribution resembling
   household use (median 170 kWh, mean ~215, ~11 % above 400 kWh, 2 % at 0), whole kWh
   clipped to 0–1,500. Every run below bills the same values in the same order.
2. (a) reference: a plain Python loop over the six tiers of Decision 1279/QĐ-BCT that
   computes only the total (subtotal, VAT 8 % rounded half-up): no dates, no objects, the
   "pure Python loop over tiers" of /work/shared/PERFORMANCE.md.
3. (b) engine, one regular month: `compute_bill` for 2025-06-15 → 2025-07-15 with the
   tariff timeline 2699 → 1279 (change on 10/5/2025, outside the period), VAT 8 %, one
   household: one segment per bill. Its totals must add up to (a)'s, or the run stops.
4. (c) engine, 10 % crossing a price change: the same bills, but every tenth one is the
   period 2025-04-30 → 2025-05-31 across 10/5/2025 (two segments, prorated kWh and widths).

Each loop only adds up the totals, so the figures are the cost of computing a bill and
building its result (segments, lines, VAT parts), not of storing it. `--repeat` runs each
loop that many times and keeps the fastest. Prints a Markdown table with the Python
version and the CPU count and writes it to var/bench/billing-engine.md (see
docs/performance.md). No database, no Django."""

import argparse
import hashlib
import math
import os
import platform
import random
import sys
import time
from datetime import date
from fractions import Fraction
from pathlib import Path

from cskh.billing import engine
from cskh.billing.engine import Dated, Schedule, Tier, compute_bill

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "var" / "bench" / "billing-engine.md"

LIMITS = (50, 100, 200, 300, 400, None)
PRICES_2699 = (1893, 1956, 2271, 2860, 3197, 3302)
PRICES_1279 = (1984, 2050, 2380, 2998, 3350, 3460)
CHANGE = date(2025, 5, 10)  # Decision 1279 in force
REGULAR = (date(2025, 6, 15), date(2025, 7, 15))
CROSSING = (date(2025, 4, 30), date(2025, 5, 31))

SCHEDULES = (
    Dated(
        date(2024, 10, 11),
        CHANGE,
        Schedule("2699/QĐ-BCT", tiers=tuple(map(Tier, LIMITS, PRICES_2699))),
    ),
    Dated(CHANGE, None, Schedule("1279/QĐ-BCT", tiers=tuple(map(Tier, LIMITS, PRICES_1279)))),
)
VAT_RATES = (
    Dated(date(2024, 1, 1), date(2027, 1, 1), Fraction(8, 100)),
    Dated(date(2027, 1, 1), None, Fraction(10, 100)),
)


def household_kwh(count: int, seed: int) -> list[int]:
    """Monthly kWh of `count` households: log-normal around a 170 kWh median, 2 % empty."""
    rng = random.Random(seed)  # noqa: S311 - benchmark sampling
    median, sigma = 170, 0.72
    values = []
    for _ in range(count):
        if rng.random() < 0.02:
            values.append(0)
        else:
            values.append(min(1500, round(rng.lognormvariate(math.log(median), sigma))))
    return values


def reference(kwhs: list[int], periods: list[tuple[date, date]]) -> int:
    """(a): the bare tier loop, Decision 1279 and VAT 8 % for every bill."""
    tiers = tuple(zip(LIMITS, PRICES_1279, strict=True))
    grand = 0
    for kwh in kwhs:
        subtotal, lower = 0, 0
        for up_to, price in tiers:
            if up_to is None or kwh <= up_to:
                subtotal += (kwh - lower) * price
                break
            subtotal += (up_to - lower) * price
            lower = up_to
        grand += subtotal + (2 * subtotal * 8 + 100) // 200
    return grand


def through_engine(kwhs: list[int], periods: list[tuple[date, date]]) -> int:
    """(b) and (c): one `compute_bill` per bill."""
    grand = 0
    for kwh, (start, end) in zip(kwhs, periods, strict=True):
        grand += compute_bill(
            start=start, end=end, schedules=SCHEDULES, vat_rates=VAT_RATES, kwh=kwh
        ).total
    return grand


def timed(function, kwhs, periods, repeat: int) -> tuple[float, int]:
    best, grand = math.inf, None
    for _ in range(repeat):
        began = time.perf_counter()
        grand = function(kwhs, periods)
        best = min(best, time.perf_counter() - began)
    return best, grand


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bills", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1279)
    parser.add_argument("--repeat", type=int, default=1, help="runs per loop; the fastest")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()

    kwhs = household_kwh(args.bills, args.seed)
    regular = [REGULAR] * args.bills
    crossing = [CROSSING if index % 10 == 0 else REGULAR for index in range(args.bills)]
    runs = [
        ("(a) reference: bare tier loop, total only", reference, regular),
        ("(b) engine: one regular month, one segment", through_engine, regular),
        ("(c) engine: 10 % of bills across 10/5/2025", through_engine, crossing),
    ]
    rows, grands = [], []
    for label, function, periods in runs:
        seconds, grand = timed(function, kwhs, periods, args.repeat)
        rows.append((label, seconds))
        grands.append(grand)
        print(f"{label}: {seconds:.2f} s", file=sys.stderr)
    if grands[0] != grands[1]:
        sys.exit(f"the engine's totals ({grands[1]:,}) differ from the reference ({grands[0]:,})")

    ordered = sorted(kwhs)
    engine_code = hashlib.sha256(Path(engine.__file__).read_bytes()).hexdigest()[:12]
    reference_rate = args.bills / rows[0][1]
    lines = [
        f"Residential bills, {args.bills:,} per run (seed {args.seed}; kWh median "
        f"{ordered[len(ordered) // 2]}, mean {sum(kwhs) / len(kwhs):.0f}, "
        f"{sum(kwh > 400 for kwh in kwhs) / len(kwhs):.1%} above 400 kWh), Decision 1279, "
        "VAT 8 %, one household; best of "
        f"{args.repeat}.",
        "",
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{os.cpu_count()} CPUs, {platform.machine()}; engine.py sha256 {engine_code}; "
        f"sum of totals (a) = (b) = {grands[0]:,} VND.",
        "",
        "| run | seconds | bills/s | × reference |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, seconds in rows:
        rate = args.bills / seconds
        lines.append(f"| {label} | {seconds:.3f} | {rate:,.0f} | {rate / reference_rate:.3f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"written to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
