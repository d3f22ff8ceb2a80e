"""The bill engine: from the kWh of a reading period and the tariffs in force to the
lines of an electricity invoice.

Pure Python, no Django: bill runs call it once per customer and period, the calculator
once per request. The rules are those of ../shared/domain/tariffs.md:

- Every day of the period [start, end) is priced with the tariff, VAT rate, household
  count and tenant rule in force on that day. Where any of them changes inside the
  period, the period splits into segments at the change dates.
- A segment of N days gets round(S × N / T) of the period's S kWh (cumulatively, so the
  parts always add up to S) unless the meter was read on the change date, and tier widths
  of round(width × h × N / D): D is T for a regular monthly cycle, so the widths of a
  month without changes are the standard ones (see `tier_divisor` for other periods).
- Tiers fill in order; the last one is open. A line's amount is kWh × price; VAT is the
  rate times the subtotal of the days it applies to; rounding is half-up to whole VND.

Money is integer VND, energy whole kWh, rates and household counts exact fractions.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise
from typing import Generic, TypeVar

# Time-of-use bands, in the order bills print them.
NORMAL, PEAK, OFFPEAK = "NORMAL", "PEAK", "OFFPEAK"
BANDS = (NORMAL, PEAK, OFFPEAK)

STANDARD_MONTH_DAYS = 30  # the divisor of `tier_divisor` for irregular periods

_ONE = Fraction(1)
_ONE_DAY = timedelta(days=1)
_NOTHING = object()
_USAGE_KEYS = frozenset({None, *BANDS})  # `None`: the kWh of a total, not of a band

T = TypeVar("T")


class EngineError(ValueError):
    """The inputs cannot make a bill; the caller says why in the user's language."""


class NoTariff(EngineError):
    """Nothing of `kind` ("prices", "vat", "tenant_rule") is in force on `day`."""

    def __init__(self, kind: str, day: date):
        self.kind, self.day = kind, day
        super().__init__(f"no {kind} in force on {day.isoformat()}")


class NoPrice(EngineError):
    """The tariff in force on `day` has no price for time-of-use band `band`."""

    def __init__(self, band: str, day: date):
        self.band, self.day = band, day
        super().__init__(f"no {band} price in force on {day.isoformat()}")


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class Tier:
    """A residential tier: kWh up to `up_to` for one household in a standard month
    (None: the open last tier), at `price` VND/kWh."""

    up_to: int | None
    price: int


@dataclass(frozen=True, slots=True)
class Schedule:
    """The prices of one customer group and voltage level under one tariff version.

    Tiered (residential): `tiers`. Time-of-use: `bands` maps NORMAL, PEAK, OFFPEAK to
    prices. One price for every kWh: a single open tier."""

    name: str  # the decision that set it, e.g. "1279/QĐ-BCT"
    tiers: tuple[Tier, ...] = ()
    bands: Mapping[str, int] | None = None

    def __post_init__(self):
        if bool(self.tiers) == bool(self.bands):
            raise ValueError("a schedule has tiers or time-of-use bands, not both")
        if self.tiers and self.tiers[-1].up_to is not None:
            raise ValueError("the last tier is open-ended")
        limits = [tier.up_to for tier in self.tiers[:-1]]
        if any(limit is None for limit in limits) or limits != sorted(set(limits)):
            raise ValueError("tier limits must increase")


@dataclass(frozen=True, slots=True)
class TenantRule:
    """Short leases (< 12 months): `people_per_household` declared people count as one
    household; with no headcount declared every kWh is at the price of tier
    `undeclared_tier` (1-based)."""

    people_per_household: int
    undeclared_tier: int


@dataclass(frozen=True, slots=True)
class Dated(Generic[T]):
    """A value in force on the days [start, end); `end` None: until further notice."""

    start: date
    end: date | None
    value: T

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True, slots=True)
class Tenant:
    """A tenant on a lease under 12 months; `people` None when no headcount is declared."""

    people: int | None = None


# ---------------------------------------------------------------- outputs


@dataclass(frozen=True, slots=True)
class Segment:
    """Days [start, end) of the period under one set of prices, VAT and households."""

    start: date
    end: date
    days: int
    tariff: str
    kwh: int
    households: Fraction
    vat_rate: Fraction
    tier_widths: tuple[int, ...]  # prorated widths of the tiers before the open one
    flat_tier: int | None  # a tenant without headcount: every kWh at this tier's price
    measured: bool  # the kWh before `end` come from a reading on that day


