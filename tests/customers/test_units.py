"""EVN units (resolution of a customer code, path, corporation), hotlines over time,
and the customers' part of the personal-data export."""

import json
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cskh.accounts import services as accounts
from cskh.customers.models import Unit, UnitHotline
from cskh.customers.services import resolve_unit
from tests import factories
from tests.helpers import token_for

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- resolve_unit


@pytest.mark.parametrize(
    ("code", "unit"),
    [
        ("PE0100012345", "PE0100"),  # the branch
        ("PE01000000001", "PE0100"),
        ("PE0199012345", "PE01"),  # no branch PE0199: its company
        ("PD0100123456", "PD0100"),
        ("PD0207123456", None),  # no PD02 unit in the test tree
        ("PX0100012345", None),
    ],
)
def test_resolve_unit_picks_the_longest_unit_code_prefix(units, code, unit):
    resolved = resolve_unit(code)
    assert (resolved.code if resolved else None) == unit


def test_resolve_unit_prefers_the_branch_even_when_a_shorter_code_is_added_later(units):
    Unit.objects.create(code="PE", name="PE", level=Unit.Level.COMPANY, parent=units["EVNHCMC"])
    assert resolve_unit("PE0100012345").code == "PE0100"
    assert resolve_unit("PE0200012345").code == "PE"


def test_resolve_unit_does_not_match_a_unit_code_inside_the_code(units):
    # "0100" and "EVN" are not prefixes of the customer code
    assert resolve_unit("PA0100012345") is None


# ---------------------------------------------------------------- path and corporation


def test_path_is_built_from_the_parents(units):
    assert units["EVN"].path == "/EVN/"
    assert units["EVNHCMC"].path == "/EVN/EVNHCMC/"
    assert units["PE01"].path == "/EVN/EVNHCMC/PE01/"
    assert Unit.objects.get(code="PE0100").path == "/EVN/EVNHCMC/PE01/PE0100/"


def test_path_follows_a_move_to_another_parent_on_save(units):
    branch = units["PE0100"]
    branch.parent = units["PD01"]
    branch.save()
    assert Unit.objects.get(code="PE0100").path == "/EVN/EVNHANOI/PD01/PE0100/"


def test_moving_a_unit_moves_everything_under_it(units):
    company = units["PE01"]
    company.parent = units["EVNHANOI"]
    company.save()
    assert Unit.objects.get(code="PE01").path == "/EVN/EVNHANOI/PE01/"
    assert Unit.objects.get(code="PE0100").path == "/EVN/EVNHANOI/PE01/PE0100/"
    assert Unit.objects.get(code="PE0100").corporation.code == "EVNHANOI"
    # the other corporation is left alone
    assert Unit.objects.get(code="PD0100").path == "/EVN/EVNHANOI/PD01/PD0100/"
    assert Unit.objects.get(code="EVNHCMC").path == "/EVN/EVNHCMC/"


def test_renaming_a_unit_code_renames_the_paths_under_it(units):
    corporation = units["EVNHCMC"]
    corporation.code = "EVNHCM"
    corporation.save()
    assert set(
        Unit.objects.filter(path__startswith="/EVN/EVNHCM/").values_list("path", flat=True)
    ) == {"/EVN/EVNHCM/", "/EVN/EVNHCM/PE01/", "/EVN/EVNHCM/PE01/PE0100/"}
    assert not Unit.objects.filter(path__startswith="/EVN/EVNHCMC/").exists()


def test_path_makes_everything_under_a_unit_one_prefix_match(units):
    under = Unit.objects.filter(path__startswith=units["EVNHCMC"].path)
    assert set(under.values_list("code", flat=True)) == {"EVNHCMC", "PE01", "PE0100"}


@pytest.mark.parametrize(
    ("code", "corporation"),
    [
        ("PE0100", "EVNHCMC"),
        ("PE01", "EVNHCMC"),
        ("EVNHCMC", "EVNHCMC"),
        ("PD0100", "EVNHANOI"),
        ("EVN", None),
    ],
)
def test_corporation(units, code, corporation):
    unit = Unit.objects.get(code=code)
    assert (unit.corporation.code if unit.corporation else None) == corporation


