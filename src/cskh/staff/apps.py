from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "cskh.staff"
    label = "staff"
    verbose_name = _("Staff")

    def ready(self) -> None:
        from cskh.staff import roles

        post_migrate.connect(roles.ensure_roles, sender=self, dispatch_uid="staff-roles")
