from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cskh.core"
    label = "core"
