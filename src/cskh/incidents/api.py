"""API of incident reports: /api/v1/incidents."""

from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from ninja import Form, Router, Schema, Status

from cskh.accounts.api import bearer
from cskh.core.forms import validated
from cskh.incidents import forms, queries, services
from cskh.incidents.views import linked_codes, report_from

router = Router(tags=["incidents"], auth=bearer)


class IncidentIn(Schema):
    kind: str
    customer_code: str | None = None
    address: str | None = None
    province: str | None = None
    lat: str | None = None
    lng: str | None = None
    description: str
    contact_phone: str


class Created(Schema):
    id: int
    ticket_no: str
    status: str


class RatingIn(Schema):
    rating: int
    comment: str | None = None


def summary(incident) -> dict:
    return {
        "id": incident.pk,
        "ticket_no": incident.ticket_no,
        "kind": incident.kind,
        "status": incident.status,
        "urgent": incident.urgent,
        "customer_code": incident.customer.code if incident.customer else None,
        "address": incident.address,
        "created_at": incident.created_at.isoformat(),
        "due_at": incident.due_at.isoformat(),
    }


@router.post("", response={201: Created})
def create(request, payload: Form[IncidentIn]):
    """Multipart form: the fields above and up to 3 files named `photos` (or `photos[]`)."""
    uploads = request.FILES.getlist("photos") + request.FILES.getlist("photos[]")
    data = payload.dict()
    data["latitude"], data["longitude"] = data.pop("lat"), data.pop("lng")
    cleaned = validated(
        forms.ReportForm,
        data,
        files=MultiValueDict({"photos": uploads}),
        codes=linked_codes(request.auth),
    )
    incident = services.report(
        reporter=request.auth,
        report=report_from(cleaned),
        photos=[upload.read() for upload in cleaned["photos"]],
        now=timezone.now(),
    )
    return Status(
        201, {"id": incident.pk, "ticket_no": incident.ticket_no, "status": incident.status}
    )


@router.get("")
def list_incidents(request):
    return [summary(incident) for incident in queries.of_reporter(request.auth)]


@router.get("/{int:incident_id}")
def detail(request, incident_id: int):
    incident = queries.of_reporter_by_id(request.auth, incident_id)
    if incident is None:
        raise services.IncidentNotFound()
    return summary(incident) | {
        "description": incident.description,
        "unit": incident.unit.name,
        "timeline": [
            {"status": event.status, "note": event.note, "at": event.at.isoformat()}
            for event in incident.events.all()
        ],
        "photos": [
            reverse("incidents:photo", args=[incident.pk, photo.pk])
            for photo in incident.photos.all()
        ],
        "rating": incident.rating,
        "rating_comment": incident.rating_comment,
    }


@router.post("/{int:incident_id}/rating")
def rating(request, incident_id: int, payload: RatingIn):
    cleaned = validated(forms.RatingForm, payload.dict())
    incident = services.rate(
        reporter=request.auth,
        incident_id=incident_id,
        rating=cleaned["rating"],
        comment=cleaned["comment"],
        now=timezone.now(),
    )
    return {"id": incident.pk, "rating": incident.rating}
