"""The readings import: every rule, idempotence, corrections, and the rollups it keeps."""

import gzip
from datetime import date

import psycopg
import pytest
from django.db import OperationalError, connection

from cskh.customers.models import Meter, Unit
from cskh.metering import rollups
from cskh.metering.csvfile import MAX_LINE_BYTES, BadFile
from cskh.metering.ingest import lock_scope
from cskh.metering.models import (
    Correction,
    ImportBatch,
    MonthlyUsage,
    MultiplierPeriod,
    Reading,
    RejectedRow,
    StartIndex,
)
from tests import factories
from tests.metering.files import HEADER, csv_of, days, reasons, row, send

pytestmark = pytest.mark.django_db

NOV = date(2026, 11, 1)


@pytest.fixture
def meter(units) -> Meter:
    return factories.customer(meter="KT0001").meters.get()


@pytest.fixture
def tou(units) -> Meter:
    meter = factories.customer(meter="TOU001").meters.get()
    meter.registers = Meter.Registers.TOU
    meter.save()
    return meter


def stored(meter: Meter) -> dict[tuple[date, str], tuple[int, int, str]]:
    return {
        (r.reading_date, r.register): (r.index_wh, r.wh, r.quality)
        for r in Reading.objects.filter(meter_id=meter.pk)
    }


def rollup(meter: Meter, month: date = NOV, register: str = "KT") -> MonthlyUsage:
    return MonthlyUsage.objects.get(meter_id=meter.pk, month=month, register=register)


def assert_rollups_are_definition(*meters: Meter) -> None:
    ids = [meter.pk for meter in meters]
    expected = {(u.meter_id, u.month, u.register): u for u in rollups.computed(ids)}
    actual = {(u.meter_id, u.month, u.register): u for u in MonthlyUsage.objects.all()}
    assert actual.keys() == expected.keys()
    fields = ["wh", "days", "estimated_days", "first_date", "last_date", "last_index_wh"]
    for key, usage in expected.items():
        assert [getattr(actual[key], f) for f in fields] == [getattr(usage, f) for f in fields]


# loading


def test_new_readings_get_the_index_advance_and_a_rollup(meter):
    start = StartIndex.objects.create(meter=meter, register="KT", index_wh=1_000_000)
    result = send(
        csv_of(
            row(meter, "2026-11-01", "1012.5"),
            row(meter, "2026-11-02", "1020"),
            row(meter, "2026-11-03", "1031.25", kwh="11.25"),
        )
    )
    batch = result.batch
    assert (batch.rows_total, batch.rows_new, batch.rows_rejected) == (3, 3, 0)
    # The first day counts from the index at installation (2024-01-01).
    assert start.index_wh == 1_000_000
    assert stored(meter) == {
        (date(2026, 11, 1), "KT"): (1_012_500, 12_500, "A"),
        (date(2026, 11, 2), "KT"): (1_020_000, 7_500, "A"),
        (date(2026, 11, 3), "KT"): (1_031_250, 11_250, "A"),
    }
    usage = rollup(meter)
    assert (usage.wh, usage.days, usage.first_date, usage.last_date, usage.last_index_wh) == (
        31_250,
        3,
        date(2026, 11, 1),
        date(2026, 11, 3),
        1_031_250,
    )
    assert_rollups_are_definition(meter)


def test_the_multiplier_applies_and_changes_on_its_day(meter):
    MultiplierPeriod.objects.create(
        meter=meter, multiplier=40, valid_from=date(2024, 1, 1), valid_until=date(2026, 11, 3)
    )
    MultiplierPeriod.objects.create(meter=meter, multiplier=80, valid_from=date(2026, 11, 3))
    send(csv_of(row(meter, "2026-11-01", "100", kwh="4000")))
    send(csv_of(row(meter, "2026-11-02", "101"), row(meter, "2026-11-03", "102")))
    assert [wh for _, wh, _ in sorted(stored(meter).values())] == [4_000_000, 40_000, 80_000]


