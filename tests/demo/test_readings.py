"""Two years of demo readings: the shape of the series (pure) and their loading through
the real import (database)."""

import itertools
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from statistics import mean

import pytest
from django.core.management import call_command

from cskh.customers.models import Customer, Meter
from cskh.demo import accounts, generator, readings
from cskh.metering import rollups
from cskh.metering.models import ImportBatch, MonthlyUsage, Reading, StartIndex

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
window = readings.window
FIRST, LAST = window(TODAY)
SEED = generator.SEED
R = readings.REPLACEMENT


def showcase_profile(code: str) -> readings.Profile:
    region, kind, daily = readings.SHOWCASE[code]
    return readings.Profile(code, region, kind, daily)


def kt_meter(number="M1", installed=date(2024, 3, 1), **fields) -> readings.MeterSpec:
    return readings.MeterSpec(number=number, registers=("KT",), installed=installed, **fields)


def replaced_meters() -> list[readings.MeterSpec]:
    """PM01000000001's meters as the demo stores them."""
    old = kt_meter(R.old, removed=R.on, digits=R.old_digits, rollover_on=R.rollover_on)
    new = kt_meter(R.new, installed=R.on, start_wh={"KT": R.new_start_wh})
    return readings.start_indexes(showcase_profile(R.code), [old, new], seed=SEED)


def rows_of(profile, meters, *, seed=SEED, first=FIRST, last=LAST) -> list[dict]:
    meters = readings.start_indexes(profile, meters, seed=seed)
    return list(readings.customer_rows(profile, meters, seed=seed, first=first, last=last))


def daily(rows) -> dict[date, int]:
    days = defaultdict(int)
    for row in rows:
        days[row["reading_date"]] += row["wh"]
    return days


def average(days: dict[date, int], first: date, last: date) -> float:
    return mean(wh for day, wh in days.items() if first <= day <= last)


def check_indexes(rows, meters: list[readings.MeterSpec]) -> int:
    """Every reading's kWh is its index advance since the meter's previous reading
    (or its start index) × the multiplier, with rollover; return how many rolled over."""
    by_number = {meter.number: meter for meter in meters}
    previous = {}
    rollovers = 0
    for row in sorted(rows, key=lambda r: (r["meter_no"], r["register"], r["reading_date"])):
        meter = by_number[row["meter_no"]]
        key = (row["meter_no"], row["register"])
        assert 0 <= row["index_wh"] < 10**meter.digits * 1000
        assert row["wh"] >= 0
        if key in previous:
            advance = row["index_wh"] - previous[key]
            if advance < 0:
                rollovers += 1
                advance += 10**meter.digits * 1000
            assert advance * meter.multiplier == row["wh"], row
        previous[key] = row["index_wh"]
    return rollovers


# ---------------------------------------------------------------- the series (pure)


def test_two_years_up_to_the_day_before_yesterday():
    assert window(TODAY) == (date(2024, 11, 23), date(2026, 11, 22))
    assert (LAST - FIRST).days + 1 == 730
    rows = rows_of(showcase_profile("PD01000000001"), [kt_meter("PD24000001")])
    days = sorted({row["reading_date"] for row in rows})
    assert days[0] == FIRST
    assert days[-1] == LAST
    assert len(days) == 730


def test_the_same_seed_gives_the_same_rows_and_another_seed_others():
    profile, meters = showcase_profile("PE01000000002"), [kt_meter("PE24000002")]
    first = rows_of(profile, meters)
    assert rows_of(profile, meters) == first
    other = rows_of(profile, meters, seed=1)
    assert [r["reading_date"] for r in other] == [r["reading_date"] for r in first]
    assert [r["wh"] for r in other] != [r["wh"] for r in first]


def test_a_later_window_continues_the_same_indexes():
    profile, meters = showcase_profile("PP01000000001"), [kt_meter("PP24000001")]
    now = {(r["reading_date"], r["register"]): r for r in rows_of(profile, meters)}
    later = rows_of(profile, meters, first=FIRST + timedelta(days=40), last=LAST + timedelta(40))
    for row in later[1:]:
        if (row["reading_date"], row["register"]) in now:
            assert now[(row["reading_date"], row["register"])] == row


def test_the_north_peaks_in_summer_and_the_south_is_flat():
    north = daily(rows_of(showcase_profile("PD01000000001"), [kt_meter("PD24000001")]))
    south = daily(rows_of(showcase_profile("PE01000000002"), [kt_meter("PE24000002")]))
    for days, low, high in ((north, 1.8, 2.6), (south, 0.8, 1.2)):
        spring = average(days, date(2026, 3, 1), date(2026, 4, 30))
        summer = average(days, date(2026, 6, 1), date(2026, 8, 31))
        assert low < summer / spring < high


def test_homes_use_a_little_more_at_weekends():
    days = daily(rows_of(showcase_profile("PE01000000002"), [kt_meter("PE24000002")]))
    weekend = mean(wh for day, wh in days.items() if day.weekday() >= 5)
    weekdays = mean(wh for day, wh in days.items() if day.weekday() < 5)
    assert 1.05 < weekend / weekdays < 1.25


