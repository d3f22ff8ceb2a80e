"""What a customer sees of its meter data: consumption by day, month and year, the
comparisons (previous period, same period last year), the running totals (lũy kế),
the meter-index table and the rows of a download.

A customer's consumption is the sum over all its meters (a replacement leaves two)
and all their registers. Day views read `Reading` by meter and by runs of consecutive
days, one range of the (meter_id, reading_date) index each (partitions.py): on
PostgreSQL an index-only scan of the partitions the run covers, a meter's month on a
leaf page or two. Month and year views read only `MonthlyUsage`.

The functions never read the clock: `today` comes from the caller. Energy is integer
Wh inside and Decimal kWh (or its text) outside.
"""

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import DateTimeField, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from cskh.accounts.models import ApiToken, token_digest
from cskh.core.errors import InvalidInput
from cskh.customers.models import Customer, Meter
from cskh.metering import export
from cskh.metering.models import (
    REGISTERS_OF,
    MonthlyUsage,
    MultiplierPeriod,
    Quality,
    Reading,
    Register,
    kwh,
)

DAY, MONTH, YEAR = "day", "month", "year"
GRANULARITIES = (DAY, MONTH, YEAR)
MAX_DAYS = 366
MAX_MONTHS = 120
MAX_YEARS = 50
DEFAULT_DAYS = 30
DEFAULT_MONTHS = 12
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
REGISTER_ORDER = {register: n for n, register in enumerate(Register.values)}


# ---------------------------------------------------------------- text of numbers


def kwh_text(wh: int | None) -> str | None:
    """Wh → the kWh decimal string of the API, normalised: 12500 → "12.5", 0 → "0"."""
    value = kwh(wh)
    return None if value is None else format(value.normalize(), "f")


def percent_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


# ---------------------------------------------------------------- calendar


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, count: int) -> date:
    """The same day `count` months later (or earlier), kept inside the month: 31/03 − 1
    month is 28/02 (29/02 in a leap year)."""
    index = day.year * 12 + day.month - 1 + count
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def months_between(first: date, last: date) -> list[date]:
    """First days of the months from `first`'s to `last`'s, both included."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days, (first, last) each: [1, 2, 3, 7] → [(1, 3),
    (7, 7)]."""
    found: list[tuple[date, date]] = []
    for day in days:
        if found and found[-1][1] == day - timedelta(days=1):
            found[-1] = (found[-1][0], day)
        else:
            found.append((day, day))
    return found


# ---------------------------------------------------------------- what was asked


class InvalidPeriod(InvalidInput):
    code = "invalid_period"


def _invalid(name: str, message) -> InvalidPeriod:
    return InvalidPeriod(message, fields={name: [str(message)]})


@dataclass(frozen=True)
class Selection:
    """A granularity and an optional first and last local day (both included)."""

    granularity: str = DAY
    first: date | None = None
    last: date | None = None

    def key(self) -> str:
        """The normalised form, for cache keys and ETags."""
        return f"{self.granularity}:{self.first or ''}:{self.last or ''}"


def _parse_day(name: str, text: str | None) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        day = None
    if day is None or len(text.strip()) != 10:
        raise _invalid(name, _("Enter the date as YYYY-MM-DD, for example 2026-11-23."))
    if not EARLIEST <= day <= LATEST:
        raise _invalid(name, _("Enter a date from 2000-01-01 to 2099-12-31."))
    return day


def selection(
    *, granularity: str | None = None, first: str | None = None, last: str | None = None
) -> Selection:
    """Parse the query of a request (`granularity`, `from`, `to`); raise InvalidPeriod
    with a message for the field at fault."""
    granularity = (granularity or DAY).strip().lower()
    if granularity not in GRANULARITIES:
        raise _invalid("granularity", _("Choose the granularity day, month or year."))
    chosen = Selection(granularity, _parse_day("from", first), _parse_day("to", last))
    if chosen.first and chosen.last:
        _check_span(chosen.granularity, chosen.first, chosen.last)
    return chosen