def test_time_of_use_meters_have_three_registers(tou):
    rows = [
        row(tou, day, index, register=register)
        for day in ("2026-11-01", "2026-11-02")
        for register, index in (("BT", "10"), ("CD", "5"), ("TD", "7"))
    ]
    rows[3:] = [
        row(tou, "2026-11-02", index, register=register)
        for register, index in (("BT", "16"), ("CD", "7.5"), ("TD", "10"))
    ]
    result = send(csv_of(*rows))
    assert result.batch.rows_new == 6
    day2 = {register: wh for (day, register), (_, wh, _) in stored(tou).items() if day.day == 2}
    assert day2 == {"BT": 6_000, "CD": 2_500, "TD": 3_000}
    assert_rollups_are_definition(tou)


def test_quality_words_are_stored_as_letters(meter):
    send(
        csv_of(
            row(meter, "2026-11-01", "1", quality="actual"),
            row(meter, "2026-11-02", "2", quality="Estimated"),
            row(meter, "2026-11-03", "3", quality="corrected"),
        )
    )
    assert [q for _, _, q in sorted(stored(meter).values())] == ["A", "E", "C"]
    assert rollup(meter).estimated_days == 1


# idempotence and corrections


def test_resending_the_same_file_changes_nothing(meter):
    data = csv_of(*(row(meter, day, str(10 + n)) for n, day in enumerate(days(NOV, 10))))
    first = send(data)
    before = (stored(meter), list(MonthlyUsage.objects.values()))
    again = send(data)
    assert (again.batch.rows_unchanged, again.batch.rows_new, again.batch.rows_corrected) == (
        10,
        0,
        0,
    )
    assert (stored(meter), list(MonthlyUsage.objects.values())) == before
    assert set(Reading.objects.values_list("batch_id", flat=True)) == {first.batch.pk}
    assert not Correction.objects.exists()


def test_a_different_value_replaces_the_old_one_and_is_recorded(meter):
    send(csv_of(*(row(meter, day, str(10 * (n + 1))) for n, day in enumerate(days(NOV, 3)))))
    result = send(csv_of(row(meter, "2026-11-03", "35", quality="corrected")))
    assert (result.batch.rows_corrected, result.batch.rows_new) == (1, 0)
    assert stored(meter)[(date(2026, 11, 3), "KT")] == (35_000, 15_000, "C")
    correction = Correction.objects.get()
    assert (correction.old_index_wh, correction.old_wh, correction.old_quality) == (
        30_000,
        10_000,
        "A",
    )
    assert (correction.new_index_wh, correction.new_wh, correction.batch_id) == (
        35_000,
        15_000,
        result.batch.pk,
    )
    assert rollup(meter).wh == 35_000
    assert rollup(meter).last_index_wh == 35_000
    assert_rollups_are_definition(meter)


def test_a_correction_of_the_estimate_clears_the_estimated_day(meter):
    send(
        csv_of(row(meter, "2026-11-01", "10"), row(meter, "2026-11-02", "20", quality="estimated"))
    )
    assert rollup(meter).estimated_days == 1
    send(csv_of(row(meter, "2026-11-02", "21")))
    assert rollup(meter).estimated_days == 0
    assert_rollups_are_definition(meter)


# the previous reading


def test_a_register_rolls_over_at_its_size(meter):
    meter.digits = 5
    meter.save()
    send(csv_of(row(meter, "2026-11-01", "99850", kwh="0")))
    result = send(csv_of(row(meter, "2026-11-02", "120")))
    assert result.batch.rows_new == 1
    assert stored(meter)[(date(2026, 11, 2), "KT")][1] == 270_000


def test_an_index_going_backwards_is_rejected(meter):
    send(csv_of(row(meter, "2026-11-01", "500")))
    result = send(csv_of(row(meter, "2026-11-02", "499.9")))
    assert reasons(result) == {2: "backwards"}
    assert len(stored(meter)) == 1