def test_only_the_group_has_no_parent(units):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(code="PZ01", name="Orphan", level=Unit.Level.COMPANY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(
            code="EVN2", name="Second group", level=Unit.Level.GROUP, parent=units["EVN"]
        )


# ---------------------------------------------------------------- hotlines


def test_hotline_in_force_over_its_half_open_period(units):
    corporation = units["EVNHANOI"]
    UnitHotline.objects.filter(unit=corporation).delete()
    old = UnitHotline.objects.create(
        unit=corporation,
        number="1900 0001",
        valid_from=date(2024, 1, 1),
        valid_until=date(2025, 7, 1),
    )
    new = UnitHotline.objects.create(
        unit=corporation, number="1900 1288", valid_from=date(2025, 7, 1)
    )

    def numbers(on):
        return list(UnitHotline.in_force(unit=corporation, on=on))

    assert numbers(date(2023, 12, 31)) == []
    assert numbers(date(2024, 1, 1)) == [old]  # valid_from is included
    assert numbers(date(2025, 6, 30)) == [old]
    assert numbers(date(2025, 7, 1)) == [new]  # valid_until is excluded
    assert numbers(date(2099, 1, 1)) == [new]


def test_hotlines_in_force_at_once_come_in_order_and_per_unit(units):
    corporation = units["EVNHCMC"]
    UnitHotline.objects.create(unit=corporation, number="1900 9999", valid_from=date(2025, 6, 1))
    in_force = UnitHotline.in_force(unit=corporation, on=date(2025, 6, 1))
    assert [hotline.number for hotline in in_force] == ["1900 545454", "1900 9999"]
    assert all(hotline.unit == corporation for hotline in in_force)


def test_hotline_period_cannot_be_empty(units):
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitHotline.objects.create(
            unit=units["EVN"],
            number="1900 0000",
            valid_from=date(2025, 1, 1),
            valid_until=date(2025, 1, 1),
        )


def test_customer_detail_shows_the_hotlines_in_force_today(api, units):
    corporation = units["EVNHCMC"]
    today = timezone.localdate()
    UnitHotline.objects.create(
        unit=corporation,
        number="1900 0000",
        valid_from=today - timedelta(days=30),
        valid_until=today,
    )
    UnitHotline.objects.create(
        unit=corporation, number="1900 7777", valid_from=today + timedelta(days=1)
    )
    user = factories.account()
    customer = factories.customer()
    factories.link(user, customer)
    body = api.get(f"/customers/{customer.code}", token=token_for(user)).json()
    assert body["hotlines"] == ["1900 545454"]


# ---------------------------------------------------------------- personal data


def test_personal_data_export_includes_the_customer_links(units):
    user = factories.account()
    other = factories.account()
    now = timezone.now()
    home = factories.customer()
    parents = factories.customer(unit_code="PD0100")
    factories.link(user, home, nickname="Nhà mình", linked_at=now - timedelta(days=1))
    factories.link(user, parents, relation="OTHER", linked_at=now)
    factories.link(other, factories.customer())

    data = accounts.export_personal_data(user=user, now=now)

    assert data["customer_links"] == [
        {
            "code": home.code,
            "nickname": "Nhà mình",
            "relation": "OWNER",
            "proof": "CCCD",
            "default": True,
            "linked_at": (now - timedelta(days=1)).isoformat(),
            "customer_name": home.name,
            "customer_address": home.address,
        },
        {
            "code": parents.code,
            "nickname": "",
            "relation": "OTHER",
            "proof": "METER_NUMBER",
            "default": False,
            "linked_at": now.isoformat(),
            "customer_name": parents.name,
            "customer_address": parents.address,
        },
    ]
    json.dumps(data)  # serialisable as is


def test_personal_data_export_of_an_account_without_links(units):
    data = accounts.export_personal_data(user=factories.account(), now=timezone.now())
    assert data["customer_links"] == []


def test_personal_data_export_through_the_api_includes_the_links(api, units):
    user = factories.account()
    customer = factories.customer()
    factories.link(user, customer, nickname="Nhà")
    response = api.get("/me/export", token=token_for(user))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert [link["code"] for link in data["customer_links"]] == [customer.code]
    assert data["customer_links"][0]["nickname"] == "Nhà"
