"""Which notices an account sees, and which of them it has read.

An account sees a published notice addressed to everyone, to itself, to a unit that
manages (directly or through the units under it) one of its linked customers, or to
one of its linked customers; from `NOTICE_HISTORY_DAYS` before it registered on."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet

from cskh.customers.models import CustomerLink, Unit
from cskh.notifications.models import Audience, Notice, NoticeCustomer, NoticeRead, ReadWatermark

PER_PAGE = 20


def _audience(account, *, since: datetime) -> Q:
    """The notices addressed to the account, as literal ids: with `IN (subquery)` under
    the OR, PostgreSQL scans every notice (a quarter of a second once a month of
    personal notices is stored, docs/performance.md); with values, each branch of the
    OR is an index scan."""
    links = list(
        CustomerLink.objects.filter(account=account).values_list(
            "customer_id", "customer__unit__path"
        )
    )
    condition = Q(audience=Audience.EVERYONE) | Q(audience=Audience.ACCOUNT, account=account)
    if links:
        customer_ids = [customer_id for customer_id, _path in links]
        unit_codes = {code for _id, path in links for code in path.strip("/").split("/")}
        unit_ids = list(Unit.objects.filter(code__in=unit_codes).values_list("id", flat=True))
        notice_ids = list(
            NoticeCustomer.objects.filter(
                customer_id__in=customer_ids, notice__publish_at__gte=since
            ).values_list("notice_id", flat=True)
        )
        condition |= Q(audience=Audience.UNIT, unit_id__in=unit_ids)
        condition |= Q(audience=Audience.CUSTOMERS, id__in=notice_ids)
    return condition


def visible(account, *, now: datetime, category: str | None = None) -> QuerySet[Notice]:
    since = account.created_at - timedelta(days=settings.NOTICE_HISTORY_DAYS)
    notices = Notice.objects.filter(
        _audience(account, since=since), publish_at__lte=now, publish_at__gte=since
    )
    if category:
        notices = notices.filter(category=category)
    return notices


def _watermark(account) -> datetime | None:
    mark = ReadWatermark.objects.filter(account=account).values_list("read_before", flat=True)
    return mark.first()


def unread(account, *, now: datetime) -> QuerySet[Notice]:
    notices = visible(account, now=now).exclude(
        id__in=NoticeRead.objects.filter(account=account).values("notice_id")
    )
    watermark = _watermark(account)
    if watermark:
        notices = notices.filter(publish_at__gte=watermark)
    return notices


def unread_count(account, *, now: datetime) -> int:
    return unread(account, now=now).count()


def page(account, *, now: datetime, category: str | None, number: int) -> dict:
    """One page of the account's notices, newest first, each marked read or not."""
    notices = visible(account, now=now, category=category).order_by("-publish_at", "-id")
    paginator = Paginator(notices, PER_PAGE)
    current = paginator.get_page(number)
    items = list(current.object_list)
    read_ids = set(
        NoticeRead.objects.filter(account=account, notice__in=items).values_list(
            "notice_id", flat=True
        )
    )
    watermark = _watermark(account)
    for notice in items:
        notice.is_read = notice.id in read_ids or bool(watermark and notice.publish_at < watermark)
    return {
        "items": items,
        "page": current.number,
        "pages": paginator.num_pages,
        "total": paginator.count,
        "has_next": current.has_next(),
        "has_previous": current.has_previous(),
    }


def notice_for(account, notice_id: int, *, now: datetime) -> Notice | None:
    return visible(account, now=now).filter(pk=notice_id).first()
