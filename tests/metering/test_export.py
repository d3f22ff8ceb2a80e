"""The export writers: our CSV and the Green Button (ESPI) feed, checked against the rows."""

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cskh.metering import export, ingest, models
from tests import factories

NS = {"atom": export.ATOM, "espi": export.ESPI}
GENERATED_AT = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
CODE = "PE01000000001"


def row(day, register="KT", wh=7_500, index_wh=12_345_600, quality="A", meter="PE24000001"):
    return {
        "customer_code": CODE,
        "meter_no": meter,
        "reading_date": day,
        "register": register,
        "index_wh": index_wh,
        "wh": wh,
        "quality": quality,
    }


def sample_rows() -> list[dict]:
    """Two months of a single-rate meter replaced by a time-of-use meter on 2026-02-10
    (both read that day), an estimated day and a corrected one."""
    rows = []
    index = 1_000_000
    for offset in range(40):  # 2026-01-01 … 2026-02-09 on the old meter
        day = date(2026, 1, 1) + timedelta(days=offset)
        wh = 5_000 + 37 * offset
        index += wh
        quality = "E" if day == date(2026, 1, 15) else "A"
        rows.append(row(day, wh=wh, index_wh=index, quality=quality))
    rows.append(row(date(2026, 2, 10), wh=1_234, index_wh=index + 1_234))
    indexes = {"BT": 0, "CD": 0, "TD": 0}
    for offset in range(19):  # 2026-02-10 … 2026-02-28 on the new one
        day = date(2026, 2, 10) + timedelta(days=offset)
        for register, share in (("BT", 55), ("CD", 20), ("TD", 25)):
            wh = (6_000 + offset) * share // 100
            indexes[register] += wh
            quality = "C" if (day, register) == (date(2026, 2, 20), "CD") else "A"
            rows.append(row(day, register, wh, indexes[register], quality, meter="PE26000001"))
    return rows


def parse(xml: bytes) -> ET.Element:
    return ET.fromstring(xml)  # noqa: S314 - our own output


def entries_by_self(feed: ET.Element) -> dict[str, ET.Element]:
    return {
        entry.find("atom:link[@rel='self']", NS).get("href"): entry
        for entry in feed.findall("atom:entry", NS)
    }


def series_of(feed: ET.Element, number: int) -> dict[int, tuple[int, str | None]]:
    """{start: (value, quality)} of every IntervalReading of MeterReading `number`."""
    prefix = f"/espi/1_1/resource/Subscription/{CODE}/UsagePoint/1/MeterReading/{number}/"
    values = {}
    for href, entry in entries_by_self(feed).items():
        if not href.startswith(prefix + "IntervalBlock/"):
            continue
        block = entry.find("atom:content/espi:IntervalBlock", NS)
        for reading in block.findall("espi:IntervalReading", NS):
            start = int(reading.findtext("espi:timePeriod/espi:start", namespaces=NS))
            assert reading.findtext("espi:timePeriod/espi:duration", namespaces=NS) == "86400"
            assert start not in values
            values[start] = (
                int(reading.findtext("espi:value", namespaces=NS)),
                reading.findtext("espi:ReadingQuality/espi:quality", namespaces=NS),
            )
    return values


def expected(rows, registers) -> dict[int, tuple[int, str | None]]:
    days = defaultdict(lambda: [0, set()])
    for r in rows:
        if r["register"] in registers:
            days[r["reading_date"]][0] += r["wh"]
            days[r["reading_date"]][1].add(r["quality"])
    result = {}
    for day, (wh, qualities) in days.items():
        quality = "8" if "E" in qualities else "7" if "C" in qualities else None
        result[export.day_start(day)] = (wh, quality)
    return result


# ---------------------------------------------------------------- CSV


