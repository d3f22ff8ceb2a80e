"""Background jobs of notices: Web Push in batches."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task


@task()
def push_notice(notice_id: int, after_id: int = 0) -> None:
    from cskh.notifications import push

    cursor = push.send_batch(notice_id=notice_id, after_id=after_id, now=timezone.now())
    if cursor is not None:
        push_notice.enqueue(notice_id, cursor)


@task()
def push_notices(notice_ids: list[int]) -> None:
    """Push notices published together (a bill run's), one after the other."""
    for notice_id in notice_ids:
        push_notice.call(notice_id)


def schedule_pushes(notice_ids: list[int]) -> None:
    """Push notices published now, in one job once the transaction commits."""
    if notice_ids:
        transaction.on_commit(lambda: push_notices.enqueue(notice_ids))


def schedule_push(notice, *, now) -> None:
    """Push the notice when it is published (at once, or at its scheduled time)."""
    run_after = notice.publish_at if notice.publish_at > now else None
    transaction.on_commit(lambda: push_notice.using(run_after=run_after).enqueue(notice.pk))
