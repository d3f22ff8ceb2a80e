"""POST /api/v1/tariffs/calculate and GET /api/v1/tariffs: the contract, the tariffs on
file (the data migration), and every kind of bad input (422, translated)."""

import pytest

from tests.helpers import error_of

pytestmark = pytest.mark.django_db

MAY_2025 = {"period_start": "2025-04-30", "period_end": "2025-05-31"}
JUNE_2025 = {"period_start": "2025-05-31", "period_end": "2025-06-30"}


def calculate(api, lang="en", **data):
    return api.post("/tariffs/calculate", data, lang=lang)


@pytest.mark.parametrize(
    ("kwh", "subtotal", "vat", "total"),
    [
        (50, 99_200, 7_936, 107_136),
        (100, 201_700, 16_136, 217_836),
        (120, 249_300, 19_944, 269_244),
        (400, 1_074_500, 85_960, 1_160_460),
    ],
)
def test_residential_worked_examples(api, kwh, subtotal, vat, total):
    body = calculate(api, customer_group="RESIDENTIAL", kwh=kwh, **JUNE_2025).json()
    assert (body["subtotal"], body["vat"], body["total"]) == (subtotal, vat, total)
    assert body["vat_rate"] == "0.08"
    assert sum(line["amount"] for line in body["lines"]) == subtotal
    assert body["segments"] == [
        {
            "start": "2025-05-31",
            "end": "2025-06-30",
            "days": 30,
            "tariff": "1279/QĐ-BCT",
            "kwh": kwh,
            "households": "1",
            "vat_rate": "0.08",
            "tier_widths": [50, 50, 100, 100, 100],
        }
    ]


def test_the_lines_of_120_kwh(api):
    body = calculate(api, customer_group="RESIDENTIAL", kwh=120, **JUNE_2025).json()
    assert [
        (line["label"], line["kwh"], line["unit_price"], line["amount"]) for line in body["lines"]
    ] == [
        ("Tier 1: 0–50 kWh", 50, 1984, 99_200),
        ("Tier 2: 51–100 kWh", 50, 2050, 102_500),
        ("Tier 3: 101–200 kWh", 20, 2380, 47_600),
    ]
    vi = calculate(api, lang="vi", customer_group="RESIDENTIAL", kwh=120, **JUNE_2025).json()
    assert vi["lines"][0]["label"] == "Bậc 1: 0–50 kWh"


def test_business_time_of_use_example(api):
    body = calculate(
        api,
        customer_group="BUSINESS",
        voltage="LT_6KV",
        registers={"normal": 1000, "peak": 300, "offpeak": 200},
        **JUNE_2025,
    ).json()
    assert (body["subtotal"], body["vat"], body["total"]) == (5_162_200, 412_976, 5_575_176)
    assert [(line["band"], line["amount"]) for line in body["lines"]] == [
        ("NORMAL", 3_152_000),
        ("PEAK", 1_626_600),
        ("OFFPEAK", 383_600),
    ]


def test_business_at_and_above_22_kv_share_a_price(api):
    for voltage in ("KV_22_110", "GE_110KV"):
        body = calculate(api, customer_group="BUSINESS", voltage=voltage, kwh=100, **JUNE_2025)
        assert body.json()["lines"][0]["unit_price"] == 2887


def test_the_price_change_of_10_may_2025_splits_the_period(api):
    # T = 31 days, Nc = 10 (30/4 → 10/5), Nm = 21; S = 300 kWh
    # old kWh = round(300 × 10 / 31) = 97, new = 203
    # widths: old round(50 × 10/31) = 16, round(100 × 10/31) = 32; new 34 and 68
    body = calculate(api, customer_group="RESIDENTIAL", kwh=300, **MAY_2025).json()
    old, new = body["segments"]
    assert (old["start"], old["end"], old["days"], old["kwh"]) == (
        "2025-04-30",
        "2025-05-10",
        10,
        97,
    )
    assert (new["start"], new["end"], new["days"], new["kwh"]) == (
        "2025-05-10",
        "2025-05-31",
        21,
        203,
    )
    assert old["tier_widths"] == [16, 16, 32, 32, 32]
    assert new["tier_widths"] == [34, 34, 68, 68, 68]
    assert old["tariff"] == "2699/QĐ-BCT"
    assert body["lines"][0]["label"] == "Tier 1: 0–50 kWh, 30/04/2025–10/05/2025"
    assert body["subtotal"] == sum(line["amount"] for line in body["lines"])
    assert body["total"] == body["subtotal"] + body["vat"]


def test_reverse_mode(api):
    body = calculate(api, customer_group="RESIDENTIAL", amount=500_000, **JUNE_2025).json()
    assert body["amount"] == 500_000
    assert body["total"] <= 500_000
    more = calculate(api, customer_group="RESIDENTIAL", kwh=body["kwh"] + 1, **JUNE_2025).json()
    assert more["total"] > 500_000


def test_households_and_tenants(api):
    two = calculate(api, customer_group="RESIDENTIAL", kwh=200, households=2, **JUNE_2025).json()
    assert two["segments"][0]["tier_widths"] == [100, 100, 200, 200, 200]
    assert two["subtotal"] == 2 * (50 * 1984 + 50 * 2050)
    december = {"period_start": "2025-12-31", "period_end": "2026-01-31"}
    undeclared = calculate(api, customer_group="RESIDENTIAL", kwh=80, tenant={}, **december)
    assert [(line["kwh"], line["unit_price"]) for line in undeclared.json()["lines"]] == [
        (80, 2380)
    ]
    six = calculate(api, customer_group="RESIDENTIAL", kwh=80, tenant={"people": 6}, **december)
    assert six.json()["segments"][0]["households"] == "3/2"
    assert six.json()["segments"][0]["tier_widths"][0] == 75