@dataclass(frozen=True, slots=True)
class Line:
    """One priced line: a tier (1-based `tier`, standard bounds `lower`–`upper`) or a
    time-of-use `band` of one segment."""

    segment: int
    kwh: int
    price: int
    amount: int
    tier: int | None = None
    lower: int | None = None
    upper: int | None = None
    band: str | None = None


@dataclass(frozen=True, slots=True)
class VatPart:
    rate: Fraction
    base: int
    amount: int


@dataclass(frozen=True, slots=True)
class Bill:
    start: date
    end: date
    days: int  # T
    divisor: int  # D of the tier widths: T for a regular monthly cycle
    regular: bool
    kwh: int
    segments: tuple[Segment, ...]
    lines: tuple[Line, ...]
    subtotal: int
    vat: tuple[VatPart, ...]
    vat_amount: int
    total: int

    @property
    def vat_rate(self) -> Fraction | None:
        """The VAT rate when one rate applies to the whole period."""
        rates = {part.rate for part in self.vat}
        return rates.pop() if len(rates) == 1 else None


# ---------------------------------------------------------------- rules


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-up to an integer (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def register_kwh(*, old: int, new: int, multiplier: int = 1, digits: int | None = None) -> int:
    """kWh of one register: (new − old) × multiplier, past the register's maximum when
    the index rolled over (99,850 → 00,120 on 5 digits is 270 × multiplier)."""
    if min(old, new) < 0 or multiplier < 1:
        raise ValueError("indexes are non-negative and the multiplier at least 1")
    if new >= old:
        return (new - old) * multiplier
    if digits is None or max(old, new) >= 10**digits:
        raise ValueError("the index went backwards and the register size is unknown")
    return (10**digits - old + new) * multiplier


def is_regular_month(start: date, end: date) -> bool:
    """Read on the same reading day d (1–31) of two consecutive months, a month's
    reading falling on its last day when the month is shorter than d: 15/3 → 15/4,
    31/1 → 28/2 → 31/3, 28/2 → 29/3 (d = 29), 30/4 → 31/5 (d = 31)."""
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    if (end.year, end.month) != (year, month):
        return False
    start_last = calendar.monthrange(start.year, start.month)[1]
    end_last = calendar.monthrange(year, month)[1]
    if start.day < start_last:  # d is start's day
        return end.day == min(start.day, end_last)
    return min(start_last, end_last) <= end.day <= end_last  # d is start's day or more


def tier_divisor(start: date, end: date) -> int:
    """The irregular-period policy: the D in tier width × days / D.

    A regular monthly cycle keeps the standard widths (D = T, the period's own days).
    Any other period — a moved reading day, a first or last bill — scales the widths by
    its days over a standard 30-day month, as EVN's method describes; EVN does not
    publish the exact divisor [unverified], so it is this one named rule, printed on
    the bill."""
    days = (end - start).days
    return days if is_regular_month(start, end) else STANDARD_MONTH_DAYS


def households_of(tenant: Tenant, rule: TenantRule) -> Fraction | None:
    """The household count of a short-lease tenant (None: no headcount declared)."""
    if tenant.people is None:
        return None
    return Fraction(tenant.people, rule.people_per_household)


# ---------------------------------------------------------------- the bill


def _in_force(timeline: Sequence[Dated[T]], day: date, kind: str) -> T:
    for dated in timeline:
        if dated.covers(day):
            return dated.value
    raise NoTariff(kind, day)


def _breaks(start: date, end: date, *timelines: Sequence[Dated]) -> list[date]:
    """The period's ends and the days inside it on which a value in force changes (a
    version that only re-dates the same value, such as VAT 8 % under a new resolution,
    does not split the period)."""
    days = {start, end}
    for timeline in timelines:
        for dated in timeline:
            for day in (dated.start, dated.end):
                if day is not None and start < day < end and _changes(timeline, day):
                    days.add(day)
    return sorted(days)


def _changes(timeline: Sequence[Dated], day: date) -> bool:
    before = next((d.value for d in timeline if d.covers(day - _ONE_DAY)), _NOTHING)
    after = next((d.value for d in timeline if d.covers(day)), _NOTHING)
    return before is _NOTHING or after is _NOTHING or before != after


def _cumulative(breaks: list[date], total: int, measured: Mapping[date, int]) -> list[int]:
    """kWh used from the period's start to each break: read where the meter was read
    on that day, else spread by days between the nearest known points."""
    if not measured:  # the only known points are the period's ends
        start, days = breaks[0], (breaks[-1] - breaks[0]).days
        return [round_half_up(total * (day - start).days, days) for day in breaks]
    ends = {breaks[0]: 0, breaks[-1]: total}
    points = [  # (index of a break, kWh used by then): the ends and the readings
        (index, measured.get(day, ends.get(day)))
        for index, day in enumerate(breaks)
        if day in measured or day in ends
    ]
    if any(b[1] < a[1] for a, b in pairwise(points)) or points[-1][1] != total:
        raise EngineError("the readings inside the period go backwards or exceed its kWh")
    result = []
    for (a, a_kwh), (b, b_kwh) in pairwise(points):
        a_day, span = breaks[a], (breaks[b] - breaks[a]).days
        result.extend(
            a_kwh + round_half_up((b_kwh - a_kwh) * (day - a_day).days, span) for day in breaks[a:b]
        )
    result.append(total)
    return result


def _split(
    breaks: list[date], usage: dict[str | None, int], measured: Mapping[date, int]
) -> list[dict[str | None, int]]:
    """The kWh of each band (None: of a total) in each segment between two breaks."""
    if len(breaks) == 2 and not measured:  # one segment: all of them
        return [usage]
    cumulative = {
        band: _cumulative(breaks, value, measured if band is None else {})
        for band, value in usage.items()
    }
    return [
        {band: steps[index + 1] - steps[index] for band, steps in cumulative.items()}
        for index in range(len(breaks) - 1)
    ]


def _widths(schedule: Schedule, households: Fraction, days: int, divisor: int) -> tuple[int, ...]:
    scale, per = households.numerator * days, households.denominator * divisor
    widths, lower = [], 0
    for tier in schedule.tiers[:-1]:
        widths.append(round_half_up((tier.up_to - lower) * scale, per))
        lower = tier.up_to
    return tuple(widths)


def _tier_lines(index: int, segment: Segment, schedule: Schedule) -> list[Line]:
    if segment.flat_tier is not None:
        if segment.flat_tier > len(schedule.tiers):
            raise EngineError("the tenant rule names a tier the prices do not have")
        price = schedule.tiers[segment.flat_tier - 1].price
        return [Line(index, segment.kwh, price, segment.kwh * price, tier=segment.flat_tier)]
    if len(schedule.tiers) == 1:  # one price for every kWh: a line without a tier
        price = schedule.tiers[0].price
        return [Line(index, segment.kwh, price, segment.kwh * price)] if segment.kwh else []
    lines, left, lower = [], segment.kwh, 0
    for number, tier in enumerate(schedule.tiers, start=1):
        if left <= 0:
            break
        width = segment.tier_widths[number - 1] if tier.up_to is not None else None
        used = left if width is None else min(left, width)
        if used:
            lines.append(
                Line(index, used, tier.price, used * tier.price, number, lower, tier.up_to)
            )
        left -= used
        lower = tier.up_to
    return lines


def _band_lines(
    index: int, parts: Mapping[str | None, int], schedule: Schedule, day: date
) -> list[Line]:
    lines = []
    for band, used in parts.items():
        band = band or NORMAL
        if used:
            price = _band_price(schedule, band, day)
            lines.append(Line(index, used, price, used * price, band=band))
    return lines


def _band_price(schedule: Schedule, band: str, day: date) -> int:
    if schedule.bands is None:
        return schedule.tiers[0].price  # one price for every kWh
    try:
        return schedule.bands[band]
    except KeyError:
        raise NoPrice(band, day) from None


def compute_bill(
    *,
    start: date,
    end: date,
    schedules: Sequence[Dated[Schedule]],
    vat_rates: Sequence[Dated[Fraction]],
    kwh: int | None = None,
    registers: Mapping[str, int] | None = None,
    households: Sequence[Dated[Fraction]] = (),
    tenant: Tenant | None = None,
    tenant_rules: Sequence[Dated[TenantRule]] = (),
    measured: Mapping[date, int] | None = None,
) -> Bill:
    """The bill of the reading period [start, end) for `kwh` (tiered or one-price
    schedules; time-of-use schedules price it all at the NORMAL price, as for customers
    below the time-of-use threshold) or for `registers` (kWh per time-of-use band).

    `households` (default: one household) and `tenant` apply to tiered schedules;
    `measured` maps a change date on which the meter was read to the kWh used from
    `start` to that day (other days are not break points and are not used)."""
    if end <= start:
        raise EngineError("the period ends before it starts")
    if (kwh is None) == (registers is None):
        raise EngineError("give either kwh or registers")
    usage = {None: kwh} if registers is None else dict(registers)
    if min(usage.values(), default=0) < 0 or not usage.keys() <= _USAGE_KEYS:
        raise EngineError("kWh are non-negative, per known band")
    total_kwh = sum(usage.values())
    if registers is not None and measured:
        raise EngineError("a reading inside the period splits a total, not registers")
    if tenant is not None and tenant.people is not None and tenant.people < 1:
        raise EngineError("a declared headcount is at least one person")
    if any(dated.value <= 0 for dated in households):
        raise EngineError("a meter is shared by at least one household")

    breaks = _breaks(start, end, schedules, vat_rates, households, tenant_rules)
    period_days = (end - start).days
    divisor = tier_divisor(start, end)
    inside = {day: used for day, used in (measured or {}).items() if day in breaks[1:-1]}
    split = _split(breaks, usage, inside)
    segments: list[Segment] = []
    lines: list[Line] = []
    vat: dict[Fraction, int] = {}  # the subtotal of the lines at each VAT rate
    for index, (first, after) in enumerate(pairwise(breaks)):
        schedule = _in_force(schedules, first, "prices")
        vat_rate = _in_force(vat_rates, first, "vat")
        count = _in_force(households, first, "households") if households else _ONE
        flat_tier = None
        if tenant is not None:
            rule = _in_force(tenant_rules, first, "tenant_rule")
            count = households_of(tenant, rule)
            flat_tier = rule.undeclared_tier if count is None else None
            count = count or _ONE
        days = (after - first).days
        parts = split[index]
        segment = Segment(
            start=first,
            end=after,
            days=days,
            tariff=schedule.name,
            kwh=sum(parts.values()),
            households=count,
            vat_rate=vat_rate,
            tier_widths=_widths(schedule, count, days, divisor) if schedule.bands is None else (),
            flat_tier=flat_tier if schedule.bands is None else None,
            measured=after in inside,
        )
        segments.append(segment)
        if registers is None and schedule.bands is None:
            priced = _tier_lines(index, segment, schedule)
        elif len(schedule.tiers) > 1:
            raise EngineError("tiered prices apply to a total, not to registers")
        else:
            priced = _band_lines(index, parts, schedule, first)
        if priced:
            lines.extend(priced)
            vat[vat_rate] = vat.get(vat_rate, 0) + sum(line.amount for line in priced)

    vat_parts = tuple(
        VatPart(rate, base, round_half_up(base * rate.numerator, rate.denominator))
        for rate, base in vat.items()
    )
    subtotal = sum(vat.values())
    vat_amount = sum(part.amount for part in vat_parts)
    return Bill(
        start=start,
        end=end,
        days=period_days,
        divisor=divisor,
        regular=is_regular_month(start, end),
        kwh=total_kwh,
        segments=tuple(segments),
        lines=tuple(lines),
        subtotal=subtotal,
        vat=vat_parts,
        vat_amount=vat_amount,
        total=subtotal + vat_amount,
    )


MAX_KWH = 10**9  # what reverse mode searches up to


def kwh_for_amount(*, amount: int, **inputs) -> Bill:
    """Reverse mode: the bill of the most whole kWh whose total (VAT included) is at
    most `amount` VND; the other inputs as for `compute_bill` (with `kwh`)."""
    if amount < 0:
        raise EngineError("the amount is negative")
    low, high = 0, 1
    while compute_bill(kwh=high, **inputs).total <= amount:
        low, high = high, high * 2
        if high > MAX_KWH:
            raise EngineError("the amount buys more than the calculator counts")
    while high - low > 1:  # total(low) <= amount < total(high): totals never decrease
        middle = (low + high) // 2
        if compute_bill(kwh=middle, **inputs).total <= amount:
            low = middle
        else:
            high = middle
    return compute_bill(kwh=low, **inputs)
