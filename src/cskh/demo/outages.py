"""A demo planned outage on one of the demo account's codes (PD01000000001)."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from cskh.customers.models import Customer, Unit
from cskh.outages import services
from cskh.outages.models import Outage

AREA = "Phố Hàng Bạc, Hàng Bè, Mã Mây (phường Hàng Bạc, quận Hoàn Kiếm)"
FEEDER = "475E1.4"


def ensure_outage() -> None:
    """Publish the demo outage once, a week ahead, 08:00–16:00 (local time)."""
    if Outage.objects.filter(area=AREA).exists():
        return
    Customer.objects.filter(code="PD01000000001", feeder="").update(
        feeder=FEEDER, substation="TBA Hàng Bạc 2"
    )
    day = timezone.localdate() + timedelta(days=7)
    start = timezone.make_aware(datetime.combine(day, time(8, 0)))
    services.publish(
        plan=services.Plan(
            unit=Unit.objects.get(code="PD0100"),
            kind=Outage.Kind.OUTAGE,
            capacity_kw=None,
            emergency=False,
            area=AREA,
            line=f"ĐZ 22kV lộ {FEEDER}",
            reason="Bảo dưỡng, thay thế thiết bị trên lưới điện trung thế",
            start_at=start,
            end_at=start + timedelta(hours=8),
        ),
        customers=services.affected_customers(
            unit=Unit.objects.get(code="PD0100"), codes=[], feeders=[FEEDER]
        ),
        by=None,
        now=timezone.now(),
    )