def test_csv_header_and_formatting():
    data = export.csv_bytes(
        [
            row(date(2026, 11, 23), index_wh=12_345_600, wh=7_005, quality="E"),
            row(date(2026, 11, 22), "CD", index_wh=5, wh=0, quality="C"),
            row(date(2026, 11, 21), "TD", index_wh=999_999_999, wh=1_000, quality="A"),
        ]
    )

    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in data
    assert data.decode("utf-8").split("\n") == [
        "customer_code,meter_no,reading_date,register,index_kwh,kwh,quality",
        "PE01000000001,PE24000001,2026-11-23,KT,12345.600,7.005,estimated",
        "PE01000000001,PE24000001,2026-11-22,CD,0.005,0.000,corrected",
        "PE01000000001,PE24000001,2026-11-21,TD,999999.999,1.000,actual",
        "",
    ]


def test_empty_csv_is_just_the_header():
    assert export.csv_bytes([]) == (
        b"customer_code,meter_no,reading_date,register,index_kwh,kwh,quality\n"
    )


def test_csv_round_trip():
    rows = sample_rows()
    reader = csv.DictReader(io.StringIO(export.csv_bytes(rows).decode("utf-8")))
    assert tuple(reader.fieldnames) == export.CSV_COLUMNS
    back = [
        {
            "customer_code": line["customer_code"],
            "meter_no": line["meter_no"],
            "reading_date": date.fromisoformat(line["reading_date"]),
            "register": line["register"],
            "index_wh": int(line["index_kwh"].replace(".", "")),
            "wh": int(line["kwh"].replace(".", "")),
            "quality": {word: letter for letter, word in export.QUALITY_WORDS.items()}[
                line["quality"]
            ],
        }
        for line in reader
    ]
    assert back == rows
    for line in export.csv_bytes(rows).decode().splitlines()[1:]:
        assert re.fullmatch(
            r"[^,]+,[^,]+,\d{4}-\d\d-\d\d,(KT|BT|CD|TD),\d+\.\d{3},\d+\.\d{3},\w+", line
        )


def test_csv_chunks_stream_the_same_bytes():
    rows = sample_rows()
    chunks = list(export.csv_chunks(rows, chunk_rows=7))
    assert len(chunks) > 5
    assert b"".join(chunks) == export.csv_bytes(rows)
    assert chunks[0].startswith(b"customer_code,")


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_kwh_text_has_three_decimals_and_is_exact(wh):
    text = export.kwh_text(wh)
    _whole, fraction = text.split(".")
    assert len(fraction) == 3
    assert int(text.replace(".", "")) == wh


@pytest.mark.parametrize(
    "change",
    [
        {"register": "XX"},
        {"quality": "actual"},
        {"wh": 1.5},
        {"index_wh": "12"},
        {"reading_date": "2026-11-23"},
        {"reading_date": datetime(2026, 11, 23)},
    ],
)
def test_csv_refuses_bad_rows(change):
    with pytest.raises((TypeError, ValueError)):
        export.csv_bytes([{**row(date(2026, 11, 23)), **change}])


def test_the_files_speak_of_the_models_qualities_and_registers():
    assert set(export.QUALITY_WORDS) == set(models.Quality.values)
    assert set(export.REGISTERS) == set(models.Register.values)


# ---------------------------------------------------------------- Green Button


def test_days_start_at_midnight_in_vietnam():
    assert export.day_start(date(2025, 11, 23)) == 1763830800
    assert export.day_start(date(2026, 11, 23)) == 1795366800
    assert datetime.fromtimestamp(
        export.day_start(date(2026, 11, 23)), timezone(timedelta(hours=7))
    ) == datetime(2026, 11, 23, tzinfo=timezone(timedelta(hours=7)))


def feed_of(rows):
    return parse(
        export.espi_xml(
            customer_code=CODE, rows=rows, generated_at=GENERATED_AT, title="Dữ liệu điện"
        )
    )


def test_every_daily_value_is_the_sum_over_registers_and_meters():
    rows = sample_rows()
    feed = feed_of(rows)

    total = series_of(feed, 1)
    assert total == expected(rows, {"KT", "BT", "CD", "TD"})
    # the day of the replacement counts both meters
    replaced = export.day_start(date(2026, 2, 10))
    assert total[replaced][0] == 1_234 + 6_000 * 55 // 100 + 6_000 * 20 // 100 + 6_000 // 4
    assert len(total) == 59


