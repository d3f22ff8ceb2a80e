from django.urls import path

from cskh.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("lookup/", views.lookup, name="lookup"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
