"""The incident queue of a unit in the back-office: filters, assignment, internal
notes, status changes (through cskh.incidents.services) and the handling clock."""

from django import forms
from django.contrib import admin, messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timeuntil
from django.utils.translation import gettext_lazy as _

from cskh.accounts.models import User
from cskh.core.errors import InvalidInput
from cskh.incidents import services
from cskh.incidents.models import NEXT, Incident, IncidentNote, IncidentPhoto, Status
from cskh.staff import scope
from cskh.staff.feedback import show_refusal

CUSTOMER_FIELDS = [
    "ticket_no",
    "kind",
    "urgent",
    "status",
    "customer",
    "address",
    "province",
    "latitude",
    "longitude",
    "description",
    "contact_phone",
    "unit",
    "created_at",
    "due_at",
    "closed_at",
    "rating",
    "rating_comment",
    "photos",
]


class NoteInline(admin.TabularInline):
    model = IncidentNote
    extra = 1
    fields = ["text", "by", "at"]
    readonly_fields = ["by", "at"]
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False  # notes are added, never rewritten


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    note = forms.CharField(
        label=_("Note for the reporter"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown on the reporter's timeline; required when rejecting."),
    )


class IncidentAdmin(admin.ModelAdmin):
    list_display = [
        "ticket_no",
        "kind",
        "urgent",
        "status",
        "unit",
        "created_at",
        "clock",
        "assigned_to",
    ]
    list_filter = ["status", "kind", "urgent", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["ticket_no", "address", "customer__code", "contact_phone"]
    ordering = ["-urgent", "due_at", "id"]
    fields = [*CUSTOMER_FIELDS, "assigned_to"]
    readonly_fields = CUSTOMER_FIELDS
    inlines = [NoteInline]
    change_form_template = "admin/incidents/incident/change_form.html"

    @admin.display(description=_("handling clock"))
    def clock(self, incident: Incident) -> str:
        if not incident.is_open:
            return str(incident.get_status_display())
        now = timezone.now()
        if incident.due_at <= now:
            late = _("late by %(time)s") % {"time": timeuntil(now, incident.due_at)}
            return format_html('<strong class="errornote">{}</strong>', late)
        return _("due in %(time)s") % {"time": timeuntil(incident.due_at, now)}

    @admin.display(description=_("photos"))
    def photos(self, incident: Incident) -> str:
        urls = [
            (reverse("staff:incidents_incident_photo", args=[incident.pk, photo.pk]),)
            for photo in incident.photos.all()
        ]
        template = '<a href="{0}"><img src="{0}" alt="" width="120" style="margin:4px"></a>'
        return format_html_join("", template, urls) or "—"

    def get_queryset(self, request):
        incidents = super().get_queryset(request).select_related("unit", "customer", "assigned_to")
        if scope.sees_everything(request.user):
            return incidents
        return incidents.filter(unit__in=scope.units_for(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_to":
            kwargs["queryset"] = User.objects.filter(
                is_staff=True, staff_membership__unit__in=scope.units_for(request.user)
            ).order_by("full_name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return False  # customers report; staff handle

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if "assigned_to" in form.changed_data:
            services.assign(incident=obj, to=form.cleaned_data["assigned_to"])

    def save_formset(self, request, form, formset, change):
        # the saved notes replace the unsaved ones, which the change message names (their
        # __str__ needs `at`)
        formset.new_objects = [
            services.add_note(
                incident=form.instance, text=note.text, by=request.user, now=timezone.now()
            )
            for note in formset.save(commit=False)
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        incident = self.get_object(request, object_id)  # None for a bad or foreign id
        extra = extra_context or {}
        if incident:
            form = StatusForm()
            form.fields["status"].choices = [
                (status, Status(status).label)
                for status in Status.values
                if status in NEXT[incident.status]
            ]
            extra |= {"status_form": form, "events": incident.events.order_by("at", "id")}
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        return [
            path(
                "<int:incident_id>/status/",
                self.admin_site.admin_view(self.status_view),
                name="incidents_incident_status",
            ),
            path(
                "<int:incident_id>/photos/<int:photo_id>/",
                self.admin_site.admin_view(self.photo_view),
                name="incidents_incident_photo",
            ),
            *super().get_urls(),
        ]

    def status_view(self, request, incident_id: int):
        incident = get_object_or_404(self.get_queryset(request), pk=incident_id)
        back = reverse("staff:incidents_incident_change", args=[incident.pk])
        form = StatusForm(request.POST or None)
        if request.method != "POST" or not self.has_change_permission(request, incident):
            return redirect(back)
        if form.is_valid():
            try:
                services.change_status(
                    incident=incident,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                    now=timezone.now(),
                )
            except InvalidInput as error:
                show_refusal(request, error)
            else:
                self.log_change(request, incident, f"Status: {form.cleaned_data['status']}")
                messages.success(request, _("The status is changed and the reporter is told."))
        else:
            messages.error(request, _("Choose a status the report can move to."))
        return redirect(back)

    def photo_view(self, request, incident_id: int, photo_id: int):
        incident = get_object_or_404(self.get_queryset(request), pk=incident_id)
        picture = get_object_or_404(IncidentPhoto, pk=photo_id, incident=incident)
        return FileResponse(picture.image.open("rb"), content_type="image/jpeg")
