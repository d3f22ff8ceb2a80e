"""Background jobs of the outage schedule."""

from django.utils import timezone
from django_tasks import task


@task()
def remind(outage_id: int, start_at: str) -> bool:
    """The day-before reminder, enqueued with run_after when an outage is published or
    moved; idempotent (see services.remind)."""
    from cskh.outages import services

    return services.remind(outage_id=outage_id, start_at=start_at, now=timezone.now())
