"""Demo invoices: the bill runs of every month-end since the demo readings began,
computed from those readings by the real bill run; past bills paid, the last month's
unpaid (and the parents' home's month before too), and one index misread on a month's
last day and corrected afterwards by the MDMS, which adjusts two bills (one down, the
next one up). Only the last month's bills are announced to the customers.

Idempotent: a second run on the same day creates nothing (the bill runs find every
customer billed); on a later month it bills the month that has ended."""

import calendar
from datetime import date, datetime, time, timedelta

from django.db.models import F
from django.utils import timezone

from cskh.billing import billrun
from cskh.billing.models import BillRun, Invoice
from cskh.customers.models import Customer, Meter, Unit
from cskh.demo import readings
from cskh.metering import csvfile, export, ingest
from cskh.metering.models import ImportBatch, MonthlyUsage, Reading

MISREAD_CODE = "PE01000000001"  # its index of a month's last day was read too high
UNPAID_TWO_MONTHS = "PM01000000001"  # the parents' home: last month and the one before
OTHER_ROUTE = 15


def month_ends(first: date, last: date) -> list[date]:
    """The last days of the months from `first`'s to `last`'s, both included."""
    days, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        days.append(date(year, month, calendar.monthrange(year, month)[1]))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def ensure_invoices(*, today: date, now: datetime) -> int:
    """Bill every month-end with readings on both reading days; return the invoices
    made."""
    start, _until = readings.window(today)
    last_end = today.replace(day=1) - timedelta(days=1)
    ends = [
        day for day in month_ends(start, last_end) if billrun.previous_reading_day(day) >= start
    ]
    if not ends:
        return 0
    evn = Unit.objects.get(parent__isnull=True)
    _other_route_without_readings()
    before = Invoice.objects.count()
    for day in ends:
        _bill(evn, day, announce=day == ends[-1])
    misread = ends[-3] if len(ends) >= 3 else None
    if misread and _correct_misread(misread, today=today, now=now):
        for day in (misread, ends[-2]):
            _bill(evn, day, announce=False, again=True)
    _settle(latest=ends[-1])
    return Invoice.objects.count() - before


def _other_route_without_readings() -> None:
    """The generated customers without demo readings are read on the 15th: a route the
    demo does not bill (their bill runs would list them all as missing readings)."""
    with_readings = Meter.objects.filter(id__in=MonthlyUsage.objects.values("meter_id")).values(
        "customer_id"
    )
    Customer.objects.exclude(id__in=with_readings).exclude(reading_day=OTHER_ROUTE).update(
        reading_day=OTHER_ROUTE
    )


def _bill(unit: Unit, day: date, *, announce: bool, again: bool = False) -> None:
    """The run of `day`, as if made the next morning (once, unless `again`)."""
    if not again and BillRun.objects.filter(unit=unit, reading_date=day).exists():
        return
    at = datetime.combine(day + timedelta(days=1), time(8), tzinfo=timezone.get_current_timezone())
    billrun.run_bills(unit=unit, reading_date=day, now=at, announce=announce)


def _correct_misread(day: date, *, today: date, now: datetime) -> bool:
    """The MDMS re-sends, once, the misread day and the day after with the right index:
    energy moves from the misread month to the next."""
    rows = list(
        Reading.objects.filter(
            meter__customer__code=MISREAD_CODE,
            register="KT",
            reading_date__in=[day, day + timedelta(days=1)],
        )
        .select_related("meter")
        .order_by("reading_date")
    )
    if len(rows) != 2 or ImportBatch.objects.filter(source=_source(day)).exists():
        return False
    misread, after = rows
    multiplier = misread.meter.multiplier
    excess = min(misread.wh, after.wh) // (2 * 1000 * multiplier) * 1000  # whole kWh
    if not excess:
        return False
    corrected = [
        {
            "customer_code": MISREAD_CODE,
            "meter_no": misread.meter.number,
            "reading_date": reading.reading_date,
            "register": "KT",
            "index_wh": reading.index_wh - (excess if reading is misread else 0),
            "wh": reading.wh + (-excess if reading is misread else excess) * multiplier,
            "quality": "C",
        }
        for reading in rows
    ]
    ingest.import_readings(
        csvfile.ChunkReader(export.csv_chunks(corrected)),
        source=_source(day),
        channel=ImportBatch.Channel.COMMAND,
        unit=None,
        today=today,
        now=now,
    )
    return True


def _source(day: date) -> str:
    return f"demo correction of {MISREAD_CODE} on {day.isoformat()}"


def _settle(*, latest: date) -> None:
    """Every bill is paid a few days after its reading day, except the last month's and
    the parents' home's month before."""
    unpaid_before = billrun.previous_reading_day(latest)
    open_rows = Invoice.objects.filter(status=Invoice.Status.UNPAID).exclude(period_end=latest)
    open_rows = open_rows.exclude(
        customer__in=Customer.objects.filter(code=UNPAID_TWO_MONTHS), period_end=unpaid_before
    )
    open_rows.filter(total__gt=0).update(
        status=Invoice.Status.PAID,
        paid_amount=F("total"),
        paid_at=F("issued_at") + timedelta(days=5),
        paid_channel="Ủy nhiệm thu qua ngân hàng",
    )
