"""Incident reports (báo sự cố điện) and their handling."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cskh.customers.models import Customer, Unit


class Kind(models.TextChoices):
    NO_POWER_HOUSE = "NO_POWER_HOUSE", _("My house has no power")
    NO_POWER_AREA = "NO_POWER_AREA", _("The area has no power")
    SAFETY_HAZARD = "SAFETY_HAZARD", _("Safety hazard (fallen wire, leaning pole, sparks …)")
    OTHER = "OTHER", _("Other")


class Status(models.TextChoices):
    RECEIVED = "RECEIVED", _("Received")
    IN_PROGRESS = "IN_PROGRESS", _("Being handled")
    RESOLVED = "RESOLVED", _("Handled")
    REJECTED = "REJECTED", _("Rejected")


# Which status may follow which (RESOLVED and REJECTED are final).
NEXT = {
    Status.RECEIVED: {Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED},
    Status.IN_PROGRESS: {Status.RESOLVED, Status.REJECTED},
    Status.RESOLVED: set(),
    Status.REJECTED: set(),
}


class Incident(models.Model):
    # set right after the insert, from the id (SC + date + id)
    ticket_no = models.CharField(_("ticket number"), max_length=20, unique=True, null=True)  # noqa: DJ001
    # incident_reporter begins with it
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="incidents", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("customer"),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    province = models.CharField(_("province / city"), max_length=100, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    description = models.TextField(_("description"))
    contact_phone = models.CharField(_("contact phone"), max_length=16)
    # incident_queue begins with it
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("handling unit"),
        db_index=False,
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    created_at = models.DateTimeField(_("reported at"))
    due_at = models.DateTimeField(_("to be handled by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("comment on the handling"), blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("incident report")
        verbose_name_plural = _("incident reports")
        indexes = [
            models.Index(fields=["unit", "status", "created_at"], name="incident_queue"),
            models.Index(fields=["reporter", "created_at"], name="incident_reporter"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="incident_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | ~Q(address=""),
                name="incident_has_a_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_no} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in (Status.RECEIVED, Status.IN_PROGRESS)


class IncidentPhoto(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="incidents/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.image.name}"


class IncidentEvent(models.Model):
    """The timeline the reporter sees: each status with its public note."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=12, choices=Status.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.incident_id} {self.status} {self.at:%Y-%m-%d %H:%M}"


class IncidentNote(models.Model):
    """An internal note of the staff handling the report; never shown to the reporter."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("internal note"))
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.incident_id} note {self.at:%Y-%m-%d %H:%M}"
