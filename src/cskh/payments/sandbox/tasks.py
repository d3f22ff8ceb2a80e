"""The sandbox's IPN retries, as VNPay makes them (10 tries, 5 minutes apart)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from cskh.payments.sandbox import gateway
from cskh.payments.sandbox.models import Transaction


@task()
def retry_ipn(transaction_id: int) -> None:
    txn = Transaction.objects.filter(pk=transaction_id).first()
    if txn is not None:
        gateway.retry_ipn(txn, retry=schedule)


def schedule(txn, delay: timedelta) -> None:
    run_after = timezone.now() + delay
    transaction.on_commit(lambda: retry_ipn.using(run_after=run_after).enqueue(txn.pk))
