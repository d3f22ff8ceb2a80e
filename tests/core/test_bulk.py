"""The bulk insert path: ids taken ahead for rows written later."""

import pytest
from django.db import connection
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from cskh.core import bulk
from cskh.metering.models import ImportBatch

pytestmark = pytest.mark.django_db


def batch() -> ImportBatch:
    return ImportBatch.objects.create(channel="COMMAND", source="tests", received_at=timezone.now())


def test_ids_taken_ahead_follow_every_id_given_even_a_deleted_one():
    batch()
    deleted = batch()
    deleted_id = deleted.pk
    deleted.delete()
    keys = bulk.new_ids(ImportBatch, 3)
    assert keys == list(range(keys[0], keys[0] + 3)) and keys[0] > deleted_id
    now = timezone.now()
    bulk.insert(
        ImportBatch,
        ("id", "channel", "source", "received_at"),
        [(key, "COMMAND", f"ahead {key}", now) for key in keys],
        ids=False,
    )
    assert (
        sorted(ImportBatch.objects.filter(source__startswith="ahead").values_list("pk", flat=True))
        == keys
    )
    assert batch().pk > keys[-1]  # the table's own numbering goes on after them


@pytest.mark.django_db(transaction=True)
def test_ids_ahead_on_sqlite_need_the_transaction_that_writes_them():
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's sequence gives them to no one else, transaction or not")
    with pytest.raises(TransactionManagementError):
        bulk.new_ids(ImportBatch, 1)
