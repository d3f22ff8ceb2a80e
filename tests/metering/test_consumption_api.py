"""GET /api/v1/customers/{code}/consumption, /consumption/summary, /readings, /export:
the contract, who may see what, bad input, HTTP caching and the number of queries.

The household of test_queries: OLD read 9 kWh a day in November 2025, 8 a day in
October 2026 and 10 a day on 1–9 November 2026 (the 5th estimated), then NEW
12 kWh a day on 10–23 November 2026."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cskh.accounts.models import ApiToken, User
from cskh.customers.models import Unit
from cskh.metering.models import ImportBatch, MultiplierPeriod
from tests import factories
from tests.helpers import error_of, token_for
from tests.metering import data
from tests.metering.test_queries import household, tou_customer

pytestmark = pytest.mark.django_db

KEYS = {"customer_code", "granularity", "data_until", "series", "totals", "comparison"}
POINT_KEYS = {"start", "kwh", "registers", "estimated"}


@pytest.fixture
def holder():
    customer = household()
    account = factories.account(language="en")
    factories.link(account, customer)
    return customer, token_for(account)


def consumption(api, code, token, query="", **kwargs):
    return api.get(f"/customers/{code}/consumption{query}", token=token, **kwargs)


# ---------------------------------------------------------------- the contract


def test_the_default_is_the_last_30_days_up_to_the_last_day_of_data(api, holder):
    customer, token = holder
    response = consumption(api, customer.code, token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == KEYS
    assert body["customer_code"] == customer.code
    assert body["granularity"] == "day"
    assert body["data_until"] == "2026-11-23"
    series = body["series"]
    assert len(series) == 30
    assert all(set(point) == POINT_KEYS for point in series)
    assert series[0] == {
        "start": "2026-10-25",
        "kwh": "8",
        "registers": {"KT": "8"},
        "estimated": False,
    }
    assert series[-1]["start"] == "2026-11-23"
    assert series[-1]["kwh"] == "12"
    assert body["totals"] == {
        "from": "2026-10-25",
        "to": "2026-11-23",
        "kwh": "314",
        "registers": {"KT": "314"},
        "days": 30,
        "estimated_days": 1,
    }
    assert body["comparison"] == {
        "previous_period": {
            "from": "2026-09-25",
            "to": "2026-10-24",
            "kwh": "192",
            "days": 24,
            "change_kwh": "122",
            "change_percent": "63.5",
        },
        "same_period_last_year": {
            "from": "2025-10-25",
            "to": "2025-11-23",
            "kwh": "207",
            "days": 23,
            "change_kwh": "107",
            "change_percent": "51.7",
        },
    }


def test_a_month_of_days_marks_the_estimated_day_and_leaves_unread_days_empty(api, holder):
    customer, token = holder
    body = consumption(api, customer.code, token, "?from=2026-11-01&to=2026-11-30").json()
    days = {point["start"]: point for point in body["series"]}
    assert days["2026-11-05"]["estimated"] is True
    assert days["2026-11-05"]["kwh"] == "10"
    assert days["2026-11-04"]["estimated"] is False
    assert days["2026-11-30"] == {
        "start": "2026-11-30",
        "kwh": None,
        "registers": {},
        "estimated": False,
    }
    assert body["totals"]["kwh"] == "258"
    assert body["totals"]["to"] == "2026-11-23"
    assert body["comparison"]["previous_period"]["change_percent"] == "40.2"


def test_months_and_years(api, holder):
    customer, token = holder
    months = consumption(
        api, customer.code, token, "?granularity=month&from=2026-01-01&to=2026-12-31"
    ).json()
    assert months["granularity"] == "month"
    by_month = {point["start"]: point for point in months["series"]}
    assert len(by_month) == 12
    assert by_month["2026-10-01"]["kwh"] == "248"
    assert by_month["2026-11-01"] == {
        "start": "2026-11-01",
        "kwh": "258",
        "registers": {"KT": "258"},
        "estimated": True,
    }
    assert by_month["2026-12-01"]["kwh"] is None
    assert months["totals"]["kwh"] == "506"
    assert months["comparison"]["same_period_last_year"]["kwh"] == "270"
    assert months["comparison"]["same_period_last_year"]["change_percent"] == "87.4"

    years = consumption(api, customer.code, token, "?granularity=year").json()
    assert [(p["start"], p["kwh"]) for p in years["series"]] == [
        ("2025-01-01", "270"),
        ("2026-01-01", "506"),
    ]
    assert years["comparison"]["previous_period"]["kwh"] is None
    assert years["comparison"]["previous_period"]["change_percent"] is None


def test_a_time_of_use_meter_reports_its_registers(api):
    customer, _meter = tou_customer()
    account = factories.account()
    factories.link(account, customer)
    body = consumption(
        api, customer.code, token_for(account), "?from=2026-11-01&to=2026-11-02"
    ).json()
    assert body["series"] == [
        {
            "start": "2026-11-01",
            "kwh": "10",
            "registers": {"BT": "5", "CD": "2", "TD": "3"},
            "estimated": False,
        },
        {
            "start": "2026-11-02",
            "kwh": "10",
            "registers": {"BT": "5", "CD": "2", "TD": "3"},
            "estimated": True,
        },
    ]


def test_summary_gives_the_cards(api, holder):
    customer, token = holder
    body = api.get(f"/customers/{customer.code}/consumption/summary", token=token).json()
    assert body["data_until"] == "2026-11-23"
    assert body["latest_day"]["date"] == "2026-11-23"
    assert body["latest_day"]["kwh"] == "12"
    assert body["latest_day"]["previous_day"]["change_kwh"] == "0"
    month = body["month_to_date"]
    assert (month["from"], month["to"], month["kwh"]) == ("2026-11-01", "2026-11-23", "258")
    assert month["previous_month"]["kwh"] == "184"
    assert month["same_period_last_year"]["kwh"] == "207"
    year = body["year_to_date"]
    assert (year["from"], year["kwh"]) == ("2026-01-01", "506")
    assert year["same_period_last_year"]["change_percent"] == "144.4"


def test_readings_are_the_index_table(api):
    customer, meter = tou_customer(multiplier=40)
    MultiplierPeriod.objects.create(meter=meter, multiplier=80, valid_from=date(2026, 11, 2))
    account = factories.account()
    factories.link(account, customer)
    response = api.get(
        f"/customers/{customer.code}/readings?from=2026-11-01&to=2026-11-02",
        token=token_for(account),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"], body["to"], body["data_until"]) == (
        "2026-11-01",
        "2026-11-02",
        "2026-11-03",
    )
    assert body["readings"][0] == {
        "reading_date": "2026-11-01",
        "meter_no": "TOU0001",
        "register": "BT",
        "index_kwh": "1000.125",
        "kwh": "5",
        "quality": "actual",
        "multiplier": 40,
    }
    assert [(r["register"], r["multiplier"], r["quality"]) for r in body["readings"][3:]] == [
        ("BT", 80, "actual"),
        ("CD", 80, "actual"),
        ("TD", 80, "estimated"),
    ]


# ---------------------------------------------------------------- who may see what


@pytest.mark.parametrize(
    "path", ["consumption", "consumption/summary", "readings", "export?format=csv"]
)
def test_a_code_not_linked_to_the_account_is_not_found(api, path):
    customer = household()
    stranger = token_for(factories.account())
    response = api.get(f"/customers/{customer.code}/{path}", token=stranger, lang="en")
    error = error_of(response, 404, "link_not_found")
    unknown = api.get(f"/customers/PE0100999999/{path}", token=stranger, lang="en")
    assert error_of(unknown, 404) == error  # nothing tells a real code from an unknown one


@pytest.mark.parametrize("code", ["%20", "PE01%25", "%C4%90%E1%BB%92NG", "X" * 300, "1'--"])
def test_an_odd_code_is_not_found_never_an_error(api, holder, code):
    _customer, token = holder
    error_of(api.get(f"/customers/{code}/consumption", token=token, lang="en"), 404)


def test_no_token_no_data(api, holder):
    customer, _token = holder
    error_of(api.get(f"/customers/{customer.code}/consumption"), 401, "not_authenticated")


def test_the_customer_routes_still_answer(api, holder):
    customer, token = holder
    assert [link["code"] for link in api.get("/customers", token=token).json()] == [customer.code]
    assert api.get(f"/customers/{customer.code}", token=token).json()["code"] == customer.code


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?granularity=week", "granularity", "Choose the granularity day, month or year."),
        ("?from=23/11/2026", "from", "Enter the date as YYYY-MM-DD, for example 2026-11-23."),
        ("?to=2026-02-30", "to", "Enter the date as YYYY-MM-DD, for example 2026-11-23."),
        ("?from=2026-11-02&to=2026-11-01", "to", "The end date comes before the start date."),
        ("?from=2025-01-01&to=2026-01-02", "to", "Choose at most 366 days at a time."),
        ("?from=2025-01-01", "to", "Choose at most 366 days at a time."),
        (
            "?granularity=month&from=2000-01-01&to=2020-01-01",
            "to",
            "Choose at most 120 months at a time.",
        ),
    ],
)
def test_bad_parameters_get_a_clear_422(api, holder, query, field, message):
    customer, token = holder
    response = consumption(api, customer.code, token, query, lang="en")
    error = error_of(response, 422, "invalid_period")
    assert error["message"] == message
    assert error["fields"] == {field: [message]}


def test_the_export_refuses_an_unknown_format(api, holder):
    customer, token = holder
    response = api.get(f"/customers/{customer.code}/export?format=pdf", token=token, lang="en")
    error = error_of(response, 422)
    assert error["fields"] == {"format": ["Choose the format CSV or Green Button XML."]}


# ---------------------------------------------------------------- downloads


def test_export_csv_and_green_button(api, holder):
    customer, token = holder
    response = api.get(
        f"/customers/{customer.code}/export?format=csv&from=2026-11-09&to=2026-11-10", token=token
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="{customer.code}_20261109_20261110.csv"'
    )
    assert response.content.decode().splitlines() == [
        "customer_code,meter_no,reading_date,register,index_kwh,kwh,quality",
        f"{customer.code},OLD0001,2026-11-09,KT,2338.000,10.000,actual",
        f"{customer.code},NEW0001,2026-11-10,KT,12.000,12.000,actual",
    ]
    espi = api.get(
        f"/customers/{customer.code}/export?format=espi&from=2026-11-01&to=2026-11-30", token=token
    )
    assert espi.status_code == 200
    assert espi["Content-Type"].startswith("application/atom+xml")
    assert espi.content.startswith(b"<?xml")
    assert b"http://naesb.org/espi" in espi.content
    assert espi.content.count(b"<espi:IntervalReading>") == 2 * 23  # total + KT, 23 days


# ---------------------------------------------------------------- HTTP caching and queries


def test_an_etag_answers_304_until_new_data_arrives(api, holder, django_assert_max_num_queries):
    customer, token = holder
    first = consumption(api, customer.code, token)
    etag = first["ETag"]
    assert etag.startswith('"')
    assert first["Cache-Control"] == "private, max-age=600"
    assert "Accept-Language" in first["Vary"]
    headers = {"HTTP_IF_NONE_MATCH": etag}
    # the token, the link and the data version in one statement: no data query
    with django_assert_max_num_queries(1):
        again = api.client.get(
            f"/api/v1/customers/{customer.code}/consumption",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            **headers,
        )
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    # another question, another tag
    month = consumption(api, customer.code, token, "?granularity=month")
    assert month["ETag"] != etag
    # a new import changes the tag
    data.load(data.days(data.meter_of(customer), date(2026, 11, 24), [3], index_kwh=0))
    fresh = api.client.get(
        f"/api/v1/customers/{customer.code}/consumption",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **headers,
    )
    assert fresh.status_code == 200
    assert fresh["ETag"] != etag
    assert fresh.json()["data_until"] == "2026-11-24"


def test_only_imports_that_can_touch_the_customer_change_its_tag(api, holder):
    customer, token = holder
    etag = consumption(api, customer.code, token)["ETag"]

    def imported_by(unit):
        ImportBatch.objects.create(
            channel=ImportBatch.Channel.API,
            source="mdms",
            unit=unit,
            received_at=timezone.now(),
        )
        return consumption(api, customer.code, token)["ETag"]

    assert imported_by(Unit.objects.get(code="EVNHANOI")) == etag  # another corporation
    own = imported_by(customer.unit)  # a branch of the customer's corporation
    assert own != etag
    assert imported_by(None) not in (etag, own)  # EVN-wide


def test_the_language_is_part_of_the_tag(api, holder):
    customer, token = holder
    english = consumption(api, customer.code, token, lang="en")
    vietnamese = consumption(api, customer.code, token, lang="vi")
    assert english["ETag"] != vietnamese["ETag"]
    assert english.json() == vietnamese.json()


def test_a_cold_day_view_takes_three_queries_and_a_warm_one_one(api, holder):
    customer, token = holder
    with CaptureQueriesContext(connection) as cold:
        assert consumption(api, customer.code, token).status_code == 200
    # token with link and version, meters with their last day, readings
    assert len(cold.captured_queries) <= 3, [q["sql"] for q in cold.captured_queries]
    with CaptureQueriesContext(connection) as warm:
        assert consumption(api, customer.code, token).status_code == 200
    assert len(warm.captured_queries) <= 1  # the JSON comes from the cache


def test_a_cold_month_view_takes_three_queries(api, holder, django_assert_max_num_queries):
    customer, token = holder
    with django_assert_max_num_queries(3):
        assert consumption(api, customer.code, token, "?granularity=month").status_code == 200


def test_the_readings_are_read_by_meter_and_runs_of_days(api, holder):
    """A customer's days are ranges of the (meter, day) index (partitions.py): the 30
    days with the 30 before them are one run, the same 30 days a year before another."""
    customer, token = holder
    with CaptureQueriesContext(connection) as captured:
        consumption(api, customer.code, token)
    readings = [q["sql"] for q in captured.captured_queries if '"metering_reading"' in q["sql"]]
    assert len(readings) == 1
    assert readings[0].count('"metering_reading"."meter_id" IN (') == 2
    assert readings[0].count('"metering_reading"."reading_date" >= ') == 2
    assert readings[0].count('"metering_reading"."reading_date" <= ') == 2


@pytest.mark.parametrize("spoil", ["expired", "revoked", "refresh token", "account closed"])
def test_a_token_refused_elsewhere_is_refused_here(api, holder, spoil):
    """The meter-data routes check the token in their own statement (queries.caller):
    it refuses what the other routes refuse, with the same 401."""
    customer, token = holder
    access = ApiToken.find(token, kind=ApiToken.Kind.ACCESS)
    if spoil == "expired":
        ApiToken.objects.filter(pk=access.pk).update(expires_at=timezone.now())
    elif spoil == "revoked":
        ApiToken.revoke_family(access.family, now=timezone.now())
    elif spoil == "refresh token":
        ApiToken.objects.filter(pk=access.pk).update(kind=ApiToken.Kind.REFRESH)
    else:
        User.objects.filter(pk=access.user_id).update(is_active=False)
    for path in ("/me", "/customers", f"/customers/{customer.code}/consumption"):
        error_of(api.get(path, token=token), 401, "not_authenticated")
