"""Consumption read paths against hand-computed figures.

The household: one single-rate meter (OLD) read at 9 kWh a day through November 2025,
8 kWh a day through October 2026 and 10 kWh a day on 1–9 November 2026 (the 5th
estimated); on 10 November 2026 it was replaced by NEW, read at 12 kWh a day up to
the 23rd — the last day of data. Today is 25 November 2026.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation

from cskh.core.errors import InvalidInput
from cskh.customers.models import Meter
from cskh.metering import queries
from cskh.metering.models import MonthlyUsage, MultiplierPeriod
from tests import factories
from tests.metering import data

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 25)
UNTIL = date(2026, 11, 23)


def household():
    customer = factories.customer(meter="OLD0001")
    old = data.meter_of(customer)
    new = data.replace_meter(old, on=date(2026, 11, 10), number="NEW0001")
    data.load(
        data.days(old, date(2025, 11, 1), (30, 9)),
        data.days(old, date(2026, 10, 1), (31, 8), index_kwh=2000),
        data.days(old, date(2026, 11, 1), (9, 10), index_kwh=2248, estimated={date(2026, 11, 5)}),
        data.days(new, date(2026, 11, 10), (14, 12), index_kwh=0),
    )
    return customer


def tou_customer(*, multiplier: int = 40):
    customer = factories.customer(meter="TOU0001")
    meter = data.meter_of(customer)
    meter.registers, meter.multiplier = Meter.Registers.TOU, multiplier
    meter.save(update_fields=["registers", "multiplier"])
    first = date(2026, 11, 1)
    data.load(
        data.days(meter, first, (3, 5), register="BT"),
        data.days(meter, first, (3, 2), register="CD", index_kwh=500),
        data.days(
            meter, first, (3, 3), register="TD", index_kwh=700, estimated={date(2026, 11, 2)}
        ),
    )
    return customer, meter


def of(customer, granularity="day", first=None, last=None):
    chosen = queries.selection(granularity=granularity, first=first, last=last)
    return queries.consumption_of(customer=customer, chosen=chosen, today=TODAY)


def kwh(usage_or_wh) -> Decimal | None:
    if isinstance(usage_or_wh, queries.Usage):
        return usage_or_wh.kwh
    return queries.kwh(usage_or_wh)


# ---------------------------------------------------------------- days


def test_days_group_into_runs_of_consecutive_days():
    days = [date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 5)]
    assert queries.runs(days) == [
        (date(2026, 2, 27), date(2026, 3, 1)),
        (date(2026, 3, 5), date(2026, 3, 5)),
    ]
    assert queries.runs([]) == []


def test_the_default_day_view_is_the_last_30_days_of_both_meters():
    result = of(household())
    assert result.data_until == UNTIL
    assert result.window.first == date(2026, 10, 25)
    assert result.window.last == UNTIL
    assert len(result.series) == 30
    by_day = {point.start: point.usage for point in result.series}
    assert kwh(by_day[date(2026, 10, 31)]) == 8
    assert kwh(by_day[date(2026, 11, 9)]) == 10  # the old meter's last day
    assert kwh(by_day[date(2026, 11, 10)]) == 12  # the new meter's first
    # 7 × 8 + 9 × 10 + 14 × 12
    assert kwh(result.totals) == 314
    assert result.totals.days == 30
    assert result.totals.estimated_days == 1


def test_days_compare_with_as_many_days_before_and_the_same_days_a_year_before():
    result = of(household())
    # 25/9–24/10: only 1–24/10 have data (24 × 8)
    assert (result.previous.first, result.previous.last) == (date(2026, 9, 25), date(2026, 10, 24))
    assert kwh(result.previous.base) == 192
    assert result.previous.change_kwh == 122
    assert result.previous.change_percent == Decimal("63.5")
    # 25/10–23/11/2025: 1–23/11/2025 (23 × 9)
    assert (result.last_year.first, result.last_year.last) == (
        date(2025, 10, 25),
        date(2025, 11, 23),
    )
    assert kwh(result.last_year.base) == 207
    assert result.last_year.change_kwh == 107
    assert result.last_year.change_percent == Decimal("51.7")


def test_a_month_of_days_compares_with_the_same_days_of_the_month_before():
    result = of(household(), first="2026-11-01", last="2026-11-30")
    assert len(result.series) == 30
    assert result.series[-1].usage.has_data is False  # 30/11: not read yet
    assert result.window.until == UNTIL
    assert kwh(result.totals) == 258  # 9 × 10 + 14 × 12
    assert (result.previous.first, result.previous.last) == (date(2026, 10, 1), date(2026, 10, 23))
    assert kwh(result.previous.base) == 184
    assert result.previous.change_percent == Decimal("40.2")
    assert kwh(result.last_year.base) == 207
    assert result.last_year.change_kwh == 51


def test_running_totals_of_days_restart_each_month():
    result = of(household(), first="2026-10-30", last="2026-11-03")
    running = [kwh(point.running_wh) for point in result.series]
    assert running == [8, 16, 10, 20, 30]


def test_estimated_days_are_marked():
    result = of(household(), first="2026-11-04", last="2026-11-06")
    assert [point.usage.estimated for point in result.series] == [False, True, False]


# ---------------------------------------------------------------- months and years


def test_months_come_from_the_rollups_and_add_both_meters():
    result = of(household(), "month", "2026-01-01", "2026-12-31")
    assert [point.start for point in result.series] == [date(2026, m, 1) for m in range(1, 13)]
    months = {point.start.month: point.usage for point in result.series}
    assert kwh(months[10]) == 248
    assert kwh(months[11]) == 258
    assert months[11].days == 23  # 9 days on the old meter, 14 on the new
    assert months[11].estimated
    assert not months[10].estimated
    assert not months[12].has_data
    assert kwh(result.totals) == 506
    assert result.totals.days == 54
    assert result.window.until == UNTIL
    # January–November 2026 against February–December 2025 and January–November 2025
    assert (result.previous.first, result.previous.last) == (date(2025, 2, 1), date(2025, 12, 31))
    assert kwh(result.previous.base) == 270
    assert result.previous.change_percent == Decimal("87.4")
    assert (result.last_year.first, result.last_year.last) == (date(2025, 1, 1), date(2025, 11, 30))
    assert kwh(result.last_year.base) == 270


def test_running_totals_of_months_restart_each_year():
    result = of(household(), "month", "2025-11-01", "2026-11-30")
    running = {point.start: kwh(point.running_wh) for point in result.series if point.running_wh}
    assert running == {date(2025, 11, 1): 270, date(2026, 10, 1): 248, date(2026, 11, 1): 506}


def test_the_default_month_view_is_the_last_12_months():
    result = of(household(), "month")
    assert result.series[0].start == date(2025, 12, 1)
    assert result.series[-1].start == date(2026, 11, 1)


def test_the_default_year_view_is_every_year_with_data():
    result = of(household(), "year")
    assert [(p.start.year, kwh(p.usage)) for p in result.series] == [(2025, 270), (2026, 506)]
    assert kwh(result.totals) == 776
    assert result.previous.base.has_data is False
    assert result.previous.change_kwh is None
    assert result.previous.change_percent is None
    assert kwh(result.last_year.base) == 270
    assert result.last_year.change_percent == Decimal("187.4")


def test_a_year_view_reads_no_day(django_assert_max_num_queries):
    customer = household()
    with django_assert_max_num_queries(2):
        result = of(customer, "year")
    assert kwh(result.totals) == 776


# ---------------------------------------------------------------- summary (cards, lũy kế)


def test_summary_compares_like_for_like():
    summary = queries.summary_of(customer=household())
    assert summary.data_until == UNTIL
    assert summary.is_yesterday(date(2026, 11, 24))
    assert not summary.is_yesterday(TODAY)
    assert kwh(summary.latest_day) == 12
    assert summary.previous_day.change_kwh == 0
    assert summary.previous_day.change_percent == 0
    assert kwh(summary.month_to_date) == 258
    assert kwh(summary.month_vs_previous.base) == 184
    assert kwh(summary.month_vs_last_year.base) == 207
    # Lũy kế năm: October and November so far; a year before, 1–23 November 2025 only.
    assert kwh(summary.year_to_date) == 506
    assert (summary.year_vs_last_year.first, summary.year_vs_last_year.last) == (
        date(2025, 1, 1),
        date(2025, 11, 23),
    )
    assert kwh(summary.year_vs_last_year.base) == 207
    assert summary.year_vs_last_year.change_percent == Decimal("144.4")


def test_a_customer_without_data_has_an_empty_summary_and_empty_series():
    customer = factories.customer()
    assert queries.summary_of(customer=customer).data_until is None
    result = of(customer)
    assert result.data_until is None
    assert result.window.last == date(2026, 11, 24)  # up to yesterday
    assert len(result.series) == 30
    assert not result.totals.has_data
    assert result.previous.change_kwh is None


def test_a_base_of_zero_has_a_change_but_no_percentage():
    customer = factories.customer()
    meter = data.meter_of(customer)
    data.load(data.days(meter, date(2026, 11, 1), [0, 4]))
    result = of(customer, first="2026-11-02", last="2026-11-02")
    assert result.previous.change_kwh == 4
    assert result.previous.change_percent is None


# ---------------------------------------------------------------- registers and indexes


def test_a_time_of_use_meter_has_its_registers_per_point():
    customer, _meter = tou_customer()
    result = of(customer, first="2026-11-01", last="2026-11-03")
    for point in result.series:
        assert kwh(point.usage) == 10
        assert {r: kwh(wh) for r, wh in point.usage.ordered_registers()} == {
            "BT": 5,
            "CD": 2,
            "TD": 3,
        }
    assert [r for r, _ in result.series[0].usage.ordered_registers()] == ["BT", "CD", "TD"]
    assert [point.usage.estimated for point in result.series] == [False, True, False]
    month = of(customer, "month", "2026-11-01", "2026-11-30")
    assert {r: kwh(wh) for r, wh in month.totals.ordered_registers()} == {
        "BT": 15,
        "CD": 6,
        "TD": 9,
    }
    assert month.totals.days == 3
    assert month.totals.estimated_days == 1


def test_the_index_table_has_each_register_with_the_multiplier_in_force():
    customer, meter = tou_customer(multiplier=40)
    MultiplierPeriod.objects.create(meter=meter, multiplier=80, valid_from=date(2026, 11, 2))
    chosen = queries.selection(first="2026-11-01", last="2026-11-03")
    _store, window, rows = queries.readings_of(customer=customer, chosen=chosen, today=TODAY)
    assert (window.first, window.last) == (date(2026, 11, 1), date(2026, 11, 3))
    assert [(r.reading_date.day, r.register) for r in rows[:4]] == [
        (1, "BT"),
        (1, "CD"),
        (1, "TD"),
        (2, "BT"),
    ]
    first = rows[0]
    # 5 kWh on a ×40 meter: the index moves 0.125 kWh
    assert (first.meter_no, first.index_kwh, first.kwh) == ("TOU0001", Decimal("1000.125"), 5)
    assert [r.multiplier for r in rows] == [40] * 3 + [80] * 6
    assert [r.estimated for r in rows if r.register == "TD"] == [False, True, False]


def test_export_rows_are_by_day_meter_and_register():
    customer = household()
    rows = queries.export_rows(customer, date(2026, 11, 9), date(2026, 11, 10))
    assert rows == [
        {
            "customer_code": customer.code,
            "meter_no": "OLD0001",
            "reading_date": date(2026, 11, 9),
            "register": "KT",
            "index_wh": 2338000,
            "wh": 10000,
            "quality": "A",
        },
        {
            "customer_code": customer.code,
            "meter_no": "NEW0001",
            "reading_date": date(2026, 11, 10),
            "register": "KT",
            "index_wh": 12000,
            "wh": 12000,
            "quality": "A",
        },
    ]


# ---------------------------------------------------------------- few queries


def test_a_day_view_takes_two_queries(django_assert_max_num_queries):
    customer = household()
    with django_assert_max_num_queries(2):
        result = of(customer, first="2025-11-23", last="2026-11-23")
    assert len(result.series) == queries.MAX_DAYS


def test_a_month_view_takes_two_queries(django_assert_max_num_queries):
    customer = household()
    with django_assert_max_num_queries(2):
        of(customer, "month")


def test_the_summary_takes_three_queries(django_assert_max_num_queries):
    customer = household()
    with django_assert_max_num_queries(3):
        queries.summary_of(customer=customer)


# ---------------------------------------------------------------- what may be asked


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"granularity": "week"}, "granularity", "Choose the granularity day, month or year."),
        ({"first": "23/11/2026"}, "from", "Enter the date as YYYY-MM-DD, for example 2026-11-23."),
        ({"last": "2026-02-30"}, "to", "Enter the date as YYYY-MM-DD, for example 2026-11-23."),
        ({"first": "1999-12-31"}, "from", "Enter a date from 2000-01-01 to 2099-12-31."),
        (
            {"first": "2026-11-02", "last": "2026-11-01"},
            "to",
            "The end date comes before the start date.",
        ),
        (
            {"first": "2025-01-01", "last": "2026-01-02"},  # 367 days
            "to",
            "Choose at most 366 days at a time.",
        ),
        (
            {"granularity": "month", "first": "2010-01-01", "last": "2020-01-31"},
            "to",
            "Choose at most 120 months at a time.",
        ),
        (
            {"granularity": "year", "first": "2000-01-01", "last": "2050-01-01"},
            "to",
            "Choose at most 50 years at a time.",
        ),
    ],
)
def test_bad_selections_name_the_field_and_the_fix(params, field, message):
    with translation.override("en"):
        with pytest.raises(InvalidInput) as raised:
            queries.selection(**params)
        assert raised.value.fields == {field: [message]}
        assert str(raised.value.message) == message


def test_a_start_alone_too_far_back_is_refused_once_the_end_is_known():
    customer = household()
    with pytest.raises(InvalidInput):
        of(customer, first="2025-01-01")


def test_kwh_text_is_normalised():
    assert queries.kwh_text(12500) == "12.5"
    assert queries.kwh_text(0) == "0"
    assert queries.kwh_text(1000000) == "1000"
    assert queries.kwh_text(1) == "0.001"
    assert queries.kwh_text(None) is None


def test_months_are_shifted_inside_the_month():
    assert queries.add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert queries.add_months(date(2024, 2, 29), -12) == date(2023, 2, 28)
    assert queries.previous_window(date(2026, 3, 1), date(2026, 3, 31)) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="INCLUDE is PostgreSQL's")
@pytest.mark.django_db
def test_the_rollups_key_carries_every_column():
    # the month and year views read a meter's months by an index-only scan of the key
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('metering_monthlyusage_pkey'::regclass)")
        definition = cursor.fetchone()[0]
    key = ("meter_id", "month", "register")
    rest = [f.column for f in MonthlyUsage._meta.concrete_fields if f.column not in key]
    assert definition.endswith(f"({', '.join(key)}) INCLUDE ({', '.join(rest)})")
