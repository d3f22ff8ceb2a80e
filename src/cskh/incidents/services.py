"""Reporting a power incident and handling it.

A report names a linked customer code or a place, has a description, a contact phone
and up to 3 photos; everything is checked before anything is written. The handling
unit is the customer's unit, or for a place the power company serving that province.
Each status change adds to the reporter's timeline and sends an INCIDENT notice."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cskh.core.errors import InvalidInput, NotFound
from cskh.customers.models import Customer, CustomerLink, Unit
from cskh.incidents import photos as photo_rules
from cskh.incidents.models import (
    NEXT,
    Incident,
    IncidentEvent,
    IncidentNote,
    IncidentPhoto,
    Kind,
    Status,
)
from cskh.notifications import services as notices
from cskh.notifications.models import Category

PHOTO_MESSAGES = {
    "too_large": lambda n: _("Photo %(n)d is larger than 5 MB.") % {"n": n},
    "type": lambda n: _("Photo %(n)d is not a JPEG, PNG or WebP image.") % {"n": n},
}


class IncidentNotFound(NotFound):
    code = "incident_not_found"
    default_message = gettext_lazy("This report does not exist or is not yours.")


@dataclass(frozen=True)
class Report:
    kind: str
    customer_code: str
    address: str
    province: str
    latitude: Decimal | None
    longitude: Decimal | None
    description: str
    contact_phone: str


def _unit_for_province(province: str) -> Unit:
    """The power company serving the province (that of its first known customer; a
    province is served by one company); EVN, for triage, when none is known."""
    customer = province.strip() and (
        Customer.objects.filter(province__iexact=province.strip())
        .select_related("unit__parent")
        .order_by("id")
        .first()
    )
    if not customer:  # no province given, or none of its customers is known
        return Unit.objects.get(level=Unit.Level.GROUP)
    unit = customer.unit
    return unit.parent if unit.level == Unit.Level.BRANCH else unit


def _clean_photos(uploads: list[bytes]) -> list[tuple[bytes, int, int]]:
    if len(uploads) > photo_rules.MAX_PHOTOS:
        raise InvalidInput(fields={"photos": [_("Attach at most 3 photos.")]})
    cleaned, errors = [], []
    for number, data in enumerate(uploads, start=1):
        try:
            cleaned.append(photo_rules.clean(data))
        except photo_rules.BadPhoto as bad:
            errors.append(PHOTO_MESSAGES[bad.reason](number))
    if errors:
        raise InvalidInput(fields={"photos": errors})
    return cleaned


def _tell(incident: Incident, *, title, now: datetime) -> None:
    def render():
        return title() % {"ticket": incident.ticket_no}, _("%(kind)s — status: %(status)s.") % {
            "kind": incident.get_kind_display(),
            "status": incident.get_status_display(),
        }

    notices.notify_account(
        account=incident.reporter,
        category=Category.INCIDENT,
        render=render,
        link=f"/incidents/{incident.pk}/",
        now=now,
    )


def report(*, reporter, report: Report, photos: list[bytes], now: datetime) -> Incident:
    customer = None
    if report.customer_code:
        link = (
            CustomerLink.objects.filter(account=reporter, customer__code=report.customer_code)
            .select_related("customer__unit")
            .first()
        )
        if link is None:
            message = _("This customer code is not linked to your account.")
            raise InvalidInput(fields={"customer_code": [message]})
        customer = link.customer
    elif not report.address.strip():
        message = _("Choose one of your customer codes, or give the address of the place.")
        raise InvalidInput(fields={"address": [message]})
    cleaned = _clean_photos(photos)
    urgent = report.kind == Kind.SAFETY_HAZARD
    hours = settings.INCIDENT_HANDLING_HOURS["URGENT" if urgent else "NORMAL"]
    with transaction.atomic():
        incident = Incident.objects.create(
            reporter=reporter,
            kind=report.kind,
            customer=customer,
            address=report.address.strip() or (customer.address if customer else ""),
            province=report.province.strip() or (customer.province if customer else ""),
            latitude=report.latitude,
            longitude=report.longitude,
            description=report.description.strip(),
            contact_phone=report.contact_phone,
            unit=customer.unit if customer else _unit_for_province(report.province),
            urgent=urgent,
            created_at=now,
            due_at=now + timedelta(hours=hours),
        )
        incident.ticket_no = f"SC{timezone.localtime(now):%y%m%d}{incident.pk:06d}"
        incident.save(update_fields=["ticket_no"])
        for number, (data, width, height) in enumerate(cleaned, start=1):
            photo = IncidentPhoto(incident=incident, width=width, height=height)
            photo.image.save(f"{incident.ticket_no}-{number}.jpg", ContentFile(data), save=True)
        IncidentEvent.objects.create(incident=incident, status=Status.RECEIVED, at=now)
        _tell(incident, title=lambda: _("Report %(ticket)s received"), now=now)
    return incident


def change_status(*, incident: Incident, status: str, note: str, by, now: datetime) -> Incident:
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if status not in NEXT[incident.status]:
            raise InvalidInput(
                fields={
                    "status": [
                        _("A report that is “%(now)s” cannot become “%(next)s”.")
                        % {
                            "now": incident.get_status_display(),
                            "next": Status(status).label,
                        }
                    ]
                }
            )
        if status == Status.REJECTED and not note.strip():
            raise InvalidInput(fields={"note": [_("Tell the reporter why it is rejected.")]})
        incident.status = status
        if status in (Status.RESOLVED, Status.REJECTED):
            incident.closed_at = now
        incident.save(update_fields=["status", "closed_at"])
        IncidentEvent.objects.create(
            incident=incident, status=status, note=note.strip(), at=now, by=by
        )
        _tell(incident, title=lambda: _("Report %(ticket)s: new status"), now=now)
    return incident


def assign(*, incident: Incident, to) -> None:
    Incident.objects.filter(pk=incident.pk).update(assigned_to=to)


def add_note(*, incident: Incident, text: str, by, now: datetime) -> IncidentNote:
    if not text.strip():
        raise InvalidInput(fields={"text": [_("Write the note.")]})
    return IncidentNote.objects.create(incident=incident, text=text.strip(), by=by, at=now)


def rate(*, reporter, incident_id: int, rating: int, comment: str, now: datetime) -> Incident:
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update().filter(pk=incident_id, reporter=reporter).first()
        )
        if incident is None:
            raise IncidentNotFound(_("This report does not exist or is not yours."))
        if incident.status != Status.RESOLVED:
            raise InvalidInput(_("You can rate the handling once the report is handled."))
        if incident.rated_at is not None:
            raise InvalidInput(_("You have already rated this report."))
        incident.rating, incident.rating_comment, incident.rated_at = rating, comment.strip(), now
        incident.save(update_fields=["rating", "rating_comment", "rated_at"])
    return incident
