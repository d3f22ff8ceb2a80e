from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "cskh.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from cskh.accounts import signals as account_signals
        from cskh.customers import queries

        account_signals.collect_personal_data.connect(
            queries.personal_data_of_account, dispatch_uid="customers-personal-data"
        )
