"""Tariffs in the back-office: EVN's content editors add versions; a version that has
come into force is read-only; adding one closes the one before; power companies'
staff only look."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from cskh.billing.models import Price, PriceList, VatRate
from cskh.staff import roles
from cskh.staff.models import StaffMembership
from tests import factories

pytestmark = pytest.mark.django_db


def editor_of(unit, client):
    user = factories.account(is_staff=True, language="en")
    user.groups.add(Group.objects.get(name=roles.CONTENT_EDITOR))
    StaffMembership.objects.create(user=user, unit=unit)
    client.force_login(user)
    return user


@pytest.fixture
def evn_editor(units, client):
    return editor_of(units["EVN"], client)


def price_rows(rows, prefix="prices"):
    """The inline formset's POST data for `rows` of (group, voltage, band, up_to, price)."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for n, (group, voltage, band, up_to, price) in enumerate(rows):
        data |= {
            f"{prefix}-{n}-customer_group": group,
            f"{prefix}-{n}-voltage": voltage,
            f"{prefix}-{n}-band": band,
            f"{prefix}-{n}-up_to_kwh": "" if up_to is None else str(up_to),
            f"{prefix}-{n}-price": str(price),
        }
    return data


FIVE_TIERS = [
    ("RESIDENTIAL", "", "TIER", 100, 1900),
    ("RESIDENTIAL", "", "TIER", 200, 2300),
    ("RESIDENTIAL", "", "TIER", 400, 2900),
    ("RESIDENTIAL", "", "TIER", 700, 3400),
    ("RESIDENTIAL", "", "TIER", None, 3900),
]


def add_price_list(client, start: date, rows, **extra):
    return client.post(
        "/staff/billing/pricelist/add/",
        {"legal_basis": "99/QĐ-BCT", "title": "", "valid_from": start.isoformat(), **extra}
        | price_rows(rows),
    )


def test_a_new_price_list_closes_the_one_in_force(client, evn_editor):
    start = timezone.localdate() + timedelta(days=30)
    response = add_price_list(client, start, FIVE_TIERS)
    assert response.status_code == 302, response.content.decode()[:3000]
    new = PriceList.objects.get(legal_basis="99/QĐ-BCT")
    assert new.valid_until is None and new.prices.count() == 5
    assert PriceList.objects.get(legal_basis="1279/QĐ-BCT").valid_until == start
    # the calculator prices the days from then on with five tiers
    assert new.schedule("RESIDENTIAL", None).tiers[-1].up_to is None


def test_incomplete_price_lists_are_refused(client, evn_editor):
    start = timezone.localdate() + timedelta(days=30)
    cases = {
        "Residential tiers end with one open last tier.": FIVE_TIERS[:-1],
        "Give the off-peak, normal and peak prices for each voltage level.": [
            ("BUSINESS", "LT_6KV", "PEAK", None, 5000)
        ],
        "Only residential prices have tiers.": [("ADMINISTRATIVE", "LT_6KV", "TIER", None, 5)],
        "A price is listed twice.": [FIVE_TIERS[0], FIVE_TIERS[0], FIVE_TIERS[-1]],
    }
    for message, rows in cases.items():
        response = add_price_list(client, start, rows)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not PriceList.objects.filter(legal_basis="99/QĐ-BCT").exists()
    assert PriceList.objects.get(legal_basis="1279/QĐ-BCT").valid_until is None


def test_same_start_or_running_into_the_next_version_is_refused(client, evn_editor):
    response = add_price_list(client, date(2025, 5, 10), FIVE_TIERS)
    assert "Another version already comes into force on this day." in response.content.decode()
    response = add_price_list(
        client, date(2025, 1, 1), FIVE_TIERS, valid_until=date(2025, 6, 1).isoformat()
    )
    assert "The next version comes into force on 10/05/2025" in response.content.decode()
    assert PriceList.objects.count() == 2


def test_a_version_in_force_cannot_be_changed_or_deleted(client, evn_editor):
    current = PriceList.objects.get(legal_basis="1279/QĐ-BCT")
    page = client.get(f"/staff/billing/pricelist/{current.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(
        f"/staff/billing/pricelist/{current.pk}/change/",
        {"legal_basis": "changed", "valid_from": "2025-05-10"},
    )
    assert response.status_code == 403
    assert (
        client.post(f"/staff/billing/pricelist/{current.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert PriceList.objects.get(pk=current.pk).legal_basis == "1279/QĐ-BCT"
    assert Price.objects.filter(price_list=current).count() == 33


def test_a_future_version_can_be_corrected_and_vat_follows_the_same_rules(client, evn_editor):
    start = timezone.localdate() + timedelta(days=10)
    before = VatRate.overlapping(start, start + timedelta(days=1)).get()
    following = VatRate.objects.filter(valid_from__gt=start).order_by("valid_from").first()
    fields = {"legal_basis": "Nghị quyết mới", "valid_from": start.isoformat(), "percent": "5"}
    response = client.post("/staff/billing/vatrate/add/", fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert VatRate.objects.get(pk=before.pk).valid_until == start
    added = VatRate.objects.get(legal_basis="Nghị quyết mới")
    assert added.valid_until == (following.valid_from if following else None)
    response = client.post(
        f"/staff/billing/vatrate/{added.pk}/change/",
        fields | {"percent": "6", "valid_until": added.valid_until or ""},
    )
    assert response.status_code == 302
    assert VatRate.objects.get(pk=added.pk).percent == 6


def test_power_company_staff_only_look(client, units):
    editor_of(units["PE01"], client)
    assert client.get("/staff/billing/pricelist/").status_code == 200
    assert client.get("/staff/billing/pricelist/add/").status_code == 403
    assert add_price_list(client, date(2027, 1, 1), FIVE_TIERS).status_code == 403
    assert not PriceList.objects.filter(legal_basis="99/QĐ-BCT").exists()
