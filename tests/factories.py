"""Small factory functions for test data (no shared mutable fixtures)."""

import importlib
import itertools
from datetime import date, timedelta

from django.utils import timezone

from cskh.accounts.models import LegalDocument, User
from cskh.customers.models import Customer, CustomerLink, Meter, Unit, UnitHotline

PASSWORD = "Kh0ng-Ai-Biet!"
_numbers = itertools.count(1)


def legal_documents() -> None:
    """The published terms and privacy notice (a data migration creates them; tests
    that flush the database, such as the browser tests, need them again)."""
    for kind in (LegalDocument.Kind.TERMS, LegalDocument.Kind.PRIVACY):
        LegalDocument.objects.get_or_create(
            kind=kind,
            version="1.0",
            defaults={
                "effective_date": date(2025, 11, 20),
                "body_vi": "Điều khoản",
                "body_en": "Terms",
            },
        )


def tariffs_on_file() -> None:
    """The tariffs the billing data migration loads (flushed by browser tests)."""
    from django.apps import apps

    from cskh.billing.models import PriceList

    if not PriceList.objects.exists():
        seed = importlib.import_module("cskh.billing.migrations.0002_tariffs_on_file")
        seed.load(apps, None)


def unit_tree() -> dict[str, Unit]:
    """EVN → EVNHCMC (PE01 → PE0100) and EVNHANOI (PD01 → PD0100), with hotlines."""
    units = {}
    units["EVN"], _ = Unit.objects.get_or_create(
        code="EVN", defaults={"name": "EVN", "level": Unit.Level.GROUP}
    )
    for corp, company, branch, hotline in (
        ("EVNHCMC", "PE01", "PE0100", "1900 545454"),
        ("EVNHANOI", "PD01", "PD0100", "1900 1288"),
    ):
        units[corp], _ = Unit.objects.get_or_create(
            code=corp,
            defaults={"name": corp, "level": Unit.Level.CORPORATION, "parent": units["EVN"]},
        )
        UnitHotline.objects.get_or_create(
            unit=units[corp], number=hotline, defaults={"valid_from": date(2025, 1, 1)}
        )
        units[company], _ = Unit.objects.get_or_create(
            code=company,
            defaults={"name": f"PC {company}", "level": Unit.Level.COMPANY, "parent": units[corp]},
        )
        units[branch], _ = Unit.objects.get_or_create(
            code=branch,
            defaults={
                "name": f"Branch {branch}",
                "level": Unit.Level.BRANCH,
                "parent": units[company],
            },
        )
    return units


def customer(
    *,
    unit_code: str = "PE0100",
    phone: str = "+84912000001",
    cccd: str = "079085001234",
    meter: str | None = None,
    status: str = Customer.Status.ACTIVE,
    **fields,
) -> Customer:
    units = unit_tree()
    n = next(_numbers)
    created = Customer.objects.create(
        code=fields.pop("code", f"{unit_code}{n:07d}"),
        name=fields.pop("name", f"Nguyễn Văn Khách {n}"),
        address=fields.pop("address", f"{n} Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh"),
        unit=units[unit_code],
        purpose=fields.pop("purpose", Customer.Purpose.RESIDENTIAL),
        contract_phone=phone,
        holder_cccd=cccd,
        status=status,
        **fields,
    )
    Meter.objects.create(
        customer=created, number=meter or f"M{n:09d}", installed_date=date(2024, 1, 1)
    )
    return created


def account(*, phone: str | None = None, password: str = PASSWORD, **fields) -> User:
    n = next(_numbers)
    return User.objects.create_user(
        phone or f"+8491{n:07d}",
        password,
        full_name=fields.pop("full_name", f"Trần Thị Tài Khoản {n}"),
        **fields,
    )


def link(account: User, customer: Customer, *, relation: str = "OWNER", **fields) -> CustomerLink:
    return CustomerLink.objects.create(
        account=account,
        customer=customer,
        relation=relation,
        proof=fields.pop("proof", "CCCD" if relation == "OWNER" else "METER_NUMBER"),
        is_default=fields.pop("is_default", not account.customer_links.exists()),
        linked_at=fields.pop("linked_at", timezone.now()),
        **fields,
    )


def invoice(
    customer: Customer,
    *,
    month: date = date(2026, 10, 1),
    total: int = 550_000,
    status: str = "UNPAID",
    **fields,
):
    """An issued electricity invoice for `month`, straight into the table (no bill run):
    VAT 8% inside `total`."""
    from cskh.billing import invoices
    from cskh.billing.models import Invoice

    n = next(_numbers)
    end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    vat = round(total * 8 / 108)
    return Invoice.objects.create(
        customer=customer,
        unit=customer.unit,
        source=Invoice.Source.CMIS,
        period_month=month,
        period_start=month - timedelta(days=1),
        period_end=end,
        customer_name=customer.name,
        customer_address=customer.address,
        customer_group="RESIDENTIAL",
        voltage="LT_6KV",
        kwh=fields.pop("kwh", 200),
        subtotal=total - vat,
        vat_percent=8,
        vat=vat,
        total=total,
        tier_divisor=30,
        due_date=end + timedelta(days=10),
        series="C26TAA",
        number=n,
        status=status,
        issued_at=timezone.now(),
        pricing_id=fields.pop("pricing_id", None) or invoices.Pricings().ids([()])[0],
        **fields,
    )


def collecting_account(unit_code: str = "EVNHCMC", **fields):
    """The bank account a unit (a corporation by default) collects VietQR transfers on."""
    from cskh.payments.models import CollectingAccount

    return CollectingAccount.objects.create(
        unit=unit_tree()[unit_code],
        bank_bin=fields.pop("bank_bin", "970436"),
        bank_name=fields.pop("bank_name", "Vietcombank"),
        account_number=fields.pop("account_number", "0071000123456"),
        account_name=fields.pop("account_name", "TONG CONG TY DIEN LUC TP HCM"),
        valid_from=fields.pop("valid_from", date(2024, 1, 1)),
        **fields,
    )
