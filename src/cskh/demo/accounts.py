"""Showcase customers and the fixed demo logins that people and scripts rely on."""

from datetime import date

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from cskh.accounts.models import User
from cskh.customers.models import Customer, CustomerLink, Meter, Unit
from cskh.staff import roles
from cskh.staff.models import StaffMembership

DEMO_PASSWORD = "Demo@12345"  # noqa: S105 - published demo login
STAFF_PASSWORD = "Staff@12345"  # noqa: S105
ADMIN_PASSWORD = "Admin@12345"  # noqa: S105

LOGINS = [
    ("0900000001", DEMO_PASSWORD, "customer: holder of 2 codes (HCMC, Hà Nội), follows a 3rd"),
    ("0900000010", STAFF_PASSWORD, "unit administrator of PC Sài Gòn (PE01) at /staff/"),
    ("0900000000", ADMIN_PASSWORD, "EVN administrator at /staff/ (sees every unit)"),
]

# code, name, address, ward, district, province, unit, phone on contract, holder CCCD, meter
SHOWCASE = [
    (
        "PE01000000001",
        "Nguyễn Văn An",
        "12 Lý Tự Trọng, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh",
        "Phường Bến Nghé",
        "Quận 1",
        "TP. Hồ Chí Minh",
        "PE0100",
        "+84900000001",
        "079085001234",
        "PE24000001",
    ),
    (
        "PD01000000001",
        "Nguyễn Văn An",
        "25 Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội",
        "Phường Hàng Bạc",
        "Quận Hoàn Kiếm",
        "Hà Nội",
        "PD0100",
        "+84900000001",
        "079085001234",
        "PD24000001",
    ),
    (
        "PM01000000001",
        "Nguyễn Văn Bình",
        "8 Trần Phú, Phường Trần Phú, TP. Hải Dương, Hải Dương",
        "Phường Trần Phú",
        "TP. Hải Dương",
        "Hải Dương",
        "PM0100",
        "+84900000003",
        "030055004321",
        "PM24000001",
    ),
    # Free to link after registering: as holder (the code goes to the SMS outbox) …
    (
        "PE01000000002",
        "Trần Thị Mai",
        "40 Nguyễn Huệ, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh",
        "Phường Bến Nghé",
        "Quận 1",
        "TP. Hồ Chí Minh",
        "PE0100",
        "+84900000004",
        "079190005678",
        "PE24000002",
    ),
    # … or as not the holder, with the meter number PP24000001.
    (
        "PP01000000001",
        "Lê Văn Hùng",
        "3 Bạch Đằng, Phường Thạch Thang, Quận Hải Châu, Đà Nẵng",
        "Phường Thạch Thang",
        "Quận Hải Châu",
        "Đà Nẵng",
        "PP0100",
        "+84900000005",
        "048070002468",
        "PP24000001",
    ),
]


def ensure_showcase_customers() -> None:
    for code, name, address, ward, district, province, unit, phone, cccd, meter in SHOWCASE:
        customer, created = Customer.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "address": address,
                "ward": ward,
                "district": district,
                "province": province,
                "unit": Unit.objects.get(code=unit),
                "purpose": Customer.Purpose.RESIDENTIAL,
                "contract_phone": phone,
                "holder_cccd": cccd,
            },
        )
        if created:
            Meter.objects.create(customer=customer, number=meter, installed_date=date(2024, 3, 1))


@transaction.atomic
def ensure_accounts() -> None:
    """Create the demo logins once; a second run leaves them (and any change) alone."""
    now = timezone.now()
    if not User.objects.filter(phone="+84900000001").exists():
        demo = User.objects.create_user(
            "+84900000001", DEMO_PASSWORD, full_name="Nguyễn Văn An", cccd="079085001234"
        )
        for code, relation, proof, nickname, default in [
            ("PE01000000001", "OWNER", "CCCD", "Nhà mình", True),
            ("PD01000000001", "OWNER", "CONTRACT_PHONE_OTP", "Căn hộ Hà Nội", False),
            ("PM01000000001", "OTHER", "METER_NUMBER", "Nhà bố mẹ", False),
        ]:
            CustomerLink.objects.create(
                account=demo,
                customer=Customer.objects.get(code=code),
                relation=relation,
                proof=proof,
                nickname=nickname,
                is_default=default,
                linked_at=now,
            )
    if not User.objects.filter(phone="+84900000010").exists():
        staff = User.objects.create_user(
            "+84900000010", STAFF_PASSWORD, full_name="Phạm Thị Thu", is_staff=True
        )
        StaffMembership.objects.create(user=staff, unit=Unit.objects.get(code="PE01"))
        staff.groups.add(Group.objects.get(name=roles.UNIT_ADMIN))
    if not User.objects.filter(phone="+84900000000").exists():
        User.objects.create_superuser("+84900000000", ADMIN_PASSWORD, full_name="Quản trị EVN")
