from django.urls import path

from cskh.customers import views

app_name = "customers"
urlpatterns = [
    path("customers/", views.link_list, name="list"),
    path("customers/link/", views.link_start, name="link"),
    path("customers/link/verify/", views.link_verify, name="link_verify"),
    path("customers/<str:code>/", views.link_detail, name="detail"),
    path("customers/<str:code>/unlink/", views.link_remove, name="unlink"),
]
