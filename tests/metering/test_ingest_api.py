"""POST /api/v1/ingest/readings: the MDMS's way in, with per-unit keys."""

import gzip

import pytest
from django.utils import timezone

from cskh.metering.models import ImportBatch, IngestKey, Reading
from tests import factories
from tests.helpers import error_of, ingest_key, post_csv
from tests.metering.files import csv_of, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def meter(units):
    return factories.customer(meter="API001").meters.get()


def key_for(unit) -> str:
    return ingest_key(unit, f"MDMS {unit.code}")


def post(client, body: bytes, key: str | None, **headers):
    return post_csv(client, "/api/v1/ingest/readings", body, key, **headers)


def test_a_corporation_loads_its_readings_and_gets_a_report(client, units, meter):
    key = key_for(units["EVNHCMC"])
    body = csv_of(row(meter, "2026-11-01", "10"), row(meter, "2026-11-02", "5"))
    response = post(client, body, key, **{"X-Source-Name": "mdms-2026-11-02.csv"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["source"] == "mdms-2026-11-02.csv"
    assert data["rows"] == {"total": 2, "new": 1, "unchanged": 0, "corrected": 0, "rejected": 1}
    assert data["rejections"] == [
        {
            "line": 3,
            "reason": "backwards",
            "message": data["rejections"][0]["message"],
            "row": f"{meter.customer.code},{meter.number},2026-11-02,KT,5,,",
        }
    ]
    assert data["rejections_more"] is False
    assert IngestKey.objects.get().last_used_at is not None
    again = post(client, gzip.compress(body), key).json()
    assert again["rows"]["unchanged"] == 1


def test_a_key_cannot_load_or_read_another_units_data(client, units, meter):
    hanoi = key_for(units["EVNHANOI"])
    data = post(client, csv_of(row(meter, "2026-11-01", "10")), hanoi).json()
    assert data["rejections"][0]["reason"] == "other_unit"
    assert not Reading.objects.exists()
    hcmc_batch = ImportBatch.objects.create(
        channel="API", source="x", unit=units["EVNHCMC"], received_at=timezone.now()
    )
    response = client.get(
        f"/api/v1/ingest/batches/{hcmc_batch.pk}", headers={"Authorization": f"Bearer {hanoi}"}
    )
    error_of(response, 404, "not_found")


def test_the_rest_of_the_report_is_paged(client, units, meter, monkeypatch):
    from cskh.metering import ingest

    monkeypatch.setattr(ingest, "REPORT_LIMIT", 2)
    key = key_for(units["EVNHCMC"])
    data = post(client, csv_of(*(row(meter, "bad", "1") for _ in range(3))), key).json()
    assert data["rejections_more"] is True
    page = client.get(
        f"/api/v1/ingest/batches/{data['batch']}?offset=2",
        headers={"Authorization": f"Bearer {key}"},
    ).json()
    assert [r["line"] for r in page["rejections"]] == [4]
    assert page["rejections_more"] is False


@pytest.mark.parametrize("key", [None, "mdk_wrong", "revoked"])
def test_without_a_valid_key_nothing_is_loaded(client, units, meter, key):
    if key == "revoked":
        key = key_for(units["EVNHCMC"])
        IngestKey.objects.update(revoked_at=timezone.now())
    response = post(client, csv_of(row(meter, "2026-11-01", "10")), key)
    error_of(response, 401, "not_authenticated")
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(("lang", "word"), [("vi", "Dòng 1"), ("en", "Line 1")])
def test_an_unreadable_file_answers_422_in_the_callers_language(client, units, lang, word):
    key = key_for(units["EVNHCMC"])
    response = post(client, b"code,meter\n", key, **{"Accept-Language": lang})
    error = error_of(response, 422, "bad_file")
    assert error["message"].startswith(word)
    assert error["fields"]["file"]
    assert not ImportBatch.objects.exists()
