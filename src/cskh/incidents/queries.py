"""What a reporter sees of its reports, and what is already known before reporting."""

from django.db.models import Prefetch

from cskh.customers.models import CustomerLink
from cskh.incidents.models import Incident, IncidentEvent, Kind, Status


def of_reporter(account) -> list[Incident]:
    return list(
        Incident.objects.filter(reporter=account)
        .select_related("customer")
        .order_by("-created_at", "-id")
    )


def of_reporter_by_id(account, incident_id: int) -> Incident | None:
    return (
        Incident.objects.filter(reporter=account, pk=incident_id)
        .select_related("customer", "unit")
        .prefetch_related(
            "photos", Prefetch("events", queryset=IncidentEvent.objects.order_by("at", "id"))
        )
        .first()
    )


def open_area_incidents(account) -> list[Incident]:
    """Open "area without power" reports where the account's linked customers are."""
    provinces = set(
        CustomerLink.objects.filter(account=account).values_list("customer__province", flat=True)
    )
    if not provinces:
        return []
    return list(
        Incident.objects.filter(
            kind=Kind.NO_POWER_AREA,
            status__in=[Status.RECEIVED, Status.IN_PROGRESS],
            province__in=provinces,
        ).order_by("-created_at", "-id")[:10]
    )
