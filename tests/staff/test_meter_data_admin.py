"""Meter data in the back-office: ingestion keys shown once and scoped, import reports
scoped, multiplier periods that cannot overlap."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.utils import timezone

from cskh.metering.models import ImportBatch, IngestKey, MultiplierPeriod
from cskh.staff import roles
from cskh.staff.models import StaffMembership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit_admin(units, client):
    user = factories.account(is_staff=True, language="en")
    user.groups.add(Group.objects.get(name=roles.UNIT_ADMIN))
    StaffMembership.objects.create(user=user, unit=units["PE01"])
    client.force_login(user)
    return user


def test_a_new_key_is_shown_once_and_only_its_digest_kept(client, unit_admin, units):
    response = client.post(
        "/staff/metering/ingestkey/add/", {"unit": units["PE0100"].pk, "name": "MDMS PE"}
    )
    assert response.status_code == 302, response.content[:500]
    shown = next(str(m) for m in get_messages(response.wsgi_request) if "mdk_" in str(m))
    clear = shown[shown.index("mdk_") :].split()[0]
    key = IngestKey.objects.get()
    assert key.digest == IngestKey.digest_of(clear) and clear not in key.digest
    assert (key.created_by, key.hint) == (unit_admin, clear[:12])


def test_keys_and_batches_of_other_units_are_not_listed(client, unit_admin, units):
    IngestKey.objects.create(unit=units["EVNHANOI"], name="Hà Nội", digest="x" * 64)
    ImportBatch.objects.create(
        channel="API", source="hanoi.csv", unit=units["EVNHANOI"], received_at=timezone.now()
    )
    ImportBatch.objects.create(
        channel="API", source="saigon.csv", unit=units["PE0100"], received_at=timezone.now()
    )
    keys = client.get("/staff/metering/ingestkey/")
    assert "Hà Nội" not in keys.content.decode()
    batches = client.get("/staff/metering/importbatch/")
    assert [b.source for b in batches.context["cl"].result_list] == ["saigon.csv"]


def test_multiplier_periods_must_not_overlap(client, unit_admin, units):
    meter = factories.customer(meter="HSN001").meters.get()
    form = {
        "customer": meter.customer.pk,
        "number": meter.number,
        "registers": "KT",
        "multiplier": 1,
        "digits": 6,
        "installed_date": "2024-01-01",
        "start_indexes-TOTAL_FORMS": 0,
        "start_indexes-INITIAL_FORMS": 0,
        "multiplier_periods-TOTAL_FORMS": 2,
        "multiplier_periods-INITIAL_FORMS": 0,
        "multiplier_periods-0-multiplier": 40,
        "multiplier_periods-0-valid_from": "2024-01-01",
        "multiplier_periods-0-valid_until": "2026-01-01",
        "multiplier_periods-1-multiplier": 80,
        "multiplier_periods-1-valid_from": "2025-06-01",
    }
    response = client.post(f"/staff/customers/meter/{meter.pk}/change/", form)
    assert response.status_code == 200
    assert "must not overlap" in response.content.decode()
    assert not MultiplierPeriod.objects.exists()
    form["multiplier_periods-1-valid_from"] = "2026-01-01"
    response = client.post(f"/staff/customers/meter/{meter.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert MultiplierPeriod.objects.count() == 2


def test_a_batch_page_lists_its_rejected_rows_with_their_reasons(client, unit_admin, units):
    from tests.metering.files import csv_of, row, send

    meter = factories.customer(meter="REJ001").meters.get()
    result = send(
        csv_of(row(meter, "2026-11-01", "1", kwh="1"), row(meter, "2026-11-01", "2")),
        unit=units["PE01"],
    )
    page = client.get(f"/staff/metering/importbatch/{result.batch.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "duplicate" in content and f"{meter.customer.code},REJ001,2026-11-01,KT,2,," in content