def test_one_series_per_register_present():
    rows = sample_rows()
    feed = feed_of(rows)
    for register in ("KT", "BT", "CD", "TD"):
        number = export.SERIES_NUMBER[register]
        assert series_of(feed, number) == expected(rows, {register}), register

    only_kt = [r for r in rows if r["register"] == "KT"]
    hrefs = entries_by_self(feed_of(only_kt))
    meter_readings = sorted(h for h in hrefs if h.rsplit("/", 2)[-2] == "MeterReading")
    base = f"/espi/1_1/resource/Subscription/{CODE}/UsagePoint/1/MeterReading"
    assert meter_readings == [f"{base}/1", f"{base}/2"]


def test_reading_types():
    feed = feed_of(sample_rows())
    entries = entries_by_self(feed)
    for series, number in export.SERIES_NUMBER.items():
        reading_type = entries[f"/espi/1_1/resource/ReadingType/{number}"].find(
            "atom:content/espi:ReadingType", NS
        )
        fields = {child.tag.split("}")[1]: child.text for child in reading_type}
        assert fields == {
            "accumulationBehaviour": "4",
            "commodity": "1",
            "currency": "704",
            "flowDirection": "1",
            "intervalLength": "86400",
            "kind": "12",
            "powerOfTenMultiplier": "0",
            "uom": "72",
            **({"tou": str(export.TOU_OF[series])} if series in export.TOU_OF else {}),
        }
        # the ESPI sequence order
        order = [child.tag.split("}")[1] for child in reading_type]
        assert order == sorted(order, key=ESPI_READING_TYPE_ORDER.index)


ESPI_READING_TYPE_ORDER = [
    "accumulationBehaviour",
    "commodity",
    "consumptionTier",
    "currency",
    "dataQualifier",
    "defaultQuality",
    "flowDirection",
    "intervalLength",
    "kind",
    "phase",
    "powerOfTenMultiplier",
    "timeAttribute",
    "tou",
    "uom",
]


def test_feed_shape_and_links():
    feed = feed_of(sample_rows())
    assert feed.tag == f"{{{export.ATOM}}}feed"
    assert feed.findtext("atom:title", namespaces=NS) == "Dữ liệu điện"
    assert feed.findtext("atom:updated", namespaces=NS) == "2026-11-24T08:30:00Z"
    entries = entries_by_self(feed)
    base = f"/espi/1_1/resource/Subscription/{CODE}/UsagePoint/1"

    usage_point = entries[base]
    assert (
        usage_point.findtext(
            "atom:content/espi:UsagePoint/espi:ServiceCategory/espi:kind", namespaces=NS
        )
        == "0"
    )
    related = {link.get("href") for link in usage_point.findall("atom:link[@rel='related']", NS)}
    assert related == {f"{base}/MeterReading", "/espi/1_1/resource/LocalTimeParameters/1"}
    local = entries["/espi/1_1/resource/LocalTimeParameters/1"]
    assert (
        local.findtext("atom:content/espi:LocalTimeParameters/espi:tzOffset", namespaces=NS)
        == "25200"
    )

    meter_reading = entries[f"{base}/MeterReading/3"]
    assert meter_reading.find("atom:content/espi:MeterReading", NS) is not None
    assert meter_reading.find("atom:link[@rel='up']", NS).get("href") == f"{base}/MeterReading"
    related = {link.get("href") for link in meter_reading.findall("atom:link[@rel='related']", NS)}
    assert related == {f"{base}/MeterReading/3/IntervalBlock", "/espi/1_1/resource/ReadingType/3"}

    # one block per calendar month, covering its days
    january = entries[f"{base}/MeterReading/1/IntervalBlock/202601"]
    interval = january.find("atom:content/espi:IntervalBlock/espi:interval", NS)
    assert int(interval.findtext("espi:start", namespaces=NS)) == export.day_start(date(2026, 1, 1))
    assert interval.findtext("espi:duration", namespaces=NS) == str(31 * 86400)
    blocks = [h for h in entries if h.startswith(f"{base}/MeterReading/1/IntervalBlock/")]
    assert sorted(blocks) == [
        f"{base}/MeterReading/1/IntervalBlock/202601",
        f"{base}/MeterReading/1/IntervalBlock/202602",
    ]

    ids = [entry.findtext("atom:id", namespaces=NS) for entry in feed.findall("atom:entry", NS)]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("urn:uuid:") for i in ids)


