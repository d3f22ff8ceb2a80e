"""Tariffs as dated data: price lists, VAT rates, time-of-use hours and the tenant rule.

Each version carries the legal act that set it and the days it is in force, half-open:
[valid_from, valid_until), valid_until empty while no later version exists. A version
that has come into force is never edited (cskh.billing.tariffs.add_version closes its
predecessor); invoices keep the priced lines they were issued with (a Pricing is never
edited), so no edit re-prices one.
"""

from datetime import date
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cskh.billing import engine
from cskh.customers.models import Customer

Voltage = Customer.Voltage


class CustomerGroup(models.TextChoices):
    """The groups of the retail tariff (nhóm đối tượng khách hàng)."""

    RESIDENTIAL = "RESIDENTIAL", _("Residential")
    PREPAID = "PREPAID", _("Residential, prepaid card meter")
    BUSINESS = "BUSINESS", _("Business")
    PRODUCTION = "PRODUCTION", _("Production")
    HOSPITAL_SCHOOL = "HOSPITAL_SCHOOL", _("Hospitals, nurseries and schools")
    ADMINISTRATIVE = "ADMINISTRATIVE", _("Public lighting and administrative units")


TOU_GROUPS = {CustomerGroup.BUSINESS, CustomerGroup.PRODUCTION}


class Band(models.TextChoices):
    """What a price row prices: a residential tier, a time-of-use band, or every kWh."""

    TIER = "TIER", _("tier")
    NORMAL = engine.NORMAL, _("normal hours")
    PEAK = engine.PEAK, _("peak hours")
    OFFPEAK = engine.OFFPEAK, _("off-peak hours")
    FLAT = "FLAT", _("every kWh")


class Version(models.Model):
    """A dated version: in force on the days [valid_from, valid_until)."""

    legal_basis = models.CharField(
        _("legal basis"),
        max_length=120,
        help_text=_("The decision, circular or resolution that set it, e.g. 1279/QĐ-BCT"),
    )
    valid_from = models.DateField(_("in force from"))
    valid_until = models.DateField(
        _("in force until (excluded)"),
        null=True,
        blank=True,
        help_text=_("Left empty, it is set when the next version is added."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.legal_basis} ({self.valid_from:%d/%m/%Y})"

    # queries

    @classmethod
    def overlapping(cls, start: date, end: date | None):
        """The versions in force on some day of [start, end), oldest first."""
        rows = cls.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=start))
        if end is not None:
            rows = rows.filter(valid_from__lt=end)
        return rows.order_by("valid_from", "id")

    # properties

    def has_started(self, today: date) -> bool:
        return self.valid_from <= today

    def clean(self):
        if self.valid_until is not None and self.valid_from and self.valid_until <= self.valid_from:
            raise ValidationError(
                {"valid_until": _("The end must be after the day it comes into force.")}
            )

    def dated(self, value) -> engine.Dated:
        return engine.Dated(self.valid_from, self.valid_until, value)


def _version_constraints(prefix: str) -> list:
    return [
        models.UniqueConstraint(
            fields=["valid_from"],
            name=f"{prefix}_one_per_start",
            violation_error_message=_("Another version already comes into force on this day."),
        ),
        models.CheckConstraint(
            condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
            name=f"{prefix}_ends_after_start",
        ),
    ]


class PriceList(Version):
    """The retail prices set by one decision (biểu giá bán lẻ điện)."""

    title = models.CharField(
        _("title"), max_length=300, blank=True, help_text=_("Shown on the public tariff page")
    )

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = _version_constraints("pricelist")

    def schedule(self, group: str, voltage: str | None) -> engine.Schedule | None:
        """The engine's schedule of `group` at `voltage` in this list (None: not priced).
        A row with no voltage level prices every level."""
        rows = [
            row
            for row in self.prices.all()
            if row.customer_group == group and row.voltage in ("", voltage or Voltage.LT_6KV)
        ]
        if not rows:
            return None
        bands = {row.band: row.price for row in rows if row.band in engine.BANDS}
        if bands:
            return engine.Schedule(self.legal_basis, bands=bands)
        tiers = sorted(
            (row for row in rows if row.band in (Band.TIER, Band.FLAT)),
            key=lambda row: (row.up_to_kwh is None, row.up_to_kwh or 0),
        )
        return engine.Schedule(
            self.legal_basis, tiers=tuple(engine.Tier(row.up_to_kwh, row.price) for row in tiers)
        )


