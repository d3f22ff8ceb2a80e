from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "cskh.demo"
    label = "demo"