@pytest.mark.parametrize("tet", [date(2025, 1, 29), date(2026, 2, 17)])
def test_tet_empties_city_homes_and_fills_the_parents_home(tet):
    city = daily(rows_of(showcase_profile("PD01000000001"), [kt_meter("PD24000001")]))
    parents = daily(
        readings.customer_rows(
            showcase_profile(R.code), replaced_meters(), seed=SEED, first=FIRST, last=LAST
        )
    )

    def ratio(days):
        holiday = average(days, tet - timedelta(days=3), tet + timedelta(days=5))
        around = mean(
            [
                average(days, tet - timedelta(days=17), tet - timedelta(days=4)),
                average(days, tet + timedelta(days=6), tet + timedelta(days=19)),
            ]
        )
        return holiday / around

    assert ratio(city) < 0.6
    assert ratio(parents) > 1.4


def test_time_of_use_registers_split_the_day():
    meter = readings.MeterSpec(
        number="T1", registers=readings.TOU, installed=date(2020, 5, 1), multiplier=40
    )
    profile = readings.Profile("PD01000000101", readings.NORTH, readings.BUSINESS, 60.0)
    rows = rows_of(profile, [meter])
    by_day = defaultdict(dict)
    for row in rows:
        by_day[row["reading_date"]][row["register"]] = row["wh"]
    assert all(set(registers) == {"BT", "CD", "TD"} for registers in by_day.values())
    for day, registers in by_day.items():
        expected = readings.expected_kwh(profile, day) * 1000
        assert 0.65 * expected < sum(registers.values()) < 1.4 * expected
        if day.weekday() == 6:
            assert registers["CD"] == 0  # no peak hours on Sundays
    totals = {r: sum(day[r] for day in by_day.values()) for r in ("BT", "CD", "TD")}
    everything = sum(totals.values())
    assert totals["BT"] / everything == pytest.approx(0.55 + 0.2 / 7, abs=0.03)
    assert totals["CD"] / everything == pytest.approx(0.20 * 6 / 7, abs=0.03)
    assert totals["TD"] / everything == pytest.approx(0.25, abs=0.03)
    assert check_indexes(rows, [meter]) == 0
    assert all(row["wh"] % 40 == 0 for row in rows)


def test_four_days_without_readings_and_the_next_one_carries_them():
    profile, meter = showcase_profile(readings.GAP_CODE), kt_meter("PE24000001")
    rows = rows_of(profile, [meter])
    days = {row["reading_date"]: row for row in rows}
    gap = [readings.GAP_FIRST + timedelta(days=n) for n in range(4)]
    assert not set(gap) & set(days)
    before, after = days[gap[0] - timedelta(days=1)], days[gap[-1] + timedelta(days=1)]
    assert after["wh"] == after["index_wh"] - before["index_wh"]
    assert after["wh"] > 3.5 * readings.expected_kwh(profile, after["reading_date"]) * 1000
    assert len(days) == 730 - 4
    check_indexes(rows, [meter])


def test_a_few_estimated_days():
    rows = rows_of(showcase_profile(readings.ESTIMATED_CODE), [kt_meter("PD24000001")])
    estimated = {row["reading_date"] for row in rows if row["quality"] == "E"}
    assert estimated == set(readings.ESTIMATED_DAYS)
    generated = readings.Profile("PE01000000150", readings.SOUTH, readings.HOME, 7.0, 0.01)
    estimated = [r for r in rows_of(generated, [kt_meter()]) if r["quality"] == "E"]
    assert 1 <= len(estimated) <= 20
    assert {r["quality"] for r in rows} <= {"A", "E"}


def test_the_replaced_meter_rolls_over_then_hands_over_to_the_new_one():
    meters = replaced_meters()
    old = meters[0]
    assert old.start_wh["KT"] > 90_000_000
    rows = list(
        readings.customer_rows(showcase_profile(R.code), meters, seed=SEED, first=FIRST, last=LAST)
    )
    old_rows = [r for r in rows if r["meter_no"] == R.old]
    new_rows = [r for r in rows if r["meter_no"] == R.new]
    assert old_rows[-1]["reading_date"] == new_rows[0]["reading_date"] == R.on
    assert new_rows[0]["wh"] == new_rows[0]["index_wh"] - R.new_start_wh
    assert new_rows[-1]["reading_date"] == LAST
    # the day of the replacement counts both meters, about one day of energy
    both = old_rows[-1]["wh"] + new_rows[0]["wh"]
    expected = readings.expected_kwh(showcase_profile(R.code), R.on) * 1000
    assert 0.65 * expected < both < 1.4 * expected
    assert check_indexes(rows, meters) == 1
    rolled = [b for a, b in itertools.pairwise(old_rows) if b["index_wh"] < a["index_wh"]]
    assert [r["reading_date"] for r in rolled] == [R.rollover_on]
    assert len({r["reading_date"] for r in rows}) == 730


