"""Daily meter readings, their monthly rollups, and what the corporations send them with.

Energy is stored in integer watt-hours (Wh = kWh × 1000) so that sums, deltas and
comparisons are exact on every database; the Python side speaks Decimal kWh
(`kwh()` below). See docs/decisions/0006-meter-data-layout.md.
"""

import hashlib
import secrets
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cskh.customers.models import Meter, Unit
from cskh.metering import export

WH_PER_KWH = 1000


def kwh(wh: int | None) -> Decimal | None:
    """Integer Wh → Decimal kWh with three decimals (12500 → Decimal("12.500"))."""
    return None if wh is None else Decimal(wh).scaleb(-3)


class Register(models.TextChoices):
    """A meter register: KT on single-rate meters, BT/CD/TD on time-of-use meters."""

    KT = "KT", _("Total (KT)")
    BT = "BT", _("Normal hours (BT)")
    CD = "CD", _("Peak hours (CD)")
    TD = "TD", _("Off-peak hours (TD)")


REGISTERS_OF = {
    Meter.Registers.KT: (Register.KT,),
    Meter.Registers.TOU: (Register.BT, Register.CD, Register.TD),
}


class Quality(models.TextChoices):
    """How the value was obtained; the letter is stored, the word travels in files."""

    ACTUAL = "A", _("actual")
    ESTIMATED = "E", _("estimated")
    CORRECTED = "C", _("corrected")


QUALITY_WORDS = export.QUALITY_WORDS  # the words files use, kept with the file format


class ImportBatch(models.Model):
    """One file or one API request of readings, with what became of its rows."""

    class Channel(models.TextChoices):
        COMMAND = "COMMAND", _("import command")
        API = "API", _("ingestion API")

    channel = models.CharField(_("channel"), max_length=7, choices=Channel.choices)
    source = models.CharField(_("source"), max_length=200)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sending unit"),
        help_text=_("Empty for EVN-wide imports by an operator."),
    )
    received_at = models.DateTimeField(_("received at"))
    rows_total = models.PositiveBigIntegerField(_("rows"), default=0)
    rows_new = models.PositiveBigIntegerField(_("new"), default=0)
    rows_unchanged = models.PositiveBigIntegerField(_("unchanged"), default=0)
    rows_corrected = models.PositiveBigIntegerField(_("corrected"), default=0)
    rows_rejected = models.PositiveBigIntegerField(_("rejected"), default=0)

    class Meta:
        verbose_name = _("readings import")
        verbose_name_plural = _("readings imports")

    def __str__(self) -> str:
        return f"#{self.pk} {self.source}"


class RejectedRow(models.Model):
    """A row of a batch that was not loaded, and why (a code of ingest.REASONS)."""

    # rejected_batch_line begins with it
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="rejections", db_index=False
    )
    line = models.PositiveBigIntegerField(_("line"))
    reason = models.CharField(_("reason"), max_length=20)
    content = models.CharField(_("row"), max_length=300)

    class Meta:
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        indexes = [models.Index(fields=["batch", "line"], name="rejected_batch_line")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line} {self.reason}"


