"""Publishing notices and keeping each account's read state.

`notify_customers` is the one function other apps call for notices about customers
(bill issued, payment received, outage on a linked code): it stores the notice once,
and every account linked to the customers sees it. `notify_account` tells one account
(its incident report changed status)."""

import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cskh.core import bulk
from cskh.core.errors import InvalidInput, NotFound
from cskh.customers.models import Customer
from cskh.notifications import push, queries, tasks
from cskh.notifications.models import (
    Audience,
    Category,
    Notice,
    NoticeCustomer,
    NoticeRead,
    PushPreference,
    PushSubscription,
    ReadWatermark,
)


class NoticeNotFound(NotFound):
    code = "notice_not_found"


def _texts(render: Callable[[], tuple[str, str]]) -> dict:
    """Title and text in both languages, rendered by `render` under each."""
    texts = {}
    for language in ("vi", "en"):
        with translation.override(language):
            texts[f"title_{language}"], texts[f"body_{language}"] = render()
    return texts


def _publish_now(*, render: Callable[[], tuple[str, str]], now: datetime, **fields) -> Notice:
    """A system notice, published at once and pushed (the caller owns the transaction)."""
    notice = Notice.objects.create(publish_at=now, **fields, **_texts(render))
    tasks.schedule_push(notice, now=now)
    return notice


def notify_customers(
    *,
    customers: list[Customer],
    category: str,
    render: Callable[[], tuple[str, str]],
    link: str = "",
    now: datetime,
) -> Notice:
    """Tell every account linked to these customers (now or later) something about them."""
    with transaction.atomic():
        notice = _publish_now(
            audience=Audience.CUSTOMERS, category=category, render=render, link=link, now=now
        )
        NoticeCustomer.objects.bulk_create(
            NoticeCustomer(notice=notice, customer=customer) for customer in customers
        )
    return notice


class Rendered(NamedTuple):
    """A notice about one customer, rendered in both languages."""

    customer_id: int
    link: str
    title_vi: str
    body_vi: str
    title_en: str
    body_en: str


_RENDERED_COLUMNS = Rendered._fields[1:]


def notify_each(*, items: list[Rendered], category: str, now) -> list[int]:
    """Notices already rendered in both languages (a bill run renders a million of them
    from one template per language): one notice per item to every account linked to its
    customer, written by the bulk path (COPY on PostgreSQL) and
    pushed by one job. Returns the notices' ids; the caller owns the transaction."""
    ids = bulk.insert(
        Notice,
        ("audience", "category", "publish_at", *_RENDERED_COLUMNS),
        [(Audience.CUSTOMERS.value, category, now, *item[1:]) for item in items],
    )
    bulk.insert(
        NoticeCustomer,
        ("notice_id", "customer_id"),
        [(notice_id, item[0]) for notice_id, item in zip(ids, items, strict=True)],
        ids=False,
    )
    tasks.schedule_pushes(ids)
    return ids


def notify_account(
    *, account, category: str, render: Callable[[], tuple[str, str]], link: str = "", now
) -> Notice:
    with transaction.atomic():
        return _publish_now(
            audience=Audience.ACCOUNT,
            account=account,
            category=category,
            render=render,
            link=link,
            now=now,
        )


def publish(*, notice: Notice, at: datetime, now: datetime) -> Notice:
    """Publish a draft now or at a later time; a published notice stays as it is."""
    if notice.is_published:
        raise InvalidInput(_("This notice is already published; publish a correction instead."))
    if at < now:
        raise InvalidInput(
            fields={"publish_at": [_("The publication time cannot be in the past.")]}
        )
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if locked.is_published:
            raise InvalidInput(_("This notice is already published."))
        locked.publish(at=at)
        tasks.schedule_push(locked, now=now)
    return locked


def draft_correction(*, notice: Notice, by) -> Notice:
    """A new draft that corrects a published notice and says so."""
    if not notice.is_published:
        raise InvalidInput(_("A draft can be edited; only published notices need a correction."))
    with transaction.atomic():
        correction = Notice.objects.create(
            category=notice.category,
            title_vi=f"Đính chính: {notice.title_vi}"[:200],
            body_vi=notice.body_vi,
            title_en=f"Correction: {notice.title_en}"[:200] if notice.title_en else "",
            body_en=notice.body_en,
            link=notice.link,
            audience=notice.audience,
            unit=notice.unit,
            account=notice.account,
            issuer_unit=notice.issuer_unit,
            corrects=notice,
            created_by=by,
        )
        NoticeCustomer.objects.bulk_create(
            NoticeCustomer(notice=correction, customer_id=recipient.customer_id)
            for recipient in notice.recipients.all()
        )
    return correction


def mark_read(*, account, notice_id: int, now: datetime) -> Notice:
    notice = queries.notice_for(account, notice_id, now=now)
    if notice is None:
        raise NoticeNotFound(_("This notice does not exist or is not addressed to you."))
    try:
        with transaction.atomic():
            NoticeRead.objects.get_or_create(
                account=account, notice=notice, defaults={"read_at": now}
            )
    except IntegrityError:  # read twice at the same moment: it is read
        pass
    return notice


def mark_all_read(*, account, now: datetime) -> None:
    with transaction.atomic():
        ReadWatermark.objects.update_or_create(account=account, defaults={"read_before": now})
        NoticeRead.objects.filter(account=account, notice__publish_at__lt=now).delete()


# ---------------------------------------------------------------- Web Push


def _key(text: str, size: int) -> str:
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        decoded = b""
    if len(decoded) != size:
        raise InvalidInput(fields={"keys": [_("This is not a valid push subscription.")]})
    return text


def subscribe(*, account, endpoint: str, p256dh: str, auth: str, user_agent: str, now) -> None:
    """Store (or move to this account) one device's push subscription."""
    if not push.allowed_endpoint(endpoint):
        raise InvalidInput(fields={"endpoint": [_("This push service is not accepted.")]})
    keys = {"p256dh": _key(p256dh, 65), "auth": _key(auth, 16)}
    PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"account": account, "user_agent": user_agent[:300], "created_at": now, **keys},
    )


def unsubscribe(*, account, endpoint: str) -> None:
    PushSubscription.objects.filter(account=account, endpoint=endpoint).delete()


def push_preferences(account) -> dict[str, bool]:
    chosen = dict(PushPreference.objects.filter(account=account).values_list("category", "enabled"))
    return {category: chosen.get(category, True) for category in Category.values}


def set_push_preferences(*, account, preferences: dict[str, bool]) -> dict[str, bool]:
    with transaction.atomic():
        for category, enabled in preferences.items():
            PushPreference.objects.update_or_create(
                account=account, category=category, defaults={"enabled": enabled}
            )
    return push_preferences(account)
