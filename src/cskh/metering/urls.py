from django.urls import path

from cskh.metering import views

app_name = "metering"
urlpatterns = [
    path("lookup/consumption/", views.start, name="start"),
    path("lookup/consumption/<str:code>/", views.consumption, name="consumption"),
    path("lookup/consumption/<str:code>/download/", views.download, name="download"),
]