def test_after_missing_days_the_advance_spans_the_gap(meter):
    send(csv_of(row(meter, "2026-11-01", "100"), row(meter, "2026-11-02", "110")))
    send(csv_of(row(meter, "2026-11-06", "150")))
    assert stored(meter)[(date(2026, 11, 6), "KT")][1] == 40_000


def test_a_day_filled_into_a_gap_inside_a_month_counts_from_the_day_before_it(meter):
    send(csv_of(*(row(meter, day, str(100 + n)) for n, day in enumerate(days(NOV, 3)))))
    send(csv_of(row(meter, "2026-11-10", "200")))
    send(csv_of(row(meter, "2026-11-06", "150")))
    assert stored(meter)[(date(2026, 11, 6), "KT")][1] == 48_000  # from 102 on the 3rd
    assert_rollups_are_definition(meter)


def test_the_first_day_of_a_month_counts_from_the_last_reading_of_an_earlier_month(meter):
    send(csv_of(row(meter, "2026-09-29", "100"), row(meter, "2026-09-30", "105")))
    send(csv_of(row(meter, "2026-11-01", "190")))
    assert stored(meter)[(NOV, "KT")][1] == 85_000
    assert_rollups_are_definition(meter)


def test_a_file_of_several_days_in_any_order_uses_its_own_previous_days(meter):
    lines = [row(meter, day, str(100 + 2 * n)) for n, day in enumerate(days(NOV, 5))]
    send(csv_of(*reversed(lines)))
    assert [wh for (day, _), (_, wh, _) in sorted(stored(meter).items()) if day.day > 1] == [
        2_000
    ] * 4
    assert_rollups_are_definition(meter)


def test_a_replacement_meter_counts_from_its_index_at_installation(meter):
    send(csv_of(row(meter, "2026-11-01", "5000"), row(meter, "2026-11-02", "5010")))
    meter.removed_date = date(2026, 11, 3)
    meter.save()
    new = Meter.objects.create(
        customer=meter.customer, number="KT0002", installed_date=date(2026, 11, 3)
    )
    StartIndex.objects.create(meter=new, register="KT", index_wh=2_000)
    result = send(
        csv_of(
            row(meter, "2026-11-03", "5013"),  # the old meter's index when removed
            row(new, "2026-11-03", "7"),
            row(new, "2026-11-04", "19"),
            row(meter, "2026-11-04", "5020"),  # removed: no longer installed
        )
    )
    assert reasons(result) == {5: "unknown_meter"}
    assert stored(meter)[(date(2026, 11, 3), "KT")][1] == 3_000
    assert stored(new) == {
        (date(2026, 11, 3), "KT"): (7_000, 5_000, "A"),
        (date(2026, 11, 4), "KT"): (19_000, 12_000, "A"),
    }
    assert_rollups_are_definition(meter, new)


