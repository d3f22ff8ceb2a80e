"""The "Thông báo" pages: four tabs, newest first, paging, read and read-all."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cskh.core.errors import NotFound
from cskh.notifications import forms, queries, services
from cskh.notifications.models import Category


@login_required
def notice_list(request):
    form = forms.ListForm(request.GET)
    if not form.is_valid():
        return redirect("notifications:list")
    category = form.cleaned_data["category"]
    result = queries.page(
        request.user,
        now=timezone.now(),
        category=category,
        number=form.cleaned_data["page"] or 1,
    )
    language = translation.get_language()
    for notice in result["items"]:
        notice.shown_title = notice.title(language)
    tabs = [
        {"value": value, "label": label, "current": (category or forms.ALL) == value}
        for value, label in [(forms.ALL, _("All")), *Category.choices]
    ]
    return render(
        request,
        "notifications/list.html",
        {"result": result, "tabs": tabs, "category": category or forms.ALL},
    )


@login_required
def notice_detail(request, notice_id: int):
    try:
        notice = services.mark_read(account=request.user, notice_id=notice_id, now=timezone.now())
    except NotFound as error:
        raise Http404(str(error.message)) from error
    language = translation.get_language()
    return render(
        request,
        "notifications/detail.html",
        {"notice": notice, "title": notice.title(language), "body": notice.body(language)},
    )


@login_required
@require_POST
def read_all(request):
    services.mark_all_read(account=request.user, now=timezone.now())
    messages.success(request, _("All notices are marked as read."))
    return redirect("notifications:list")
