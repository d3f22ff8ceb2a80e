"""EVN units, customers (mã khách hàng), meters, and account ↔ customer links."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _


class Unit(models.Model):
    """EVN → power corporation → power company → branch.

    `code` of a company or a branch is the prefix of its customers' codes
    (PE01…, PE0100…); `path` (`/EVN/EVNHCMC/PE01/PE0100/`) makes "this unit and
    everything under it" one indexed prefix match."""

    class Level(models.TextChoices):
        GROUP = "GROUP", _("Group (EVN)")
        CORPORATION = "CORPORATION", _("Power corporation")
        COMPANY = "COMPANY", _("Power company")
        BRANCH = "BRANCH", _("Branch")

    code = models.CharField(_("unit code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=200, unique=True, editable=False)
    address = models.CharField(_("address"), max_length=300, blank=True)
    tax_code = models.CharField(_("tax code"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("EVN unit")
        verbose_name_plural = _("EVN units")
        constraints = [
            models.CheckConstraint(
                condition=Q(level="GROUP", parent__isnull=True)
                | (~Q(level="GROUP") & Q(parent__isnull=False)),
                name="unit_only_group_has_no_parent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def save(self, *args, **kwargs):
        old_path = self.path
        self.path = f"{self.parent.path if self.parent else '/'}{self.code}/"
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # Moved or renamed: the units under it (and so their customers) follow.
            Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(models.Value(self.path), Substr("path", len(old_path) + 1))
            )

    @property
    def corporation(self) -> "Unit | None":
        """The power corporation this unit belongs to (itself if it is one)."""
        if self.level == self.Level.CORPORATION:
            return self
        codes = self.path.strip("/").split("/")
        return Unit.objects.get(code=codes[1]) if len(codes) > 1 else None


class UnitHotline(models.Model):
    """A customer-service hotline of a unit, valid over [valid_from, valid_until)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="hotlines")
    number = models.CharField(_("hotline number"), max_length=20)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("hotline")
        verbose_name_plural = _("hotlines")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="hotline_period_not_empty",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.number}"

    @classmethod
    def in_force(cls, *, unit: Unit, on: date):
        return (
            cls.objects.filter(unit=unit, valid_from__lte=on)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=on))
            .order_by("valid_from", "id")
        )


class Customer(models.Model):
    """A customer (mã khách hàng): one electricity contract at one place."""

    class Purpose(models.TextChoices):
        RESIDENTIAL = "RESIDENTIAL", _("Residential")
        BUSINESS = "BUSINESS", _("Business")
        PRODUCTION = "PRODUCTION", _("Production")
        ADMINISTRATIVE = "ADMINISTRATIVE", _("Administrative")

    class Voltage(models.TextChoices):
        LT_6KV = "LT_6KV", _("Below 6 kV")
        KV_6_22 = "KV_6_22", _("6 kV to below 22 kV")
        KV_22_110 = "KV_22_110", _("22 kV to below 110 kV")
        GE_110KV = "GE_110KV", _("110 kV and above")

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", _("Power supplied")
        SUSPENDED = "SUSPENDED", _("Temporarily suspended")
        TERMINATED = "TERMINATED", _("Contract terminated")

    code = models.CharField(_("customer code"), max_length=16, unique=True)
    name = models.CharField(_("customer name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    ward = models.CharField(_("ward / commune"), max_length=100, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    province = models.CharField(_("province / city"), max_length=100, blank=True)
    # customer_unit_code begins with it
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("managing unit"),
        db_index=False,
    )
    substation = models.CharField(_("substation (TBA)"), max_length=50, blank=True)
    feeder = models.CharField(
        _("feeder (lộ đường dây)"), max_length=30, blank=True, help_text=_("For example 475E1.4")
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    voltage = models.CharField(
        _("voltage level"), max_length=10, choices=Voltage.choices, default=Voltage.LT_6KV
    )
    households = models.PositiveSmallIntegerField(_("households"), default=1)
    reading_day = models.PositiveSmallIntegerField(
        _("reading day of the month"),
        db_default=31,
        help_text=_("The day the meter is read for the bill; 31: the last day of each month."),
    )
    contract_phone = models.CharField(_("phone on the contract"), max_length=16, blank=True)
    holder_cccd = models.CharField(_("holder's CCCD number"), max_length=12, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["contract_phone"], name="customer_contract_phone"),
            models.Index(fields=["unit", "code"], name="customer_unit_code"),
            models.Index(fields=["feeder"], name="customer_feeder"),
            models.Index(fields=["province", "district", "ward"], name="customer_area"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(households__gte=1), name="customer_households_ge_1"),
            models.CheckConstraint(
                condition=Q(reading_day__gte=1) & Q(reading_day__lte=31),
                name="customer_reading_day_of_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def linkable(self) -> bool:
        return self.status != self.Status.TERMINATED


class Meter(models.Model):
    """An electricity meter installed at a customer over [installed_date, removed_date)."""

    class Registers(models.TextChoices):
        KT = "KT", _("Single rate (KT)")
        TOU = "BT_CD_TD", _("Time of use (BT/CD/TD)")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="meters")
    number = models.CharField(_("meter number"), max_length=20)
    registers = models.CharField(
        _("registers"), max_length=8, choices=Registers.choices, default=Registers.KT
    )
    multiplier = models.PositiveIntegerField(_("multiplier (HSN)"), default=1)
    digits = models.PositiveSmallIntegerField(_("register digits"), default=6)
    installed_date = models.DateField(_("installed on"))
    removed_date = models.DateField(_("removed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(removed_date__isnull=True),
                name="meter_number_installed_once",
            ),
            models.CheckConstraint(
                condition=Q(removed_date__isnull=True)
                | Q(removed_date__gt=models.F("installed_date")),
                name="meter_removed_after_installed",
            ),
            models.CheckConstraint(condition=Q(multiplier__gte=1), name="meter_multiplier_ge_1"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.customer.code})"


class CustomerLink(models.Model):
    """An account following a customer code, as its holder or as someone else."""

    class Relation(models.TextChoices):
        OWNER = "OWNER", _("Holder (chính chủ)")
        OTHER = "OTHER", _("Not the holder (không chính chủ)")

    class Proof(models.TextChoices):
        CONTRACT_PHONE_OTP = "CONTRACT_PHONE_OTP", _("code sent to the phone on the contract")
        CCCD = "CCCD", _("CCCD number on the contract")
        METER_NUMBER = "METER_NUMBER", _("meter number from the bill")

    # link_once_per_account begins with it
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="customer_links",
        db_index=False,
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="links")
    relation = models.CharField(_("relation"), max_length=5, choices=Relation.choices)
    proof = models.CharField(_("proved by"), max_length=20, choices=Proof.choices)
    nickname = models.CharField(_("nickname"), max_length=50, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    linked_at = models.DateTimeField(_("linked at"))

    class Meta:
        verbose_name = _("linked customer code")
        verbose_name_plural = _("linked customer codes")
        constraints = [
            models.UniqueConstraint(fields=["account", "customer"], name="link_once_per_account"),
            models.UniqueConstraint(
                fields=["account"], condition=Q(is_default=True), name="link_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} → {self.customer_id} ({self.relation})"

    @property
    def is_owner(self) -> bool:
        return self.relation == self.Relation.OWNER

    # mutators
    def rename(self, nickname: str) -> None:
        self.nickname = nickname
        self.save(update_fields=["nickname"])

    def make_default(self) -> None:
        CustomerLink.objects.filter(account_id=self.account_id, is_default=True).exclude(
            pk=self.pk
        ).update(is_default=False)
        self.is_default = True
        self.save(update_fields=["is_default"])

    def upgrade_to_owner(self, *, proof: str) -> None:
        self.relation, self.proof = self.Relation.OWNER, proof
        self.save(update_fields=["relation", "proof"])
