from django.conf import settings
from django.urls import include, path

from cskh.api import api
from cskh.core import views as core_views
from cskh.staff.admin import site as staff_site

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("staff/", staff_site.urls),
    path("", include("cskh.accounts.urls")),
    path("", include("cskh.customers.urls")),
    path("", include("cskh.notifications.urls")),
    path("", include("cskh.outages.urls")),
    path("", include("cskh.incidents.urls")),
    path("", include("cskh.metering.urls")),
    path("", include("cskh.billing.urls")),
    path("", include("cskh.payments.urls")),
    path("", include("cskh.web.urls")),
]

if "cskh.payments.sandbox" in settings.INSTALLED_APPS:
    urlpatterns.append(path("sandbox/vnpay/", include("cskh.payments.sandbox.urls")))
