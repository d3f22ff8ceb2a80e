"""Notices (thông báo): stored once, resolved per account when it reads.

A notice names its audience — everyone, a unit and everything under it, a list of
customers, or one account — instead of having a row per recipient, so publishing
to a corporation of millions writes one row. Read state is per account: one row per
notice read, plus a "read everything before" watermark for "mark all read"."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cskh.customers.models import Customer, Unit


class Category(models.TextChoices):
    BILL = "BILL", _("Bills")
    INCIDENT = "INCIDENT", _("Power incidents")
    MEDIA = "MEDIA", _("News")


class Audience(models.TextChoices):
    EVERYONE = "EVERYONE", _("Everyone")
    UNIT = "UNIT", _("A unit and everything under it")
    CUSTOMERS = "CUSTOMERS", _("A list of customer codes")
    ACCOUNT = "ACCOUNT", _("One account")


class Notice(models.Model):
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=200)
    body_vi = models.TextField(_("text (Vietnamese)"))
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    link = models.CharField(
        _("link to what it is about"),
        max_length=300,
        blank=True,
        help_text=_("A path in the app, such as /customers/PE0100012345/"),
    )
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,  # Meta.indexes
        related_name="notices",
        verbose_name=_("unit"),
        help_text=_("For a unit audience: the unit whose customers receive it."),
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        db_index=False,  # Meta.indexes
        related_name="personal_notices",
    )
    issuer_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,  # Meta.indexes
        related_name="issued_notices",
        verbose_name=_("issued by unit"),
    )
    publish_at = models.DateTimeField(
        _("publish at"), null=True, blank=True, help_text=_("Empty while it is a draft.")
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,  # Meta.indexes
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,  # Meta.indexes
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        # Most notices (a bill's, an outage's for its customers) have no unit, account,
        # issuer, correction or author: the indexes on those keys leave them out.
        indexes = [
            models.Index(fields=["audience", "publish_at"], name="notice_audience_publish"),
            models.Index(
                fields=["unit", "publish_at"],
                condition=Q(unit__isnull=False),
                name="notice_unit_publish",
            ),
            models.Index(
                fields=["account", "publish_at"],
                condition=Q(account__isnull=False),
                name="notice_account_publish",
            ),
            *(
                models.Index(fields=[key], condition=Q(**{f"{key}__isnull": False}), name=name)
                for key, name in [
                    ("issuer_unit", "notice_issuer_unit"),
                    ("corrects", "notice_corrects"),
                    ("created_by", "notice_created_by"),
                ]
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(audience="UNIT") | Q(unit__isnull=False), name="notice_unit_audience"
            ),
            models.CheckConstraint(
                condition=~Q(audience="ACCOUNT") | Q(account__isnull=False),
                name="notice_account_audience",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.title_vi}"

    def title(self, language: str) -> str:
        return self.title_en if language.startswith("en") and self.title_en else self.title_vi

    def body(self, language: str) -> str:
        return self.body_en if language.startswith("en") and self.body_en else self.body_vi

    @property
    def is_published(self) -> bool:
        return self.publish_at is not None

    # mutators
    def publish(self, *, at) -> None:
        self.publish_at = at
        self.save(update_fields=["publish_at"])


class NoticeCustomer(models.Model):
    """A customer a CUSTOMERS-audience notice is about; every account linked to it sees it."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="recipients")
    # notice_customer_once begins with it
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, db_index=False, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "notice"], name="notice_customer_once")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.customer_id}"


class NoticeRead(models.Model):
    # notice_read_once begins with it
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notices_read",
        db_index=False,
    )
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "notice"], name="notice_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} read {self.notice_id}"


class ReadWatermark(models.Model):
    """ "Mark all read": every notice published before `read_before` counts as read."""

    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_watermark"
    )
    read_before = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.account_id} read all before {self.read_before:%Y-%m-%d %H:%M}"


class PushSubscription(models.Model):
    """One browser or phone that agreed to receive Web Push for an account."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.account_id} push {self.pk}"

    def info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushPreference(models.Model):
    """A category the account switched off (or back on) for Web Push."""

    # push_preference_once begins with it
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="push_preferences",
        db_index=False,
    )
    category = models.CharField(max_length=10, choices=Category.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "category"], name="push_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.category} {'on' if self.enabled else 'off'}"


class PushFanout(models.Model):
    """How far the push of one notice has gone: the last subscription id sent to.
    A job only goes on from the cursor it was given, so a repeated job sends nothing."""

    notice = models.OneToOneField(Notice, on_delete=models.CASCADE, related_name="fanout")
    cursor = models.BigIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"push of {self.notice_id}: {self.sent} sent"
