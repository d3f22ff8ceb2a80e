"""Looking outages up: the queries (by account, by code, by area), the public page
/outages/ and one outage's page, the home screen, and GET /api/v1/outages."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.utils import timezone, translation

from cskh.core.forms import CUSTOMER_CODE_MESSAGES
from cskh.outages import queries
from cskh.outages.models import Outage
from tests import factories
from tests.helpers import error_of
from tests.outages.conftest import days_ahead, linked_account, make_outage

pytestmark = pytest.mark.django_db

OUTAGE_FIELDS = {
    "id",
    "kind",
    "emergency",
    "start",
    "end",
    "area",
    "line",
    "reason",
    "capacity_kw",
    "unit",
}


def hanoi_customer(**fields):
    values = {"province": "Hà Nội", "district": "Hoàn Kiếm", "ward": "Hàng Bạc"}
    values.update(fields)
    return factories.customer(unit_code="PD0100", **values)


@pytest.fixture
def customer(units):
    return hanoi_customer(feeder="475E1.4")


@pytest.fixture
def schedule(units, customer):
    """Outages of `customer`: two to come (the later one made first), one going on,
    one over, one cancelled; and one of another customer of the same ward."""
    now = timezone.now()
    unit = units["PD0100"]
    later = make_outage(unit, [customer], start_at=days_ahead(9), area="Sau")
    sooner = make_outage(unit, [customer], start_at=days_ahead(6), area="Trước")
    going_on = make_outage(
        unit, [customer], start_at=now - timedelta(hours=1), hours=3, area="Đang cắt"
    )
    over = make_outage(unit, [customer], start_at=now - timedelta(hours=5), hours=2, area="Xong")
    cancelled = make_outage(
        unit,
        [customer],
        start_at=days_ahead(7),
        area="Đã hủy",
        cancelled_at=now,
        cancel_reason="Thời tiết",
    )
    other = make_outage(unit, [hanoi_customer()], start_at=days_ahead(8), area="Hàng xóm")
    return {
        "later": later,
        "sooner": sooner,
        "going_on": going_on,
        "over": over,
        "cancelled": cancelled,
        "other": other,
    }


def ids(outages) -> list[int]:
    return [outage.pk for outage in outages]


# ---------------------------------------------------------------- queries


def test_for_code_lists_the_open_outages_soonest_first(customer, schedule):
    found = queries.for_code(customer.code, now=timezone.now())
    assert ids(found) == ids([schedule["going_on"], schedule["sooner"], schedule["later"]])


def test_for_code_of_a_code_without_outages_is_empty(units, schedule):
    assert list(queries.for_code("PD0100999999", now=timezone.now())) == []


def test_an_outage_with_many_of_the_codes_customers_is_listed_once(units, customer):
    outage = make_outage(units["PD0100"], [customer, hanoi_customer()], start_at=days_ahead(6))
    assert ids(queries.for_area(province="Hà Nội", now=timezone.now())) == [outage.pk]


def test_for_account_gives_each_outage_with_the_linked_codes_it_touches(units, customer, schedule):
    account = linked_account(customer)
    second = hanoi_customer()
    factories.link(account, second, relation="OTHER", nickname="Nhà bố mẹ")
    both = make_outage(units["PD0100"], [customer, second], start_at=days_ahead(10))

    found = queries.for_account(account, now=timezone.now())

    assert [item["outage"].pk for item in found] == ids(
        [schedule["going_on"], schedule["sooner"], schedule["later"], both]
    )
    assert [link.customer for link in found[0]["links"]] == [customer]
    assert {link.nickname or link.customer.code for link in found[-1]["links"]} == {
        customer.code,
        "Nhà bố mẹ",
    }


def test_for_account_without_links_is_empty(schedule):
    assert queries.for_account(factories.account(), now=timezone.now()) == []


def test_for_account_leaves_out_the_codes_of_others(units, schedule):
    account = linked_account(hanoi_customer())
    assert queries.for_account(account, now=timezone.now()) == []


def test_for_area_by_province_district_and_ward(units, customer, schedule):
    now = timezone.now()
    open_here = ids([schedule["going_on"], schedule["sooner"], schedule["later"]])
    everything = ids(
        [schedule["going_on"], schedule["sooner"], schedule["other"], schedule["later"]]
    )
    assert ids(queries.for_area(province="Hà Nội", now=now)) == everything
    assert ids(queries.for_area(province="Hà Nội", district="Hoàn Kiếm", now=now)) == everything
    assert (
        ids(queries.for_area(province="Hà Nội", district="Hoàn Kiếm", ward="Hàng Bạc", now=now))
        == everything
    )
    hanoi_customer(ward="Hàng Bè")
    assert ids(queries.for_area(province="Hà Nội", ward="Hàng Bè", now=now)) == []
    assert ids(queries.for_area(province="TP. Hồ Chí Minh", now=now)) == []
    assert open_here == [i for i in everything if i != schedule["other"].pk]


def test_for_area_ignores_case_and_spaces(units, schedule):
    now = timezone.now()
    expected = ids(queries.for_area(province="Hà Nội", now=now))
    assert expected
    assert ids(queries.for_area(province="  hà nội ", now=now)) == expected
    assert ids(queries.for_area(province="hà nội", district="hoàn kiếm", now=now)) == expected
    assert (
        ids(queries.for_area(province="HA Nội", district="HOàN KIếM", ward="HàNG BạC", now=now))
        == []  # "HA" is not "Hà": the marks count
    )
    assert (
        ids(queries.for_area(province="Hà NộI", district="HOàN KIếm", ward="HàNG BạC", now=now))
        == expected
    )
    if connection.vendor == "postgresql":
        # SQLite folds the case of ASCII letters only; PostgreSQL (production) of all
        assert ids(queries.for_area(province="HÀ NỘI", ward="HÀNG BẠC", now=now)) == expected
    assert ids(queries.for_area(province="Hà Nội", district="   ", ward="", now=now)) == expected


def test_for_area_of_another_district_is_empty(units, schedule):
    now = timezone.now()
    assert list(queries.for_area(province="Hà Nội", district="Ba Đình", now=now)) == []


# ---------------------------------------------------------------- the public page


LOOKUP = "/outages/"


@pytest.fixture
def english(client):
    client.cookies["cskh_language"] = "en"
    return client


def look_up(client, **params):
    response = client.get(f"{LOOKUP}?{urlencode(params)}")
    assert response.status_code == 200, response.status_code
    return response


def test_the_lookup_page_opens_without_login(client, schedule):
    response = client.get(LOOKUP)
    assert response.status_code == 200
    assert response.context["outages"] is None
    assert response.context["mine"] == []
    assert not response.context["form"].errors
    assert "Hà Nội" in response.context["provinces"]


def test_look_up_by_customer_code_as_typed(english, customer, schedule):
    typed = f"{customer.code[:6].lower()} {customer.code[6:]}"
    response = look_up(english, customer=typed)
    assert ids(response.context["outages"]) == ids(
        [schedule["going_on"], schedule["sooner"], schedule["later"]]
    )
    html = response.content.decode()
    assert "Results" in html
    for shown in ("Trước", "Sau", "Đang cắt", f'href="/outages/{schedule["sooner"].pk}/"'):
        assert shown in html
    for hidden in ("Xong", "Đã hủy", "Hàng xóm"):
        assert hidden not in html
    start = timezone.localtime(schedule["sooner"].start_at)
    assert f"{start:%d/%m/%Y} 08:00" in html


def test_look_up_by_province_and_district(english, schedule):
    response = look_up(english, province="hà nội", district="Hoàn Kiếm", ward="")
    assert schedule["other"].pk in ids(response.context["outages"])
    assert "Hàng xóm" in response.content.decode()


def test_a_lookup_that_finds_nothing_says_so(english, units, schedule):
    response = look_up(english, province="Cà Mau")
    assert response.context["outages"] == []
    assert "No planned outage found." in response.content.decode()


def test_a_malformed_code_is_told_on_the_field(english, schedule):
    response = look_up(english, customer="XX")
    assert response.context["outages"] is None
    assert response.context["form"].errors == {"customer": [str(CUSTOMER_CODE_MESSAGES["format"])]}
    assert 'id="id_customer_error"' in response.content.decode()


def test_a_malformed_code_is_told_in_vietnamese_by_default(client, schedule):
    response = look_up(client, customer="PE01-ABC")
    [message] = response.context["form"].errors["customer"]
    with translation.override("en"):
        english_message = str(CUSTOMER_CODE_MESSAGES["characters"])
    assert message != english_message
    assert message in response.content.decode()


def test_an_empty_form_asks_for_a_code_or_a_province(english, schedule):
    response = look_up(english, customer="", province="", district="", ward="")
    assert response.context["outages"] is None
    html = response.content.decode()
    assert "Enter a customer code, or choose a province or city." in html
    assert 'role="alert"' in html


def test_an_empty_form_in_vietnamese(client, schedule):
    response = look_up(client, customer="", province="  ")
    assert "Nhập mã khách hàng, hoặc chọn tỉnh / thành phố." in response.content.decode()


def test_a_district_without_a_province_is_not_enough(english, schedule):
    response = look_up(english, district="Hoàn Kiếm")
    assert response.context["outages"] is None
    assert "Enter a customer code, or choose a province or city." in response.content.decode()


def test_a_logged_in_account_sees_its_codes_outages_with_their_nicknames(
    client, units, customer, schedule
):
    account = factories.account(language="en")
    factories.link(account, customer, nickname="Nhà bà nội")
    client.force_login(account)

    response = client.get(LOOKUP)

    assert response.status_code == 200
    mine = response.context["mine"]
    assert [item["outage"].pk for item in mine] == ids(
        [schedule["going_on"], schedule["sooner"], schedule["later"]]
    )
    html = response.content.decode()
    assert "For your customer codes" in html
    assert "Nhà bà nội" in html
    assert "Hàng xóm" not in html


def test_a_code_without_nickname_is_shown_by_its_code(client, units, customer, schedule):
    account = linked_account(customer, language="en")
    client.force_login(account)
    html = client.get(LOOKUP).content.decode()
    assert f'<span class="muted">{customer.code}</span>' in html


def test_a_logged_in_account_without_outages_is_told(client, units, schedule):
    client.force_login(linked_account(hanoi_customer(province="Hải Phòng"), language="en"))
    response = client.get(LOOKUP)
    assert response.context["mine"] == []
    assert "No planned outage for your customer codes." in response.content.decode()


# ---------------------------------------------------------------- one outage


def test_an_outage_page_gives_every_required_fact(english, units, customer):
    start = days_ahead(6, 7)
    outage = make_outage(
        units["PD0100"],
        [customer],
        start_at=start,
        hours=10,
        area="Phố Hàng Bạc, Hàng Bè",
        line="ĐZ 22kV lộ 475E1.4",
        reason="Thay máy biến áp",
    )
    response = english.get(f"/outages/{outage.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    day = f"{timezone.localtime(start):%d/%m/%Y}"
    for fact in (
        "<h1>Outage</h1>",
        "Phố Hàng Bạc, Hàng Bè",
        "Thay máy biến áp",
        "ĐZ 22kV lộ 475E1.4",
        f"<dt>Start</dt><dd>{day} 07:00</dd>",
        f"<dt>Expected restoration</dt><dd>{day} 17:00</dd>",
        "<dt>Unit doing the work</dt><dd>Branch PD0100</dd>",
    ):
        assert fact in html, fact
    assert "Capacity limit" not in html
    assert "Cancelled" not in html
    assert "has ended" not in html


def test_a_reduction_page_gives_the_capacity_limit(english, units, customer):
    outage = make_outage(
        units["PD0100"],
        [customer],
        start_at=days_ahead(6),
        kind=Outage.Kind.REDUCTION,
        capacity_kw=250,
        emergency=True,
        line="",
    )
    html = english.get(f"/outages/{outage.pk}/").content.decode()
    assert "<dt>Capacity limit</dt><dd>250 kW</dd>" in html
    assert "Reduction of supply · Emergency" in html
    assert "Line or feeder" not in html


def test_a_cancelled_outage_says_so_and_why(english, schedule):
    html = english.get(f"/outages/{schedule['cancelled'].pk}/").content.decode()
    assert "Cancelled: Thời tiết" in html


def test_an_ended_outage_says_so(english, schedule):
    html = english.get(f"/outages/{schedule['over'].pk}/").content.decode()
    assert "This outage has ended." in html


def test_an_outage_page_in_vietnamese(client, schedule):
    html = client.get(f"/outages/{schedule['sooner'].pk}/").content.decode()
    assert '<html lang="vi">' in html
    assert "<dt>Start</dt>" not in html
    assert "Trước" in html


def test_an_unknown_outage_is_404(client, units):
    assert client.get("/outages/999999/").status_code == 404


# ---------------------------------------------------------------- home


def test_home_lists_the_planned_outages_of_the_linked_codes(client, units, customer, schedule):
    account = factories.account(language="en")
    factories.link(account, customer, nickname="Nhà bà nội")
    client.force_login(account)

    response = client.get("/")

    assert response.status_code == 200
    assert [item["outage"].pk for item in response.context["outages"]] == ids(
        [schedule["going_on"], schedule["sooner"], schedule["later"]]
    )
    html = response.content.decode()
    assert "<h2>Planned outages</h2>" in html
    assert f'href="/outages/{schedule["sooner"].pk}/"' in html
    for hidden in ("Xong", "Đã hủy", "Hàng xóm"):
        assert hidden not in html


def test_home_without_outages_has_no_outage_section(client, units, schedule):
    client.force_login(linked_account(hanoi_customer(province="Hải Phòng"), language="en"))
    response = client.get("/")
    assert response.context["outages"] == []
    assert "Planned outages" not in response.content.decode()


# ---------------------------------------------------------------- the API


def api_get(api, **params):
    return api.get(f"/outages?{urlencode(params)}")


def test_the_api_lists_a_codes_outages_without_a_token(api, units, customer, schedule):
    response = api_get(api, customer=customer.code.lower())
    assert response.status_code == 200, response.content
    rows = response.json()
    assert [row["id"] for row in rows] == ids(
        [schedule["going_on"], schedule["sooner"], schedule["later"]]
    )
    assert all(set(row) == OUTAGE_FIELDS for row in rows)
    sooner = schedule["sooner"]
    assert rows[1] == {
        "id": sooner.pk,
        "kind": "OUTAGE",
        "emergency": False,
        "start": timezone.localtime(sooner.start_at).isoformat(),
        "end": timezone.localtime(sooner.end_at).isoformat(),
        "area": "Trước",
        "line": "ĐZ 22kV lộ 475E1.4",
        "reason": "Bảo dưỡng",
        "capacity_kw": None,
        "unit": "Branch PD0100",
    }
    assert rows[1]["start"].endswith("T08:00:00+07:00")


def test_the_api_gives_a_reductions_capacity(api, units, customer):
    make_outage(
        units["PD0100"],
        [customer],
        start_at=days_ahead(6),
        kind=Outage.Kind.REDUCTION,
        capacity_kw=300,
        emergency=True,
    )
    [row] = api_get(api, customer=customer.code).json()
    assert (row["kind"], row["capacity_kw"], row["emergency"]) == ("REDUCTION", 300, True)


def test_the_api_lists_an_areas_outages(api, units, schedule):
    response = api_get(api, province="hà nội", district="Hoàn Kiếm", ward="Hàng Bạc")
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()] == ids(
        [schedule["going_on"], schedule["sooner"], schedule["other"], schedule["later"]]
    )
    assert api_get(api, province="Hà Nội", ward="Hàng Bè").json() == []


def test_the_api_of_a_code_without_outages_is_an_empty_list(api, units):
    response = api_get(api, customer="PE0100999999")
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"customer": "XX"}, "customer"),
        ({"customer": "PE01-ABC"}, "customer"),
        ({"customer": "XX", "province": "Hà Nội"}, "customer"),
        ({}, "__all__"),
        ({"customer": "", "province": " "}, "__all__"),
        ({"district": "Hoàn Kiếm"}, "__all__"),
        ({"province": "x" * 101}, "province"),
    ],
)
def test_bad_lookups_are_422_in_the_error_shape(api, units, params, field):
    response = api.get(f"/outages?{urlencode(params)}", lang="en")
    error = error_of(response, 422, "invalid")
    assert field in error["fields"], error


def test_an_empty_lookup_is_explained_in_the_language_asked(api, units):
    error = error_of(api.get("/outages", lang="en"), 422, "invalid")
    assert error["fields"]["__all__"] == ["Enter a customer code, or choose a province or city."]
    error = error_of(api.get("/outages", lang="vi"), 422, "invalid")
    assert error["fields"]["__all__"] == ["Nhập mã khách hàng, hoặc chọn tỉnh / thành phố."]
