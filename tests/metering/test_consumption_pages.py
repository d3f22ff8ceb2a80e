"""The consumption page (Tra cứu → Điện năng tiêu thụ) and its download, in both
languages, for the household of test_queries (data up to 23/11/2026)."""

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cskh.customers.models import Meter
from tests import factories
from tests.metering import data
from tests.metering.test_queries import household, tou_customer

pytestmark = pytest.mark.django_db

BUDGET_BYTES = 150 * 1024


@pytest.fixture
def holder(client):
    customer = household()
    account = factories.account(language="en")
    factories.link(account, customer, nickname="Nhà mình")
    client.force_login(account)
    return customer


def page(client, code, query="", **headers):
    response = client.get(f"/lookup/consumption/{code}/{query}", headers=headers)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ---------------------------------------------------------------- what the customer sees


def test_the_day_view_shows_freshness_cards_comparisons_and_the_month(client, holder):
    html = page(client, holder.code)
    text = text_of(html)
    assert "Data up to the end of 23/11/2026" in text
    assert "Nhà mình" in text
    # the cards: the latest day, the month so far, the year so far (lũy kế)
    assert "Latest day 23/11 12 kWh" in text
    assert "This month so far 01/11–23/11 258 kWh" in text
    assert "Compared with the same days last month: 74 kWh more (+40.2%)" in text
    assert "Compared with the same days a year ago: 51 kWh more (+24.6%)" in text
    assert "This year so far 01/01–23/11 506 kWh" in text
    assert "Compared with the same period last year: 299 kWh more (+144.4%)" in text
    # the month of the last day of data, with its comparisons
    assert '<h2 id="period-heading">Month 11/2026</h2>' in html
    assert "Compared with the same days of the month before (01/10–23/10): 74 kWh more" in text
    assert (
        "Compared with the same period last year (01/11/2025–23/11/2025): 51 kWh more (+24.6%)"
        in text
    )
    assert 'aria-current="page">Days</a>' in html
    assert 'href="?view=day&amp;month=2026-10" rel="prev"' in html
    assert 'rel="next"' not in html  # no month after the data


def test_the_chart_is_inline_svg_with_a_title_per_bar_and_a_table_for_screen_readers(
    client, holder
):
    html = page(client, holder.code)
    svg = re.search(r"<svg viewBox[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'aria-hidden="true"' in svg
    assert svg.count("<title>") == 30  # one per day of November
    assert "<title>05/11/2026: 10 kWh (estimated)</title>" in svg
    assert svg.count('class="bar est"') == 1
    table = re.search(r'<details class="data" id="figures">.*?</details>', html, re.S).group(0)
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\">(.*?)</th>\s*<td>(.*?)</td>", table)
    assert rows[0] == ("01/11", "10")
    assert rows[4] == ("05/11", "10")
    assert rows[29] == ("30/11", "—")
    assert "Estimated" in text_of(table)  # said in words, not only drawn
    assert "No data" in text_of(table)


def test_the_meter_index_table_shows_both_meters_and_the_multiplier(client, holder):
    html = page(client, holder.code)
    table = re.search(r'<details class="data" id="indexes">.*?</details>', html, re.S).group(0)
    text = text_of(table)
    assert "09/11 OLD0001 KT 2,338 10 1 Actual" in text
    assert "10/11 NEW0001 KT 12 12 1 Actual" in text
    assert "05/11 OLD0001 KT 2,298 10 1 Estimated" in text


def test_the_month_and_year_views(client, holder):
    months = text_of(page(client, holder.code, "?view=month&year=2026"))
    assert "Year 2026" in months
    assert "10/2026 248 248" in months  # kWh, year so far
    # the running month against a whole one: the base, no percentage
    assert "11/2026 258 506 270 1 day estimated" in months
    assert "Compared with the same period last year (01/01/2025–30/11/2025): 236 kWh more" in months
    years = page(client, holder.code, "?view=year")
    assert "Years 2025–2026" in text_of(years)
    assert "2025 270 —" in text_of(years)
    assert "2026 506 —" in text_of(years)  # the running year: no percentage
    assert 'rel="prev"' not in years


def test_a_time_of_use_meter_shows_a_column_per_register(client):
    customer, _meter = tou_customer()
    account = factories.account(language="en")
    factories.link(account, customer)
    client.force_login(account)
    html = page(client, customer.code, "?view=day&month=2026-11")
    assert '<th scope="col">BT</th><th scope="col">CD</th><th scope="col">TD</th>' in html
    assert "01/11 10 5 2 3 10" in text_of(html)


@pytest.mark.parametrize(
    ("language", "percent", "index"), [("vi", "+40,2%", "2.338"), ("en", "+40.2%", "2,338")]
)
def test_both_languages_render_with_their_number_format(client, holder, language, percent, index):
    account = factories.account(language=language)
    factories.link(account, holder)
    client.force_login(account)
    html = page(client, holder.code)
    assert f'<html lang="{language}">' in html
    assert "23/11/2026" in html
    assert percent in html
    assert f"<td>{index}</td>" in html  # the index of 9/11, grouped


def test_the_page_needs_no_inline_script_or_style(client, holder):
    html = page(client, holder.code)
    assert "style=" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None


# ---------------------------------------------------------------- who may see what


