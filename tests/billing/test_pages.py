"""The public pages Giá bán điện (/tariffs/) and Tính tiền điện (/tariffs/calculator/)."""

import pytest

pytestmark = pytest.mark.django_db


def page(client, url, lang="vi"):
    response = client.get(url, headers={"Accept-Language": lang})
    assert response.status_code == 200
    return response.content.decode()


def test_tariff_page_shows_the_prices_in_force(client):
    html = page(client, "/tariffs/?date=2025-06-01")
    assert "Giá bán điện" in html
    assert "1279/QĐ-BCT" in html
    assert "1.984" in html and "3.460" in html
    assert "Thuế GTGT: 8%" in html
    assert "Chiếu sáng công cộng" in html
    assert "09:30–11:30" in html


def test_tariff_page_for_an_earlier_date_and_in_english(client):
    html = page(client, "/tariffs/?date=2025-01-01", lang="en")
    assert "2699/QĐ-BCT" in html and "1,893" in html
    assert "Business and production" not in html  # only residential prices are on file


def test_tariff_page_says_what_is_wrong_with_a_date(client):
    html = page(client, "/tariffs/?date=31-12-2025")
    assert "Vui lòng nhập ngày theo dạng YYYY-MM-DD." in html
    assert "1279/QĐ-BCT" in html  # today's prices meanwhile


def test_tariff_page_before_any_price(client):
    assert "Chưa có giá bán lẻ điện cho ngày 01/01/2020." in page(
        client, "/tariffs/?date=2020-01-01"
    )


def test_calculator_empty_form(client):
    html = page(client, "/tariffs/calculator/")
    assert "Tính tiền điện" in html
    assert 'name="kwh"' in html and 'id="result"' not in html


def test_calculator_result_with_the_split_explained(client):
    html = page(
        client,
        "/tariffs/calculator/?customer_group=RESIDENTIAL&kwh=300"
        "&period_start=2025-04-30&period_end=2025-05-31",
    )
    assert 'id="result"' in html
    assert "Bậc 1: 0–50 kWh, 30/04/2025–10/05/2025" in html
    assert "Vì sao kỳ được chia" in html
    assert "787.142 đ" in html


def test_calculator_reverse_mode(client):
    html = page(client, "/tariffs/calculator/?customer_group=RESIDENTIAL&amount=500000", lang="en")
    assert "500,000 VND buys" in html


def test_calculator_explains_bad_input(client):
    html = page(client, "/tariffs/calculator/?customer_group=BUSINESS&kwh=-3")
    assert "Số này không được âm." in html
    assert "Vui lòng chọn cấp điện áp" in html  # every mistake at once
    html = page(client, "/tariffs/calculator/?customer_group=BUSINESS&kwh=3")
    assert "Vui lòng chọn cấp điện áp: giá kinh doanh, sản xuất tùy theo cấp điện áp." in html
    html = page(
        client,
        "/tariffs/calculator/?customer_group=RESIDENTIAL&kwh=3&period_start=2020-01-31&period_end=2020-02-29",
    )
    assert "Chưa có giá điện cho nhóm khách hàng và cấp điện áp này vào ngày 31/01/2020." in html
