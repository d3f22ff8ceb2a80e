"""The "Thông báo" pages: four tabs, newest first, paging, read and read-all."""

import json
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from cskh.core.errors import InvalidInput, NotFound
from cskh.core.forms import validated
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


@login_required
def push_settings(request):
    """Switch Web Push on for this device, and choose the categories that are pushed."""
    form = forms.PreferencesForm(
        request.POST or None, initial=services.push_preferences(request.user)
    )
    if request.method == "POST" and form.is_valid():
        services.set_push_preferences(account=request.user, preferences=form.cleaned_data)
        messages.success(request, _("Your choices are saved."))
        return redirect("notifications:settings")
    return render(
        request,
        "notifications/settings.html",
        {
            "form": form,
            "public_key": settings.VAPID_KEYS["public"],
            "devices": request.user.push_subscriptions.count(),
        },
    )


@login_required
@require_POST
def push_subscription(request):
    """The page's script posts the browser's subscription here (JSON, with the CSRF
    token); `{"endpoint", "unsubscribe": true}` removes it."""
    try:
        data = json.loads(request.body)
        if data.get("unsubscribe"):
            services.unsubscribe(account=request.user, endpoint=str(data.get("endpoint", "")))
            return JsonResponse({"subscribed": False})
        cleaned = validated(
            forms.SubscriptionForm,
            {
                "endpoint": data.get("endpoint"),
                "p256dh": (data.get("keys") or {}).get("p256dh"),
                "auth": (data.get("keys") or {}).get("auth"),
            },
        )
        services.subscribe(
            account=request.user,
            user_agent=request.headers.get("User-Agent", ""),
            now=timezone.now(),
            **cleaned,
        )
    except (ValueError, AttributeError):
        return JsonResponse({"error": _("This is not a valid push subscription.")}, status=400)
    except InvalidInput as error:
        return JsonResponse({"error": str(error.message), "fields": error.fields}, status=422)
    return JsonResponse({"subscribed": True}, status=201)


@cache_control(no_cache=True)
def service_worker(request):
    """The service worker, served from the root so that it controls the whole app."""
    return HttpResponse(
        (Path(__file__).parent / "static" / "cskh" / "sw.js").read_text(),
        content_type="application/javascript",
    )
