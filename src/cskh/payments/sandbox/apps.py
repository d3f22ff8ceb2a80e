from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "cskh.payments.sandbox"
    label = "vnpay_sandbox"
    verbose_name = "VNPay sandbox"
