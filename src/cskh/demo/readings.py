"""Two years of daily meter readings for the demo customers, loaded through the real
import (`metering.ingest.import_readings`) so that rollups and checks are the ones
production data gets.

The series of a customer is a pure function of the seed, the customer and the day,
simulated from ORIGIN on, so a run on a later day adds only the days that have
passed and every index stays consistent with the ones already stored. What it shows:

- seasons: the north (Hà Nội, Hải Dương …) about twice its spring level in June to
  August, the centre in between, the south (TP. Hồ Chí Minh) nearly flat with a small
  peak in the hot months of March to May;
- weekends a little higher at home, lower at businesses and factories;
- Tết: homes use less for about a week as families travel, the parents' home
  (PM01000000001) more as they gather there; businesses and factories close;
- time-of-use meters (the generated business and production customers) split about
  55 % normal (BT), 20 % peak (CD), 25 % off-peak (TD) — no peak on Sundays;
- PM01000000001: its old 5-digit meter rolls over in March 2025 and is replaced on
  2025-08-20 (both meters read that day; the new one counts from its start index);
- PE01000000001: four days without readings in October 2026 (the first reading after
  them carries the energy of the missing days);
- PD01000000001: three estimated days in September 2026, and a few estimated days
  scattered over the generated customers.

Readings run up to the day before yesterday (data arrives late) and start two years
before that, or at the meter's installation."""

import functools
import itertools
import random
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Max

from cskh.customers.models import Customer, Meter
from cskh.demo import generator
from cskh.metering import csvfile, export, ingest
from cskh.metering.models import ImportBatch, MonthlyUsage, StartIndex

ORIGIN = date(2024, 1, 1)  # the series are simulated from here: never move it
LATE_DAYS = 2
WINDOW_DAYS = 730
DEFAULT_CUSTOMERS = 0  # generated customers with readings besides the showcase, featured ones
FEATURED_AMONG = 200

# Lunar New Year's day (mùng 1 Tết)
TET = {
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}
TET_BEFORE, TET_AFTER = 3, 5  # the holiday week: from 3 days before to 5 days after

NORTH, CENTRE, SOUTH = "NORTH", "CENTRE", "SOUTH"
REGION_OF_PREFIX = {
    "PA": NORTH,
    "PD": NORTH,
    "PH": NORTH,
    "PM": NORTH,
    "PN": NORTH,
    "PC": CENTRE,
    "PP": CENTRE,
    "PQ": CENTRE,
    "PB": SOUTH,
    "PE": SOUTH,
    "PK": SOUTH,
}
# the level of each month (at mid-month) relative to the year; days interpolate
SEASON = {
    NORTH: (0.85, 0.80, 0.90, 1.00, 1.45, 1.95, 2.05, 1.90, 1.50, 1.10, 0.95, 0.90),
    CENTRE: (0.90, 0.90, 1.00, 1.10, 1.35, 1.50, 1.55, 1.50, 1.25, 1.00, 0.90, 0.90),
    SOUTH: (0.95, 1.00, 1.10, 1.20, 1.15, 1.05, 1.00, 1.00, 1.00, 0.98, 0.95, 0.95),
}

