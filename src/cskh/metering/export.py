"""Writers for a customer's daily readings: our CSV and the Green Button (ESPI) feed.

Pure Python (no Django): the callers fetch the rows and hand them over. A row is a
Mapping (a dict, or a row of `QuerySet.values()`) with these keys:

    customer_code  str   PE01000000001
    meter_no       str   PE24000001
    reading_date   date  the local day (Asia/Ho_Chi_Minh)
    register       str   KT, BT, CD or TD
    index_wh       int   index at the end of the day, Wh (kWh × 1000)
    wh             int   energy of the day on that register, Wh, multiplier applied
    quality        str   A (actual), E (estimated) or C (corrected)

The CSV has the columns the readings import accepts, so an export re-imports
unchanged. The ESPI feed is described in docs/export.md.
"""

import csv
import io
import uuid
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CSV_COLUMNS = (
    "customer_code",
    "meter_no",
    "reading_date",
    "register",
    "index_kwh",
    "kwh",
    "quality",
)
# How the stored quality letters (metering.models.Quality) are written in files.
QUALITY_WORDS = {"A": "actual", "E": "estimated", "C": "corrected"}
REGISTERS = ("KT", "BT", "CD", "TD")
CHUNK_ROWS = 2000

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DAY_SECONDS = 86400

ATOM = "http://www.w3.org/2005/Atom"
ESPI = "http://naesb.org/espi"
RESOURCE = "/espi/1_1/resource"

# ESPI codes (espi.xsd): see docs/export.md.
SERVICE_ELECTRICITY = 0
ACCUMULATION_DELTA = 4
COMMODITY_ELECTRICITY = 1
CURRENCY_VND = 704
FLOW_FORWARD = 1
KIND_ENERGY = 12
UOM_WH = 72
QUALITY_CODES = {"E": 8, "C": 7}  # QualityOfReading: 8 estimated, 7 manually edited
DST_DISABLED = "FFFFFFFF"  # DstRuleType: no daylight saving time in Việt Nam
TZ_OFFSET = 7 * 3600

# Series of a feed: the first is the customer's total, then one per register, with
# fixed numbers so that a series keeps its address whatever else the customer has.
TOTAL = "total"
SERIES_NUMBER = {TOTAL: 1, "KT": 2, "BT": 3, "CD": 4, "TD": 5}
TOU_OF = {"BT": 1, "CD": 2, "TD": 3}  # ReadingType/tou: the time-of-use bucket


# ---------------------------------------------------------------- CSV


def kwh_text(wh: int) -> str:
    """Integer Wh → kWh with a dot and exactly three decimals (12345600 → "12345.600")."""
    if isinstance(wh, bool) or not isinstance(wh, int):
        raise TypeError(f"Wh are integers, not {wh!r}")
    sign = "-" if wh < 0 else ""
    whole, fraction = divmod(abs(wh), 1000)
    return f"{sign}{whole}.{fraction:03d}"


def _csv_row(row: Mapping) -> tuple:
    register, quality = row["register"], row["quality"]
    if register not in REGISTERS:
        raise ValueError(f"unknown register {register!r}")
    if quality not in QUALITY_WORDS:
        raise ValueError(f"unknown quality {quality!r}")
    day = row["reading_date"]
    if not isinstance(day, date) or isinstance(day, datetime):
        raise TypeError(f"reading_date is a date, not {day!r}")
    return (
        row["customer_code"],
        row["meter_no"],
        day.isoformat(),
        register,
        kwh_text(row["index_wh"]),
        kwh_text(row["wh"]),
        QUALITY_WORDS[quality],
    )


