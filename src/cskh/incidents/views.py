"""Pages of incident reports: my reports, a new report, one report with its timeline."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cskh.core.codes import national_phone
from cskh.core.errors import DomainError, InvalidInput
from cskh.core.forms import add_errors
from cskh.customers import queries as customers
from cskh.incidents import forms, queries, services
from cskh.incidents.models import IncidentPhoto
from cskh.outages import queries as outages


def linked_codes(account) -> list[tuple[str, str]]:
    return [
        (
            link.customer.code,
            f"{link.nickname} · {link.customer.code}" if link.nickname else link.customer.code,
        )
        for link in customers.links_of(account)
    ]


def report_from(data) -> services.Report:
    return services.Report(
        kind=data["kind"],
        customer_code=data["customer_code"],
        address=data["address"],
        province=data["province"],
        latitude=data["latitude"],
        longitude=data["longitude"],
        description=data["description"],
        contact_phone=data["contact_phone"],
    )


@login_required
def incident_list(request):
    return render(request, "incidents/list.html", {"incidents": queries.of_reporter(request.user)})


@login_required
def incident_new(request):
    codes = linked_codes(request.user)
    form = forms.ReportForm(
        request.POST or None,
        request.FILES or None,
        codes=codes,
        initial={
            "contact_phone": national_phone(request.user.phone),
            "customer_code": codes[0][0] if codes else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.report(
                reporter=request.user,
                report=report_from(form.cleaned_data),
                photos=[upload.read() for upload in form.cleaned_data["photos"]],
                now=timezone.now(),
            )
        except InvalidInput as error:
            add_errors(form, error)
        else:
            messages.success(
                request, _("Report %(ticket)s is received.") % {"ticket": incident.ticket_no}
            )
            return redirect("incidents:detail", incident_id=incident.pk)
    now = timezone.now()
    return render(
        request,
        "incidents/new.html",
        {
            "form": form,
            "outages": outages.for_account(request.user, now=now),
            "area_incidents": queries.open_area_incidents(request.user),
        },
    )


@login_required
def incident_detail(request, incident_id: int):
    incident = queries.of_reporter_by_id(request.user, incident_id)
    if incident is None:
        raise Http404(_("This report does not exist or is not yours."))
    form = forms.RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rate(
                reporter=request.user,
                incident_id=incident.pk,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                now=timezone.now(),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Thank you for rating the handling."))
            return redirect("incidents:detail", incident_id=incident.pk)
    return render(
        request,
        "incidents/detail.html",
        {"incident": incident, "events": incident.events.all(), "form": form},
    )


@login_required
def photo(request, incident_id: int, photo_id: int):
    """A photo of one's own report (photos are never public files)."""
    picture = IncidentPhoto.objects.filter(
        pk=photo_id, incident_id=incident_id, incident__reporter=request.user
    ).first()
    if picture is None:
        raise Http404
    return FileResponse(picture.image.open("rb"), content_type="image/jpeg")