class Price(models.Model):
    """One price of a list, in VND/kWh without VAT."""

    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="prices", verbose_name=_("price list")
    )
    customer_group = models.CharField(
        _("customer group"), max_length=16, choices=CustomerGroup.choices
    )
    voltage = models.CharField(
        _("voltage level"),
        max_length=10,
        choices=Voltage.choices,
        blank=True,
        help_text=_("Empty: every level."),
    )
    band = models.CharField(_("priced"), max_length=8, choices=Band.choices)
    up_to_kwh = models.PositiveIntegerField(
        _("tier up to kWh"),
        null=True,
        blank=True,
        help_text=_("For a tier: its upper limit for one household a month; empty: the last tier."),
    )
    price = models.PositiveIntegerField(_("price (VND/kWh, VAT excluded)"))

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.CheckConstraint(
                condition=Q(band="TIER") | Q(up_to_kwh__isnull=True), name="price_limit_on_tiers"
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_group} {self.voltage} {self.band} {self.up_to_kwh or ''}".strip()


class VatRate(Version):
    """The VAT rate on electricity."""

    percent = models.DecimalField(_("rate (%)"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("VAT rate")
        verbose_name_plural = _("VAT rates")
        constraints = [
            *_version_constraints("vatrate"),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lt=100), name="vatrate_percent_range"
            ),
        ]

    @property
    def rate(self) -> Fraction:
        return Fraction(self.percent) / 100


class TouHourSet(Version):
    """The hours of the time-of-use bands; the hours not listed are normal hours."""

    class Meta:
        verbose_name = _("time-of-use hours")
        verbose_name_plural = _("time-of-use hours")
        constraints = _version_constraints("touhourset")


class TouWindow(models.Model):
    class Days(models.TextChoices):
        EVERY_DAY = "EVERY_DAY", _("every day")
        MON_SAT = "MON_SAT", _("Monday to Saturday")

    hour_set = models.ForeignKey(
        TouHourSet, on_delete=models.CASCADE, related_name="windows", verbose_name=_("hours")
    )
    band = models.CharField(
        _("band"),
        max_length=8,
        choices=[(Band.PEAK.value, Band.PEAK.label), (Band.OFFPEAK.value, Band.OFFPEAK.label)],
    )
    days = models.CharField(_("days"), max_length=10, choices=Days.choices)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("to"), help_text=_("May be past midnight, e.g. 22:00 to 04:00"))

    class Meta:
        verbose_name = _("time-of-use window")
        verbose_name_plural = _("time-of-use windows")
        constraints = [
            models.CheckConstraint(
                condition=~Q(starts_at=models.F("ends_at")), name="window_not_empty"
            )
        ]

    def __str__(self) -> str:
        return f"{self.band} {self.days} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class TenantRule(Version):
    """How a tenant on a lease under 12 months is billed (Circular 60/2025/TT-BCT)."""

    people_per_household = models.PositiveSmallIntegerField(
        _("declared people per household"), default=4
    )
    undeclared_tier = models.PositiveSmallIntegerField(
        _("tier priced with no headcount declared"), default=3
    )

    class Meta:
        verbose_name = _("tenant rule")
        verbose_name_plural = _("tenant rules")
        constraints = [
            *_version_constraints("tenantrule"),
            models.CheckConstraint(
                condition=Q(people_per_household__gte=1) & Q(undeclared_tier__gte=1),
                name="tenantrule_positive",
            ),
        ]

    @property
    def rule(self) -> engine.TenantRule:
        return engine.TenantRule(self.people_per_household, self.undeclared_tier)


# ---------------------------------------------------------------- invoices


class BillRun(models.Model):
    """One bill run: the invoices of a unit's customers read on one day, for the period
    that ends that day. Re-running it creates nothing new for unchanged readings."""

    class Status(models.TextChoices):
        RUNNING = "RUNNING", _("running")
        DONE = "DONE", _("done")

    unit = models.ForeignKey(
        "customers.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    reading_date = models.DateField(_("reading day"))
    period_start = models.DateField(_("previous reading day"))
    draft = models.BooleanField(_("drafts to check before issuing"), default=False)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    cursor = models.BigIntegerField(_("last customer done"), default=0)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    issued = models.PositiveIntegerField(_("invoices"), default=0)
    adjusted = models.PositiveIntegerField(_("adjustments"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bill run")
        verbose_name_plural = _("bill runs")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.reading_date:%d/%m/%Y}"


class SkippedCustomer(models.Model):
    """A customer a bill run could not bill, and why (a re-run tries again)."""

    class Reason(models.TextChoices):
        NO_READING = "NO_READING", _("no reading on the reading day")
        NO_PREVIOUS_READING = "NO_PREVIOUS", _("no reading on the previous reading day")
        NO_TARIFF = "NO_TARIFF", _("no tariff on file for the period")

    bill_run = models.ForeignKey(BillRun, on_delete=models.CASCADE, related_name="skipped_rows")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)

    class Meta:
        verbose_name = _("customer not billed")
        verbose_name_plural = _("customers not billed")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.reason}"


