"""The tariffs on file when the platform starts (../shared/domain/tariffs.md).

Decision 2699/QĐ-BCT is on file for residential prices only; Decision 1279/QĐ-BCT for
every group. Later versions are added by staff in /staff/."""

from datetime import date

from django.db import migrations

RESIDENTIAL = {
    "2699/QĐ-BCT": [(50, 1893), (100, 1956), (200, 2271), (300, 2860), (400, 3197), (None, 3302)],
    "1279/QĐ-BCT": [(50, 1984), (100, 2050), (200, 2380), (300, 2998), (400, 3350), (None, 3460)],
}
TIME_OF_USE = [  # group, voltage, off-peak, normal, peak (Decision 1279)
    ("PRODUCTION", "GE_110KV", 1146, 1811, 3266),
    ("PRODUCTION", "KV_22_110", 1190, 1833, 3398),
    ("PRODUCTION", "KV_6_22", 1234, 1899, 3508),
    ("PRODUCTION", "LT_6KV", 1300, 1987, 3640),
    ("BUSINESS", "GE_110KV", 1609, 2887, 5025),  # "≥ 22 kV": both levels
    ("BUSINESS", "KV_22_110", 1609, 2887, 5025),
    ("BUSINESS", "KV_6_22", 1829, 3108, 5202),
    ("BUSINESS", "LT_6KV", 1918, 3152, 5422),
]
SINGLE_PRICE = [  # group, voltage, price (Decision 1279)
    ("PREPAID", "", 2909),
    ("HOSPITAL_SCHOOL", "LT_6KV", 2072),
    ("ADMINISTRATIVE", "LT_6KV", 2226),
]


def load(apps, schema_editor):
    PriceList = apps.get_model("billing", "PriceList")
    Price = apps.get_model("billing", "Price")
    VatRate = apps.get_model("billing", "VatRate")
    TouHourSet = apps.get_model("billing", "TouHourSet")
    TouWindow = apps.get_model("billing", "TouWindow")
    TenantRule = apps.get_model("billing", "TenantRule")

    old = PriceList.objects.create(
        legal_basis="2699/QĐ-BCT",
        title="Quyết định 2699/QĐ-BCT của Bộ Công Thương",
        valid_from=date(2024, 10, 11),
        valid_until=date(2025, 5, 10),
    )
    new = PriceList.objects.create(
        legal_basis="1279/QĐ-BCT",
        title="Quyết định 1279/QĐ-BCT của Bộ Công Thương",
        valid_from=date(2025, 5, 10),
    )
    rows = []
    for price_list in (old, new):
        for up_to, price in RESIDENTIAL[price_list.legal_basis]:
            rows.append(
                Price(
                    price_list=price_list,
                    customer_group="RESIDENTIAL",
                    band="TIER",
                    up_to_kwh=up_to,
                    price=price,
                )
            )
    for group, voltage, offpeak, normal, peak in TIME_OF_USE:
        for band, price in (("OFFPEAK", offpeak), ("NORMAL", normal), ("PEAK", peak)):
            rows.append(
                Price(price_list=new, customer_group=group, voltage=voltage, band=band, price=price)
            )
    for group, voltage, price in SINGLE_PRICE:
        rows.append(
            Price(price_list=new, customer_group=group, voltage=voltage, band="FLAT", price=price)
        )
    Price.objects.bulk_create(rows)

    VatRate.objects.bulk_create(
        [
            VatRate(
                legal_basis="Nghị quyết giảm thuế GTGT của Quốc hội (2024 – 30/6/2025)",
                valid_from=date(2024, 1, 1),
                valid_until=date(2025, 7, 1),
                percent=8,
            ),
            VatRate(
                legal_basis="Nghị quyết 204/2025/QH15",
                valid_from=date(2025, 7, 1),
                valid_until=date(2027, 1, 1),
                percent=8,
            ),
            VatRate(legal_basis="Luật Thuế giá trị gia tăng", valid_from=date(2027, 1, 1), percent=10),
        ]
    )
    hours = TouHourSet.objects.create(
        legal_basis="Thông tư 16/2014/TT-BCT", valid_from=date(2024, 1, 1)
    )
    TouWindow.objects.bulk_create(
        [
            TouWindow(hour_set=hours, band="PEAK", days="MON_SAT", starts_at="09:30", ends_at="11:30"),
            TouWindow(hour_set=hours, band="PEAK", days="MON_SAT", starts_at="17:00", ends_at="20:00"),
            TouWindow(hour_set=hours, band="OFFPEAK", days="EVERY_DAY", starts_at="22:00", ends_at="04:00"),
        ]
    )
    TenantRule.objects.create(
        legal_basis="Thông tư 60/2025/TT-BCT",
        valid_from=date(2025, 12, 2),
        people_per_household=4,
        undeclared_tier=3,
    )


def unload(apps, schema_editor):
    for name in ("PriceList", "VatRate", "TouHourSet", "TenantRule"):
        apps.get_model("billing", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
