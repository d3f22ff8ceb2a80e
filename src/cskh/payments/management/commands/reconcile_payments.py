"""manage.py reconcile_payments — the daily job: ask the gateway (VNPay's querydr) about
every payment past its time that has no word yet, settle what it says, expire the rest.
Run from cron (docs/payments.md); safe to run again at any time."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from cskh.payments import services


class Command(BaseCommand):
    help = "Settle or expire the payments still waiting for their gateway."

    def handle(self, *args, **options):
        counts = services.reconcile(now=timezone.now())
        self.stdout.write(", ".join(f"{name}: {n}" for name, n in counts.items()))
