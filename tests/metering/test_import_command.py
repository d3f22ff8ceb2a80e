"""manage.py import_readings and ensure_partitions."""

import gzip
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cskh.metering import partitions
from cskh.metering.models import ImportBatch, Reading
from tests import factories
from tests.metering.files import csv_of, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def meter(units):
    return factories.customer(meter="CMD001").meters.get()


def test_files_are_imported_one_batch_each_with_a_summary_and_a_report(tmp_path, meter, capsys):
    first = tmp_path / "day1.csv"
    first.write_bytes(csv_of(row(meter, "2026-11-01", "10"), row(meter, "2026-11-01", "11")))
    second = tmp_path / "day2.csv.gz"
    second.write_bytes(gzip.compress(csv_of(row(meter, "2026-11-02", "12"))))
    report = tmp_path / "report.csv"
    call_command("import_readings", str(first), str(second), "--report", str(report))
    out = capsys.readouterr().out
    assert "day1.csv: batch" in out and "1 new" in out and "1 rejected" in out
    assert "line 3:" in out
    assert ImportBatch.objects.count() == 2
    assert Reading.objects.count() == 2
    lines = report.read_text().splitlines()
    assert lines[0] == "batch,source,line,reason,message,row"
    assert ",day1.csv,3,duplicate," in lines[1]


def test_a_bad_file_is_reported_and_the_others_still_load(tmp_path, meter, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe not a csv")
    good = tmp_path / "good.csv"
    good.write_bytes(csv_of(row(meter, "2026-11-01", "10")))
    with pytest.raises(CommandError):
        call_command("import_readings", str(bad), str(good))
    assert "bad.csv" in capsys.readouterr().err
    assert Reading.objects.count() == 1


def test_a_unit_limits_the_import_and_must_exist(tmp_path, meter):
    data = tmp_path / "d.csv"
    data.write_bytes(csv_of(row(meter, "2026-11-01", "10")))
    with pytest.raises(CommandError):
        call_command("import_readings", str(data), "--unit", "NOPE")
    with pytest.raises(CommandError):
        call_command("import_readings", str(tmp_path / "missing.csv"))
    call_command("import_readings", str(data), "--unit", "EVNHANOI")
    assert not Reading.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions exist on PostgreSQL")
def test_partitions_are_created_ahead_and_readings_land_in_their_month(tmp_path, meter):
    call_command("ensure_partitions")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'metering_reading'::regclass"
        )
        names = {name for (name,) in cursor.fetchall()}
    assert len(names) >= partitions.AHEAD_MONTHS + 1
    data = tmp_path / "d.csv"
    data.write_bytes(csv_of(row(meter, "2025-03-31", "10"), row(meter, "2025-04-01", "11")))
    call_command("import_readings", str(data))
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM metering_reading ORDER BY 1")
        assert [name for (name,) in cursor.fetchall()] == [
            "metering_reading_p202503",
            "metering_reading_p202504",
        ]
    assert partitions.ensure(date(2025, 3, 1), date(2025, 4, 30)) == []
