from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "cskh.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from cskh.accounts import signals as account_signals
        from cskh.payments import queries

        account_signals.collect_personal_data.connect(
            queries.personal_data_of_account, dispatch_uid="payments-personal-data"
        )