def test_a_code_not_linked_to_the_account_is_not_found(client, holder):
    stranger = factories.customer()
    assert client.get(f"/lookup/consumption/{stranger.code}/").status_code == 404
    assert client.get("/lookup/consumption/PE0100999999/").status_code == 404
    assert client.get(f"/lookup/consumption/{stranger.code}/download/").status_code == 404


def test_the_page_needs_a_login(client):
    customer = household()
    response = client.get(f"/lookup/consumption/{customer.code}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("query", ["?view=week", "?view=day&month=2026-13", "?view=month&year=19"])
def test_a_period_that_cannot_be_shown_is_not_found(client, holder, query):
    assert client.get(f"/lookup/consumption/{holder.code}/{query}").status_code == 404


def test_lookup_leads_to_the_default_code_and_the_picker_to_any(client, holder):
    lookup = client.get("/lookup/", headers={"Accept-Language": "en"}).content.decode()
    assert 'href="/lookup/consumption/"' in lookup
    response = client.get("/lookup/consumption/")
    assert response["Location"] == f"/lookup/consumption/{holder.code}/"
    other = factories.customer()
    account = factories.account()
    factories.link(account, holder)
    factories.link(account, other, nickname="Nhà bố mẹ")
    client.force_login(account)
    html = page(client, holder.code)
    assert '<select id="code-picker" name="code">' in html
    assert "Nhà bố mẹ · " + other.code in html
    response = client.get("/lookup/consumption/", {"code": other.code.lower()})
    assert response["Location"] == f"/lookup/consumption/{other.code}/"


def test_an_account_without_codes_is_asked_to_link_one(client):
    client.force_login(factories.account(language="en"))
    html = client.get("/lookup/consumption/").content.decode()
    assert 'href="/customers/link/"' in html


def test_a_code_without_data_says_so(client):
    customer = factories.customer()
    account = factories.account(language="en")
    factories.link(account, customer)
    client.force_login(account)
    html = page(client, customer.code)
    assert "No meter data has been received for this customer code yet." in html
    assert "Download the data" not in html


# ---------------------------------------------------------------- download


def test_the_download_form_gives_a_csv(client, holder):
    html = page(client, holder.code)
    assert 'action="/lookup/consumption/' + holder.code + '/download/"' in html
    assert 'value="2026-11-01"' in html  # from the first of the month …
    assert 'value="2026-11-23"' in html  # … to the last day of data
    response = client.get(
        f"/lookup/consumption/{holder.code}/download/",
        {"from": "2026-11-09", "to": "2026-11-10", "format": "csv"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    lines = response.content.decode().splitlines()
    assert lines[0] == "customer_code,meter_no,reading_date,register,index_kwh,kwh,quality"
    assert len(lines) == 3


def test_the_download_form_shows_what_is_wrong(client, holder):
    response = client.get(
        f"/lookup/consumption/{holder.code}/download/",
        {"from": "2026-11-10", "to": "2026-11-01", "format": "csv"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "The end date comes before the start date." in html
    assert 'aria-invalid="true" aria-describedby="download-to-error"' in html
    assert 'value="2026-11-10"' in html  # what was typed is kept


# ---------------------------------------------------------------- cost


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") in {"stylesheet", "icon", "manifest"}:
            self.urls.append(attrs["href"])
        elif tag in {"script", "img"} and attrs.get("src"):
            self.urls.append(attrs["src"])


def _bytes_of(client, url: str) -> int:
    if url.startswith("/static/"):
        path = finders.find(url.removeprefix("/static/"))
        assert path, url
        with open(path, "rb") as file:
            return len(file.read())
    return len(client.get(url).content)


def test_the_heaviest_page_stays_under_150_kb_with_its_css_and_js(client):
    """A time-of-use meter replaced by another (two meters, three registers): the
    longest index table. Counted uncompressed, so the transfer is smaller still."""
    customer, meter = tou_customer()
    second = data.replace_meter(
        meter, on=date(2026, 11, 4), number="TOU0002", registers=Meter.Registers.TOU
    )
    first_day = date(2026, 11, 4)
    data.load(
        *(
            data.days(second, first_day, (27, value), register=register)
            for register, value in (("BT", 6), ("CD", 2), ("TD", 3))
        )
    )
    account = factories.account(language="vi")
    factories.link(account, customer)
    client.force_login(account)
    html = page(client, customer.code, "?view=day&month=2026-11")
    assets = _Assets()
    assets.feed(html)
    assert any(url.endswith("consumption.css") for url in assets.urls)
    assert any(url.endswith("chart.js") for url in assets.urls)
    total = len(html.encode()) + sum(_bytes_of(client, url) for url in assets.urls)
    assert total < BUDGET_BYTES, f"{total} bytes"


def test_the_page_reads_the_meter_data_in_four_queries(client, holder):
    with CaptureQueriesContext(connection) as captured:
        page(client, holder.code)
    metering = [
        q["sql"]
        for q in captured.captured_queries
        if "metering_" in q["sql"] or '"customers_meter"' in q["sql"]
    ]
    # meters with their last day, rollups, readings of the shown and compared days,
    # multiplier periods
    assert len(metering) == 4, metering
    # with the session, the account, its links, and the navigation's unread count
    assert len(captured.captured_queries) <= 12