HOME, PARENTS, BUSINESS, PRODUCTION, OFFICE = "HOME", "PARENTS", "BUSINESS", "PRODUCTION", "OFFICE"
KIND_OF_PURPOSE = {
    Customer.Purpose.RESIDENTIAL: HOME,
    Customer.Purpose.BUSINESS: BUSINESS,
    Customer.Purpose.PRODUCTION: PRODUCTION,
    Customer.Purpose.ADMINISTRATIVE: OFFICE,
}
# how much of the season reaches the kind (air conditioning), Sat/Sun factors, Tết factor
SEASON_SHARE = {HOME: 1.0, PARENTS: 1.0, BUSINESS: 0.5, PRODUCTION: 0.15, OFFICE: 0.6}
WEEKEND = {
    HOME: (1.10, 1.15),
    PARENTS: (1.05, 1.10),
    BUSINESS: (0.90, 0.65),
    PRODUCTION: (0.85, 0.45),
    OFFICE: (0.35, 0.20),
}
TET_FACTOR = {HOME: 0.45, PARENTS: 1.70, BUSINESS: 0.35, PRODUCTION: 0.15, OFFICE: 0.10}
# median daily kWh at the year's level and the spread (log-normal sigma) of generated ones
DAILY_KWH = {
    HOME: (6.5, 0.35),
    BUSINESS: (45.0, 0.6),
    PRODUCTION: (900.0, 0.7),
    OFFICE: (120.0, 0.5),
}
NOISE_SIGMA = 0.08
ESTIMATED_SHARE = 0.002  # of the generated customers' days
TOU_SHARES = {"CD": 0.20, "TD": 0.25}  # BT takes the rest; no CD on Sundays
TOU = ("BT", "CD", "TD")

# the showcase customers: region, kind, daily kWh at the year's level
SHOWCASE = {
    "PE01000000001": (SOUTH, HOME, 9.0),
    "PD01000000001": (NORTH, HOME, 7.0),
    "PM01000000001": (NORTH, PARENTS, 5.5),
    "PE01000000002": (SOUTH, HOME, 11.0),
    "PP01000000001": (CENTRE, HOME, 8.0),
}
GAP_CODE, GAP_FIRST, GAP_DAYS = "PE01000000001", date(2026, 10, 12), 4
ESTIMATED_CODE = "PD01000000001"
ESTIMATED_DAYS = frozenset(date(2026, 9, day) for day in (14, 15, 16))


@dataclass(frozen=True)
class Replacement:
    code: str
    old: str
    old_digits: int
    rollover_on: date  # the old meter's register passes 99,999 on this day
    on: date  # the old meter is removed and the new one installed this day
    old_share: float  # of that day's energy on the old meter
    new: str
    new_start_wh: int


REPLACEMENT = Replacement(
    code="PM01000000001",
    old="PM24000001",
    old_digits=5,
    rollover_on=date(2025, 3, 15),
    on=date(2025, 8, 20),
    old_share=0.4,
    new="PM25000001",
    new_start_wh=1_200,
)


@dataclass(frozen=True)
class Profile:
    code: str
    region: str
    kind: str
    daily_kwh: float
    estimated_share: float = 0.0


@dataclass(frozen=True)
class MeterSpec:
    number: str
    registers: tuple[str, ...]
    installed: date
    removed: date | None = None
    multiplier: int = 1
    digits: int = 6
    start_wh: dict[str, int] = field(default_factory=dict)  # index at installation
    rollover_on: date | None = None  # choose the start index so the register rolls over then

    @property
    def register_wh(self) -> int:
        return 10**self.digits * 1000

    def active(self, day: date) -> bool:
        return self.installed <= day and (self.removed is None or day <= self.removed)


# ---------------------------------------------------------------- the shape (pure)


def window(today: date) -> tuple[date, date]:
    """The first and last day with readings: two years up to the day before yesterday."""
    last = today - timedelta(days=LATE_DAYS)
    return last - timedelta(days=WINDOW_DAYS - 1), last


def season(region: str, day: date) -> float:
    """The month levels, interpolated linearly between mid-months."""
    levels = SEASON[region]
    middle = date(day.year, day.month, 15)
    if day >= middle:
        other = date(day.year + (day.month == 12), day.month % 12 + 1, 15)
        a, b, start, end = levels[day.month - 1], levels[day.month % 12], middle, other
    else:
        other = date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 15)
        a, b, start, end = levels[(day.month - 2) % 12], levels[day.month - 1], other, middle
    return a + (b - a) * (day - start).days / (end - start).days


def in_tet(day: date) -> bool:
    """Within the holiday week (Tết falls between 21 January and 20 February; years
    missing from TET have none)."""
    tet = TET.get(day.year)
    return bool(tet) and -TET_BEFORE <= (day - tet).days <= TET_AFTER


