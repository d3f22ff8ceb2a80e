"""The outage schedule: /api/v1/outages (no login needed)."""

from django.utils import timezone
from ninja import Query, Router, Schema

from cskh.core.forms import validated
from cskh.outages import forms, queries

router = Router(tags=["outages"])


class OutageOut(Schema):
    id: int
    kind: str
    emergency: bool
    start: str
    end: str
    area: str
    line: str
    reason: str
    capacity_kw: int | None
    unit: str


class LookupQuery(Schema):
    customer: str | None = None
    province: str | None = None
    district: str | None = None
    ward: str | None = None


def outage_out(outage) -> dict:
    return {
        "id": outage.id,
        "kind": outage.kind,
        "emergency": outage.emergency,
        "start": timezone.localtime(outage.start_at).isoformat(),
        "end": timezone.localtime(outage.end_at).isoformat(),
        "area": outage.area,
        "line": outage.line,
        "reason": outage.reason,
        "capacity_kw": outage.capacity_kw,
        "unit": outage.unit.name,
    }


@router.get("", response=list[OutageOut])
def lookup(request, filters: Query[LookupQuery]):
    """Upcoming and current outages of a customer code, or of an area."""
    data = validated(forms.LookupForm, filters.dict())
    now = timezone.now()
    if data["customer"]:
        outages = queries.for_code(data["customer"], now=now)
    else:
        outages = queries.for_area(
            province=data["province"], district=data["district"], ward=data["ward"], now=now
        )
    return [outage_out(outage) for outage in outages]
