from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _partitions_ahead(sender, using, **kwargs):
    from django.db import connections
    from django.utils import timezone

    from cskh.metering import partitions

    partitions.ensure_ahead(timezone.localdate(), connections[using])


class MeteringConfig(AppConfig):
    name = "cskh.metering"
    label = "metering"
    verbose_name = _("Meter data")

    def ready(self):
        # Every import creates the months it touches; these are the months ahead.
        post_migrate.connect(_partitions_ahead, sender=self)