# validation, one rule at a time


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{code},{meter},,KT,10,,", "missing_value"),
        ("{code},,2026-11-02,KT,10,,", "missing_value"),
        ("{code},{meter},2026-11-02,KT,,,", "missing_value"),
        ("{code},{meter},2026-02-30,KT,10,,", "bad_date"),
        ("{code},{meter},24/11/2026,KT,10,,", "bad_date"),
        ("{code},{meter},2026-11-24,KT,10,,", "future_date"),
        ("{code},{meter},2027-01-01,KT,10,,", "future_date"),
        ("{code},{meter},2026-11-02,XX,10,,", "bad_register"),
        ("{code},{meter},2026-11-02,BT,10,,", "wrong_register"),
        ('{code},{meter},2026-11-02,KT,"10,5",,', "bad_number"),
        ("{code},{meter},2026-11-02,KT,10.1234,,", "bad_number"),
        ("{code},{meter},2026-11-02,KT,10,abc,", "bad_number"),
        ("{code},{meter},2026-11-02,KT,1234567890123,,", "bad_number"),
        ("{code},{meter},2026-11-02,KT,10,-1234567890123.5,", "bad_number"),
        ("{code},{meter},2026-11-02,KT,10.,,", "bad_number"),
        ("{code},{meter},2026-11-02,KT,99999999999999999999999,,", "bad_number"),
        ("{code},{meter},2026-11-02,KT,999999999999.999,,", "absurd"),
        ("{code},{meter},2026-11-02,KT,10,-123456789012.5,", "absurd"),
        ("{code},{meter},2026-11-02,KT,10,,guessed", "bad_quality"),
        ("{code},NOPE,2026-11-02,KT,10,,", "unknown_meter"),
        ("PE0100999999,{meter},2026-11-02,KT,10,,", "unknown_meter"),
        ("{code},{meter},2023-12-31,KT,10,,", "unknown_meter"),
        ("{code},{meter},2026-11-02,KT,-1,,", "absurd"),
        ("{code},{meter},2026-11-02,KT,1000000,,", "absurd"),
        ("{code},{meter},2026-11-02,KT,10,-2,", "absurd"),
        ("{code},{meter},2026-11-02,KT,900000,,", "absurd"),
        ("{code},{meter},2026-11-02,KT,11,5,", "kwh_mismatch"),
    ],
)
def test_each_bad_row_is_rejected_with_its_reason_and_the_rest_loaded(meter, line, reason):
    send(csv_of(row(meter, "2026-11-01", "1", kwh="1")))
    bad = line.format(code=meter.customer.code, meter=meter.number)
    result = send(csv_of(bad, row(meter, "2026-11-03", "12")))
    assert reasons(result) == {2: reason}
    assert result.batch.rows_new == 1
    assert RejectedRow.objects.get(batch=result.batch).content.startswith(bad.split(",")[0])
    assert result.rejections[0].message


def test_a_kwh_within_rounding_of_the_advance_is_accepted(meter):
    send(csv_of(row(meter, "2026-11-01", "1", kwh="1")))
    result = send(csv_of(row(meter, "2026-11-02", "11.5", kwh="10.51")))
    assert result.batch.rows_rejected == 0
    assert stored(meter)[(date(2026, 11, 2), "KT")][1] == 10_510


def test_a_unit_key_loads_only_its_own_meters(meter, units):
    hanoi = factories.customer(unit_code="PD0100", meter="HN0001").meters.get()
    result = send(
        csv_of(row(meter, "2026-11-01", "1", kwh="1"), row(hanoi, "2026-11-01", "1", kwh="1")),
        unit=units["EVNHANOI"],
    )
    assert reasons(result) == {2: "other_unit"}
    assert stored(hanoi) and not stored(meter)


def test_a_repeated_line_counts_once(meter):
    result = send(
        csv_of(row(meter, "2026-11-01", "1", kwh="1"), row(meter, "2026-11-01", "2", kwh="2"))
    )
    assert reasons(result) == {3: "duplicate"}
    assert stored(meter)[(NOV, "KT")][0] == 1_000


def test_the_report_keeps_every_rejected_row(meter, monkeypatch):
    from cskh.metering import ingest

    monkeypatch.setattr(ingest, "REPORT_LIMIT", 2)
    result = send(csv_of(*(row(meter, "bad", "1") for _ in range(5))))
    assert result.batch.rows_rejected == 5
    assert [r.line for r in result.rejections] == [2, 3]
    assert [r.line for r in ingest.rejections_of(result.batch)] == [2, 3, 4, 5, 6]
    assert [r.line for r in ingest.rejections_page(result.batch, 4)] == [6]


# the file as a whole


def test_columns_may_come_in_any_order_with_optional_ones_left_out(meter):
    header = "reading_date,index_kwh,register,meter_no,customer_code"
    result = send(csv_of(f"2026-11-01,5,KT,{meter.number},{meter.customer.code}", header=header))
    assert result.batch.rows_new == 1


def test_gzip_bom_crlf_and_quotes_are_accepted(meter):
    text = (
        "\ufeff"
        + HEADER
        + "\r\n"
        + f'"{meter.customer.code}","{meter.number}",2026-11-01,KT,5,,\r\n'
    )
    result = send(gzip.compress(text.encode()))
    assert result.batch.rows_new == 1