class InvoiceSequence(models.Model):
    """The next invoice number of a unit's series; numbers are taken in blocks under a
    row lock."""

    # sequence_once_per_series begins with it
    unit = models.ForeignKey(
        "customers.Unit", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    series = models.CharField(max_length=8)
    next_number = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "series"], name="sequence_once_per_series")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.series} {self.next_number}"


class Pricing(models.Model):
    """The priced lines of a bill, stored once for every invoice priced alike.

    The engine gives the same lines to the same period, tariffs, households and kWh, so
    the ~1 M invoices of a bill run share ~15,000 of these. A pricing is found by the
    digest of its lines (cskh.billing.invoices.pricing_digest) and never edited or
    deleted: an invoice's lines stay as issued."""

    digest = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("priced lines")
        verbose_name_plural = _("priced lines")

    def __str__(self) -> str:
        return self.digest[:12]


class Invoice(models.Model):
    """An electricity VAT invoice (hóa đơn GTGT tiền điện) as issued: never edited after
    it is issued, except for its payment state; a correction is an adjustment invoice."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", _("draft")
        UNPAID = "UNPAID", _("unpaid")
        PARTIALLY_PAID = "PARTIALLY_PAID", _("partly paid")
        PAID = "PAID", _("paid")
        CANCELLED = "CANCELLED", _("cancelled")
        PENDING = "PENDING", _("payment being processed")

    class Kind(models.TextChoices):
        NORMAL = "NORMAL", _("electricity invoice")
        ADJUSTMENT = "ADJUSTMENT", _("adjustment invoice")

    class Source(models.TextChoices):
        BILL_RUN = "BILL_RUN", _("bill run")
        CMIS = "CMIS", _("billing system (CMIS)")

    # invoice_customer_period begins with it
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        db_index=False,
        related_name="invoices",
        verbose_name=_("customer"),
    )
    unit = models.ForeignKey(
        "customers.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NORMAL)
    adjusts = models.ForeignKey(  # invoice_adjusts, partial: most invoices adjust none
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adjustments",
        verbose_name=_("adjusts invoice"),
        db_index=False,
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    # invoice_run_status begins with it
    bill_run = models.ForeignKey(
        BillRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="invoices",
    )
    # what was billed
    # Pricings are never deleted and nothing looks invoices up by theirs: no index.
    pricing = models.ForeignKey(Pricing, on_delete=models.PROTECT, db_index=False, related_name="+")
    period_month = models.DateField(_("billing month"))
    period_start = models.DateField(_("previous reading day"))
    period_end = models.DateField(_("reading day"))
    customer_name = models.CharField(_("customer name"), max_length=200)
    customer_address = models.CharField(_("address"), max_length=300)
    customer_group = models.CharField(
        _("customer group"), max_length=16, choices=CustomerGroup.choices
    )
    voltage = models.CharField(_("voltage level"), max_length=10, choices=Voltage.choices)
    households = models.PositiveSmallIntegerField(_("households"), default=1)
    kwh = models.IntegerField(_("kWh billed"))
    subtotal = models.BigIntegerField(_("amount before VAT (VND)"))
    vat_percent = models.DecimalField(
        _("VAT rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    vat = models.BigIntegerField(_("VAT (VND)"))
    total = models.BigIntegerField(_("total (VND)"))
    tier_divisor = models.PositiveSmallIntegerField(_("days of a standard month for tier widths"))
    due_date = models.DateField(_("due date"))
    # the e-invoice's identity
    form_number = models.CharField(_("form (mẫu số)"), max_length=12, default="1")
    series = models.CharField(_("series (ký hiệu)"), max_length=8)
    number = models.PositiveIntegerField(_("invoice number"), null=True, blank=True)
    lookup_code = models.CharField(_("lookup code"), max_length=12, blank=True)
    # state
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    paid_amount = models.BigIntegerField(_("paid (VND)"), default=0)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_channel = models.CharField(_("paid through"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [
            models.Index(fields=["customer", "-period_end"], name="invoice_customer_period"),
            models.Index(fields=["bill_run", "status"], name="invoice_run_status"),
            models.Index(
                fields=["adjusts"], condition=Q(adjusts__isnull=False), name="invoice_adjusts"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "period_end"],
                condition=Q(kind="NORMAL") & ~Q(status="CANCELLED"),
                name="invoice_once_per_customer_period",
            ),
            models.UniqueConstraint(
                fields=["unit", "series", "number"],
                condition=Q(number__isnull=False),
                name="invoice_number_once",
            ),
            models.UniqueConstraint(
                fields=["lookup_code"],
                condition=~Q(lookup_code=""),
                name="invoice_lookup_code_once",
            ),
            models.CheckConstraint(
                condition=Q(total=models.F("subtotal") + models.F("vat")),
                name="invoice_total_is_subtotal_plus_vat",
            ),
            models.CheckConstraint(
                condition=(Q(kind="ADJUSTMENT") & Q(adjusts__isnull=False))
                | (Q(kind="NORMAL") & Q(adjusts__isnull=True) & Q(total__gte=0)),
                name="invoice_adjustment_adjusts",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="invoice_period_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status="DRAFT") | Q(issued_at__isnull=False, number__isnull=False),
                name="invoice_issued_has_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.number or '—'} ({self.customer_id}, {self.period_month:%m/%Y})"

    # properties

    @property
    def lines(self):
        """The priced lines (InvoiceLine), shared with every invoice priced alike."""
        return self.pricing.lines

    @property
    def is_issued(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def period_days(self) -> int:
        return (self.period_end - self.period_start).days

    @property
    def due(self) -> int:
        """What is still to pay."""
        if self.status in (self.Status.UNPAID, self.Status.PARTIALLY_PAID, self.Status.PENDING):
            return max(self.total - self.paid_amount, 0)
        return 0

    @property
    def payable(self) -> bool:
        """Free to be put in a payment: issued, not paid, not inside another payment."""
        return self.status in (self.Status.UNPAID, self.Status.PARTIALLY_PAID) and self.due > 0

    # mutators, called by payments under a row lock on the invoice

    def hold(self) -> None:
        """A payment started for what is due."""
        self.status = self.Status.PENDING
        self.save(update_fields=["status"])

    def release(self) -> None:
        """The payment holding it ended unpaid."""
        self.status = self.Status.PARTIALLY_PAID if self.paid_amount else self.Status.UNPAID
        self.save(update_fields=["status"])

    def settle(self, *, amount: int, at, channel: str) -> None:
        self.paid_amount += amount
        self.paid_at = at
        self.paid_channel = channel
        self.status = self.Status.PAID
        self.save(update_fields=["paid_amount", "paid_at", "paid_channel", "status"])

    def unsettle(self, *, amount: int) -> None:
        """A payment of `amount` on it was refunded in full."""
        self.paid_amount -= amount
        self.paid_at = None
        self.paid_channel = ""
        self.status = self.Status.PARTIALLY_PAID if self.paid_amount else self.Status.UNPAID
        self.save(update_fields=["paid_amount", "paid_at", "paid_channel", "status"])


class InvoiceRegister(models.Model):
    """A row of the invoice's reading table: one register of one meter."""

    # register_row_once begins with it
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, db_index=False, related_name="registers"
    )
    position = models.PositiveSmallIntegerField()
    meter_no = models.CharField(_("meter number"), max_length=20)
    register = models.CharField(_("register"), max_length=2)
    old_index = models.DecimalField(_("old index"), max_digits=14, decimal_places=3)
    new_index = models.DecimalField(_("new index"), max_digits=14, decimal_places=3)
    multiplier = models.PositiveIntegerField(_("multiplier (HSN)"))
    kwh = models.IntegerField(_("kWh"))
    deducted_kwh = models.IntegerField(_("kWh deducted"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="register_row_once")
        ]

    def __str__(self) -> str:
        return f"{self.meter_no} {self.register}"

    @property
    def billed_kwh(self) -> int:
        return self.kwh - self.deducted_kwh