def _check_span(granularity: str, first: date, last: date) -> None:
    if first > last:
        raise _invalid("to", _("The end date comes before the start date."))
    if granularity == DAY and (last - first).days + 1 > MAX_DAYS:
        raise _invalid("to", _("Choose at most %(n)d days at a time.") % {"n": MAX_DAYS})
    if granularity == MONTH and len(months_between(first, last)) > MAX_MONTHS:
        raise _invalid("to", _("Choose at most %(n)d months at a time.") % {"n": MAX_MONTHS})
    if granularity == YEAR and last.year - first.year + 1 > MAX_YEARS:
        raise _invalid("to", _("Choose at most %(n)d years at a time.") % {"n": MAX_YEARS})


# ---------------------------------------------------------------- who may see what


@dataclass(frozen=True)
class Caller:
    """Who asks through the API, behind a live access token: its account's language, the
    customer of the asked code if that account has linked it (None otherwise), and the
    customer's data version (the newest import batch that could touch it, 0 before
    any)."""

    language: str
    customer: Customer | None
    version: int


# Rows read with a plain cursor get no converters (SQLite gives datetimes as text):
# those fields stay deferred and load on first use.
_CUSTOMER_FIELDS = [f for f in Customer._meta.concrete_fields if not isinstance(f, DateTimeField)]
_CUSTOMER_NAMES = [field.attname for field in _CUSTOMER_FIELDS]
# The batches that could touch the customer (EVN-wide, or sent by its unit or one above
# it) commit in id order (ingest.py): the newest names what it can see.
_CALLER_SQL = f"""
SELECT u.language, {", ".join(f"c.{field.column}" for field in _CUSTOMER_FIELDS)},
    (SELECT b.id FROM metering_importbatch b LEFT JOIN customers_unit bu ON bu.id = b.unit_id
     WHERE b.unit_id IS NULL OR substr(cu.path, 1, length(bu.path)) = bu.path
     ORDER BY b.id DESC LIMIT 1)
FROM accounts_apitoken t
JOIN accounts_user u ON u.id = t.user_id
LEFT JOIN customers_customer c ON c.code = %s AND EXISTS (
    SELECT 1 FROM customers_customerlink l WHERE l.account_id = u.id AND l.customer_id = c.id)
LEFT JOIN customers_unit cu ON cu.id = c.unit_id
WHERE t.digest = %s AND {ApiToken.LIVE_SQL}
"""  # noqa: S608 - column names from the models, values as parameters


