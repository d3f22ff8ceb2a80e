"""Demo notices for the demo account, some of them unread (its INCIDENT notice comes
from the demo planned outage, cskh.demo.outages)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cskh.accounts.models import User
from cskh.customers.models import Customer, Unit
from cskh.notifications.models import Audience, Category, Notice, NoticeCustomer, NoticeRead

# (category, audience, unit or customer code, days ago, read, title vi, body vi, title en, body en)
NOTICES = [
    (
        Category.MEDIA,
        Audience.EVERYONE,
        None,
        20,
        True,
        "Ứng dụng EVN CSKH chính thức phục vụ khách hàng",
        "Quý khách có thể tra cứu thông tin sử dụng điện, hóa đơn, lịch ngừng cung cấp điện và "
        "báo sự cố điện ngay trên điện thoại.",
        "The EVN CSKH app now serves every customer",
        "Look up your electricity use, bills and planned outages, and report power incidents, "
        "from your phone.",
    ),
    (
        Category.BILL,
        Audience.CUSTOMERS,
        "PE01000000001",
        1,
        False,
        "Lịch ghi chỉ số công tơ tháng 12/2026",
        "Chỉ số công tơ của mã khách hàng PE01000000001 sẽ được ghi ngày 05/12/2026.",
        "Meter reading date for December 2026",
        "The meter of customer PE01000000001 will be read on 05/12/2026.",
    ),
    (
        Category.MEDIA,
        Audience.UNIT,
        "EVNHCMC",
        5,
        False,
        "Sử dụng điện tiết kiệm và an toàn mùa khô",
        "Tắt thiết bị khi không sử dụng, đặt điều hòa ở 26–27 °C và không để trẻ em đến gần ổ cắm.",
        "Save electricity safely in the dry season",
        "Switch off unused appliances, set air conditioners to 26–27 °C and keep children away "
        "from sockets.",
    ),
]


@transaction.atomic
def ensure_notices() -> None:
    """Create the demo notices once (matched by title)."""
    now = timezone.now()
    demo = User.objects.filter(phone="+84900000001").first()
    for category, audience, target, days, read, title_vi, body_vi, title_en, body_en in NOTICES:
        if Notice.objects.filter(title_vi=title_vi).exists():
            continue
        notice = Notice.objects.create(
            category=category,
            audience=audience,
            unit=Unit.objects.get(code=target) if audience == Audience.UNIT else None,
            title_vi=title_vi,
            body_vi=body_vi,
            title_en=title_en,
            body_en=body_en,
            publish_at=now - timedelta(days=days),
        )
        if audience == Audience.CUSTOMERS:
            NoticeCustomer.objects.create(notice=notice, customer=Customer.objects.get(code=target))
            notice.link = f"/customers/{target}/"
            notice.save(update_fields=["link"])
        if read and demo:
            NoticeRead.objects.create(account=demo, notice=notice, read_at=now)
