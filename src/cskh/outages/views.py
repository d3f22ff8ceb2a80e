"""The outage schedule pages: a lookup anyone can use, and one outage in full."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from cskh.outages import forms, queries
from cskh.outages.models import Outage


def lookup(request):
    form = forms.LookupForm(request.GET or None)
    outages, mine = None, []
    now = timezone.now()
    if request.user.is_authenticated:
        mine = queries.for_account(request.user, now=now)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["customer"]:
            outages = list(queries.for_code(data["customer"], now=now))
        else:
            outages = list(
                queries.for_area(
                    province=data["province"],
                    district=data["district"],
                    ward=data["ward"],
                    now=now,
                )
            )
    return render(
        request,
        "outages/lookup.html",
        {"form": form, "outages": outages, "mine": mine, "provinces": queries.provinces()},
    )


def detail(request, outage_id: int):
    outage = get_object_or_404(Outage.objects.select_related("unit"), pk=outage_id)
    return render(request, "outages/detail.html", {"outage": outage, "now": timezone.now()})
