"""Web Push (RFC 8030/8291/8292) of published notices, in batches run by the worker.

A notice's push goes to every subscription of every account in its audience that has
not switched the notice's category off. Each job sends one batch of PUSH_BATCH
subscriptions after a cursor and enqueues the next; the cursor is moved with a
compare-and-set, so a repeated job sends nothing twice."""

import json
import logging
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from pywebpush import WebPushException, webpush
from requests import RequestException

from cskh.notifications.models import (
    Audience,
    Notice,
    PushFanout,
    PushPreference,
    PushSubscription,
)

logger = logging.getLogger(__name__)
GONE = {404, 410}


def allowed_endpoint(endpoint: str) -> bool:
    """Only HTTPS URLs of a known push service (PUSH_SERVICE_HOSTS)."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    known = any(host == h or host.endswith("." + h) for h in settings.PUSH_SERVICE_HOSTS)
    return known and (parts.scheme == "https" or host in ("127.0.0.1", "localhost"))


def audience(notice: Notice) -> QuerySet[PushSubscription]:
    subscriptions = PushSubscription.objects.filter(
        account__created_at__lte=notice.publish_at + timedelta(days=settings.NOTICE_HISTORY_DAYS)
    ).exclude(  # one preference row must match both (exclude() would not tie them)
        account__in=PushPreference.objects.filter(category=notice.category, enabled=False).values(
            "account_id"
        )
    )
    if notice.audience == Audience.ACCOUNT:
        return subscriptions.filter(account_id=notice.account_id)
    if notice.audience == Audience.UNIT:
        return subscriptions.filter(
            account__customer_links__customer__unit__path__startswith=notice.unit.path
        ).distinct()
    if notice.audience == Audience.CUSTOMERS:
        return subscriptions.filter(
            account__customer_links__customer__in=notice.recipients.values("customer_id")
        ).distinct()
    return subscriptions


def payload(notice: Notice, language: str) -> str:
    return json.dumps(
        {
            "title": notice.title(language),
            "body": notice.body(language)[:300],
            "url": notice.link or f"/notifications/{notice.pk}/",
            "category": notice.category,
        },
        ensure_ascii=False,
    )


def send(subscription: PushSubscription, data: str) -> bool:
    """Send one push; a push service answering 404/410 means the subscription is gone."""
    try:
        webpush(
            subscription_info=subscription.info(),
            data=data,
            vapid_private_key=settings.VAPID_KEYS["private"],
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            timeout=10,
            ttl=24 * 3600,
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in GONE:
            subscription.delete()
        else:
            logger.warning("push to subscription %s failed: %s", subscription.pk, status)
        return False
    except RequestException as error:  # unreachable or slow: the other devices still get it
        logger.warning("push to subscription %s failed: %s", subscription.pk, type(error).__name__)
        return False
    return True


def send_batch(*, notice_id: int, after_id: int, now: datetime) -> int | None:
    """Send one batch after `after_id`; return the cursor of the next batch, or None
    when the push is finished (or this job was a repeat)."""
    notice = Notice.objects.filter(pk=notice_id, publish_at__lte=now).first()
    if notice is None:
        return None
    fanout, _created = PushFanout.objects.get_or_create(notice=notice)
    if fanout.finished_at or fanout.cursor != after_id:
        return None
    batch = list(
        audience(notice)
        .filter(id__gt=after_id)
        .select_related("account")
        .order_by("id")[: settings.PUSH_BATCH]
    )
    sent = sum(
        send(subscription, payload(notice, subscription.account.language)) for subscription in batch
    )
    cursor = batch[-1].id if batch else after_id
    finished = len(batch) < settings.PUSH_BATCH
    with transaction.atomic():
        moved = PushFanout.objects.filter(pk=fanout.pk, cursor=after_id, finished_at=None).update(
            cursor=cursor, sent=fanout.sent + sent, finished_at=now if finished else None
        )
    if not moved or finished:
        return None
    return cursor