def test_estimated_and_corrected_days_carry_a_reading_quality():
    feed = feed_of(sample_rows())
    kt = series_of(feed, export.SERIES_NUMBER["KT"])
    assert kt[export.day_start(date(2026, 1, 15))][1] == "8"
    assert kt[export.day_start(date(2026, 1, 16))][1] is None
    cd = series_of(feed, export.SERIES_NUMBER["CD"])
    assert cd[export.day_start(date(2026, 2, 20))][1] == "7"
    assert series_of(feed, 1)[export.day_start(date(2026, 2, 20))][1] == "7"


def test_the_same_rows_give_the_same_bytes():
    rows = sample_rows()
    first = export.espi_xml(customer_code=CODE, rows=rows, generated_at=GENERATED_AT, title="x")
    again = export.espi_xml(
        customer_code=CODE, rows=list(reversed(rows)), generated_at=GENERATED_AT, title="x"
    )
    assert first == again
    other = export.espi_xml(
        customer_code="PD01000000001", rows=rows, generated_at=GENERATED_AT, title="x"
    )
    first_id = parse(first).find("atom:entry/atom:id", NS).text
    assert parse(other).find("atom:entry/atom:id", NS).text != first_id


def test_an_empty_feed_is_valid():
    feed = feed_of([])
    entries = entries_by_self(feed)
    base = f"/espi/1_1/resource/Subscription/{CODE}/UsagePoint/1"
    assert base in entries
    assert f"{base}/MeterReading/1" in entries
    assert not [h for h in entries if "/IntervalBlock/" in h]
    assert series_of(feed, 1) == {}


def test_generated_at_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        export.espi_xml(customer_code=CODE, rows=[], generated_at=datetime(2026, 1, 1), title="x")


# ---------------------------------------------------------------- through the import


def _import(data: bytes):
    return ingest.import_readings(
        io.BytesIO(data),
        source="test",
        channel="COMMAND",
        unit=None,
        today=date(2026, 11, 24),
        now=GENERATED_AT,
    ).batch


def _stored_rows():
    return [
        {
            "customer_code": r["meter__customer__code"],
            "meter_no": r["meter__number"],
            "reading_date": r["reading_date"],
            "register": r["register"],
            "index_wh": r["index_wh"],
            "wh": r["wh"],
            "quality": r["quality"],
        }
        for r in models.Reading.objects.values(
            "meter__customer__code",
            "meter__number",
            "reading_date",
            "register",
            "index_wh",
            "wh",
            "quality",
        ).order_by("meter__number", "reading_date", "register")
    ]


@pytest.mark.django_db
def test_an_export_reimports_unchanged():
    customer = factories.customer(code=CODE, meter="PE24000001")
    meter = customer.meters.get()
    meter.removed_date = date(2026, 2, 10)
    meter.save()
    customer.meters.create(
        number="PE26000001", registers="BT_CD_TD", installed_date=date(2026, 2, 10)
    )
    rows = sample_rows()
    first = _import(export.csv_bytes(rows))
    assert (first.rows_new, first.rows_rejected) == (len(rows), 0)
    stored = _stored_rows()
    assert sorted(stored, key=repr) == sorted(rows, key=repr)

    again = _import(export.csv_bytes(stored))

    assert (again.rows_unchanged, again.rows_new, again.rows_corrected) == (len(rows), 0, 0)
