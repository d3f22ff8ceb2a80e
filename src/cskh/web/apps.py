from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cskh.web"
    label = "web"
