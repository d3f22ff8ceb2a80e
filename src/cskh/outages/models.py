"""Planned outages and reductions of supply (lịch ngừng, giảm cung cấp điện).

Content required by Circular 22/2020/TT-BCT, Art. 4: area, reason, start time,
expected restoration time and, for a reduction, the capacity limit."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cskh.customers.models import Customer, Unit


class Outage(models.Model):
    class Kind(models.TextChoices):
        OUTAGE = "OUTAGE", _("Outage")
        REDUCTION = "REDUCTION", _("Reduction of supply")

    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="outages",
        verbose_name=_("unit doing the work"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OUTAGE)
    capacity_kw = models.PositiveIntegerField(
        _("capacity limit (kW)"), null=True, blank=True, help_text=_("For a reduction only.")
    )
    emergency = models.BooleanField(
        _("emergency"),
        default=False,
        help_text=_("Emergency work may be announced less than 5 days ahead."),
    )
    area = models.TextField(_("area"))
    line = models.CharField(
        _("line or feeder"),
        max_length=100,
        blank=True,
        help_text=_("For example ĐZ 22kV lộ 475E1.4"),
    )
    reason = models.TextField(_("reason"))
    start_at = models.DateTimeField(_("start"))
    end_at = models.DateTimeField(_("expected restoration"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("published at"), auto_now_add=True)
    customers = models.ManyToManyField(
        Customer, through="OutageCustomer", related_name="outages", verbose_name=_("customers")
    )

    class Meta:
        verbose_name = _("planned outage")
        verbose_name_plural = _("planned outages")
        indexes = [models.Index(fields=["end_at", "start_at"], name="outage_period")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_at__gt=models.F("start_at")), name="outage_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(kind="REDUCTION") | Q(capacity_kw__isnull=False),
                name="outage_reduction_has_capacity",
            ),
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.start_at)
        return f"{self.unit.code} {start:%d/%m/%Y %H:%M}: {self.area[:40]}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def has_ended(self, now) -> bool:
        return self.end_at <= now


class OutageCustomer(models.Model):
    # outage_customer_once begins with it
    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, db_index=False)
    # outage_by_customer begins with it
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["outage", "customer"], name="outage_customer_once")
        ]
        indexes = [models.Index(fields=["customer", "outage"], name="outage_by_customer")]

    def __str__(self) -> str:
        return f"{self.outage_id} → {self.customer_id}"
