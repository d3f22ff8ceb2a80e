"""Tariffs in the back-office: price lists, VAT rates, time-of-use hours, the tenant rule.

Tariffs are national: staff of EVN itself (the group) with the content editor role, or
superusers, add versions; others may only look. A version is added, never rewritten: once
it has come into force it is read-only, and adding the next one closes it
(cskh.billing.tariffs.add_version)."""

from collections import Counter

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cskh.billing import tariffs
from cskh.billing.models import TOU_GROUPS, Band, CustomerGroup, Price, TouWindow
from cskh.customers.models import Unit
from cskh.staff import scope


def edits_tariffs(user) -> bool:
    unit = scope.unit_of(user)
    return scope.sees_everything(user) or (unit is not None and unit.level == Unit.Level.GROUP)


def _started(obj) -> bool:
    return obj is not None and obj.has_started(timezone.localdate())


class VersionForm(forms.ModelForm):
    def _post_clean(self):  # where the instance has the form's values
        super()._post_clean()
        if not self.errors:
            try:
                tariffs.check_version(self.instance)
            except forms.ValidationError as error:
                self._update_errors(error)


class VersionAdmin(admin.ModelAdmin):
    form = VersionForm
    list_display = ["legal_basis", "valid_from", "valid_until"]
    ordering = ["-valid_from", "-id"]
    date_hierarchy = "valid_from"

    def has_add_permission(self, request):
        return super().has_add_permission(request) and edits_tariffs(request.user)

    def has_change_permission(self, request, obj=None):
        return (
            super().has_change_permission(request, obj)
            and edits_tariffs(request.user)
            and not _started(obj)
        )

    def has_delete_permission(self, request, obj=None):
        return (
            super().has_delete_permission(request, obj)
            and edits_tariffs(request.user)
            and not _started(obj)
        )

    def save_model(self, request, obj, form, change):
        tariffs.add_version(obj)


class VersionInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return edits_tariffs(request.user) and not _started(obj)

    def has_change_permission(self, request, obj=None):
        return edits_tariffs(request.user) and not _started(obj)

    def has_delete_permission(self, request, obj=None):
        return edits_tariffs(request.user) and not _started(obj)


class Prices(forms.BaseInlineFormSet):
    """A list prices each group completely: residential tiers with one open last tier,
    the three time-of-use bands per voltage level, one price for every kWh otherwise."""

    def clean(self):
        super().clean()
        rows = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        keys = Counter(
            (row["customer_group"], row["voltage"], row["band"], row.get("up_to_kwh"))
            for row in rows
        )
        if any(count > 1 for count in keys.values()):
            raise forms.ValidationError(_("A price is listed twice."))
        for row in rows:
            group, band = row["customer_group"], row["band"]
            if band == Band.TIER and group != CustomerGroup.RESIDENTIAL:
                raise forms.ValidationError(_("Only residential prices have tiers."))
            if (band in (Band.NORMAL, Band.PEAK, Band.OFFPEAK)) != (group in TOU_GROUPS):
                raise forms.ValidationError(
                    _("Business and production have time-of-use prices; other groups do not.")
                )
            if band == Band.TIER and row.get("up_to_kwh") == 0:
                raise forms.ValidationError(_("A tier ends above 0 kWh."))
        bands = Counter(
            (row["customer_group"], row["voltage"])
            for row in rows
            if row["customer_group"] in TOU_GROUPS
        )
        if any(count != 3 for count in bands.values()):
            raise forms.ValidationError(
                _("Give the off-peak, normal and peak prices for each voltage level.")
            )
        open_tiers = sum(
            1 for row in rows if row["band"] == Band.TIER and row.get("up_to_kwh") is None
        )
        if any(row["band"] == Band.TIER for row in rows) and open_tiers != 1:
            raise forms.ValidationError(_("Residential tiers end with one open last tier."))


class PriceInline(VersionInline):
    model = Price
    formset = Prices
    fields = ["customer_group", "voltage", "band", "up_to_kwh", "price"]


class PriceListAdmin(VersionAdmin):
    list_display = ["legal_basis", "title", "valid_from", "valid_until"]
    inlines = [PriceInline]


class TouWindowInline(VersionInline):
    model = TouWindow
    fields = ["band", "days", "starts_at", "ends_at"]


class TouHourSetAdmin(VersionAdmin):
    inlines = [TouWindowInline]


class VatRateAdmin(VersionAdmin):
    list_display = ["legal_basis", "percent", "valid_from", "valid_until"]


class TenantRuleAdmin(VersionAdmin):
    list_display = [
        "legal_basis",
        "people_per_household",
        "undeclared_tier",
        "valid_from",
        "valid_until",
    ]