@functools.cache
def level(region: str, kind: str, day: date) -> float:
    """The day's level relative to the year's (season, weekend, Tết)."""
    result = 1 + (season(region, day) - 1) * SEASON_SHARE[kind]
    if day.weekday() >= 5:
        result *= WEEKEND[kind][day.weekday() - 5]
    if in_tet(day):
        result *= TET_FACTOR[kind]
    return result


def expected_kwh(profile: Profile, day: date) -> float:
    """The day's kWh without noise."""
    return profile.daily_kwh * level(profile.region, profile.kind, day)


def _gap(code: str, day: date) -> bool:
    return code == GAP_CODE and 0 <= (day - GAP_FIRST).days < GAP_DAYS


def _advances(profile: Profile, meters: list[MeterSpec], *, seed: int, last: date) -> Iterator:
    """(day, meter, register, register advance in Wh, quality) for every day from ORIGIN
    (or the installation) to `last`, gap days included."""
    rng = random.Random(f"{seed}:readings:{profile.code}")
    day = ORIGIN
    while day <= last:
        noise = min(max(rng.gauss(1, NOISE_SIGMA), 0.7), 1.35)
        estimated = rng.random() < profile.estimated_share
        tou_noise = rng.uniform(-0.02, 0.02)
        total = expected_kwh(profile, day) * noise * 1000
        if profile.code == ESTIMATED_CODE and day in ESTIMATED_DAYS:
            estimated = True
        quality = "E" if estimated else "A"
        active = [meter for meter in meters if meter.active(day)]
        for meter in active:
            share = 1.0
            if len(active) > 1:  # the day of a replacement
                share = REPLACEMENT.old_share if meter.removed == day else 1 - REPLACEMENT.old_share
            energy = total * share
            if meter.registers == ("KT",):
                split = {"KT": energy}
            else:
                cd = 0 if day.weekday() == 6 else energy * (TOU_SHARES["CD"] + tou_noise)
                td = energy * (TOU_SHARES["TD"] - tou_noise / 2)
                split = {"BT": energy - cd - td, "CD": cd, "TD": td}
            for register in meter.registers:
                yield day, meter, register, round(split[register] / meter.multiplier), quality
        day += timedelta(days=1)


def _initial_index(profile: Profile, meter: MeterSpec, register: str) -> int:
    """The index on ORIGIN's eve of a meter installed before ORIGIN: roughly what it
    has counted since its installation."""
    days = (ORIGIN - meter.installed).days
    jitter = zlib.crc32(f"{meter.number}:{register}".encode()) % 1000 / 1000
    share = 1.0 if register == "KT" else {"BT": 0.55, "CD": 0.2, "TD": 0.25}[register]
    advance = days * profile.daily_kwh * 1000 * share * (0.8 + 0.4 * jitter) / meter.multiplier
    return round(advance) % meter.register_wh


def start_indexes(profile: Profile, meters: list[MeterSpec], *, seed: int) -> list[MeterSpec]:
    """The meters with their start index filled in where it must be computed: before
    ORIGIN, or so that the register rolls over on `rollover_on`."""
    done = []
    for meter in meters:
        start = dict(meter.start_wh)
        for register in meter.registers:
            if meter.installed < ORIGIN:
                start.setdefault(register, _initial_index(profile, meter, register))
        if meter.rollover_on and not set(meter.registers) <= set(start):
            counted = 0
            for day, other, register, advance, _quality in _advances(
                profile, meters, seed=seed, last=meter.rollover_on
            ):
                if other is not meter:
                    continue
                if day < meter.rollover_on:
                    counted += advance
                else:  # the rollover day: half of its advance before the maximum
                    start[register] = meter.register_wh - counted - advance // 2
        done.append(replace(meter, start_wh=start))
    return done


def customer_rows(
    profile: Profile, meters: list[MeterSpec], *, seed: int, first: date, last: date
) -> Iterator[dict]:
    """The readings of one customer from `first` to `last`, as export/import rows.
    `meters` need their start indexes (start_indexes)."""
    index = {(m.number, r): m.start_wh.get(r, 0) for m in meters for r in m.registers}
    pending = dict.fromkeys(index, 0)
    for day, meter, register, advance, quality in _advances(profile, meters, seed=seed, last=last):
        key = (meter.number, register)
        index[key] = (index[key] + advance) % meter.register_wh
        if day < first:
            continue
        pending[key] += advance * meter.multiplier
        if _gap(profile.code, day):
            continue
        yield {
            "customer_code": profile.code,
            "meter_no": meter.number,
            "reading_date": day,
            "register": register,
            "index_wh": index[key],
            "wh": pending[key],
            "quality": quality,
        }
        pending[key] = 0


# ---------------------------------------------------------------- the demo customers


def _registers(meter: Meter) -> tuple[str, ...]:
    return ("KT",) if meter.registers == Meter.Registers.KT else TOU


def _profile(customer: Customer, seed: int) -> Profile:
    if customer.code in SHOWCASE:
        region, kind, daily = SHOWCASE[customer.code]
        return Profile(customer.code, region, kind, daily)
    kind = KIND_OF_PURPOSE[customer.purpose]
    median, sigma = DAILY_KWH[kind]
    rng = random.Random(f"{seed}:profile:{customer.code}")
    daily = median * rng.lognormvariate(0, sigma) * customer.households**0.7
    region = REGION_OF_PREFIX.get(customer.code[:2], SOUTH)
    return Profile(customer.code, region, kind, round(daily, 2), ESTIMATED_SHARE)


@transaction.atomic
def ensure_meter_history() -> None:
    """The replacement of PM01000000001's meter (once; a later run leaves it alone)."""
    r = REPLACEMENT
    customer = Customer.objects.get(code=r.code)
    old = customer.meters.get(number=r.old)
    if old.removed_date is None:
        old.digits, old.removed_date = r.old_digits, r.on
        old.save(update_fields=["digits", "removed_date"])
    new, created = Meter.objects.get_or_create(
        customer=customer, number=r.new, defaults={"installed_date": r.on}
    )
    if created:
        StartIndex.objects.create(meter=new, register="KT", index_wh=r.new_start_wh)


def featured(generated: int, branches: list[generator.Branch]) -> list[str]:
    """Two generated customers with time-of-use meters, so that even a small demo has
    them: the first with a multiplier of 1 and the first with current transformers
    (HSN > 1), looked for among the first FEATURED_AMONG generated customers."""
    codes = [generator.customer_code(i, branches) for i in range(min(generated, FEATURED_AMONG))]
    order = {code: n for n, code in enumerate(codes)}
    found = {}
    meters = Meter.objects.filter(
        customer__code__in=codes,
        customer__status=Customer.Status.ACTIVE,
        registers=Meter.Registers.TOU,
        removed_date__isnull=True,
    ).values_list("customer__code", "multiplier")
    for code, multiplier in sorted(meters, key=lambda pair: order[pair[0]]):
        found.setdefault(multiplier > 1, code)
    return [found[key] for key in (False, True) if key in found]


def demo_customers(
    count: int, seed: int, *, generated: int | None = None
) -> list[tuple[Profile, list[tuple[Meter, MeterSpec]]]]:
    """The showcase customers, the featured generated ones and the first `count`
    generated ones (of `generated`) that are supplied, with their meters."""
    branches = generator.ensure_units()
    codes = list(SHOWCASE) + featured(count if generated is None else generated, branches)
    codes += [generator.customer_code(i, branches) for i in range(count)]
    codes = list(dict.fromkeys(codes))
    customers = Customer.objects.filter(code__in=codes, status=Customer.Status.ACTIVE)
    meters: dict[int, list[Meter]] = {}
    for meter in Meter.objects.filter(customer__in=customers).order_by("installed_date", "id"):
        meters.setdefault(meter.customer_id, []).append(meter)
    starts = {
        (s.meter_id, s.register): s.index_wh
        for s in StartIndex.objects.filter(meter__customer__in=customers)
    }
    order = {code: n for n, code in enumerate(codes)}
    result = []
    for customer in sorted(customers, key=lambda c: order[c.code]):
        specs = []
        for meter in meters.get(customer.pk, []):
            registers = _registers(meter)
            spec = MeterSpec(
                number=meter.number,
                registers=registers,
                installed=meter.installed_date,
                removed=meter.removed_date,
                multiplier=meter.multiplier,
                digits=meter.digits,
                start_wh={r: starts[(meter.pk, r)] for r in registers if (meter.pk, r) in starts},
                rollover_on=REPLACEMENT.rollover_on if meter.number == REPLACEMENT.old else None,
            )
            specs.append((meter, spec))
        result.append((_profile(customer, seed), specs))
    return result


