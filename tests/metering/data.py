"""Daily readings for the consumption tests, loaded the way the tests are told to:
partitions first, the readings in bulk, then the monthly rollups rebuilt."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from cskh.customers.models import Customer, Meter
from cskh.metering import partitions, rollups
from cskh.metering.models import ImportBatch, Reading


def batch() -> ImportBatch:
    return ImportBatch.objects.create(
        channel=ImportBatch.Channel.COMMAND, source="tests", received_at=timezone.now()
    )


def wh(kwh) -> int:
    return int(Decimal(str(kwh)) * 1000)


def meter_of(customer: Customer) -> Meter:
    return customer.meters.order_by("id").first()


def replace_meter(old: Meter, *, on: date, number: str, **fields) -> Meter:
    """Take `old` out on `on` and put a new meter in its place the same day."""
    old.removed_date = on
    old.save(update_fields=["removed_date"])
    return Meter.objects.create(customer=old.customer, number=number, installed_date=on, **fields)


def days(
    meter: Meter,
    first: date,
    kwh_per_day,
    *,
    register: str = "KT",
    index_kwh=1000,
    estimated=(),
    corrected=(),
) -> list[Reading]:
    """Readings of consecutive days from `first`: `kwh_per_day` is a list (one value a
    day) or (number of days, value). The index starts at `index_kwh` and grows by the
    day's energy divided by the meter's multiplier. Days in `estimated` / `corrected`
    get quality E / C."""
    if isinstance(kwh_per_day, tuple):
        count, value = kwh_per_day
        kwh_per_day = [value] * count
    index = wh(index_kwh)
    rows = []
    for n, value in enumerate(kwh_per_day):
        day = first + timedelta(days=n)
        energy = wh(value)
        index += energy // meter.multiplier
        quality = "E" if day in estimated else "C" if day in corrected else "A"
        rows.append(
            Reading(
                reading_date=day,
                meter=meter,
                register=register,
                index_wh=index,
                wh=energy,
                quality=quality,
            )
        )
    return rows


def load(*groups: list[Reading]) -> ImportBatch:
    """Store readings (of one new batch) and rebuild the rollups of their meters."""
    rows = [row for group in groups for row in group]
    loaded = batch()
    for row in rows:
        row.batch = loaded
    partitions.ensure(min(r.reading_date for r in rows), max(r.reading_date for r in rows))
    Reading.objects.bulk_create(rows, batch_size=2000)
    rollups.rebuild({row.meter_id for row in rows})
    return loaded
