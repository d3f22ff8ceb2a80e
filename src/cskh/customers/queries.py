"""Read paths for the pages and the API: what an account may see of its customers."""

from datetime import date

from cskh.core import codes
from cskh.customers.models import CustomerLink, UnitHotline


def links_of(account) -> list[CustomerLink]:
    """The account's links, default first, then in the order they were made."""
    return list(
        CustomerLink.objects.filter(account=account)
        .select_related("customer", "customer__unit")
        .order_by("-is_default", "linked_at", "id")
    )


def link_of(account, code: str) -> CustomerLink | None:
    return (
        CustomerLink.objects.filter(account=account, customer__code=code)
        .select_related("customer", "customer__unit", "customer__unit__parent")
        .first()
    )


def summary(link: CustomerLink) -> dict:
    """What any linked account sees: enough to recognise the place."""
    customer = link.customer
    return {
        "code": customer.code,
        "nickname": link.nickname,
        "relation": link.relation,
        "default": link.is_default,
        "name": customer.name,
        "address": customer.address,
        "unit": customer.unit.name,
        "status": customer.status,
        "linked_at": link.linked_at,
    }


def detail(link: CustomerLink, *, today: date) -> dict:
    """The customer page. Contract data (phone, CCCD) only for the holder."""
    customer = link.customer
    corporation = customer.unit.corporation
    data = summary(link) | {
        "purpose": customer.purpose,
        "purpose_label": customer.get_purpose_display(),
        "status_label": customer.get_status_display(),
        "voltage_label": customer.get_voltage_display(),
        "households": customer.households,
        "corporation": corporation.name if corporation else "",
        "hotlines": [hotline.number for hotline in UnitHotline.in_force(unit=corporation, on=today)]
        if corporation
        else [],
        "meters": [
            {
                "number": meter.number,
                "registers": meter.registers,
                "multiplier": meter.multiplier,
                "installed_date": meter.installed_date,
            }
            for meter in customer.meters.filter(removed_date__isnull=True).order_by("id")
        ],
    }
    if link.is_owner:
        data["contract_phone"] = (
            codes.national_phone(customer.contract_phone) if customer.contract_phone else ""
        )
        data["holder_cccd_masked"] = (
            codes.mask_cccd(customer.holder_cccd) if customer.holder_cccd else ""
        )
    return data


def personal_data_of_account(sender, *, user, **kwargs):
    """Receiver of accounts.signals.collect_personal_data."""
    return (
        "customer_links",
        [
            {
                "code": link.customer.code,
                "nickname": link.nickname,
                "relation": link.relation,
                "proof": link.proof,
                "default": link.is_default,
                "linked_at": link.linked_at.isoformat(),
                "customer_name": link.customer.name,
                "customer_address": link.customer.address,
            }
            for link in links_of(user)
        ],
    )
