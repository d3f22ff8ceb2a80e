"""Bills in the back-office: bill runs with their counts and the customers they could
not bill, issuing a run's checked drafts, and the invoices of one's unit (read-only: an
issued invoice is never edited)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_field
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cskh.billing import invoices
from cskh.billing.models import Invoice, InvoiceLine, InvoiceRegister, SkippedCustomer
from cskh.staff import scope
from cskh.staff.readonly import ReadOnlyAdmin


class _InUnit(ReadOnlyAdmin):
    unit_field = "unit"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if scope.sees_everything(request.user):
            return queryset
        return queryset.filter(**{f"{self.unit_field}__in": scope.units_for(request.user)})


class SkippedInline(admin.TabularInline):
    model = SkippedCustomer
    fields = ["customer", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("customer")


class BillRunAdmin(_InUnit):
    list_display = [
        "pk",
        "unit",
        "reading_date",
        "status",
        "draft",
        "customers",
        "issued",
        "adjusted",
        "unchanged",
        "skipped",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status", "draft"]
    list_select_related = ["unit"]
    ordering = ["-started_at", "-pk"]
    inlines = [SkippedInline]
    actions = ["issue_drafts"]

    @admin.action(description=_("Issue the checked drafts of these runs"), permissions=["issue"])
    def issue_drafts(self, request, queryset):
        drafts = list(
            Invoice.objects.filter(bill_run__in=queryset, status=Invoice.Status.DRAFT)
            .select_related("customer")
            .order_by("pk")
        )
        issued = invoices.issue(drafts, now=timezone.now())
        messages.success(
            request,
            ngettext("%(n)d invoice issued.", "%(n)d invoices issued.", len(issued))
            % {"n": len(issued)},
        )

    def has_issue_permission(self, request):
        return request.user.has_perm("billing.change_invoice")


class RegisterInline(admin.TabularInline):
    model = InvoiceRegister
    fields = ["meter_no", "register", "old_index", "new_index", "multiplier", "kwh", "deducted_kwh"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["position"]

    def has_add_permission(self, request, obj=None):
        return False


class InvoiceAdmin(_InUnit):
    unit_field = "customer__unit"
    list_display = [
        "series",
        "number",
        "customer",
        "period_month",
        "kind",
        "total",
        "status",
        "due_date",
        "source",
    ]
    list_filter = ["status", "kind", "source", "period_month"]
    search_fields = ["customer__code", "lookup_code", "=number"]
    ordering = ["-period_end", "-pk"]
    list_select_related = ["customer"]
    inlines = [RegisterInline]
    exclude = ["pricing"]
    readonly_fields = ["priced_lines"]
    line_fields = [
        "segment_start",
        "segment_end",
        "tariff",
        "tier",
        "band",
        "width",
        "kwh",
        "price",
        "amount",
    ]

    @admin.display(description=_("priced lines"))
    def priced_lines(self, invoice):
        """The lines as a table (they are shared with the invoices priced alike, so
        they are no inline of the invoice)."""
        fields = [InvoiceLine._meta.get_field(name) for name in self.line_fields]

        def cells(line):
            values = (display_for_field(getattr(line, f.attname), f, "") for f in fields)
            return format_html_join("", "<td>{}</td>", ((value,) for value in values))

        head = format_html_join("", "<th>{}</th>", ((capfirst(f.verbose_name),) for f in fields))
        rows = format_html_join(
            "", "<tr>{}</tr>", ((cells(line),) for line in invoice.lines.order_by("position"))
        )
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, rows)
