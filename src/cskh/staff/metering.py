"""Meter data in the back-office: meters with their history (index at installation,
multiplier periods), the corporations' ingestion keys, and the imports' reports."""

from itertools import pairwise

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cskh.metering import ingest
from cskh.metering.models import MultiplierPeriod, StartIndex
from cskh.staff import scope
from cskh.staff.readonly import ReadOnlyAdmin


class MultiplierPeriods(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        periods = sorted(
            (form.cleaned_data["valid_from"], form.cleaned_data.get("valid_until"))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        for (_start, end), (next_start, _next_end) in pairwise(periods):
            if end is None or end > next_start:
                raise forms.ValidationError(_("Multiplier periods must not overlap."))


class MultiplierInline(admin.TabularInline):
    model = MultiplierPeriod
    formset = MultiplierPeriods
    extra = 0


class StartIndexInline(admin.TabularInline):
    model = StartIndex
    extra = 0


class MeterAdmin(admin.ModelAdmin):
    """A replacement: set the old meter's removal day, add the new meter installed that
    day with its index at installation."""

    list_display = [
        "number",
        "customer",
        "registers",
        "multiplier",
        "installed_date",
        "removed_date",
    ]
    search_fields = ["number", "customer__code"]
    raw_id_fields = ["customer"]
    inlines = [StartIndexInline, MultiplierInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("customer")
            .filter(customer__in=scope.customers_for(request.user))
        )


class IngestKeyAdmin(admin.ModelAdmin):
    """Keys are created here and shown once; revoke one by setting "revoked at"."""

    list_display = ["name", "unit", "hint", "created_at", "last_used_at", "revoked_at"]
    fields = ["unit", "name", "revoked_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(unit__in=scope.units_for(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = scope.units_for(request.user).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            clear = obj.generate()
            messages.warning(
                request,
                _("The key is %(key)s — copy it now: it is not stored and will not be shown again.")
                % {"key": clear},
            )
        super().save_model(request, obj, form, change)


class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "received_at",
        "channel",
        "source",
        "unit",
        "rows_total",
        "rows_new",
        "rows_unchanged",
        "rows_corrected",
        "rows_rejected",
    ]
    list_filter = ["channel"]
    ordering = ["-received_at", "-pk"]
    readonly_fields = ["rejected_rows"]
    SHOWN = 200

    @admin.display(description=_("rejected rows"))
    def rejected_rows(self, batch):
        """The first rejected rows with their reasons (all of them: the import command's
        --report, or the API's paged report)."""
        rows = [
            (r.line, r.reason, r.message, r.content)
            for r in ingest.rejections_page(batch)[: self.SHOWN]
        ]
        if not rows:
            return "—"
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>{}",
            _("line"),
            _("reason"),
            _("row"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{} <small>({})</small></td><td><code>{}</code></td></tr>",
                ((line, message, reason, content) for line, reason, message, content in rows),
            ),
            _("… and %(more)d more.") % {"more": batch.rows_rejected - len(rows)}
            if batch.rows_rejected > len(rows)
            else "",
        )

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("unit")
        if scope.sees_everything(request.user):
            return queryset
        return queryset.filter(unit__in=scope.units_for(request.user))
