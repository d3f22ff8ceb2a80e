"""The staff back-office at /staff/ (Django admin, staff accounts only).

Every list is scoped in its queryset: a power company's staff see only the units
and customers under their unit (cskh.staff.scope)."""

from django import forms
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cskh.accounts.models import LegalDocument, User
from cskh.billing.models import BillRun, Invoice, PriceList, TenantRule, TouHourSet, VatRate
from cskh.core import codes
from cskh.core.forms import CccdField, CustomerCodeField, PhoneField
from cskh.customers import services as customer_services
from cskh.customers.models import Customer, CustomerLink, Meter, Unit, UnitHotline
from cskh.incidents.models import Incident
from cskh.metering.models import ImportBatch, IngestKey
from cskh.notifications.models import Notice
from cskh.outages.models import Outage
from cskh.payments.models import CollectingAccount, Payment, Statement, StatementLine
from cskh.staff import scope
from cskh.staff.billing import BillRunAdmin, InvoiceAdmin
from cskh.staff.incidents import IncidentAdmin
from cskh.staff.metering import ImportBatchAdmin, IngestKeyAdmin, MeterAdmin
from cskh.staff.models import PersonalDataAccess, StaffMembership
from cskh.staff.notices import NoticeAdmin
from cskh.staff.outages import OutageAdmin
from cskh.staff.payments import (
    CollectingAccountAdmin,
    PaymentAdmin,
    StatementAdmin,
    StatementLineAdmin,
)
from cskh.staff.readonly import ReadOnlyAdmin
from cskh.staff.tariffs import PriceListAdmin, TenantRuleAdmin, TouHourSetAdmin, VatRateAdmin


class StaffSite(admin.AdminSite):
    site_header = _("EVN CSKH — staff")
    site_title = _("EVN CSKH staff")
    index_title = _("Back-office")


site = StaffSite(name="staff")


class MeterInline(admin.TabularInline):
    model = Meter
    extra = 0
    fields = ["number", "registers", "multiplier", "digits", "installed_date", "removed_date"]


class LinkInline(admin.TabularInline):
    model = CustomerLink
    extra = 0
    fields = ["account", "relation", "proof", "linked_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CustomerForm(forms.ModelForm):
    """Staff enter contracts with the same rules customers' input meets: a valid code
    whose unit prefix exists, a Vietnamese phone, a 12-digit CCCD."""

    code = CustomerCodeField()
    contract_phone = PhoneField(label=_("phone on the contract"), mobile_only=False, required=False)
    holder_cccd = CccdField(label=_("holder's CCCD number"), required=False)

    class Meta:
        model = Customer
        fields = [
            "code",
            "name",
            "address",
            "ward",
            "district",
            "province",
            "unit",
            "substation",
            "feeder",
            "purpose",
            "voltage",
            "households",
            "contract_phone",
            "holder_cccd",
            "status",
        ]

    def clean(self):
        data = super().clean()
        code, unit = data.get("code"), data.get("unit")
        if code and unit:
            owner = customer_services.resolve_unit(code)
            if owner is None:
                self.add_error(
                    "code", _("No EVN unit has the code this customer code starts with.")
                )
            elif not unit.path.startswith(owner.path):
                self.add_error(
                    "unit",
                    _(
                        "A customer code starting with %(prefix)s belongs to %(unit)s "
                        "or a unit under it."
                    )
                    % {"prefix": owner.code, "unit": owner},
                )
        return data


@admin.register(Customer, site=site)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerForm
    list_display = ["code", "name", "address", "unit", "purpose", "status"]
    list_filter = ["status", "purpose"]
    search_fields = ["code", "name", "contract_phone"]
    list_select_related = ["unit"]
    ordering = ["code"]
    show_full_result_count = False
    inlines = [MeterInline, LinkInline]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        return scope.customers_for(request.user)

    def get_search_results(self, request, queryset, search_term):
        """A phone typed as 0912 345 678 finds the contract stored as +84912345678."""
        try:
            phone = codes.normalize_phone(search_term, mobile_only=False)
        except codes.InvalidCode:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(contract_phone=phone), False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = scope.units_for(request.user).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and request.method == "GET":
            customer = self.get_queryset(request).filter(pk=object_id).first()
            if customer:
                PersonalDataAccess.objects.create(
                    staff=request.user, customer=customer, accessed_at=timezone.now(), action="VIEW"
                )
        return response


class HotlineInline(admin.TabularInline):
    model = UnitHotline
    extra = 0


@admin.register(Unit, site=site)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    ordering = ["path"]
    inlines = [HotlineInline]

    def get_queryset(self, request):
        return scope.units_for(request.user).select_related("parent")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = scope.units_for(request.user).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(User, site=site)
class AccountAdmin(admin.ModelAdmin):
    """Accounts are the customers' own: staff look them up but cannot change them."""

    list_display = ["phone", "full_name", "is_staff", "created_at"]
    search_fields = ["phone", "full_name"]
    fields = ["phone", "full_name", "email", "language", "is_active", "is_staff", "created_at"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request):
        """Staff see the accounts that follow their customers, and their own colleagues."""
        if scope.sees_everything(request.user):
            return User.objects.all()
        return User.objects.filter(
            Q(customer_links__customer__in=scope.customers_for(request.user))
            | Q(staff_membership__unit__in=scope.units_for(request.user))
        ).distinct()

    def get_search_results(self, request, queryset, search_term):
        try:
            phone = codes.normalize_phone(search_term)
        except codes.InvalidCode:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(phone=phone), False

    def has_add_permission(self, request):
        return False


@admin.register(StaffMembership, site=site)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(unit__in=scope.units_for(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = scope.units_for(request.user).order_by("path")
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_staff=True).order_by("phone")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(PersonalDataAccess, site=site)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ["accessed_at", "staff", "customer", "action"]
    ordering = ["-accessed_at", "-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(customer__in=scope.customers_for(request.user))


@admin.register(LegalDocument, site=site)
class LegalDocumentAdmin(admin.ModelAdmin):
    list_display = ["kind", "version", "effective_date"]
    ordering = ["kind", "-effective_date"]

    def has_change_permission(self, request, obj=None):
        # A version customers accepted is never edited: publish a new version.
        return obj is None and super().has_change_permission(request, obj)


site.register(Notice, NoticeAdmin)
site.register(Outage, OutageAdmin)
site.register(Incident, IncidentAdmin)
site.register(Meter, MeterAdmin)
site.register(IngestKey, IngestKeyAdmin)
site.register(ImportBatch, ImportBatchAdmin)
site.register(PriceList, PriceListAdmin)
site.register(VatRate, VatRateAdmin)
site.register(TouHourSet, TouHourSetAdmin)
site.register(TenantRule, TenantRuleAdmin)
site.register(BillRun, BillRunAdmin)
site.register(Invoice, InvoiceAdmin)
site.register(Payment, PaymentAdmin)
site.register(CollectingAccount, CollectingAccountAdmin)
site.register(Statement, StatementAdmin)
site.register(StatementLine, StatementLineAdmin)


@admin.register(LogEntry, site=site)
class AuditLogAdmin(ReadOnlyAdmin):
    """Who did what and when in the back-office (notices, outages, incident reports …):
    Django's admin log, read-only, for EVN administrators."""

    list_display = ["action_time", "user", "content_type", "object_repr", "change_message"]
    list_filter = ["content_type", "action_flag"]
    search_fields = ["object_repr", "change_message", "user__phone"]
    ordering = ["-action_time", "-id"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser
