"""/healthz, security headers and cookie flags."""

from unittest import mock

import pytest
from django.db import OperationalError, connections

from tests import factories

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_down(client):
    wrapper = connections["default"]
    with mock.patch.object(wrapper, "cursor", side_effect=OperationalError("server closed")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


def test_healthz_answers_503_when_the_query_fails(client):
    wrapper = connections["default"]
    failing = mock.MagicMock()
    failing.__enter__.return_value.execute.side_effect = OperationalError("terminating")
    with mock.patch.object(wrapper, "cursor", return_value=failing):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_healthz_is_get_only(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.parametrize("path", ["/", "/login/", "/healthz", "/api/v1/me"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "microphone=()" in response["Permissions-Policy"]


def test_the_staff_back_office_may_use_inline_styles_only(client):
    csp = client.get("/staff/login/")["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp
    assert "script-src 'self';" in csp


def test_cookies_are_secure_over_https(client):
    response = client.get("/login/", secure=True)
    assert response.status_code == 200
    cookie = response.cookies["csrftoken"]
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_cookies_are_not_secure_over_http(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert not response.cookies["csrftoken"]["secure"]
    assert "Strict-Transport-Security" not in response


def test_session_and_language_cookies_are_secure_over_https(client):
    response = client.post("/language/", {"language": "en", "next": "/"}, secure=True)
    assert response.status_code == 302
    assert response.cookies["cskh_language"]["secure"] is True
    assert response.cookies["cskh_language"]["httponly"] is True


def test_the_session_cookie_is_secure_and_http_only_over_https(client):
    factories.account(phone="+84912345678")
    response = client.post(
        "/login/", {"phone": "+84912345678", "password": factories.PASSWORD}, secure=True
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