class Reading(models.Model):
    """The index of one register of one meter at the end of one local day, and the
    energy of that day on that register (multiplier applied).

    On PostgreSQL the table is range-partitioned by month and keyed by
    (reading_date, meter, register) so that a day's load appends to the key
    (partitions.py creates it); on SQLite it is this plain table."""

    pk = models.CompositePrimaryKey("reading_date", "meter", "register")
    reading_date = models.DateField(_("day"))
    meter = models.ForeignKey(
        Meter, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    register = models.CharField(_("register"), max_length=2, choices=Register.choices)
    index_wh = models.BigIntegerField(_("index at the end of the day (Wh)"))
    wh = models.BigIntegerField(_("energy of the day (Wh)"))
    quality = models.CharField(_("quality"), max_length=1, choices=Quality.choices)
    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("daily reading")
        verbose_name_plural = _("daily readings")

    def __str__(self) -> str:
        return f"{self.meter_id} {self.reading_date} {self.register}"


class MonthlyUsage(models.Model):
    """The rollup of one register of one meter over one calendar month, kept current by
    every import so that month and year views never read days. Keyed by meter first:
    a meter's months sit together in the key, which on PostgreSQL also carries every
    other column (migration 0004), so those views read the key alone."""

    pk = models.CompositePrimaryKey("meter", "month", "register")
    meter = models.ForeignKey(
        Meter, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    month = models.DateField(_("month"))
    register = models.CharField(_("register"), max_length=2, choices=Register.choices)
    wh = models.BigIntegerField(_("energy (Wh)"))
    days = models.SmallIntegerField(_("days with a reading"))
    estimated_days = models.SmallIntegerField(_("estimated days"))
    first_date = models.DateField(_("first day with a reading"))
    last_date = models.DateField(_("last day with a reading"))
    last_index_wh = models.BigIntegerField(_("index on the last day (Wh)"))

    class Meta:
        verbose_name = _("monthly usage")
        verbose_name_plural = _("monthly usage")

    def __str__(self) -> str:
        return f"{self.meter_id} {self.month:%Y-%m} {self.register}"


class Correction(models.Model):
    """A stored reading replaced by a different value for the same meter, day and register."""

    meter = models.ForeignKey(
        Meter, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    reading_date = models.DateField(_("day"))
    register = models.CharField(_("register"), max_length=2, choices=Register.choices)
    old_index_wh = models.BigIntegerField()
    old_wh = models.BigIntegerField()
    old_quality = models.CharField(max_length=1, choices=Quality.choices)
    old_batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    new_index_wh = models.BigIntegerField()
    new_wh = models.BigIntegerField()
    new_quality = models.CharField(max_length=1, choices=Quality.choices)
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="corrections")

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        indexes = [models.Index(fields=["meter", "reading_date"], name="correction_meter_day")]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.reading_date} {self.register} (batch {self.batch_id})"


class MultiplierPeriod(models.Model):
    """The multiplier (HSN) of a meter over [valid_from, valid_until): the history kept
    when current transformers change. A meter without periods uses Meter.multiplier."""

    # multiplier_once_a_day begins with it
    meter = models.ForeignKey(
        Meter, on_delete=models.CASCADE, related_name="multiplier_periods", db_index=False
    )
    multiplier = models.PositiveIntegerField(_("multiplier (HSN)"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("multiplier period")
        verbose_name_plural = _("multiplier periods")
        constraints = [
            models.UniqueConstraint(fields=["meter", "valid_from"], name="multiplier_once_a_day"),
            models.CheckConstraint(condition=Q(multiplier__gte=1), name="multiplier_ge_1"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="multiplier_period_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meter_id} ×{self.multiplier} from {self.valid_from}"


class StartIndex(models.Model):
    """The index of a register when the meter was installed: the first day's
    consumption of a replacement meter is measured from it (0 when absent)."""

    # start_index_once begins with it
    meter = models.ForeignKey(
        Meter, on_delete=models.CASCADE, related_name="start_indexes", db_index=False
    )
    register = models.CharField(_("register"), max_length=2, choices=Register.choices)
    index_wh = models.BigIntegerField(_("index at installation (Wh)"))

    class Meta:
        verbose_name = _("index at installation")
        verbose_name_plural = _("indexes at installation")
        constraints = [
            models.UniqueConstraint(fields=["meter", "register"], name="start_index_once"),
            models.CheckConstraint(condition=Q(index_wh__gte=0), name="start_index_ge_0"),
        ]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.register} {kwh(self.index_wh)}"


class IngestKey(models.Model):
    """An API key with which a power corporation's MDMS sends readings of its own
    meters (those of its unit's subtree). Only a SHA-256 digest is stored."""

    PREFIX = "mdk_"

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="ingest_keys", verbose_name=_("unit")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("For example: MDMS EVNHCMC"))
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("key begins with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ingestion key")
        verbose_name_plural = _("ingestion keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def digest_of(clear: str) -> str:
        return hashlib.sha256(clear.encode()).hexdigest()

    def generate(self) -> str:
        """Give the key a new secret; return it (shown once, never stored)."""
        clear = self.PREFIX + secrets.token_urlsafe(32)
        self.digest, self.hint = self.digest_of(clear), clear[:12]
        return clear


def month_of(day: date) -> date:
    return day.replace(day=1)