def test_meters_installed_inside_the_window_start_then():
    meter = kt_meter("M9", installed=date(2025, 6, 10))
    rows = rows_of(readings.Profile("PE01000000777", readings.SOUTH, readings.HOME, 6.0), [meter])
    assert rows[0]["reading_date"] == date(2025, 6, 10)
    assert rows[0]["index_wh"] == rows[0]["wh"]  # from 0, no start index
    check_indexes(rows, [meter])


def test_the_season_is_continuous():
    for region in readings.SEASON:
        day = date(2025, 1, 1)
        previous = readings.season(region, day - timedelta(days=1))
        while day < date(2026, 1, 1):
            current = readings.season(region, day)
            assert abs(current - previous) < 0.05, (region, day)
            previous = current
            day += timedelta(days=1)


# ---------------------------------------------------------------- through the import


def demo_customers(generated=60):
    generator.ensure_units()
    accounts.ensure_showcase_customers()
    generator.generate_customers(count=generated)


def table_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Reading, MonthlyUsage, ImportBatch, StartIndex, Meter)
    }


@pytest.mark.django_db
def test_loading_goes_through_the_import_and_keeps_the_rollups_right():
    demo_customers()

    batch = readings.load_readings(customers=5, generated=60, seed=SEED, today=TODAY, now=NOW)

    assert batch.rows_rejected == 0
    assert batch.rows_new == batch.rows_total == Reading.objects.count()
    codes = set(
        Customer.objects.filter(
            meters__id__in=Reading.objects.values("meter_id").distinct()
        ).values_list("code", flat=True)
    )
    assert set(readings.SHOWCASE) <= codes
    assert {generator.customer_code(i, generator.ensure_units()) for i in range(5)} & codes
    assert Meter.objects.filter(
        registers=Meter.Registers.TOU, id__in=Reading.objects.values("meter_id")
    ).exists()
    meter_ids = list(Reading.objects.values_list("meter_id", flat=True).distinct())
    stored = sorted(
        MonthlyUsage.objects.filter(meter_id__in=meter_ids).values_list(
            "meter_id", "month", "register", "wh", "days", "estimated_days", "last_index_wh"
        )
    )
    computed = sorted(
        (m.meter_id, m.month, m.register, m.wh, m.days, m.estimated_days, m.last_index_wh)
        for m in rollups.computed(meter_ids)
    )
    assert stored == computed
    assert Reading.objects.filter(reading_date__gt=LAST).count() == 0


@pytest.mark.django_db
def test_the_meter_history_of_the_parents_home():
    demo_customers(generated=0)
    readings.load_readings(customers=0, seed=SEED, today=TODAY, now=NOW)

    old = Meter.objects.get(number=R.old)
    new = Meter.objects.get(number=R.new)
    assert old.customer == new.customer == Customer.objects.get(code=R.code)
    assert (old.removed_date, old.digits) == (R.on, 5)
    assert (new.installed_date, new.removed_date) == (R.on, None)
    assert StartIndex.objects.get(meter=new, register="KT").index_wh == R.new_start_wh
    assert StartIndex.objects.get(meter=old, register="KT").index_wh > 90_000_000
    old_last = Reading.objects.filter(meter_id=old.pk).order_by("-reading_date").first()
    assert old_last.reading_date == R.on
    assert Reading.objects.filter(meter_id=new.pk).order_by("reading_date").first().wh == (
        Reading.objects.get(meter_id=new.pk, reading_date=R.on).index_wh - R.new_start_wh
    )
    gap = readings.GAP_FIRST
    assert not Reading.objects.filter(
        meter_id=Meter.objects.get(number="PE24000001").pk,
        reading_date__range=(gap, gap + timedelta(days=3)),
    ).exists()


@pytest.mark.django_db
def test_a_second_load_changes_nothing_and_a_later_day_adds_only_new_days():
    demo_customers(generated=0)
    readings.load_readings(customers=0, seed=SEED, today=TODAY, now=NOW)
    counts = table_counts()
    rows = sorted(Reading.objects.values_list("meter_id", "reading_date", "register", "index_wh"))

    assert readings.load_readings(customers=0, seed=SEED, today=TODAY, now=NOW) is None

    assert table_counts() == counts
    later = readings.load_readings(
        customers=0, seed=SEED, today=TODAY + timedelta(days=3), now=NOW + timedelta(days=3)
    )
    meters = Meter.objects.filter(
        customer__code__in=list(readings.SHOWCASE), removed_date__isnull=True
    ).count()
    assert (later.rows_new, later.rows_rejected) == (3 * meters, 0)
    after = sorted(Reading.objects.values_list("meter_id", "reading_date", "register", "index_wh"))
    assert set(rows) <= set(after)


@pytest.mark.django_db
def test_load_demo_loads_the_readings_once():
    out = StringIO()
    call_command("load_demo", customers=20, stdout=out)
    assert "new daily readings" in out.getvalue()
    assert ImportBatch.objects.exclude(source__startswith="demo correction").count() == 1
    counts = table_counts()

    out = StringIO()
    call_command("load_demo", customers=20, stdout=out)

    assert "; 0 new daily readings" in out.getvalue()
    assert table_counts() == counts
