"""CMIS invoices over POST /api/v1/ingest/invoices (the readings' per-unit keys) and
manage.py import_invoices."""

import gzip

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cskh.billing.models import Invoice
from cskh.metering.models import IngestKey
from cskh.notifications.models import Notice
from tests import factories
from tests.billing.test_cmis import csv_of, invoice
from tests.helpers import error_of, ingest_key, post_csv

pytestmark = pytest.mark.django_db


def key_for(unit) -> str:
    return ingest_key(unit, f"CMIS {unit.code}")


def post(client, body: bytes, key: str | None, **headers):
    return post_csv(client, "/api/v1/ingest/invoices", body, key, **headers)


# ---------------------------------------------------------------- the API


def test_a_corporation_sends_its_invoices_and_gets_a_report(client, units):
    home, other = factories.customer(), factories.customer()
    bad = invoice(other, number=2)
    bad[1]["amount"] = "1"
    body = csv_of(invoice(home, number=1), bad)
    key = key_for(units["EVNHCMC"])
    response = post(client, body, key, **{"X-Source-Name": "cmis-2026-11.csv"})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["source"] == "cmis-2026-11.csv"
    assert data["rows"] == 8
    assert data["invoices"] == {"total": 2, "new": 1, "unchanged": 0, "rejected": 1}
    assert data["announced"] == 1
    assert data["rejections"] == [
        {
            "lines": [6, 7, 8, 9],
            "customer_code": other.code,
            "series": "C26TPE",
            "number": "2",
            "reason": "amount_mismatch",
            "message": data["rejections"][0]["message"],
        }
    ]
    assert data["rejections"][0]["message"].startswith("Line 7, amount: ")
    assert data["rejections_more"] is False
    assert Invoice.objects.get().customer == home
    again = post(client, gzip.compress(body), key)
    assert again.status_code == 200
    assert again.json()["invoices"]["unchanged"] == 1


def test_a_key_loads_only_its_units_customers(client, units):
    hcmc = factories.customer()
    hanoi = key_for(units["EVNHANOI"])
    data = post(client, csv_of(invoice(hcmc)), hanoi).json()
    assert [r["reason"] for r in data["rejections"]] == ["other_unit"]
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("key", [None, "mdk_wrong", "revoked"])
def test_without_a_valid_key_nothing_is_loaded(client, units, key):
    if key == "revoked":
        key = key_for(units["EVNHCMC"])
        IngestKey.objects.update(revoked_at=timezone.now())
    response = post(client, csv_of(invoice(factories.customer())), key)
    error_of(response, 401, "not_authenticated")
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(("lang", "word"), [("vi", "Dòng 1"), ("en", "Line 1")])
def test_an_unreadable_file_answers_422_in_the_callers_language(client, units, lang, word):
    key = key_for(units["EVNHCMC"])
    response = post(client, b"code,series\n", key, **{"Accept-Language": lang})
    error = error_of(response, 422, "bad_file")
    assert error["message"].startswith(word)
    assert error["fields"]["file"]
    assert not Invoice.objects.exists()


# ---------------------------------------------------------------- the command


def test_files_are_imported_with_a_summary_each(tmp_path, units, capsys):
    home, other = factories.customer(), factories.customer()
    first = tmp_path / "2026-10.csv"
    bad = invoice(other, number=2)
    bad[0]["register"] = "XX"
    first.write_bytes(csv_of(invoice(home, number=1), bad))
    second = tmp_path / "2026-10b.csv.gz"
    second.write_bytes(gzip.compress(csv_of(invoice(other, number=3))))
    call_command("import_invoices", str(first), str(second), "--unit", "PE01")
    out = capsys.readouterr().out
    assert "2026-10.csv: 2 invoices (8 rows) — 1 new, 0 unchanged, 1 rejected" in out
    assert f"  lines 6–9 ({other.code} C26TPE 2): bad_register: " in out
    assert "2026-10b.csv.gz: 1 invoices (4 rows) — 1 new" in out
    assert Invoice.objects.count() == 2
    assert Notice.objects.filter(category="BILL").count() == 2


def test_quiet_tells_nobody_and_a_unit_must_exist(tmp_path, units):
    data = tmp_path / "d.csv"
    data.write_bytes(csv_of(invoice(factories.customer())))
    with pytest.raises(CommandError):
        call_command("import_invoices", str(data), "--unit", "NOPE")
    with pytest.raises(CommandError):
        call_command("import_invoices", str(tmp_path / "missing.csv"))
    call_command("import_invoices", str(data), "--quiet")
    assert Invoice.objects.count() == 1
    assert not Notice.objects.exists()


def test_a_bad_file_is_reported_and_the_others_still_load(tmp_path, units, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe not a csv")
    good = tmp_path / "good.csv"
    good.write_bytes(csv_of(invoice(factories.customer())))
    with pytest.raises(CommandError):
        call_command("import_invoices", str(bad), str(good))
    assert "bad.csv" in capsys.readouterr().err
    assert Invoice.objects.count() == 1
