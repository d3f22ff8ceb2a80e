"""Composing notices in the back-office: audience limited to the staff member's unit,
a preview, publication now or later, and corrections instead of edits."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cskh.core import codes
from cskh.core.errors import InvalidInput
from cskh.customers.models import Customer
from cskh.notifications import services
from cskh.notifications.models import Audience, Notice, NoticeCustomer
from cskh.staff import scope
from cskh.staff.feedback import show_refusal


class NoticeForm(forms.ModelForm):
    customer_codes = forms.CharField(
        label=_("Customer codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a list audience: one code per line (or separated by commas)."),
    )

    class Meta:
        model = Notice
        fields = [
            "category",
            "title_vi",
            "body_vi",
            "title_en",
            "body_en",
            "link",
            "audience",
            "unit",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "unit" in self.fields:  # absent on the read-only view of a published notice
            self.fields["unit"].queryset = scope.units_for(user).order_by("path")
        if "audience" in self.fields:
            audiences = [(Audience.UNIT, Audience.UNIT.label)]
            audiences.append((Audience.CUSTOMERS, Audience.CUSTOMERS.label))
            if scope.sees_everything(user):
                audiences.insert(0, (Audience.EVERYONE, Audience.EVERYONE.label))
            self.fields["audience"].choices = audiences
        if self.instance.pk and "customer_codes" in self.fields:
            self.fields["customer_codes"].initial = "\n".join(
                self.instance.recipients.values_list("customer__code", flat=True)
            )

    def clean_link(self):
        link = self.cleaned_data["link"].strip()
        if link and (not link.startswith("/") or link.startswith("//")):
            raise forms.ValidationError(_("Use a path inside the app, starting with /."))
        return link

    def clean(self):
        data = super().clean()
        audience = data.get("audience")
        if audience == Audience.UNIT and not data.get("unit"):
            self.add_error("unit", _("Choose the unit whose customers receive the notice."))
        if audience != Audience.UNIT:
            data["unit"] = None
        self.customers = []
        if audience == Audience.CUSTOMERS:
            self.customers = self._customers(data.get("customer_codes", ""))
        return data

    def _customers(self, text: str) -> list[Customer]:
        typed = [part for part in text.replace(",", "\n").split() if part.strip()]
        if not typed:
            self.add_error("customer_codes", _("Enter at least one customer code."))
            return []
        wanted, bad = set(), []
        for item in typed:
            try:
                wanted.add(codes.normalize_customer_code(item))
            except codes.InvalidCode:
                bad.append(item)
        found = {c.code: c for c in scope.customers_for(self.user).filter(code__in=wanted)}
        bad += sorted(wanted - set(found))
        if bad:
            self.add_error(
                "customer_codes",
                _("Not customers of your unit: %(codes)s") % {"codes": ", ".join(bad[:20])},
            )
        return list(found.values())


class NoticeAdmin(scope.ScopedFormAdmin):
    form = NoticeForm
    list_display = ["title_vi", "category", "audience", "unit", "publish_at", "issuer_unit"]
    list_filter = ["category", "audience"]
    search_fields = ["title_vi", "title_en"]
    ordering = ["-created_at", "-id"]
    change_form_template = "admin/notifications/notice/change_form.html"

    def get_queryset(self, request):
        notices = super().get_queryset(request).select_related("unit", "issuer_unit")
        if scope.sees_everything(request.user):
            return notices.exclude(audience=Audience.ACCOUNT)
        return notices.filter(issuer_unit__in=scope.units_for(request.user))

    def has_change_permission(self, request, obj=None):
        # Published notices are never edited silently: publish a correction.
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.issuer_unit = scope.unit_of(request.user)
        super().save_model(request, obj, form, change)
        obj.recipients.all().delete()
        NoticeCustomer.objects.bulk_create(
            NoticeCustomer(notice=obj, customer=customer) for customer in form.customers
        )

    def response_add(self, request, obj, post_url_continue=None):
        """After writing a draft, show its preview and the publish form."""
        if "_addanother" in request.POST or "_popup" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        messages.success(request, _("The draft is saved. Check the preview, then publish it."))
        return redirect(reverse("staff:notifications_notice_change", args=[obj.pk]))

    def get_urls(self):
        return [
            path(
                "<int:notice_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="notifications_notice_publish",
            ),
            path(
                "<int:notice_id>/correct/",
                self.admin_site.admin_view(self.correct_view),
                name="notifications_notice_correct",
            ),
            *super().get_urls(),
        ]

    def _own(self, request, notice_id: int) -> Notice:
        return get_object_or_404(self.get_queryset(request), pk=notice_id)

    def publish_view(self, request, notice_id: int):
        notice = self._own(request, notice_id)
        if request.method != "POST" or not self.has_change_permission(request, notice):
            return redirect(reverse("staff:notifications_notice_change", args=[notice.pk]))
        now = timezone.now()
        when = request.POST.get("when")
        at = now
        if when == "later":
            field = forms.DateTimeField(input_formats=["%Y-%m-%dT%H:%M"])
            try:
                # (aware already: the form field reads it in the current time zone)
                at = field.clean(request.POST.get("publish_at"))
            except forms.ValidationError:
                messages.error(request, _("Enter the publication date and time."))
                return redirect(reverse("staff:notifications_notice_change", args=[notice.pk]))
        try:
            services.publish(notice=notice, at=at, now=now)
        except InvalidInput as error:
            show_refusal(request, error)
            return redirect(reverse("staff:notifications_notice_change", args=[notice.pk]))
        self.log_change(request, notice, f"Published at {at.isoformat()}")
        messages.success(request, _("The notice is published."))
        return redirect(reverse("staff:notifications_notice_changelist"))

    def correct_view(self, request, notice_id: int):
        notice = self._own(request, notice_id)
        if request.method != "POST" or not self.has_add_permission(request):
            return redirect(reverse("staff:notifications_notice_change", args=[notice.pk]))
        try:
            correction = services.draft_correction(notice=notice, by=request.user)
        except InvalidInput as error:  # a draft: it is edited, not corrected
            messages.error(request, error.message)
            return redirect(reverse("staff:notifications_notice_change", args=[notice.pk]))
        self.log_addition(request, correction, f"Correction of notice {notice.pk}")
        messages.success(request, _("A correction draft was created: edit it, then publish it."))
        return redirect(reverse("staff:notifications_notice_change", args=[correction.pk]))
