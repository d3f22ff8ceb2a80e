"""Upcoming and current outages: for an account's linked codes, for a customer code,
or for an area (province, district, ward)."""

from datetime import datetime

from django.core.cache import cache
from django.db.models import QuerySet

from cskh.customers.models import Customer, CustomerLink
from cskh.outages.models import Outage


def _open(now: datetime) -> QuerySet[Outage]:
    """Not cancelled and not over yet, soonest first."""
    return (
        Outage.objects.filter(cancelled_at__isnull=True, end_at__gt=now)
        .select_related("unit")
        .order_by("start_at", "id")
    )


def for_account(account, *, now: datetime) -> list[dict]:
    """Each open outage touching a linked code, with the codes (and nicknames) it touches."""
    links = {
        link.customer_id: link
        for link in CustomerLink.objects.filter(account=account).select_related("customer")
    }
    if not links:
        return []
    outages = _open(now).filter(customers__in=list(links)).distinct()
    touched = Outage.customers.through.objects.filter(
        outage__in=outages, customer_id__in=list(links)
    ).values_list("outage_id", "customer_id")
    by_outage: dict[int, list] = {}
    for outage_id, customer_id in touched:
        by_outage.setdefault(outage_id, []).append(links[customer_id])
    return [{"outage": outage, "links": by_outage.get(outage.pk, [])} for outage in outages]


def for_code(code: str, *, now: datetime) -> QuerySet[Outage]:
    return _open(now).filter(customers__code=code).distinct()


def for_area(*, province: str, district: str = "", ward: str = "", now: datetime):
    customers = Customer.objects.filter(province__iexact=province.strip())
    if district.strip():
        customers = customers.filter(district__iexact=district.strip())
    if ward.strip():
        customers = customers.filter(ward__iexact=ward.strip())
    return _open(now).filter(customers__in=customers).distinct()


def provinces() -> list[str]:
    """The provinces customers live in, for the lookup form (a distinct over every
    customer, so it is cached for an hour)."""
    return cache.get_or_set(
        "outages:provinces",
        lambda: list(
            Customer.objects.exclude(province="")
            .order_by("province")
            .values_list("province", flat=True)
            .distinct()
        ),
        timeout=3600,
    )
