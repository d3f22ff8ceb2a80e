"""The account pages, through Django's test client."""

import json
from html import unescape

import pytest
from django.conf import settings
from django.test import Client

from cskh.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db

PHONE = "+84912345678"
OTHER_PHONE = "+84987654321"
NEW_PASSWORD = "Mat-Khau-Moi-2026"


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def english(client):
    """Anonymous visitors get English through the language cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def user_in_english(**fields) -> User:
    return factories.account(phone=fields.pop("phone", PHONE), language="en", **fields)


def logged_in(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def log_in_through_the_page(browser: Client, phone: str, password: str = factories.PASSWORD):
    response = browser.post("/login/", {"phone": phone, "password": password})
    assert response.status_code == 302, text(response)
    return response


# ---------------------------------------------------------------- pages render


@pytest.mark.parametrize(
    "path", ["/", "/login/", "/register/", "/password/forgot/", "/terms/", "/privacy/"]
)
def test_public_pages_render(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "<main" in text(response)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/account/",
        "/account/profile/",
        "/account/phone/",
        "/account/password/",
        "/account/data/",
        "/account/delete/",
        "/terms/",
    ],
)
@pytest.mark.parametrize("language", ["vi", "en"])
def test_account_pages_render(path, language):
    browser = logged_in(factories.account(language=language))
    response = browser.get(path)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in text(response)


@pytest.mark.parametrize(
    "path",
    [
        "/account/",
        "/account/profile/",
        "/account/phone/",
        "/account/phone/verify/",
        "/account/password/",
        "/account/data/",
        "/account/data/download/",
        "/account/delete/",
    ],
)
def test_account_pages_send_visitors_to_the_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("path", ["/login/", "/register/"])
def test_logged_in_people_skip_login_and_registration(path):
    browser = logged_in(factories.account())
    response = browser.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_code_pages_need_the_first_step(client):
    assert client.get("/register/verify/")["Location"] == "/register/"
    assert client.get("/password/forgot/verify/")["Location"] == "/password/forgot/"
    browser = logged_in(factories.account())
    assert browser.get("/account/phone/verify/")["Location"] == "/account/phone/"


# ---------------------------------------------------------------- registration


def test_register_in_two_steps(english, outbox):
    response = english.get("/register/")
    assert "Step 1 of 2" in text(response)
    response = english.post("/register/", {"phone": "0912 345 678"})
    assert response.status_code == 302
    assert response["Location"] == "/register/verify/"
    response = english.get("/register/verify/")
    page = text(response)
    assert "Step 2 of 2" in page
    assert "0912 345 678" in page
    assert "If this number can receive SMS, a code has been sent to it." in page

    response = english.post(
        "/register/verify/",
        {
            "phone": PHONE,
            "otp": outbox.last_code(PHONE),
            "full_name": "Nguyễn Thị Hoa",
            "password": factories.PASSWORD,
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302, text(response)
    assert response["Location"] == "/"
    user = User.objects.get(phone=PHONE)
    assert user.full_name == "Nguyễn Thị Hoa"
    assert user.language == "en"
    assert user.consents.count() == 2
    page = text(english.get("/"))
    assert "Hello, Hoa" in page
    assert "Your account is ready" in page


def test_register_refuses_a_wrong_code_and_missing_consent(english, outbox):
    english.post("/register/", {"phone": PHONE})
    code = outbox.last_code(PHONE)
    form = {"phone": PHONE, "full_name": "Nguyễn Thị Hoa", "password": factories.PASSWORD}

    response = english.post("/register/verify/", form | {"otp": code})
    assert response.status_code == 200
    assert "To register you must accept the terms of use and the privacy notice." in text(response)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = english.post("/register/verify/", form | {"otp": wrong, "accept_terms": "on"})
    assert response.status_code == 200
    assert "The code is wrong. You have 4 tries left." in text(response)
    response = english.post("/register/verify/", form | {"otp": "12ab", "accept_terms": "on"})
    assert "Enter the 6-digit code from the SMS." in text(response)
    assert not User.objects.filter(phone=PHONE).exists()


def test_register_refuses_a_landline_and_a_quick_resend(english, outbox):
    response = english.post("/register/", {"phone": "024 3825 3535"})
    assert response.status_code == 200
    assert "Enter a mobile number: the code is sent by SMS." in text(response)
    english.post("/register/", {"phone": PHONE})
    response = english.post("/register/", {"phone": PHONE})
    assert response.status_code == 200
    assert "Too many attempts. Try again in" in text(response)
    assert len(outbox.messages(PHONE)) == 1


def test_register_with_a_registered_phone_looks_the_same(english, outbox):
    factories.account(phone=PHONE)
    response = english.post("/register/", {"phone": PHONE})
    assert response.status_code == 302
    assert response["Location"] == "/register/verify/"
    [sms] = outbox.messages(PHONE)
    assert "already has an account" in sms["text"]


# ---------------------------------------------------------------- login and logout


def test_login_and_logout(english):
    factories.account(phone=PHONE)
    response = english.post("/login/", {"phone": "0912 345 678", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert english.get("/account/").status_code == 200
    assert english.get("/logout/").status_code == 405  # POST only
    assert english.get("/account/").status_code == 200
    response = english.post("/logout/")
    assert response.status_code == 302
    assert english.get("/account/").status_code == 302


def test_login_with_a_wrong_password_says_so(english):
    factories.account(phone=PHONE)
    response = english.post("/login/", {"phone": PHONE, "password": "not-it-123"})
    assert response.status_code == 200
    assert "The phone number or the password is wrong." in text(response)
    assert english.get("/account/").status_code == 302


def test_login_lockout_message(english):
    factories.account(phone=PHONE)
    for _ in range(settings.LOGIN_FAILURES_PER_PHONE - 1):
        english.post("/login/", {"phone": PHONE, "password": "not-it-123"})
    response = english.post("/login/", {"phone": PHONE, "password": "not-it-123"})
    expected = "Too many failed logins. Try again in 15 minutes or reset your password."
    assert expected in text(response)
    response = english.post("/login/", {"phone": PHONE, "password": factories.PASSWORD})
    assert response.status_code == 200
    assert "Too many failed logins" in text(response)


def test_login_goes_back_to_the_page_asked_for(client):
    factories.account(phone=PHONE)
    response = client.post(
        "/login/?next=/account/profile/",
        {"phone": PHONE, "password": factories.PASSWORD, "next": "/account/profile/"},
    )
    assert response["Location"] == "/account/profile/"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/"]
)
def test_login_never_redirects_to_another_site(client, target):
    factories.account(phone=PHONE)
    response = client.post(
        "/login/", {"phone": PHONE, "password": factories.PASSWORD, "next": target}
    )
    assert response["Location"] == "/"


# ---------------------------------------------------------------- forgot password


def test_forgot_password(english, outbox):
    factories.account(phone=PHONE)
    response = english.post("/password/forgot/", {"phone": "0912.345.678"})
    assert response.status_code == 302
    assert response["Location"] == "/password/forgot/verify/"
    assert "0912 345 678" in text(english.get("/password/forgot/verify/"))
    response = english.post(
        "/password/forgot/verify/",
        {"phone": PHONE, "otp": outbox.last_code(PHONE), "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert "Your password has been changed" in text(english.get("/login/"))
    log_in_through_the_page(english, PHONE, NEW_PASSWORD)


def test_forgot_password_for_an_unknown_phone_looks_the_same(english, outbox):
    response = english.post("/password/forgot/", {"phone": PHONE})
    assert response.status_code == 302
    assert response["Location"] == "/password/forgot/verify/"
    assert outbox.messages() == []


def test_forgot_password_refuses_a_wrong_code_and_a_weak_password(english, outbox):
    factories.account(phone=PHONE)
    english.post("/password/forgot/", {"phone": PHONE})
    code = outbox.last_code(PHONE)
    response = english.post(
        "/password/forgot/verify/", {"phone": PHONE, "otp": code, "new_password": "12345678"}
    )
    assert response.status_code == 200
    assert "This password is too common." in text(response)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = english.post(
        "/password/forgot/verify/", {"phone": PHONE, "otp": wrong, "new_password": NEW_PASSWORD}
    )
    assert "The code is wrong" in text(response)
    log_in_through_the_page(english, PHONE)


def test_resetting_the_password_ends_the_other_sessions(outbox):
    user = factories.account(phone=PHONE)
    other = logged_in(user)
    browser = Client()
    browser.post("/password/forgot/", {"phone": PHONE})
    browser.post(
        "/password/forgot/verify/",
        {"phone": PHONE, "otp": outbox.last_code(PHONE), "new_password": NEW_PASSWORD},
    )
    assert other.get("/account/").status_code == 302


# ---------------------------------------------------------------- profile


def test_profile_shows_the_cccd_masked_and_a_blank_keeps_it():
    user = user_in_english(cccd="079085001234", email="hoa@example.vn")
    browser = logged_in(user)
    page = text(browser.get("/account/profile/"))
    assert "079*******34" in page
    assert "079085001234" not in page
    assert "0912 345 678" in page

    response = browser.post(
        "/account/profile/",
        {"full_name": "Trần Thị Hoa", "cccd": "", "email": "", "language": "en"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/profile/"
    user.refresh_from_db()
    assert (user.full_name, user.cccd, user.email) == ("Trần Thị Hoa", "079085001234", "")
    assert "Your profile has been saved." in text(browser.get("/account/profile/"))


def test_profile_changes_the_cccd_and_the_language():
    user = user_in_english()
    browser = logged_in(user)
    response = browser.post(
        "/account/profile/",
        {"full_name": user.full_name, "cccd": "001 203 012 345", "email": "", "language": "vi"},
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "vi"
    user.refresh_from_db()
    assert (user.cccd, user.language) == ("001203012345", "vi")
    assert '<html lang="vi">' in text(browser.get("/account/profile/"))


def test_profile_refuses_an_invalid_cccd():
    user = user_in_english(cccd="079085001234")
    browser = logged_in(user)
    response = browser.post(
        "/account/profile/",
        {"full_name": user.full_name, "cccd": "999203012345", "email": "", "language": "en"},
    )
    assert response.status_code == 200
    assert "This is not a valid CCCD number: check the first three digits." in text(response)
    user.refresh_from_db()
    assert user.cccd == "079085001234"


def test_change_phone_through_the_pages(outbox):
    user = user_in_english()
    browser = logged_in(user)
    response = browser.post("/account/phone/", {"phone": "0987 654 321"})
    assert response["Location"] == "/account/phone/verify/"
    assert "0987 654 321" in text(browser.get("/account/phone/verify/"))
    response = browser.post(
        "/account/phone/verify/", {"phone": OTHER_PHONE, "otp": outbox.last_code(OTHER_PHONE)}
    )
    assert response["Location"] == "/account/profile/"
    user.refresh_from_db()
    assert user.phone == OTHER_PHONE
    assert "Your phone number has been changed." in text(browser.get("/account/profile/"))


# ---------------------------------------------------------------- password change


def test_changing_the_password_ends_other_sessions_and_api_tokens(api):
    user = user_in_english()
    other_browser = Client()
    log_in_through_the_page(other_browser, PHONE)
    token = api.login(PHONE)["access_token"]
    browser = Client()
    log_in_through_the_page(browser, PHONE)

    response = browser.post(
        "/account/password/",
        {"old_password": factories.PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    page = text(browser.get("/account/"))  # this browser stays logged in
    assert "Your other devices are logged out" in page
    response = other_browser.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert api.get("/me", token=token).status_code == 401
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_changing_the_password_needs_the_current_one():
    user = user_in_english()
    browser = logged_in(user)
    response = browser.post(
        "/account/password/", {"old_password": "not-it-123", "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert "The current password is wrong." in text(response)
    response = browser.post(
        "/account/password/", {"old_password": factories.PASSWORD, "new_password": "short"}
    )
    assert "This password is too short." in text(response)
    user.refresh_from_db()
    assert user.check_password(factories.PASSWORD)


# ---------------------------------------------------------------- language


def test_language_switch_for_visitors(client):
    response = client.post("/language/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    page = text(client.get("/login/"))
    assert '<html lang="en">' in page
    assert "Forgot password?" in page
    client.post("/language/", {"language": "vi", "next": "/login/"})
    assert '<html lang="vi">' in text(client.get("/login/"))


def test_language_switch_saves_the_account_language():
    user = factories.account(language="vi")
    browser = logged_in(user)
    response = browser.post("/language/", {"language": "en", "next": "/account/"})
    assert response["Location"] == "/account/"
    user.refresh_from_db()
    assert user.language == "en"
    assert '<html lang="en">' in text(browser.get("/account/"))


def test_language_switch_ignores_bad_input(client):
    response = client.post("/language/", {"language": "fr", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.get("/language/").status_code == 405


# ---------------------------------------------------------------- personal data


def test_download_my_data():
    user = user_in_english(cccd="079085001234")
    customer = factories.customer(unit_code="PE0100")
    factories.link(user, customer)
    browser = logged_in(user)
    page = text(browser.get("/account/data/"))
    assert "Download my data" in page
    response = browser.get("/account/data/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="evn-cskh-my-data.json"'
    data = json.loads(response.content)
    assert data["account"]["phone"] == PHONE
    assert data["consents"] == []
    assert [link["code"] for link in data["customer_links"]] == [customer.code]


def test_delete_my_account(api):
    user = user_in_english()
    token = api.login(PHONE)["access_token"]
    browser = logged_in(user)

    response = browser.post("/account/delete/", {"password": "not-it-123", "confirm": "on"})
    assert response.status_code == 200
    assert "The current password is wrong." in text(response)
    response = browser.post("/account/delete/", {"password": factories.PASSWORD})
    assert response.status_code == 200
    assert User.objects.filter(pk=user.pk).exists()

    response = browser.post("/account/delete/", {"password": factories.PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=user.pk).exists()
    assert browser.get("/account/").status_code == 302  # logged out
    assert api.get("/me", token=token).status_code == 401
    response = Client().post("/login/", {"phone": PHONE, "password": factories.PASSWORD})
    assert response.status_code == 200


# ---------------------------------------------------------------- CSRF


def test_forms_need_the_csrf_token():
    factories.account(phone=PHONE)
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/login/", {"phone": PHONE, "password": factories.PASSWORD})
    assert response.status_code == 403

    browser.get("/login/")
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/login/",
        {"phone": PHONE, "password": factories.PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_logged_in_forms_need_the_csrf_token():
    user = factories.account(phone=PHONE)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.post("/logout/").status_code == 403
    response = browser.post("/account/delete/", {"password": factories.PASSWORD, "confirm": "on"})
    assert response.status_code == 403
    assert User.objects.filter(pk=user.pk).exists()


def test_guessing_the_password_to_delete_an_account_locks_out():
    user = user_in_english()
    browser = logged_in(user)
    for _attempt in range(5):
        browser.post("/account/delete/", {"password": "not-it-123", "confirm": "on"})
    response = browser.post("/account/delete/", {"password": factories.PASSWORD, "confirm": "on"})
    assert response.status_code == 200
    assert "Too many attempts" in text(response)
    assert User.objects.filter(pk=user.pk).exists()