def caller(*, token: str, code: str, now: datetime) -> Caller | None:
    """One statement, enough to answer 401 (None: no live access token), 404 (no
    customer: the code is not linked to the account, or does not exist) or 304."""
    params = [
        code.strip().upper(),
        token_digest(token),
        ApiToken.Kind.ACCESS.value,
        connection.ops.adapt_datetimefield_value(now),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_CALLER_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    language, *values, version = row
    customer = None
    if values[0] is not None:
        customer = Customer.from_db(connection.alias, _CUSTOMER_NAMES, values)
    return Caller(language, customer, version or 0)


# ---------------------------------------------------------------- usage arithmetic


@dataclass
class Usage:
    """Energy over some days: total, per register, days with a reading, estimated days."""

    wh: int = 0
    registers: dict[str, int] = field(default_factory=dict)
    days: int = 0
    estimated_days: int = 0

    @property
    def has_data(self) -> bool:
        return self.days > 0

    @property
    def kwh(self) -> Decimal | None:
        return kwh(self.wh) if self.has_data else None

    @property
    def estimated(self) -> bool:
        return self.estimated_days > 0

    def add(self, other: "Usage") -> "Usage":
        self.wh += other.wh
        for register, wh in other.registers.items():
            self.registers[register] = self.registers.get(register, 0) + wh
        self.days += other.days
        self.estimated_days += other.estimated_days
        return self

    def ordered_registers(self) -> list[tuple[str, int]]:
        return sorted(self.registers.items(), key=lambda item: REGISTER_ORDER.get(item[0], 99))


def total(usages: Iterable[Usage]) -> Usage:
    result = Usage()
    for usage in usages:
        result.add(usage)
    return result


@dataclass
class Comparison:
    """The period's usage against a base period's (previous period, same period last
    year). The change is None when either side has no data; the percentage also when
    the base is 0."""

    first: date
    last: date
    current: Usage
    base: Usage

    @property
    def change_wh(self) -> int | None:
        if not (self.current.has_data and self.base.has_data):
            return None
        return self.current.wh - self.base.wh

    @property
    def change_kwh(self) -> Decimal | None:
        return kwh(self.change_wh)

    @property
    def direction(self) -> str | None:
        """Whether it went "up", "down", stayed the "same", or None (nothing to compare)."""
        change = self.change_wh
        if change is None:
            return None
        return "up" if change > 0 else "down" if change < 0 else "same"

    @property
    def size_kwh(self) -> Decimal | None:
        change = self.change_wh
        return None if change is None else kwh(abs(change))

    @property
    def size_percent(self) -> Decimal | None:
        percent = self.change_percent
        return None if percent is None else abs(percent)

    @property
    def change_percent(self) -> Decimal | None:
        change = self.change_wh
        if change is None or self.base.wh == 0:
            return None
        return (Decimal(change * 100) / Decimal(self.base.wh)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


# ---------------------------------------------------------------- the data of one customer


@dataclass(frozen=True)
class DayRow:
    meter_id: int
    register: str
    index_wh: int
    wh: int
    quality: str


class Store:
    """The meter data of one customer, loaded in as few queries as a view needs:
    `of()` reads its meters (with the last day of data), `load_days()` the readings of
    a list of days, `load_months()` every monthly rollup."""

    def __init__(self, customer: Customer, meters: list[Meter]):
        self.customer = customer
        self.meters = meters
        self.meter_by_id = {meter.pk: meter for meter in meters}
        until = [meter.data_until for meter in meters if getattr(meter, "data_until", None)]
        self.data_until: date | None = max(until) if until else None
        self._days: dict[date, list[DayRow]] = {}
        self._loaded_days: set[date] = set()
        self._months: dict[date, list[MonthlyUsage]] | None = None
        self._multipliers: dict[int, list[MultiplierPeriod]] | None = None

    @classmethod
    def of(cls, customer: Customer) -> "Store":
        """One query: every meter the customer ever had, each with its last day of data
        (the newest rollup of the meter, found by walking its key backwards)."""
        newest = MonthlyUsage.objects.filter(meter_id=OuterRef("pk")).order_by(
            "-month", "-last_date"
        )
        meters = list(
            Meter.objects.filter(customer=customer)
            .annotate(data_until=Subquery(newest.values("last_date")[:1]))
            .order_by("installed_date", "id")
        )
        return cls(customer, meters)

    @property
    def meter_ids(self) -> list[int]:
        return [meter.pk for meter in self.meters]

    # loading

    def load_days(self, days: Iterable[date]) -> None:
        """Read the readings of these days (those not read yet) in one query."""
        wanted = sorted(set(days) - self._loaded_days)
        self._loaded_days.update(wanted)
        if not wanted or not self.meters:
            return
        columns = ("reading_date", "meter_id", "register", "index_wh", "wh", "quality")
        ranges = [
            Reading.objects.filter(
                meter_id__in=self.meter_ids, reading_date__gte=first, reading_date__lte=last
            ).values_list(*columns)
            for first, last in runs(wanted)
        ]
        rows = ranges[0].union(*ranges[1:], all=True) if len(ranges) > 1 else ranges[0]
        for day, meter_id, register, index_wh, wh, quality in rows:
            self._days.setdefault(day, []).append(DayRow(meter_id, register, index_wh, wh, quality))

    def load_months(self) -> None:
        """Read every monthly rollup of the customer's meters in one query (a few
        dozen rows a year)."""
        if self._months is not None:
            return
        self._months = defaultdict(list)
        if not self.meters:
            return
        for row in MonthlyUsage.objects.filter(meter_id__in=self.meter_ids):
            self._months[row.month].append(row)

    def multiplier_on(self, meter: Meter, day: date) -> int:
        """The multiplier (HSN) in force on a day: its period if one covers the day,
        else the meter's own. The periods of every meter are read once."""
        if self._multipliers is None:
            self._multipliers = defaultdict(list)
            for period in MultiplierPeriod.objects.filter(meter_id__in=self.meter_ids).order_by(
                "meter_id", "valid_from"
            ):
                self._multipliers[period.meter_id].append(period)
        for period in self._multipliers.get(meter.pk, []):
            if period.valid_from <= day and (
                period.valid_until is None or day < period.valid_until
            ):
                return period.multiplier
        return meter.multiplier

    # reading

    def rows_of(self, day: date) -> list[DayRow]:
        if day not in self._loaded_days:
            raise LookupError(f"{day} was not loaded")
        return self._days.get(day, [])

    def day(self, day: date) -> Usage:
        rows = self.rows_of(day)
        usage = Usage(days=1 if rows else 0)
        for row in rows:
            usage.wh += row.wh
            usage.registers[row.register] = usage.registers.get(row.register, 0) + row.wh
            if row.quality == Quality.ESTIMATED:
                usage.estimated_days = 1
        return usage

    def days(self, first: date, last: date) -> Usage:
        return total(self.day(day) for day in days_between(first, last))

    def month(self, month: date) -> Usage:
        """A month from the rollups. Days are counted per meter (the most of its
        registers), so the two meters of a replacement month add up."""
        if self._months is None:
            raise LookupError("months were not loaded")
        usage = Usage()
        days: dict[int, int] = defaultdict(int)
        estimated: dict[int, int] = defaultdict(int)
        for row in self._months.get(month, []):
            usage.wh += row.wh
            usage.registers[row.register] = usage.registers.get(row.register, 0) + row.wh
            days[row.meter_id] = max(days[row.meter_id], row.days)
            estimated[row.meter_id] = max(estimated[row.meter_id], row.estimated_days)
        length = month_end(month).day
        usage.days = min(sum(days.values()), length)
        usage.estimated_days = min(sum(estimated.values()), length)
        return usage

    def months(self, first: date, last: date) -> Usage:
        return total(self.month(month) for month in months_between(first, last))

    def year(self, year: int) -> Usage:
        return self.months(date(year, 1, 1), date(year, 12, 1))

    def first_month(self) -> date | None:
        if self._months is None:
            raise LookupError("months were not loaded")
        return min(self._months) if self._months else None


# ---------------------------------------------------------------- consumption over a window


@dataclass(frozen=True)
class Window:
    """A resolved selection: its granularity, first and last day, and the last day that
    can have data (`until`, the end of the comparisons)."""

    granularity: str
    first: date
    last: date
    until: date

    def starts(self) -> list[date]:
        if self.granularity == DAY:
            return days_between(self.first, self.last)
        if self.granularity == MONTH:
            return months_between(self.first, self.last)
        return [date(year, 1, 1) for year in range(self.first.year, self.last.year + 1)]


def resolve(chosen: Selection, store: Store, *, today: date) -> Window:
    """Fill in the defaults — day: the last 30 days up to the last day of data; month:
    the last 12 months; year: every year with data — and check the span. Month and year
    granularity need `store.load_months()` first."""
    end = store.data_until or today - timedelta(days=1)
    granularity, first, last = chosen.granularity, chosen.first, chosen.last
    if last is None:
        last = max(end, first) if first else end
    if granularity == DAY:
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    elif granularity == MONTH:
        first = (first or add_months(last, 1 - DEFAULT_MONTHS)).replace(day=1)
        last = month_end(last)
    else:
        earliest = store.first_month()
        first = (first or (earliest if earliest and earliest <= last else last)).replace(
            month=1, day=1
        )
        last = last.replace(month=12, day=31)
    _check_span(granularity, first, last)
    until = min(last, end) if end >= first else last
    return Window(granularity, first, last, until)


def previous_window(first: date, last: date) -> tuple[date, date]:
    """The period a day-granular one is compared with: a period starting on the 1st is
    compared with the same days of the months just before it (1–23/11 with 1–23/10,
    a whole quarter with the quarter before); any other with as many days just before."""
    if first.day == 1:
        count = len(months_between(first, last))
        return add_months(first, -count), min(
            add_months(last, -count), month_end(add_months(last, -count))
        )
    length = (last - first).days + 1
    return first - timedelta(days=length), first - timedelta(days=1)


def year_before(first: date, last: date) -> tuple[date, date]:
    return add_months(first, -12), add_months(last, -12)


def window_days(window: Window) -> set[date]:
    """Every day a day-granular window reads: its own and its comparisons'."""
    days = set(days_between(window.first, window.last))
    for first, last in (
        previous_window(window.first, window.until),
        year_before(window.first, window.until),
    ):
        days.update(days_between(first, last))
    return days


@dataclass
class Point:
    start: date
    usage: Usage
    running_wh: int | None = None  # lũy kế: since the start of the month (days) or year


@dataclass
class Consumption:
    customer_code: str
    window: Window
    data_until: date | None
    series: list[Point]
    totals: Usage
    previous: Comparison
    last_year: Comparison

    @property
    def granularity(self) -> str:
        return self.window.granularity


def _usage_at(store: Store, granularity: str, start: date) -> Usage:
    if granularity == DAY:
        return store.day(start)
    if granularity == MONTH:
        return store.month(start)
    return store.year(start.year)


def _span_usage(store: Store, granularity: str, first: date, last: date) -> Usage:
    if granularity == DAY:
        return store.days(first, last)
    if granularity == MONTH:
        return store.months(first, last)
    return total(store.year(year) for year in range(first.year, last.year + 1))


def _compare_spans(granularity: str, first: date, until: date) -> dict[str, tuple[date, date]]:
    """The first and last day of the previous period and of the same period a year
    before, for the current period [first, until]. Months and years compare whole."""
    if granularity == DAY:
        return {"previous": previous_window(first, until), "last_year": year_before(first, until)}
    if granularity == MONTH:
        count = len(months_between(first, until))
        start = add_months(first, -count)
        return {
            "previous": (start, month_end(add_months(start, count - 1))),
            "last_year": (add_months(first, -12), month_end(add_months(until, -12))),
        }
    count = until.year - first.year + 1
    return {
        "previous": (date(first.year - count, 1, 1), date(until.year - count, 12, 31)),
        "last_year": (date(first.year - 1, 1, 1), date(until.year - 1, 12, 31)),
    }


def consumption(store: Store, window: Window) -> Consumption:
    """The series of the window with running totals, its totals up to the last day of
    data, and its comparisons. The store must hold what the window reads
    (`window_days` for days, `load_months` otherwise)."""
    granularity = window.granularity
    series, running, period = [], 0, None
    for start in window.starts():
        usage = _usage_at(store, granularity, start)
        reset = (start.year, start.month) if granularity == DAY else start.year
        if reset != period:
            running, period = 0, reset
        running += usage.wh
        point = Point(start, usage, running if granularity != YEAR and usage.has_data else None)
        series.append(point)
    current = _span_usage(store, granularity, window.first, window.until)
    spans = _compare_spans(granularity, window.first, window.until)
    comparisons = {
        name: Comparison(first, last, current, _span_usage(store, granularity, first, last))
        for name, (first, last) in spans.items()
    }
    return Consumption(
        customer_code=store.customer.code,
        window=window,
        data_until=store.data_until,
        series=series,
        totals=current,
        previous=comparisons["previous"],
        last_year=comparisons["last_year"],
    )


def consumption_of(*, customer: Customer, chosen: Selection, today: date) -> Consumption:
    """What the API shows: two queries (meters, then readings or rollups)."""
    store = Store.of(customer)
    if chosen.granularity != DAY:
        store.load_months()
    window = resolve(chosen, store, today=today)
    if window.granularity == DAY:
        store.load_days(window_days(window))
    return consumption(store, window)


# ---------------------------------------------------------------- the summary cards


@dataclass
class Summary:
    """The latest day, the month so far and the year so far (lũy kế), compared like for
    like: the same days of the previous month and of the same month a year before."""

    data_until: date | None
    latest_day: Usage | None = None
    previous_day: Comparison | None = None
    month_first: date | None = None
    month_to_date: Usage | None = None
    month_vs_previous: Comparison | None = None
    month_vs_last_year: Comparison | None = None
    year_first: date | None = None
    year_to_date: Usage | None = None
    year_vs_last_year: Comparison | None = None

    def is_yesterday(self, today: date) -> bool:
        return self.data_until == today - timedelta(days=1)


def summary_days(store: Store) -> set[date]:
    """The days the summary reads (needs `data_until`)."""
    end = store.data_until
    if end is None:
        return set()
    month = end.replace(day=1)
    days = {end, end - timedelta(days=1)}
    for first, last in ((month, end), previous_window(month, end), year_before(month, end)):
        days.update(days_between(first, last))
    return days


def summary(store: Store) -> Summary:
    """The cards; the store must hold `summary_days` and the months."""
    end = store.data_until
    if end is None:
        return Summary(data_until=None)
    latest = store.day(end)
    month = end.replace(day=1)
    month_to_date = store.days(month, end)
    year_first = month.replace(month=1)
    # This year: the rollups (the running month's is the month so far). A year before:
    # whole months before the running month, then the same days of that month.
    year_to_date = store.months(year_first, month)
    last_year_month_first, last_year_end = year_before(month, end)
    base = store.days(last_year_month_first, last_year_end)
    if month.month > 1:
        base = store.months(add_months(year_first, -12), add_months(month, -13)).add(base)
    return Summary(
        data_until=end,
        latest_day=latest,
        previous_day=Comparison(
            end - timedelta(days=1),
            end - timedelta(days=1),
            latest,
            store.day(end - timedelta(days=1)),
        ),
        month_first=month,
        month_to_date=month_to_date,
        month_vs_previous=Comparison(
            *previous_window(month, end), month_to_date, store.days(*previous_window(month, end))
        ),
        month_vs_last_year=Comparison(
            last_year_month_first,
            last_year_end,
            month_to_date,
            store.days(last_year_month_first, last_year_end),
        ),
        year_first=year_first,
        year_to_date=year_to_date,
        year_vs_last_year=Comparison(
            add_months(year_first, -12), last_year_end, year_to_date, base
        ),
    )


def summary_of(*, customer: Customer) -> Summary:
    """Three queries: meters, rollups, the readings of the compared days."""
    store = Store.of(customer)
    store.load_months()
    store.load_days(summary_days(store))
    return summary(store)


# ---------------------------------------------------------------- meter indexes and downloads


@dataclass(frozen=True)
class IndexRow:
    """One line of the meter-index table (chỉ số công tơ)."""

    reading_date: date
    meter_no: str
    register: str
    index_wh: int
    wh: int
    quality: str
    multiplier: int

    @property
    def index_kwh(self) -> Decimal:
        return kwh(self.index_wh)

    @property
    def kwh(self) -> Decimal:
        return kwh(self.wh)

    @property
    def estimated(self) -> bool:
        return self.quality == Quality.ESTIMATED

    def get_register_display(self) -> str:
        return Register(self.register).label

    def get_quality_display(self) -> str:
        return Quality(self.quality).label


def index_rows(
    store: Store, first: date, last: date, *, multipliers: bool = True
) -> list[IndexRow]:
    """The readings of the days (loaded in the store) by day, meter number, register,
    with the multiplier in force that day (one query for the multiplier periods;
    `multipliers=False` skips it and leaves the meter's own)."""
    rows = []
    for day in days_between(first, last):
        for row in store.rows_of(day):
            meter = store.meter_by_id[row.meter_id]
            rows.append(
                IndexRow(
                    reading_date=day,
                    meter_no=meter.number,
                    register=row.register,
                    index_wh=row.index_wh,
                    wh=row.wh,
                    quality=row.quality,
                    multiplier=store.multiplier_on(meter, day) if multipliers else meter.multiplier,
                )
            )
    rows.sort(key=lambda r: (r.reading_date, r.meter_no, REGISTER_ORDER.get(r.register, 99)))
    return rows


def readings_of(
    *, customer: Customer, chosen: Selection, today: date
) -> tuple[Store, Window, list[IndexRow]]:
    """The meter-index table of a day window (three queries: meters, readings,
    multiplier periods)."""
    store = Store.of(customer)
    window = resolve(Selection(DAY, chosen.first, chosen.last), store, today=today)
    store.load_days(days_between(window.first, window.last))
    return store, window, index_rows(store, window.first, window.last)


def export_rows(customer: Customer, first: date, last: date) -> list[dict]:
    """The rows of a download (metering.export): customer_code, meter_no, reading_date,
    register, index_wh, wh, quality (the stored letter), by day, meter number, register.
    Two queries (meters, readings); at most 366 days."""
    _check_span(DAY, first, last)
    store = Store.of(customer)
    store.load_days(days_between(first, last))
    return _export_rows(store, first, last)


def _export_rows(store: Store, first: date, last: date) -> list[dict]:
    return [
        {
            "customer_code": store.customer.code,
            "meter_no": row.meter_no,
            "reading_date": row.reading_date,
            "register": row.register,
            "index_wh": row.index_wh,
            "wh": row.wh,
            "quality": row.quality,
        }
        for row in index_rows(store, first, last, multipliers=False)
    ]


FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "espi": ("application/atom+xml; charset=utf-8", "xml"),
}


@dataclass(frozen=True)
class Download:
    content: bytes
    content_type: str
    filename: str


def check_format(fmt: str | None) -> str:
    fmt = (fmt or "csv").strip().lower()
    if fmt not in FORMATS:
        raise _invalid("format", _("Choose the format CSV or Green Button XML."))
    return fmt


def download(
    *, customer: Customer, chosen: Selection, fmt: str | None, today: date, now: datetime
) -> Download:
    """The daily readings of a day window as our CSV or a Green Button (ESPI) feed
    (metering.export writes them). Two queries."""
    fmt = check_format(fmt)
    store = Store.of(customer)
    window = resolve(Selection(DAY, chosen.first, chosen.last), store, today=today)
    store.load_days(days_between(window.first, window.last))
    rows = _export_rows(store, window.first, window.last)
    if fmt == "csv":
        content = export.csv_bytes(rows)
    else:
        content = export.espi_xml(
            customer_code=customer.code,
            rows=rows,
            generated_at=now,
            title=str(_("Electricity use of %(code)s") % {"code": customer.code}),
        )
    content_type, extension = FORMATS[fmt]
    name = f"{customer.code}_{window.first:%Y%m%d}_{window.last:%Y%m%d}.{extension}"
    return Download(content, content_type, name)


# ---------------------------------------------------------------- the web page


@dataclass
class Row:
    """A line of the page's table: a point and, for months and years, the same month a
    year before or the year before."""

    point: Point
    compared: Comparison | None = None


@dataclass
class Page:
    store: Store
    consumption: Consumption
    summary: Summary
    rows: list[Row]
    index_rows: list[IndexRow]
    registers: list[str]
    first_month: date | None

    @property
    def window(self) -> Window:
        return self.consumption.window


def page(*, customer: Customer, view: str, period: date | None, today: date) -> Page:
    """Everything the consumption page shows, in four queries: meters, rollups, the
    readings of every day shown or compared, the multiplier periods (day view).

    `view` day shows the days of the month of `period`, month the months of its year,
    year every year with data; without `period`, the month or year of the last day
    of data."""
    store = Store.of(customer)
    store.load_months()
    anchor = period or store.data_until or today - timedelta(days=1)
    if view == DAY:
        chosen = Selection(DAY, anchor.replace(day=1), month_end(anchor))
    elif view == MONTH:
        chosen = Selection(MONTH, anchor.replace(month=1, day=1), anchor.replace(month=12, day=31))
    else:
        chosen = Selection(YEAR)
    window = resolve(chosen, store, today=today)
    days = summary_days(store)
    if window.granularity == DAY:
        days |= window_days(window)
    store.load_days(days)
    result = consumption(store, window)
    rows = []
    for point in result.series:
        compared = None
        if window.granularity == MONTH:
            before = add_months(point.start, -12)
            compared = Comparison(before, month_end(before), point.usage, store.month(before))
        elif window.granularity == YEAR:
            year = point.start.year - 1
            compared = Comparison(
                date(year, 1, 1), date(year, 12, 31), point.usage, store.year(year)
            )
        rows.append(Row(point, compared))
    return Page(
        store=store,
        consumption=result,
        summary=summary(store),
        rows=rows,
        index_rows=index_rows(store, window.first, window.last)
        if window.granularity == DAY
        else [],
        registers=registers_of(store),
        first_month=store.first_month(),
    )


def registers_of(store: Store) -> list[str]:
    """The registers the customer's meters have had, in the usual order (KT, BT, CD, TD)."""
    found = {register for meter in store.meters for register in REGISTERS_OF[meter.registers]}
    return sorted(found, key=lambda register: REGISTER_ORDER[register])
