"""What an account sees of invoices: GET /api/v1/invoices (unpaid first, filters),
/invoices/{id}, the pages, the total due, and nothing of a customer not linked to it."""

from datetime import date

import pytest

from cskh.billing.models import Invoice
from tests import factories
from tests.billing.test_billrun import MAY_END, household, run
from tests.helpers import error_of, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def billed(units):
    """A holder with one home billed for April and May 2025 (April paid), and a stranger's
    home billed too."""
    home = household(first=date(2025, 3, 31), days=62)
    stranger = household()
    account = factories.account(language="en")
    factories.link(account, home, nickname="Nhà mình")
    run(units["PE01"])
    run(units["PE01"], MAY_END)
    april = Invoice.objects.get(customer=home, period_end=date(2025, 4, 30))
    april.status, april.paid_amount = Invoice.Status.PAID, april.total
    april.save()
    return {"account": account, "home": home, "stranger": stranger, "april": april}


def test_the_list_puts_unpaid_first_with_the_contract_fields(api, billed):
    token = token_for(billed["account"])
    rows = api.get("/invoices", token=token).json()
    assert [(row["period"], row["status"]) for row in rows] == [
        ("2025-05", "UNPAID"),
        ("2025-04", "PAID"),
    ]
    first = rows[0]
    assert {"id", "customer_code", "period", "total", "status", "due_date"} <= set(first)
    assert first["customer_code"] == billed["home"].code
    assert first["due"] == first["total"] and rows[1]["due"] == 0


def test_filters(api, billed):
    token = token_for(billed["account"])
    assert [r["period"] for r in api.get("/invoices?status=PAID", token=token).json()] == [
        "2025-04"
    ]
    assert [r["period"] for r in api.get("/invoices?from=2025-05-01", token=token).json()] == [
        "2025-05"
    ]
    assert api.get("/invoices?to=2025-04-30", token=token).json()[0]["period"] == "2025-04"
    code = billed["home"].code
    assert len(api.get(f"/invoices?customer={code}", token=token).json()) == 2
    error = error_of(api.get(f"/invoices?customer={billed['stranger'].code}", token=token), 422)
    assert error["fields"]["customer"] == ["This customer code is not linked to your account."]
    error = error_of(api.get("/invoices?status=DRAFT", token=token), 422)
    assert error["fields"]["status"] == ["This status does not exist."]
    error = error_of(api.get("/invoices?from=May", token=token), 422)
    assert error["fields"]["start"]


def test_the_detail_has_the_reading_table_and_the_lines(api, billed):
    token = token_for(billed["account"])
    may = Invoice.objects.get(customer=billed["home"], period_end=MAY_END)
    body = api.get(f"/invoices/{may.pk}", token=token).json()
    assert body["registers"][0]["register"] == "KT"
    assert body["registers"][0]["billed_kwh"] == 310
    assert body["lines"][0]["label"] == "Tier 1: 0–50 kWh, 04/30/2025–05/10/2025" or body["lines"][
        0
    ]["label"].startswith("Tier 1: 0–50 kWh, ")
    assert sum(line["amount"] for line in body["lines"]) == body["subtotal"]
    assert body["vat_percent"] == "8"


def test_no_invoice_of_an_unlinked_customer_is_reachable(api, billed, client):
    token = token_for(billed["account"])
    theirs = Invoice.objects.get(customer=billed["stranger"], period_end=MAY_END)
    for path in (f"/invoices/{theirs.pk}", f"/invoices/{theirs.pk}/pdf", "/invoices/999999"):
        error_of(api.get(path, token=token), 404)
    assert theirs.pk not in [row["id"] for row in api.get("/invoices", token=token).json()]
    error_of(api.get("/invoices"), 401)
    client.force_login(billed["account"])
    assert client.get(f"/invoices/{theirs.pk}/").status_code == 404
    assert client.get(f"/invoices/{theirs.pk}/pdf/").status_code == 404


def vietnamese(account):
    account.language = "vi"
    account.save(update_fields=["language"])
    return account


def test_the_pages(client, billed):
    client.force_login(vietnamese(billed["account"]))
    may = Invoice.objects.get(customer=billed["home"], period_end=MAY_END)
    html = client.get("/invoices/", headers={"Accept-Language": "vi"}).content.decode()
    assert "Nhà mình" in html and f"/invoices/{may.pk}/" in html
    assert html.index("05/2025") < html.index("04/2025")  # unpaid first
    html = client.get(f"/invoices/{may.pk}/", headers={"Accept-Language": "vi"}).content.decode()
    assert "HÓA ĐƠN GIÁ TRỊ GIA TĂNG (TIỀN ĐIỆN)" in html
    assert "Vì sao kỳ được chia" in html
    assert "Bậc 1: 0–50 kWh, 30/04/2025–10/05/2025" in html
    assert "Thanh toán ngay" in html
    assert client.get("/invoices/?start=2025-13").status_code == 200


def test_home_shows_the_total_due(client, billed):
    client.force_login(vietnamese(billed["account"]))
    may = Invoice.objects.get(customer=billed["home"], period_end=MAY_END)
    html = client.get("/", headers={"Accept-Language": "vi"}).content.decode()
    assert f"{may.total:,}".replace(",", ".") + " đ" in html
