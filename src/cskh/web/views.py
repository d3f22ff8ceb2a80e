"""The customer app shell: home, the sections still to come, the web-app manifest."""

from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from cskh.billing import queries as billing
from cskh.customers import queries
from cskh.outages import queries as outages


def home(request):
    if not request.user.is_authenticated:
        return render(request, "web/home.html")
    return render(
        request,
        "web/home.html",
        {
            "links": queries.links_of(request.user),
            "outages": outages.for_account(request.user, now=timezone.now()),
            "total_due": billing.total_due(request.user),
        },
    )


def lookup(request):
    return render(request, "web/lookup.html")


@cache_control(max_age=3600, public=True)
def manifest(request):
    return JsonResponse(
        {
            "name": "EVN CSKH",
            "short_name": "EVN CSKH",
            "description": _("Customer care of Vietnam Electricity (EVN)"),
            "lang": request.LANGUAGE_CODE,
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#f3f5f9",
            "theme_color": "#0b4ea2",
            "icons": [
                {"src": static("cskh/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("cskh/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {
                    "src": static("cskh/icon-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        },
        content_type="application/manifest+json",
    )
