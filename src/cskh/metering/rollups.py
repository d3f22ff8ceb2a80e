"""Rebuilding the monthly rollups from the daily readings.

Imports keep MonthlyUsage current incrementally (ingest.py); this recomputes it from
scratch for some meters — the repair tool (`manage.py rebuild_rollups`) and the check
that the incremental path agrees with the definition."""

from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import TruncMonth

from cskh.customers.models import Unit
from cskh.metering import ingest
from cskh.metering.models import MonthlyUsage, Quality, Reading

COLUMNS = ("wh", "days", "estimated_days", "first_date", "last_date", "last_index_wh")


def computed(meter_ids) -> list[MonthlyUsage]:
    """MonthlyUsage rows as the definition gives them, from the daily readings."""
    groups = (
        Reading.objects.filter(meter_id__in=meter_ids)
        .annotate(month=TruncMonth("reading_date"))
        .values("meter_id", "month", "register")
        .annotate(
            total=Sum("wh"),
            days=Count("reading_date"),
            estimated=Count("reading_date", filter=Q(quality=Quality.ESTIMATED)),
            first=Min("reading_date"),
            last=Max("reading_date"),
        )
        .order_by("meter_id", "month", "register")
    )
    groups = list(groups)
    # The index on each group's last day: one query for all of them, not one per group.
    last = {(g["meter_id"], g["register"], g["last"]) for g in groups}
    last_index = {
        (meter_id, register, day): index_wh
        for meter_id, register, day, index_wh in Reading.objects.filter(
            meter_id__in=meter_ids, reading_date__in={day for _, _, day in last}
        ).values_list("meter_id", "register", "reading_date", "index_wh")
        if (meter_id, register, day) in last
    }
    rows = [
        MonthlyUsage(
            meter_id=group["meter_id"],
            month=group["month"],
            register=group["register"],
            wh=group["total"],
            days=group["days"],
            estimated_days=group["estimated"],
            first_date=group["first"],
            last_date=group["last"],
            last_index_wh=last_index[group["meter_id"], group["register"], group["last"]],
        )
        for group in groups
    ]
    return rows


def differing(meter_ids) -> set[int]:
    """The meters among `meter_ids` whose stored rollups are not the computed ones (a
    month missing, extra or with another value)."""
    expected = {
        (row.meter_id, row.month, row.register): tuple(getattr(row, name) for name in COLUMNS)
        for row in computed(meter_ids)
    }
    stored = {
        (meter_id, month, register): tuple(values)
        for meter_id, month, register, *values in MonthlyUsage.objects.filter(
            meter_id__in=meter_ids
        ).values_list("meter_id", "month", "register", *COLUMNS)
    }
    return {
        key[0] for key in expected.keys() | stored.keys() if expected.get(key) != stored.get(key)
    }


def rebuild(meter_ids, *, scope: Unit | None = None) -> int:
    """Replace the rollups of these meters by the computed ones; return how many. The
    imports of `scope` (a unit whose subtree holds the meters; None: every unit) wait
    meanwhile, so that none writes these meters' days between the two."""
    meter_ids = list(meter_ids)
    with transaction.atomic():
        ingest.lock_imports(scope)
        rows = computed(meter_ids)
        MonthlyUsage.objects.filter(meter_id__in=meter_ids).delete()
        MonthlyUsage.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
