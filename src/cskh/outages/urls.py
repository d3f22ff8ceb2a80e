from django.urls import path

from cskh.outages import views

app_name = "outages"
urlpatterns = [
    path("outages/", views.lookup, name="lookup"),
    path("outages/<int:outage_id>/", views.detail, name="detail"),
]
