from django.urls import path

from cskh.notifications import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notice_list, name="list"),
    path("notifications/read-all/", views.read_all, name="read_all"),
    path("notifications/<int:notice_id>/", views.notice_detail, name="detail"),
    path("notifications/settings/", views.push_settings, name="settings"),
    path("notifications/push/", views.push_subscription, name="push"),
    path("sw.js", views.service_worker, name="service_worker"),
]