def test_a_file_with_only_the_header_is_an_empty_batch(meter):
    result = send(csv_of())
    assert (result.batch.rows_total, result.rejections) == (0, [])


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty"),
        (b"customer_code,meter_no,reading_date,register\n", "header"),
        (HEADER.encode() + b",extra\n", "header"),
        (b"code,meter,date,register,index\n", "header"),
        (gzip.compress(b"x" * 100, mtime=0)[:20], "gzip"),
    ],
)
def test_an_unreadable_file_is_refused_whole(meter, data, problem):
    with pytest.raises(BadFile) as raised:
        send(data)
    assert raised.value.message
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("bad", "line"),
    [
        (b"{code},{meter},2026-11-03,KT,3,,,,", 4),  # too many columns
        (b"{code},{meter}", 4),  # too few
        ("{code},{meter},2026-11-03,KT,3,,Đúng".encode("cp1258"), 4),  # not UTF-8
        (b"x" * (MAX_LINE_BYTES + 1), 4),
    ],
)
def test_a_malformed_line_refuses_the_file_and_writes_nothing(meter, bad, line):
    good = csv_of(row(meter, "2026-11-01", "1"), row(meter, "2026-11-02", "2"))
    bad = bad.replace(b"{code}", meter.customer.code.encode()).replace(
        b"{meter}", meter.number.encode()
    )
    with pytest.raises(BadFile) as raised:
        send(good + bad + b"\n" + csv_of(row(meter, "2026-11-05", "5"))[len(HEADER) + 1 :])
    assert raised.value.line == line
    assert not Reading.objects.exists()
    assert not MonthlyUsage.objects.exists()
    assert not ImportBatch.objects.exists()


# imports side by side


def test_the_scope_of_an_import_is_its_power_corporation(units):
    assert lock_scope(None) == ""
    assert lock_scope(Unit.objects.get(code="EVN")) == ""
    assert lock_scope(Unit.objects.get(code="EVNHCMC")) == "/EVN/EVNHCMC/"
    assert lock_scope(Unit.objects.get(code="PE0100")) == "/EVN/EVNHCMC/"


@pytest.fixture
def held_lock():
    """Another session holding the import lock of a scope, as a running import would."""
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite has one writer")
    db = connection.settings_dict
    other = psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
    )

    def hold(scope: str) -> None:
        """The locks an import of `scope` holds while it runs (see ingest._Postgres)."""
        if not scope:
            other.execute("SELECT pg_advisory_lock(hashtext('metering_ingest'))")
            return
        other.execute("SELECT pg_advisory_lock_shared(hashtext('metering_ingest'))")
        other.execute("SELECT pg_advisory_lock(hashtext('metering_ingest' || %s))", [scope])

    yield hold
    other.close()


def test_a_corporation_loads_while_another_one_is_loading(meter, held_lock):
    held_lock("/EVN/EVNHANOI/")
    hcmc = Unit.objects.get(code="EVNHCMC")
    result = send(csv_of(row(meter, "2026-11-01", "1")), unit=hcmc)
    assert result.batch.rows_new == 1
    assert result.batch.unit == hcmc


@pytest.mark.parametrize(
    ("running", "sender"),
    [
        ("/EVN/EVNHCMC/", "PE0100"),  # one corporation's imports, one at a time
        ("/EVN/EVNHANOI/", None),  # an EVN-wide import waits for every running one
        ("", "EVNHCMC"),  # and every import waits for a running EVN-wide one
    ],
)
def test_imports_that_could_touch_the_same_meters_wait_for_each_other(
    meter, held_lock, running, sender
):
    held_lock(running)
    unit = Unit.objects.get(code=sender) if sender else None
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '100ms'")
    with pytest.raises(OperationalError, match="lock timeout"):
        send(csv_of(row(meter, "2026-11-01", "1")), unit=unit)
    assert not ImportBatch.objects.exists()
