"""Shared helpers of the outage tests: plans, outages made directly (for the lookups),
and accounts linked to customers."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from cskh.customers.models import Customer, Unit
from cskh.outages import services
from cskh.outages.models import Outage, OutageCustomer
from tests import factories


def local(day, hour: int = 8, minute: int = 0) -> datetime:
    """An aware datetime at `hour:minute` local time (Asia/Ho_Chi_Minh) on `day`."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def days_ahead(days: int, hour: int = 8, *, now: datetime | None = None) -> datetime:
    """`hour`:00 local time, `days` calendar days after today (or after `now`)."""
    today = timezone.localdate(now) if now else timezone.localdate()
    return local(today + timedelta(days=days), hour)


def make_plan(unit: Unit, **fields) -> services.Plan:
    """A planned outage of `unit` a week ahead, 08:00–16:00, unless told otherwise."""
    start = fields.pop("start_at", None) or days_ahead(7)
    values = {
        "unit": unit,
        "kind": Outage.Kind.OUTAGE,
        "capacity_kw": None,
        "emergency": False,
        "area": "Phố Hàng Bạc, Hàng Bè (phường Hàng Bạc)",
        "line": "ĐZ 22kV lộ 475E1.4",
        "reason": "Bảo dưỡng lưới điện trung thế",
        "start_at": start,
        "end_at": start + timedelta(hours=8),
    }
    values.update(fields)
    return services.Plan(**values)


def make_outage(
    unit: Unit, customers: list[Customer], *, start_at: datetime, hours: int = 8, **fields
) -> Outage:
    """An outage stored directly, without the rules or a notice (for the lookups)."""
    values = {
        "kind": Outage.Kind.OUTAGE,
        "area": f"Khu vực {start_at:%d/%m %H:%M}",
        "line": "ĐZ 22kV lộ 475E1.4",
        "reason": "Bảo dưỡng",
        "end_at": start_at + timedelta(hours=hours),
    }
    values.update(fields)
    outage = Outage.objects.create(unit=unit, start_at=start_at, **values)
    OutageCustomer.objects.bulk_create(
        OutageCustomer(outage=outage, customer=customer) for customer in customers
    )
    return outage


def linked_account(customer: Customer, *, relation: str = "OWNER", **fields):
    account = factories.account(**fields)
    factories.link(account, customer, relation=relation)
    return account
