"""Planned outages in the back-office: publish, change and cancel within one's unit.
Every save goes through cskh.outages.services, which applies the rules and tells
the affected customers."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cskh.core.errors import InvalidInput
from cskh.core.forms import add_errors
from cskh.outages import imports, services
from cskh.outages.models import Outage
from cskh.staff import scope
from cskh.staff.feedback import show_refusal

PLAN_FIELDS = [
    "unit",
    "kind",
    "capacity_kw",
    "emergency",
    "area",
    "line",
    "reason",
    "start_at",
    "end_at",
]


def _split(text: str) -> list[str]:
    return [part for part in text.replace(",", "\n").split() if part]


class OutageForm(forms.ModelForm):
    customer_codes = forms.CharField(
        label=_("Affected customer codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line or separated by commas."),
    )
    feeders = forms.CharField(
        label=_("Affected feeders"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Every customer of the unit on these feeders is affected (e.g. 475E1.4)."),
    )

    class Meta:
        model = Outage
        fields = PLAN_FIELDS

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if "unit" in self.fields:  # absent on the read-only view of a closed outage
            self.fields["unit"].queryset = scope.units_for(user).order_by("path")
        if self.instance.pk and "customer_codes" in self.fields:
            self.fields["customer_codes"].initial = "\n".join(
                self.instance.customers.values_list("code", flat=True)
            )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        self.plan = services.Plan(**{name: data[name] for name in PLAN_FIELDS})
        starts_again = not self.instance.pk or self.plan.start_at != self.instance.start_at
        try:
            services.check(self.plan, now=timezone.now(), start_changed=starts_again)
            self.customers = services.affected_customers(
                unit=self.plan.unit,
                codes=_split(data.get("customer_codes", "")),
                feeders=_split(data.get("feeders", "")),
            )
        except InvalidInput as error:
            add_errors(self, error)
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("UTF-8, with a header row; at most 5 MB.")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class OutageAdmin(scope.ScopedFormAdmin):
    form = OutageForm
    list_display = ["start_at", "end_at", "kind", "unit", "area", "emergency", "cancelled_at"]
    list_filter = ["kind", "emergency"]
    search_fields = ["area", "line", "reason"]
    ordering = ["-start_at", "-id"]
    date_hierarchy = "start_at"
    change_form_template = "admin/outages/outage/change_form.html"
    change_list_template = "admin/outages/outage/change_list.html"

    def get_queryset(self, request):
        outages = super().get_queryset(request).select_related("unit")
        if scope.sees_everything(request.user):
            return outages
        return outages.filter(unit__in=scope.units_for(request.user))

    def has_change_permission(self, request, obj=None):
        # No edits once it has ended or was cancelled.
        if obj is not None and (obj.is_cancelled or obj.has_ended(timezone.now())):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # customers were told: cancel instead

    def save_model(self, request, obj, form, change):
        now = timezone.now()
        if change:
            services.change(outage=obj, plan=form.plan, customers=form.customers, now=now)
        else:
            created = services.publish(
                plan=form.plan, customers=form.customers, by=request.user, now=now
            )
            obj.pk, obj.created_at = created.pk, created.created_at  # the admin logs and redirects

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="outages_outage_import",
            ),
            path(
                "<int:outage_id>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="outages_outage_cancel",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Publish many outages from a CSV file and show what happened to every row."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        reports = None
        if request.method == "POST" and form.is_valid():
            try:
                reports = imports.import_csv(
                    data=form.cleaned_data["file"].read(),
                    units=scope.units_for(request.user),
                    by=request.user,
                    now=timezone.now(),
                )
            except InvalidInput as error:
                form.add_error("file", str(error.message))
            else:
                for report in reports:
                    if report.outage:
                        self.log_addition(request, report.outage, f"Imported (line {report.line})")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import planned outages"),
            "opts": self.model._meta,
            "form": form,
            "reports": reports,
            "columns": imports.COLUMNS,
            "published": sum(1 for report in reports or [] if report.outage),
        }
        return TemplateResponse(request, "admin/outages/outage/import.html", context)

    def cancel_view(self, request, outage_id: int):
        outage = get_object_or_404(self.get_queryset(request), pk=outage_id)
        back = reverse("staff:outages_outage_change", args=[outage.pk])
        if request.method != "POST" or not self.has_change_permission(request, outage):
            return redirect(back)
        try:
            services.cancel(
                outage=outage, reason=request.POST.get("cancel_reason", ""), now=timezone.now()
            )
        except InvalidInput as error:
            show_refusal(request, error)
            return redirect(back)
        self.log_change(request, outage, f"Cancelled: {request.POST.get('cancel_reason', '')}")
        messages.success(request, _("The outage is cancelled and the customers are told."))
        return redirect(reverse("staff:outages_outage_changelist"))