def test_default_period_is_this_month(api):
    body = calculate(api, customer_group="RESIDENTIAL", kwh=10).json()
    assert body["regular_period"] is True
    assert body["period_end"] > body["period_start"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"customer_group": "RESIDENTIAL", "kwh": -5}, "kwh", "This cannot be negative."),
        ({"customer_group": "RESIDENTIAL", "kwh": 1.5}, "kwh", "Enter a whole number."),
        ({"customer_group": "RESIDENTIAL", "kwh": "abc"}, "kwh", "Enter a whole number."),
        (
            {"customer_group": "ALIENS", "kwh": 5},
            "customer_group",
            "This customer group does not exist.",
        ),
        ({"kwh": 5}, "customer_group", "Choose the customer group."),
        (
            {"customer_group": "BUSINESS", "kwh": 5},
            "voltage",
            "Choose the voltage level: business and production prices depend on it.",
        ),
        (
            {"customer_group": "BUSINESS", "voltage": "1KV", "kwh": 5},
            "voltage",
            "This voltage level does not exist.",
        ),
        (
            {
                "customer_group": "RESIDENTIAL",
                "kwh": 5,
                "period_start": "2025-06-30",
                "period_end": "2025-05-31",
            },
            "period_end",
            "This reading must come after the previous one.",
        ),
        (
            {
                "customer_group": "RESIDENTIAL",
                "kwh": 5,
                "period_start": "2025-02-30",
                "period_end": "2025-05-31",
            },
            "period_start",
            "Enter a date as YYYY-MM-DD.",
        ),
        (
            {"customer_group": "RESIDENTIAL", "kwh": 5, "period_start": "2025-05-01"},
            "period_end",
            "Enter both reading dates, or neither for this month.",
        ),
        (
            {
                "customer_group": "RESIDENTIAL",
                "kwh": 5,
                "period_start": "2023-01-01",
                "period_end": "2023-02-01",
            },
            "period_start",
            "No price for this customer group and voltage level is on file for 01/01/2023.",
        ),
        (
            {"customer_group": "RESIDENTIAL", "registers": {"normal": 5}},
            "normal",
            "Time-of-use registers apply to business and production customers.",
        ),
        (
            {"customer_group": "RESIDENTIAL"},
            "__all__",
            "Enter the kWh used, the time-of-use registers, or an amount — one of them.",
        ),
        (
            {"customer_group": "RESIDENTIAL", "kwh": 5, "amount": 5},
            "__all__",
            "Enter the kWh used, the time-of-use registers, or an amount — one of them.",
        ),
        (
            {"customer_group": "RESIDENTIAL", "kwh": 5, "households": 0},
            "households",
            "At least one household.",
        ),
        (
            {"customer_group": "BUSINESS", "voltage": "LT_6KV", "kwh": 5, "tenant": {}},
            "tenant",
            "The tenant rule applies to residential customers.",
        ),
        (
            {"customer_group": "RESIDENTIAL", "kwh": 10**9},
            "kwh",
            "This is more than the calculator counts (at most 10000000).",
        ),
    ],
)
def test_bad_input_is_explained(api, data, field, message):
    error = error_of(calculate(api, **data), 422, "invalid")
    assert message in error["fields"][field], error


def test_bad_input_in_vietnamese(api):
    error = error_of(calculate(api, lang="vi", customer_group="RESIDENTIAL", kwh=-1), 422)
    assert error["fields"]["kwh"] == ["Số này không được âm."]


def test_tenants_before_the_rule_are_refused(api):
    error = error_of(
        calculate(api, customer_group="RESIDENTIAL", kwh=5, tenant={"people": 4}, **JUNE_2025), 422
    )
    assert error["fields"]["period_start"] == ["No rule for tenants is on file for 31/05/2025."]


def test_not_json_and_unknown_register(api, client):
    response = client.post("/api/v1/tariffs/calculate", data="{", content_type="application/json")
    error_of(response, 422)
    error_of(
        calculate(api, customer_group="BUSINESS", voltage="LT_6KV", registers={"night": 4}), 422
    )


def test_tariff_sheet(api):
    body = api.get("/tariffs?date=2025-06-01").json()
    assert body["price_list"]["legal_basis"] == "1279/QĐ-BCT"
    assert body["residential_tiers"][0] == {"tier": 1, "from_kwh": 0, "to_kwh": 50, "price": 1984}
    assert body["residential_tiers"][-1]["to_kwh"] is None
    assert body["vat_percent"] == "8"
    assert {"customer_group": "PREPAID", "voltage": None, "price": 2909} in body["single_price"]
    assert len(body["time_of_use"]) == 8
    old = api.get("/tariffs?date=2025-01-01").json()
    assert old["price_list"]["valid_until"] == "2025-05-10"
    assert old["residential_tiers"][0]["price"] == 1893
    assert old["tenant_rule"] is None
    assert api.get("/tariffs?date=2027-01-01").json()["vat_percent"] == "10"
    error = error_of(api.get("/tariffs?date=soon"), 422)
    assert error["fields"]["date"]


def test_a_single_price_group_has_one_line_without_a_tier(api):
    body = calculate(api, customer_group="ADMINISTRATIVE", kwh=100, **JUNE_2025).json()
    assert [(line["label"], line["tier"], line["unit_price"]) for line in body["lines"]] == [
        ("Every kWh", None, 2226)
    ]
    assert body["subtotal"] == 222_600
