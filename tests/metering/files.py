"""Readings files for the import tests."""

import io
from datetime import date, datetime, timedelta

from django.utils import timezone

from cskh.customers.models import Meter
from cskh.metering import ingest
from cskh.metering.models import ImportBatch

TODAY = date(2026, 11, 24)
HEADER = "customer_code,meter_no,reading_date,register,index_kwh,kwh,quality"


def csv_of(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def row(meter: Meter, day: date | str, index: str, *, register="KT", kwh="", quality="") -> str:
    return f"{meter.customer.code},{meter.number},{day},{register},{index},{kwh},{quality}"


def days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


def send(data: bytes, *, unit=None, today: date = TODAY) -> ingest.Result:
    return ingest.import_readings(
        io.BytesIO(data),
        source="test.csv",
        channel=ImportBatch.Channel.COMMAND,
        unit=unit,
        today=today,
        now=timezone.make_aware(datetime.combine(today, datetime.min.time())),
    )


def reasons(result: ingest.Result) -> dict[int, str]:
    return {rejection.line: rejection.reason for rejection in result.rejections}