class DemoReadingsRejected(RuntimeError):
    """The import refused some generated rows: the generator and the import disagree."""


@dataclass(frozen=True)
class Plan:
    """What to generate for one customer: its meters (start indexes filled in) and the
    last stored reading day of each."""

    profile: Profile
    meters: list[MeterSpec]
    stored_until: dict[str, date | None]


@transaction.atomic
def plans(*, customers: int, seed: int, generated: int | None = None) -> list[Plan]:
    """The demo customers' plans; stores the start indexes that are computed (the
    database is not touched again while the rows stream into the import)."""
    ensure_meter_history()
    found = demo_customers(customers, seed, generated=generated)
    ids = [meter.pk for _profile, specs in found for meter, _spec in specs]
    last_stored = dict(
        MonthlyUsage.objects.filter(meter_id__in=ids)
        .values("meter_id")
        .annotate(last=Max("last_date"))
        .values_list("meter_id", "last")
    )
    result = []
    for profile, specs in found:
        filled = start_indexes(profile, [spec for _meter, spec in specs], seed=seed)
        for (meter, spec), done in zip(specs, filled, strict=True):
            for register, index_wh in done.start_wh.items():
                if register not in spec.start_wh and meter.installed_date >= ORIGIN:
                    StartIndex.objects.create(meter=meter, register=register, index_wh=index_wh)
        stored = {spec.number: last_stored.get(meter.pk) for meter, spec in specs}
        result.append(Plan(profile, filled, stored))
    return result


def missing_rows(plans: Iterable[Plan], *, seed: int, today: date) -> Iterator[dict]:
    """The rows of the window that are not stored yet: for each meter, the days after
    its last stored reading."""
    first, last = window(today)
    for plan in plans:
        if all(
            stored is not None and stored >= min(last, meter.removed or last)
            for meter in plan.meters
            for stored in [plan.stored_until[meter.number]]
        ):
            continue
        for row in customer_rows(plan.profile, plan.meters, seed=seed, first=first, last=last):
            stored = plan.stored_until[row["meter_no"]]
            if stored is None or row["reading_date"] > stored:
                yield row


def load_readings(
    *,
    customers: int = DEFAULT_CUSTOMERS,
    generated: int | None = None,
    seed: int,
    today: date,
    now: datetime,
) -> ImportBatch | None:
    """Import the demo readings that are missing — of the showcase customers, the
    featured ones and the first `customers` generated ones (of `generated` that exist);
    return the batch, or None when nothing was missing (a second run on the same day
    imports nothing)."""
    found = plans(customers=customers, seed=seed, generated=generated)
    rows = missing_rows(found, seed=seed, today=today)
    head = next(rows, None)
    if head is None:
        return None
    result = ingest.import_readings(
        csvfile.ChunkReader(export.csv_chunks(itertools.chain([head], rows))),
        source=f"demo readings (seed {seed})",
        channel=ImportBatch.Channel.COMMAND,
        unit=None,
        today=today,
        now=now,
    )
    if result.batch.rows_rejected:
        raise DemoReadingsRejected(
            f"{result.batch.rows_rejected} demo readings were rejected: "
            + "; ".join(f"line {r.line} {r.reason} {r.content}" for r in result.rejections[:5])
        )
    return result.batch
