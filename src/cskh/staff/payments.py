"""Payments in the back-office: the payments of one's unit's customers with the gateway's
word on each (read-only), refunds through the gateway with their own audit trail, the
collecting bank accounts, and bank statements that reconcile VietQR transfers."""

from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cskh.core.errors import DomainError, InvalidInput
from cskh.core.money import format_vnd
from cskh.payments import gateways, services, statements
from cskh.payments.models import (
    Callback,
    CollectingAccount,
    Payment,
    PaymentInvoice,
    Refund,
    Statement,
    StatementLine,
)
from cskh.staff import scope
from cskh.staff.feedback import show_refusal
from cskh.staff.readonly import ReadOnlyAdmin


class _Rows(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ItemInline(_Rows):
    model = PaymentInvoice
    fields = ["invoice", "amount", "holds"]
    readonly_fields = fields


class CallbackInline(_Rows):
    model = Callback
    fields = ["gateway", "source", "outcome", "received_at", "payload"]
    readonly_fields = fields


class RefundInline(_Rows):
    model = Refund
    fields = ["created_at", "created_by", "amount", "full", "reason", "status", "response_code"]
    readonly_fields = fields


class RefundForm(forms.Form):
    amount = forms.IntegerField(
        label=_("Amount to refund (VND)"),
        min_value=1,
        error_messages={
            "required": _("Enter the amount to refund."),
            "invalid": _("Enter a whole number of VND."),
            "min_value": _("Enter a whole number of VND."),
        },
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        error_messages={"required": _("Say why the money is refunded.")},
    )


def _of_units(queryset, user, field: str):
    if scope.sees_everything(user):
        return queryset
    return queryset.filter(**{f"{field}__in": scope.units_for(user)}).distinct()


class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "method",
        "status",
        "amount",
        "refunded_amount",
        "created_at",
        "settled_at",
        "transaction_no",
    ]
    list_filter = ["status", "method"]
    search_fields = ["=reference", "=transaction_no", "items__invoice__customer__code"]
    ordering = ["-created_at", "-pk"]
    readonly_fields = [
        "reference",
        "account",
        "method",
        "status",
        "amount",
        "refunded_amount",
        "created_at",
        "expires_at",
        "settled_at",
        "transaction_no",
        "bank_code",
        "result_code",
        "collecting_account",
        "ip",
    ]
    fields = readonly_fields
    inlines = [ItemInline, CallbackInline, RefundInline]
    change_form_template = "admin/payments/payment/change_form.html"

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("account", "collecting_account")
        return _of_units(rows, request.user, "items__invoice__customer__unit")

    def may_refund(self, request, payment: Payment) -> bool:
        """With the permission, through a gateway that refunds, and only a payment whose
        invoices are all of the staff member's units (one payment may span two codes)."""
        if not (request.user.has_perm("payments.add_refund") and gateways.refunds(payment.method)):
            return False
        if scope.sees_everything(request.user):
            return True
        units = scope.units_for(request.user)
        return not payment.items.exclude(invoice__customer__unit__in=units).exists()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        payment = self.get_object(request, object_id)
        extra = extra_context or {}
        if payment and payment.refundable and self.may_refund(request, payment):
            extra["refund_form"] = RefundForm(initial={"amount": payment.refundable})
            extra["refund_max"] = format_vnd(payment.refundable, get_language() or "vi")
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        return [
            path(
                "<int:payment_id>/refund/",
                self.admin_site.admin_view(self.refund_view),
                name="payments_payment_refund",
            ),
            *super().get_urls(),
        ]

    def refund_view(self, request, payment_id: int):
        payment = get_object_or_404(self.get_queryset(request), pk=payment_id)
        back = redirect(reverse("staff:payments_payment_change", args=[payment.pk]))
        if request.method != "POST":
            return back
        if not self.may_refund(request, payment):
            raise PermissionDenied
        form = RefundForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return back
        try:
            refund = services.refund(
                payment_id=payment.pk,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                now=timezone.now(),
            )
        except InvalidInput as error:
            show_refusal(request, error)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            self.log_change(request, payment, f"Refund {refund.amount}: {refund.status}")
            if refund.status == Refund.Status.DONE:
                messages.success(request, _("The gateway accepted the refund."))
            elif refund.status == Refund.Status.UNANSWERED:
                messages.warning(
                    request,
                    _(
                        "The gateway did not answer. Ask it whether refund %(id)s was made "
                        "before asking again."
                    )
                    % {"id": refund.request_id},
                )
            else:
                messages.error(
                    request,
                    _("The gateway refused the refund (code %(code)s).")
                    % {"code": refund.response_code},
                )
        return back


class CollectingAccountAdmin(admin.ModelAdmin):
    list_display = ["unit", "bank_name", "bank_bin", "account_number", "account_name"]
    list_display += ["valid_from", "valid_until"]
    ordering = ["unit__code", "-valid_from"]

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("unit")
        return _of_units(rows, request.user, "unit")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = scope.units_for(request.user).order_by("code")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class StatementForm(forms.ModelForm):
    file = forms.FileField(
        label=_("Statement (CSV)"),
        help_text=_(
            "UTF-8 CSV with a header: booked_at, bank_transaction_id, amount, description "
            "(docs/payments.md)."
        ),
        error_messages={"required": _("Choose the statement file.")},
    )

    class Meta:
        model = Statement
        fields = ["account"]

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            try:
                self.credits = statements.parse(upload.read(statements.MAX_BYTES + 1))
            except InvalidInput as error:
                for message in error.fields.get("file", [error.message]):
                    self.add_error("file", message)
        return data


class LineInline(_Rows):
    model = StatementLine
    fields = ["line_no", "booked_at", "bank_transaction_id", "amount", "description"]
    fields += ["result", "payment"]
    readonly_fields = fields
    ordering = ["line_no"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("payment")


class StatementAdmin(admin.ModelAdmin):
    """Upload a statement (add); see what each line became (change is read-only)."""

    list_display = ["uploaded_at", "account", "file_name", "uploaded_by"]
    ordering = ["-uploaded_at", "-pk"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = StatementForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["account", "file"] if obj is None else ["account", "file_name", "uploaded_by"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["account", "file_name", "uploaded_by"]

    def get_inlines(self, request, obj):
        return [LineInline] if obj else []

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("account", "uploaded_by")
        return _of_units(rows, request.user, "account__unit")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "account":
            kwargs["queryset"] = _of_units(
                CollectingAccount.objects.order_by("unit__code"), request.user, "unit"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def response_add(self, request, obj, post_url_continue=None):
        """To the uploaded statement's lines, not back to the list."""
        return redirect(reverse("staff:payments_statement_change", args=[obj.pk]))

    def save_model(self, request, obj, form, change):
        obj.file_name = form.cleaned_data["file"].name[:200]
        obj.uploaded_by = request.user
        statements.reconcile(statement=obj, credits=form.credits, now=timezone.now())
        counts = Counter(line.get_result_display() for line in obj.lines.all())
        for label, n in sorted(counts.items()):
            messages.info(request, f"{label}: {n}")


class StatementLineAdmin(ReadOnlyAdmin):
    """Every line of every statement, to work through the mismatches."""

    list_display = ["booked_at", "statement", "bank_transaction_id", "amount", "description"]
    list_display += ["result", "payment"]
    list_filter = ["result"]
    search_fields = ["=bank_transaction_id", "description"]
    ordering = ["-booked_at", "-pk"]

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("statement__account", "payment")
        return _of_units(rows, request.user, "statement__account__unit")