class InvoiceLine(models.Model):
    """A priced line: a tier (or every kWh at one tier's price) or a time-of-use band of
    one part of the period, as the engine made it."""

    # line_once begins with it
    pricing = models.ForeignKey(
        Pricing, on_delete=models.CASCADE, db_index=False, related_name="lines"
    )
    position = models.PositiveSmallIntegerField()
    segment_start = models.DateField(_("from"))
    segment_end = models.DateField(_("until (excluded)"))
    segment_days = models.PositiveSmallIntegerField(_("days"))
    tariff = models.CharField(_("tariff"), max_length=120)
    tier = models.PositiveSmallIntegerField(_("tier"), null=True, blank=True)
    lower = models.PositiveIntegerField(null=True, blank=True)
    upper = models.PositiveIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(_("tier width (kWh)"), null=True, blank=True)
    band = models.CharField(_("time-of-use band"), max_length=8, blank=True)
    flat_tier = models.BooleanField(default=False)
    kwh = models.IntegerField(_("kWh"))
    price = models.PositiveIntegerField(_("unit price (VND/kWh)"))
    amount = models.BigIntegerField(_("amount (VND)"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pricing", "position"], name="line_once"),
            models.CheckConstraint(
                condition=Q(amount=models.F("kwh") * models.F("price")), name="line_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pricing_id}/{self.position}"
