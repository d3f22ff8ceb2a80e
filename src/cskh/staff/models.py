"""Who works where: a staff account's unit decides which customers it sees."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cskh.customers.models import Customer, Unit


class StaffMembership(models.Model):
    """A staff account works for one unit and sees that unit and everything under it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_membership"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="staff")

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit.code}"


class PersonalDataAccess(models.Model):
    """A staff member opened a customer's record (personal-data law: log staff access)."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    # the index on (customer, accessed_at) begins with it
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, db_index=False)
    accessed_at = models.DateTimeField()
    action = models.CharField(max_length=10)

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data accesses")
        indexes = [models.Index(fields=["customer", "accessed_at"])]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.action} {self.customer_id} {self.accessed_at:%Y-%m-%d %H:%M}"
