"""Payments of invoices, the gateways' callbacks (the inbox), refunds, the power companies'
collecting bank accounts and the bank statements that reconcile VietQR transfers.

An invoice is held by at most one payment at a time: `PaymentInvoice.holds` is true while
the payment waits for the gateway or has paid the invoice, and a partial unique index on
(invoice) where it holds makes a second hold impossible, whatever runs in parallel."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Method(models.TextChoices):
    VNPAY = "VNPAY", "VNPay"
    VIETQR = "VIETQR", _("VietQR bank transfer")
    MOMO = "MOMO", "MoMo"
    ZALOPAY = "ZALOPAY", "ZaloPay"


class Payment(models.Model):
    """One attempt to pay whole invoices through one gateway, for the amount the server
    computed. `reference` is what the gateway knows it by (vnp_TxnRef, VietQR tag 62)."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("waiting for payment")
        PAID = "PAID", _("paid")
        FAILED = "FAILED", _("not paid")
        EXPIRED = "EXPIRED", _("expired")
        REFUND_DUE = "REFUND_DUE", _("paid too late, to be refunded")
        REFUNDED = "REFUNDED", _("refunded")

    reference = models.CharField(_("reference"), max_length=24, unique=True)
    # kept when the account is deleted: the money moved, and the invoices say so
    # payment_account_created begins with it
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("account"),
        help_text=_("Empty for a payment made without logging in or by a deleted account."),
        db_index=False,
    )
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    amount = models.BigIntegerField(_("amount (VND)"))
    refunded_amount = models.BigIntegerField(_("refunded (VND)"), default=0)
    created_at = models.DateTimeField(_("started at"))
    expires_at = models.DateTimeField(_("expires at"))
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    # what the gateway said
    transaction_no = models.CharField(_("gateway transaction number"), max_length=40, blank=True)
    bank_code = models.CharField(_("bank"), max_length=20, blank=True)
    result_code = models.CharField(_("gateway result code"), max_length=8, blank=True)
    # a VietQR payment: the collecting account it goes to, and the QR's payload
    collecting_account = models.ForeignKey(
        "CollectingAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("collecting account"),
    )
    qr_payload = models.CharField(_("VietQR payload"), max_length=300, blank=True)
    locale = models.CharField(max_length=5, default="vi")
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [
            models.Index(fields=["account", "-created_at"], name="payment_account_created"),
            models.Index(fields=["status", "expires_at"], name="payment_status_expires"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("amount")),
                name="payment_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["PENDING", "FAILED", "EXPIRED"])
                | Q(settled_at__isnull=False),
                name="payment_settled_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        """Still waiting for the gateway's word: pending, or expired here without it."""
        return self.status in (self.Status.PENDING, self.Status.EXPIRED)

    @property
    def refundable(self) -> int:
        if self.status in (self.Status.PAID, self.Status.REFUND_DUE):
            return self.amount - self.refunded_amount
        return 0


class PaymentInvoice(models.Model):
    """An invoice a payment covers, for what was due on it when the payment started."""

    # payment_invoice_once begins with it
    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="payment_items"
    )
    amount = models.BigIntegerField(_("amount (VND)"))
    holds = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payment", "invoice"], name="payment_invoice_once"),
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(holds=True), name="invoice_held_once"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_item_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.invoice_id}"


class Callback(models.Model):
    """The inbox: a gateway's word on a transaction, recorded once. The row is written in
    the same transaction as the state change it causes, so a repeat (or a parallel twin)
    finds it and changes nothing."""

    gateway = models.CharField(max_length=8, choices=Method.choices)
    reference = models.CharField(max_length=100)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, related_name="callbacks"
    )
    source = models.CharField(max_length=12)  # IPN, QUERY, STATEMENT
    payload = models.JSONField()
    outcome = models.CharField(max_length=10)  # the payment's status it led to
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "reference"], name="callback_once")
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.reference}"


class Refund(models.Model):
    """A refund asked of the gateway by a staff member, with the gateway's answer."""

    class Status(models.TextChoices):
        ASKED = "ASKED", _("asked, waiting for the gateway's answer")
        DONE = "DONE", _("accepted by the gateway")
        REJECTED = "REJECTED", _("refused by the gateway")
        UNANSWERED = "UNANSWERED", _("no answer from the gateway: ask it before trying again")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    request_id = models.CharField(max_length=32, unique=True)
    amount = models.BigIntegerField(_("amount (VND)"))
    full = models.BooleanField(_("full refund"))
    reason = models.CharField(_("reason"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    response_code = models.CharField(_("gateway answer"), max_length=8, blank=True)
    response = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("asked at"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} −{self.amount}"


class CollectingAccount(models.Model):
    """The bank account a power corporation or company collects transfers on, valid over
    [valid_from, valid_until). A unit without one uses its nearest parent's."""

    unit = models.ForeignKey(
        "customers.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    bank_bin = models.CharField(_("bank BIN (NAPAS)"), max_length=6)
    bank_name = models.CharField(_("bank"), max_length=100)
    account_number = models.CharField(_("account number"), max_length=19)
    account_name = models.CharField(_("account name"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("collecting account")
        verbose_name_plural = _("collecting accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="collecting_period_not_empty",
            ),
            models.CheckConstraint(
                condition=Q(bank_bin__regex=r"^[0-9]{6}$"), name="collecting_bin_six_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_number}"

    @classmethod
    def for_unit(cls, unit, *, on: date) -> "CollectingAccount | None":
        """The account in force for the unit or, failing that, its nearest parent."""
        codes = [code for code in unit.path.split("/") if code]
        rows = (
            cls.objects.filter(unit__code__in=codes, valid_from__lte=on)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=on))
            .select_related("unit")
        )
        by_code = {row.unit.code: row for row in rows.order_by("valid_from", "pk")}
        return next((by_code[code] for code in reversed(codes) if code in by_code), None)


class Statement(models.Model):
    """A bank statement uploaded by staff to reconcile VietQR transfers."""

    account = models.ForeignKey(
        CollectingAccount,
        on_delete=models.PROTECT,
        related_name="statements",
        verbose_name=_("collecting account"),
    )
    file_name = models.CharField(_("file"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")

    def __str__(self) -> str:
        return f"{self.account} {self.file_name}"


class StatementLine(models.Model):
    """A credit on the statement and what reconciliation made of it. Only MATCHED lines
    changed anything; every other result waits for a person."""

    class Result(models.TextChoices):
        MATCHED = "MATCHED", _("matched: payment settled")
        ALREADY = "ALREADY", _("bank transaction reconciled before")
        NO_REFERENCE = "NO_REFERENCE", _("no payment reference in the description")
        UNKNOWN = "UNKNOWN", _("reference of no VietQR payment to this account")
        AMOUNT = "AMOUNT", _("amount differs from the payment")
        LATE = "LATE", _("invoices paid another way meanwhile: to be refunded")
        TWICE = "TWICE", _("payment already settled by another transfer: to be refunded")

    # statement_line_once begins with it
    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    line_no = models.PositiveIntegerField(_("line"))
    bank_transaction_id = models.CharField(_("bank transaction"), max_length=40)
    booked_at = models.DateTimeField(_("booked at"))
    amount = models.BigIntegerField(_("amount (VND)"))
    description = models.CharField(_("description"), max_length=255)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["statement", "line_no"], name="statement_line_once")
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}:{self.line_no}"