def csv_chunks(rows: Iterable[Mapping], *, chunk_rows: int = CHUNK_ROWS) -> Iterator[bytes]:
    """The CSV in UTF-8 chunks of `chunk_rows` lines (the header first), for streaming:
    no BOM, `\\n` line ends, ISO dates, kWh with three decimals, quality as a word."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    pending = 0
    for row in rows:
        writer.writerow(_csv_row(row))
        pending += 1
        if pending == chunk_rows:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending or buffer.tell():
        yield buffer.getvalue().encode()


def csv_bytes(rows: Iterable[Mapping]) -> bytes:
    """The whole CSV at once (see csv_chunks)."""
    return b"".join(csv_chunks(rows))


# ---------------------------------------------------------------- Green Button (ESPI)


def day_start(day: date) -> int:
    """Unix seconds of the local midnight that starts `day` in Việt Nam (UTC+7)."""
    return int(datetime.combine(day, time(), tzinfo=VIETNAM).timestamp())


def _atom_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("generated_at must be an aware datetime")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _uuid(href: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'cskh:' + href)}"


def _sub(parent: ET.Element, name: str, text=None) -> ET.Element:
    element = ET.SubElement(parent, name)
    if text is not None:
        element.text = str(text)
    return element


def _espi(parent: ET.Element, name: str, text=None) -> ET.Element:
    return _sub(parent, f"{{{ESPI}}}{name}", text)


class _Feed:
    def __init__(self, *, title: str, href: str, updated: str):
        self.updated = updated
        self.root = ET.Element(f"{{{ATOM}}}feed")
        _sub(self.root, f"{{{ATOM}}}id", _uuid(href))
        _sub(self.root, f"{{{ATOM}}}title", title)
        _sub(self.root, f"{{{ATOM}}}updated", updated)
        ET.SubElement(self.root, f"{{{ATOM}}}link", href=href, rel="self")

    def entry(self, *, title: str, self_href: str, up: str, related=()) -> ET.Element:
        """Add an entry; return its <content> to put the ESPI resource in."""
        entry = _sub(self.root, f"{{{ATOM}}}entry")
        _sub(entry, f"{{{ATOM}}}id", _uuid(self_href))
        ET.SubElement(entry, f"{{{ATOM}}}link", href=self_href, rel="self")
        ET.SubElement(entry, f"{{{ATOM}}}link", href=up, rel="up")
        for href in related:
            ET.SubElement(entry, f"{{{ATOM}}}link", href=href, rel="related")
        _sub(entry, f"{{{ATOM}}}title", title)
        content = _sub(entry, f"{{{ATOM}}}content")
        _sub(entry, f"{{{ATOM}}}published", self.updated)
        _sub(entry, f"{{{ATOM}}}updated", self.updated)
        return content

    def bytes(self) -> bytes:
        ET.register_namespace("", ATOM)
        ET.register_namespace("espi", ESPI)
        return ET.tostring(self.root, encoding="utf-8", xml_declaration=True)


def _daily_series(rows: Iterable[Mapping]) -> dict[str, dict[date, tuple[int, set]]]:
    """{series: {day: (Wh, qualities)}}: the total over every register of every meter,
    and each register over every meter."""
    series: dict[str, dict[date, list]] = defaultdict(lambda: defaultdict(lambda: [0, set()]))
    for row in rows:
        register, quality, day = row["register"], row["quality"], row["reading_date"]
        if register not in REGISTERS:
            raise ValueError(f"unknown register {register!r}")
        if quality not in QUALITY_WORDS:
            raise ValueError(f"unknown quality {quality!r}")
        for name in (TOTAL, register):
            cell = series[name][day]
            cell[0] += int(row["wh"])
            cell[1].add(quality)
    return {name: {day: (wh, q) for day, (wh, q) in days.items()} for name, days in series.items()}


def _quality(qualities: set) -> int | None:
    """The ESPI quality of a day: estimated if any part was, else corrected if any was."""
    for letter in ("E", "C"):
        if letter in qualities:
            return QUALITY_CODES[letter]
    return None


def _reading_type(content: ET.Element, series: str) -> None:
    element = _espi(content, "ReadingType")
    # the order of espi.xsd's sequence
    _espi(element, "accumulationBehaviour", ACCUMULATION_DELTA)
    _espi(element, "commodity", COMMODITY_ELECTRICITY)
    _espi(element, "currency", CURRENCY_VND)
    _espi(element, "flowDirection", FLOW_FORWARD)
    _espi(element, "intervalLength", DAY_SECONDS)
    _espi(element, "kind", KIND_ENERGY)
    _espi(element, "powerOfTenMultiplier", 0)
    if series in TOU_OF:
        _espi(element, "tou", TOU_OF[series])
    _espi(element, "uom", UOM_WH)


def _interval(parent: ET.Element, name: str, *, start: int, duration: int) -> None:
    interval = _espi(parent, name)
    _espi(interval, "duration", duration)
    _espi(interval, "start", start)


def espi_xml(
    *, customer_code: str, rows: Iterable[Mapping], generated_at: datetime, title: str
) -> bytes:
    """A Green Button "Download My Data" feed (NAESB ESPI, an Atom feed) of one
    customer's daily energy.

    One UsagePoint (the customer's supply point, ServiceCategory kind 0) with its
    LocalTimeParameters (UTC+7, no daylight saving), and MeterReadings, each with its
    ReadingType and one IntervalBlock per calendar month holding one IntervalReading
    per day that has readings:
    - MeterReading 1: the total energy of the day over every register of every meter
      of the customer (what the bill counts);
    - MeterReading 2–5: the registers KT, BT, CD, TD — those present in the rows — each
      summed over the customer's meters; BT/CD/TD carry ReadingType `tou` 1/2/3.

    Values are exact integer watt-hours: `uom` 72 (Wh) with `powerOfTenMultiplier` 0,
    not kWh with multiplier 3, because our kWh have three decimals and an ESPI value
    is an integer. A day starts at local midnight (Asia/Ho_Chi_Minh) and lasts
    86,400 s. Estimated days carry ReadingQuality 8, corrected days 7.

    Identifiers are UUIDs derived from the resource addresses, so the same rows and
    `generated_at` always give the same bytes."""
    base = f"{RESOURCE}/Subscription/{customer_code}"
    usage_points = f"{base}/UsagePoint"
    usage_point = f"{usage_points}/1"
    meter_readings = f"{usage_point}/MeterReading"
    local_time = f"{RESOURCE}/LocalTimeParameters/1"
    feed = _Feed(title=title, href=usage_points, updated=_atom_time(generated_at))

    content = feed.entry(
        title=customer_code,
        self_href=usage_point,
        up=usage_points,
        related=(meter_readings, local_time),
    )
    category = _espi(_espi(content, "UsagePoint"), "ServiceCategory")
    _espi(category, "kind", SERVICE_ELECTRICITY)

    content = feed.entry(title="UTC+7", self_href=local_time, up=f"{RESOURCE}/LocalTimeParameters")
    parameters = _espi(content, "LocalTimeParameters")
    _espi(parameters, "dstEndRule", DST_DISABLED)
    _espi(parameters, "dstOffset", 0)
    _espi(parameters, "dstStartRule", DST_DISABLED)
    _espi(parameters, "tzOffset", TZ_OFFSET)

    daily = _daily_series(rows)
    names = [TOTAL] + [register for register in REGISTERS if register in daily]
    for name in names:
        number = SERIES_NUMBER[name]
        meter_reading = f"{meter_readings}/{number}"
        blocks = f"{meter_reading}/IntervalBlock"
        reading_type = f"{RESOURCE}/ReadingType/{number}"
        label = "Total" if name == TOTAL else name
        content = feed.entry(
            title=f"{customer_code} {label}",
            self_href=meter_reading,
            up=meter_readings,
            related=(blocks, reading_type),
        )
        _espi(content, "MeterReading")
        content = feed.entry(
            title=f"Daily energy, Wh ({label})",
            self_href=reading_type,
            up=f"{RESOURCE}/ReadingType",
        )
        _reading_type(content, name)

        by_month: dict[tuple[int, int], list[date]] = defaultdict(list)
        days = daily.get(name, {})
        for day in sorted(days):
            by_month[(day.year, day.month)].append(day)
        for (year, month), month_days in sorted(by_month.items()):
            content = feed.entry(
                title=f"{year:04d}-{month:02d}",
                self_href=f"{blocks}/{year:04d}{month:02d}",
                up=blocks,
            )
            block = _espi(content, "IntervalBlock")
            start = day_start(month_days[0])
            end = day_start(month_days[-1] + timedelta(days=1))
            _interval(block, "interval", start=start, duration=end - start)
            for day in month_days:
                wh, qualities = days[day]
                reading = _espi(block, "IntervalReading")
                quality = _quality(qualities)
                if quality is not None:
                    _espi(_espi(reading, "ReadingQuality"), "quality", quality)
                _interval(reading, "timePeriod", start=day_start(day), duration=DAY_SECONDS)
                _espi(reading, "value", wh)
    return feed.bytes()
