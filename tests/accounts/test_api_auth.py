"""/api/v1/auth/… and /api/v1/me: every endpoint with good and bad input."""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from cskh.accounts.models import ApiToken, Consent, OtpChallenge, User
from cskh.customers import services as customer_services
from tests import factories
from tests.helpers import error_of

pytestmark = pytest.mark.django_db

PHONE = "+84912345678"
OTHER_PHONE = "+84987654321"
NEW_NAME = "Nguyễn Thị Hoa"
NEW_PASSWORD = "Mat-Khau-Moi-2026"
CODE_SENT = {"detail": "If this number can receive SMS, a code has been sent to it."}


def raw_post(client, path: str, body: str, *, lang: str = "en", ip: str | None = None):
    extra = {"REMOTE_ADDR": ip} if ip else {}
    return client.post(
        "/api/v1" + path,
        data=body,
        content_type="application/json",
        headers={"Accept-Language": lang},
        **extra,
    )


def post_from(client, ip: str, path: str, data: dict, lang: str = "en"):
    return raw_post(client, path, json.dumps(data), lang=lang, ip=ip)


def register_payload(phone: str, otp: str, **changes) -> dict:
    return {
        "phone": phone,
        "otp": otp,
        "full_name": NEW_NAME,
        "password": factories.PASSWORD,
        "accept_terms": True,
    } | changes


def start_registration(api, outbox, phone=PHONE) -> str:
    response = api.post("/auth/register/start", {"phone": phone}, lang="en")
    assert response.status_code == 202, response.content
    return outbox.last_code(phone)


def expire_codes(phone: str) -> None:
    past = timezone.now() - timedelta(minutes=6)
    OtpChallenge.objects.filter(phone=phone).update(
        created_at=past, expires_at=past + timedelta(minutes=5)
    )


def is_live(api, token: str) -> bool:
    status = api.get("/me", token=token).status_code
    assert status in (200, 401)
    return status == 200


# ---------------------------------------------------------------- registration


def test_register_start_texts_a_code(api, outbox):
    response = api.post("/auth/register/start", {"phone": "0912.345.678"}, lang="en")
    assert response.status_code == 202
    assert response.json() == CODE_SENT
    [sms] = outbox.messages(PHONE)
    assert outbox.last_code(PHONE) in sms["text"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "Enter a phone number such as 0912 345 678."),
        ({"phone": "024 3825 3535"}, "phone", "Enter a mobile number: the code is sent by SMS."),
        ({"phone": "+1 202 555 0143"}, "phone", "Enter a Vietnamese mobile phone number."),
        ({"phone": ""}, "phone", "This field is required."),
        ({}, "phone", "This field is required."),
        ({"phone": 912345678}, "phone", "This value has the wrong type."),
        ({"phone": None}, "phone", "This value has the wrong type."),
        ({"phone": ["0912345678"]}, "phone", "This value has the wrong type."),
        ({"phone": "0912 345 678 " * 3}, "phone", None),
    ],
)
def test_register_start_refuses_bad_input(api, outbox, body, field, message):
    error = error_of(api.post("/auth/register/start", body, lang="en"), 422, "invalid")
    assert error["message"] == "Please correct the errors below."
    assert list(error["fields"]) == [field]
    if message:
        assert error["fields"][field] == [message]
    assert outbox.messages() == []


@pytest.mark.parametrize(
    "body", ['{"phone": ', "{'phone': '0912345678'}", "phone=0912345678", "\xff\xfe", "nan"]
)
def test_a_body_that_is_not_json_is_a_422(client, body):
    error = error_of(raw_post(client, "/auth/register/start", body), 422, "invalid")
    assert error["fields"] == {"_": ["The request body is not valid JSON."]}


@pytest.mark.parametrize("body", ["", "[]", '"0912345678"', "null", "42"])
def test_a_body_that_is_not_an_object_is_a_422(client, body):
    error_of(raw_post(client, "/auth/register/start", body), 422, "invalid")


def test_register_start_waits_before_resending(api, outbox):
    start_registration(api, outbox)
    response = api.post("/auth/register/start", {"phone": PHONE}, lang="en")
    error = error_of(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Try again" in error["message"]
    assert len(outbox.messages(PHONE)) == 1


def test_register_verify_creates_the_account_with_its_consents(api, outbox):
    code = start_registration(api, outbox)
    response = api.post("/auth/register/verify", register_payload("0912 345 678", code), lang="en")
    assert response.status_code == 201, response.content
    tokens = response.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == settings.ACCESS_TOKEN_TTL_SECONDS
    user = User.objects.get(phone=PHONE)
    assert user.full_name == NEW_NAME
    assert user.language == "en"  # the language of the request
    assert user.check_password(factories.PASSWORD)
    assert sorted(Consent.objects.filter(user=user).values_list("document__kind", flat=True)) == [
        "PRIVACY",
        "TERMS",
    ]
    assert api.get("/me", token=tokens["access_token"]).json()["phone"] == PHONE


def test_register_verify_with_a_wrong_code(api, outbox):
    code = start_registration(api, outbox)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    error = error_of(
        api.post("/auth/register/verify", register_payload(PHONE, wrong), lang="en"),
        422,
        "otp_rejected",
    )
    assert error["fields"] == {"otp": ["The code is wrong. You have 4 tries left."]}
    assert not User.objects.filter(phone=PHONE).exists()


def test_register_verify_with_an_expired_code(api, outbox):
    code = start_registration(api, outbox)
    expire_codes(PHONE)
    error = error_of(
        api.post("/auth/register/verify", register_payload(PHONE, code), lang="en"),
        422,
        "otp_rejected",
    )
    assert error["fields"]["otp"] == ["The code is wrong or has expired. Ask for a new code."]
    assert not User.objects.filter(phone=PHONE).exists()


def test_register_verify_needs_the_terms_accepted(api, outbox):
    code = start_registration(api, outbox)
    for accept in (False, None):
        payload = register_payload(PHONE, code, accept_terms=accept)
        if accept is None:
            del payload["accept_terms"]
        error = error_of(api.post("/auth/register/verify", payload, lang="en"), 422)
        assert error["fields"] == {
            "accept_terms": ["To register you must accept the terms of use and the privacy notice."]
        }
    assert not User.objects.filter(phone=PHONE).exists()


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("Ab1-xyz", "too short"),
        ("password123", "too common"),
        ("58203719465", "entirely numeric"),
        ("Nguyen Thi Hoa", "too similar"),
    ],
)
def test_register_verify_refuses_weak_passwords(api, outbox, password, fragment):
    code = start_registration(api, outbox)
    payload = register_payload(PHONE, code, password=password, full_name="Nguyen Thi Hoa")
    error = error_of(api.post("/auth/register/verify", payload, lang="en"), 422, "invalid")
    assert list(error["fields"]) == ["password"]
    assert any(fragment in message for message in error["fields"]["password"])
    # the code is not spent by input errors: the person can correct and go on
    response = api.post("/auth/register/verify", register_payload(PHONE, code), lang="en")
    assert response.status_code == 201


def test_register_verify_names_every_missing_field(api):
    error = error_of(api.post("/auth/register/verify", {}, lang="en"), 422, "invalid")
    assert set(error["fields"]) == {"phone", "otp", "full_name", "password"}
    assert all(m == ["This field is required."] for m in error["fields"].values())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"otp": 123456}, "otp"),
        ({"phone": 912345678}, "phone"),
        ({"full_name": ["Hoa"]}, "full_name"),
        ({"password": 12345678}, "password"),
        ({"accept_terms": "maybe"}, "accept_terms"),
        ({"otp": "12345"}, "otp"),
        ({"otp": "abcdef"}, "otp"),
        ({"full_name": "   "}, "full_name"),
        ({"full_name": "x" * 101}, "full_name"),
    ],
)
def test_register_verify_refuses_wrong_types_and_values(api, changes, field):
    payload = register_payload(PHONE, "123456") | changes
    error = error_of(api.post("/auth/register/verify", payload, lang="en"), 422, "invalid")
    assert list(error["fields"]) == [field]


def test_register_verify_with_invalid_json(client):
    error = error_of(raw_post(client, "/auth/register/verify", '{"phone": "0912'), 422)
    assert error["fields"] == {"_": ["The request body is not valid JSON."]}


def test_registering_a_registered_phone_answers_the_same_and_tells_the_owner(api, outbox):
    factories.account(phone=PHONE)
    new = api.post("/auth/register/start", {"phone": OTHER_PHONE}, lang="en")
    known = api.post("/auth/register/start", {"phone": PHONE}, lang="en")
    assert (known.status_code, known.json()) == (new.status_code, new.json()) == (202, CODE_SENT)
    [sms] = outbox.messages(PHONE)
    assert "already has an account" in sms["text"]
    assert "Forgot password" in sms["text"]
    with pytest.raises(AssertionError):
        outbox.last_code(PHONE)  # no code in it

    # the limits are the same too
    again_new = api.post("/auth/register/start", {"phone": OTHER_PHONE}, lang="en")
    again_known = api.post("/auth/register/start", {"phone": PHONE}, lang="en")
    assert again_new.status_code == again_known.status_code == 429
    assert again_new.json() == again_known.json()

    for guess in ("000000", "123456"):
        error = error_of(
            api.post("/auth/register/verify", register_payload(PHONE, guess), lang="en"),
            422,
            "otp_rejected",
        )
        assert "otp" in error["fields"]
    assert User.objects.filter(phone=PHONE).count() == 1


# ---------------------------------------------------------------- login


def test_login_with_any_way_of_writing_the_phone(api):
    factories.account(phone=PHONE)
    for written in ("0912 345 678", "84912345678", "+84 912 345 678"):
        response = api.post(
            "/auth/login", {"phone": written, "password": factories.PASSWORD}, lang="en"
        )
        assert response.status_code == 200, response.content
        assert set(response.json()) == {"access_token", "refresh_token", "token_type", "expires_in"}


def test_wrong_password_and_unknown_phone_get_identical_answers(api):
    factories.account(phone=PHONE)
    wrong_password = api.post("/auth/login", {"phone": PHONE, "password": "not-it-123"}, lang="en")
    unknown = api.post(
        "/auth/login", {"phone": OTHER_PHONE, "password": factories.PASSWORD}, lang="en"
    )
    error = error_of(wrong_password, 401, "wrong_credentials")
    assert error["message"] == "The phone number or the password is wrong."
    assert unknown.status_code == wrong_password.status_code
    assert unknown.json() == wrong_password.json()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"phone": PHONE}, {"password"}),
        ({"password": "x"}, {"phone"}),
        ({"phone": "abc", "password": "x"}, {"phone"}),
        ({"phone": PHONE, "password": 12345678}, {"password"}),
        ({"phone": PHONE, "password": ""}, {"password"}),
    ],
)
def test_login_refuses_bad_input(api, body, fields):
    error = error_of(api.post("/auth/login", body, lang="en"), 422, "invalid")
    assert set(error["fields"]) == fields


def test_login_locks_after_five_failures(api):
    factories.account(phone=PHONE)
    bad = {"phone": PHONE, "password": "not-it-123"}
    for _ in range(settings.LOGIN_FAILURES_PER_PHONE - 1):
        error_of(api.post("/auth/login", bad, lang="en"), 401, "wrong_credentials")
    response = api.post("/auth/login", bad, lang="en")
    error = error_of(response, 429, "login_locked")
    assert "15 minutes" in error["message"]
    assert int(response["Retry-After"]) == settings.LOGIN_LOCKOUT_SECONDS == 900

    # even the right password waits now
    good = {"phone": PHONE, "password": factories.PASSWORD}
    response = api.post("/auth/login", good, lang="en")
    error = error_of(response, 429, "login_locked")
    assert "minutes" in error["message"]
    assert 800 < int(response["Retry-After"]) <= 900


def test_the_lockout_does_not_reveal_whether_the_phone_is_registered(api):
    factories.account(phone=PHONE)
    answers = {}
    for phone in (PHONE, OTHER_PHONE):
        for _ in range(settings.LOGIN_FAILURES_PER_PHONE):
            response = api.post("/auth/login", {"phone": phone, "password": "nope-nope"})
        answers[phone] = (response.status_code, response.json(), response["Retry-After"])
    assert answers[PHONE] == answers[OTHER_PHONE]


def test_a_successful_login_clears_the_failures(api):
    factories.account(phone=PHONE)
    bad = {"phone": PHONE, "password": "not-it-123"}
    for _ in range(4):
        api.post("/auth/login", bad)
    api.login(PHONE)
    for _ in range(4):
        assert api.post("/auth/login", bad).status_code == 401


def test_login_locks_an_address_that_tries_many_phones(client, api):
    factories.account(phone=PHONE)
    attacker = "198.51.100.66"
    for n in range(settings.LOGIN_FAILURES_PER_IP):
        response = post_from(
            client, attacker, "/auth/login", {"phone": f"+8491500{n:04d}", "password": "x-y-z-w"}
        )
        assert response.status_code == 401
    good = {"phone": PHONE, "password": factories.PASSWORD}
    response = post_from(client, attacker, "/auth/login", good)
    error = error_of(response, 429, "login_locked")
    assert "minutes" in error["message"]
    assert int(response["Retry-After"]) > 0
    assert post_from(client, "198.51.100.67", "/auth/login", good).status_code == 200


# ---------------------------------------------------------------- tokens


def test_refresh_rotates_the_tokens(api):
    factories.account(phone=PHONE)
    first = api.login(PHONE)
    response = api.post("/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert response.status_code == 200, response.content
    second = response.json()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert is_live(api, second["access_token"])
    assert not is_live(api, first["access_token"])
    third = api.post("/auth/refresh", {"refresh_token": second["refresh_token"]})
    assert third.status_code == 200


def test_a_reused_refresh_token_revokes_the_whole_family(api):
    factories.account(phone=PHONE)
    first = api.login(PHONE)
    other_device = api.login(PHONE)
    second = api.post("/auth/refresh", {"refresh_token": first["refresh_token"]}).json()

    error = error_of(api.post("/auth/refresh", {"refresh_token": first["refresh_token"]}), 401)
    assert error["code"] == "not_authenticated"
    assert not is_live(api, second["access_token"])
    error_of(api.post("/auth/refresh", {"refresh_token": second["refresh_token"]}), 401)
    # another login (another family) is not touched
    assert is_live(api, other_device["access_token"])


@pytest.mark.parametrize("token", ["", "garbage", "x" * 500])
def test_refresh_with_an_unknown_token(api, token):
    error_of(api.post("/auth/refresh", {"refresh_token": token}, lang="en"), 401)


def test_refresh_refuses_bad_input(api, client):
    error = error_of(api.post("/auth/refresh", {}), 422, "invalid")
    assert list(error["fields"]) == ["refresh_token"]
    error_of(api.post("/auth/refresh", {"refresh_token": 5}), 422, "invalid")
    error_of(raw_post(client, "/auth/refresh", "{"), 422, "invalid")


def test_an_access_token_is_not_a_refresh_token(api):
    factories.account(phone=PHONE)
    tokens = api.login(PHONE)
    error_of(api.post("/auth/refresh", {"refresh_token": tokens["access_token"]}), 401)
    assert not is_live(api, tokens["refresh_token"])


def test_expired_tokens_stop_working(api):
    factories.account(phone=PHONE)
    tokens = api.login(PHONE)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not is_live(api, tokens["access_token"])
    error_of(api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}), 401)


def test_only_token_digests_are_stored(api):
    factories.account(phone=PHONE)
    tokens = api.login(PHONE)
    stored = list(ApiToken.objects.values_list("digest", flat=True))
    assert tokens["access_token"] not in stored
    assert tokens["refresh_token"] not in stored


def test_logout_revokes_the_tokens_of_the_login(api):
    factories.account(phone=PHONE)
    tokens = api.login(PHONE)
    other_device = api.login(PHONE)
    response = api.post("/auth/logout", token=tokens["access_token"])
    assert response.status_code == 204
    assert not is_live(api, tokens["access_token"])
    error_of(api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}), 401)
    assert is_live(api, other_device["access_token"])


@pytest.mark.parametrize("token", [None, "garbage"])
def test_logout_needs_a_token(api, token):
    error = error_of(api.post("/auth/logout", token=token, lang="en"), 401, "not_authenticated")
    assert error["message"] == "Please log in again."


def test_a_token_of_a_deactivated_account_stops_working(api):
    user = factories.account(phone=PHONE)
    tokens = api.login(PHONE)
    user.is_active = False
    user.save()
    assert not is_live(api, tokens["access_token"])
    error_of(api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}), 401)


# ---------------------------------------------------------------- password reset


def test_password_reset(api, outbox):
    factories.account(phone=PHONE)
    old_tokens = api.login(PHONE)
    response = api.post("/auth/password/reset/start", {"phone": "0912 345 678"}, lang="en")
    assert response.status_code == 202
    assert response.json() == CODE_SENT
    code = outbox.last_code(PHONE)
    response = api.post(
        "/auth/password/reset/verify",
        {"phone": PHONE, "otp": code, "new_password": NEW_PASSWORD},
        lang="en",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "detail": "Your password has been changed. Log in with the new password."
    }
    assert not is_live(api, old_tokens["access_token"])  # every token ends
    error_of(api.post("/auth/login", {"phone": PHONE, "password": factories.PASSWORD}), 401)
    api.login(PHONE, NEW_PASSWORD)


def test_password_reset_start_answers_the_same_for_an_unknown_phone(api, outbox):
    factories.account(phone=PHONE)
    known = api.post("/auth/password/reset/start", {"phone": PHONE}, lang="en")
    unknown = api.post("/auth/password/reset/start", {"phone": OTHER_PHONE}, lang="en")
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert outbox.messages(OTHER_PHONE) == []  # nothing is texted to the unknown phone
    assert len(outbox.messages(PHONE)) == 1
    # and the limits are the same
    known = api.post("/auth/password/reset/start", {"phone": PHONE}, lang="en")
    unknown = api.post("/auth/password/reset/start", {"phone": OTHER_PHONE}, lang="en")
    assert known.status_code == unknown.status_code == 429
    assert known.json() == unknown.json()


def test_password_reset_start_refuses_bad_input(api, client):
    error_of(api.post("/auth/password/reset/start", {"phone": "abc"}), 422, "invalid")
    error_of(api.post("/auth/password/reset/start", {}), 422, "invalid")
    error_of(raw_post(client, "/auth/password/reset/start", "}"), 422, "invalid")


def test_password_reset_verify_refuses_a_wrong_code(api, outbox):
    factories.account(phone=PHONE)
    api.post("/auth/password/reset/start", {"phone": PHONE})
    code = outbox.last_code(PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    error = error_of(
        api.post(
            "/auth/password/reset/verify",
            {"phone": PHONE, "otp": wrong, "new_password": NEW_PASSWORD},
            lang="en",
        ),
        422,
        "otp_rejected",
    )
    assert list(error["fields"]) == ["otp"]
    api.login(PHONE)  # unchanged


def test_password_reset_verify_refuses_a_weak_password(api, outbox):
    factories.account(phone=PHONE)
    api.post("/auth/password/reset/start", {"phone": PHONE})
    code = outbox.last_code(PHONE)
    error = error_of(
        api.post(
            "/auth/password/reset/verify",
            {"phone": PHONE, "otp": code, "new_password": "12345678"},
            lang="en",
        ),
        422,
    )
    assert list(error["fields"]) == ["new_password"]
    api.login(PHONE)


def test_password_reset_verify_for_an_unknown_phone(api):
    error = error_of(
        api.post(
            "/auth/password/reset/verify",
            {"phone": OTHER_PHONE, "otp": "123456", "new_password": NEW_PASSWORD},
        ),
        422,
        "otp_rejected",
    )
    assert list(error["fields"]) == ["otp"]


def test_password_reset_verify_refuses_bad_input(api):
    error = error_of(api.post("/auth/password/reset/verify", {"phone": PHONE}), 422)
    assert set(error["fields"]) == {"otp", "new_password"}
    error = error_of(
        api.post(
            "/auth/password/reset/verify",
            {"phone": PHONE, "otp": 123456, "new_password": NEW_PASSWORD},
        ),
        422,
    )
    assert list(error["fields"]) == ["otp"]


def test_password_reset_ends_the_login_lockout(api, outbox):
    factories.account(phone=PHONE)
    for _ in range(settings.LOGIN_FAILURES_PER_PHONE):
        api.post("/auth/login", {"phone": PHONE, "password": "nope-nope"})
    api.post("/auth/password/reset/start", {"phone": PHONE})
    response = api.post(
        "/auth/password/reset/verify",
        {"phone": PHONE, "otp": outbox.last_code(PHONE), "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 200
    api.login(PHONE, NEW_PASSWORD)


# ---------------------------------------------------------------- password change


def test_password_change_keeps_this_login_and_ends_the_others(api):
    factories.account(phone=PHONE)
    mine = api.login(PHONE)
    other_device = api.login(PHONE)
    response = api.post(
        "/auth/password/change",
        {"old_password": factories.PASSWORD, "new_password": NEW_PASSWORD},
        token=mine["access_token"],
        lang="en",
    )
    assert response.status_code == 200, response.content
    assert "other devices are logged out" in response.json()["detail"]
    assert is_live(api, mine["access_token"])
    assert api.post("/auth/refresh", {"refresh_token": mine["refresh_token"]}).status_code == 200
    assert not is_live(api, other_device["access_token"])
    error_of(api.post("/auth/refresh", {"refresh_token": other_device["refresh_token"]}), 401)
    api.login(PHONE, NEW_PASSWORD)
    error_of(api.post("/auth/login", {"phone": PHONE, "password": factories.PASSWORD}), 401)


def test_password_change_with_a_wrong_current_password(api):
    factories.account(phone=PHONE)
    token = api.login(PHONE)["access_token"]
    error = error_of(
        api.post(
            "/auth/password/change",
            {"old_password": "not-it-123", "new_password": NEW_PASSWORD},
            token=token,
            lang="en",
        ),
        422,
        "invalid",
    )
    assert error["fields"] == {"old_password": ["The current password is wrong."]}
    api.login(PHONE)


def test_password_change_guesses_are_limited(api):
    factories.account(phone=PHONE)
    token = api.login(PHONE)["access_token"]
    body = {"old_password": "not-it-123", "new_password": NEW_PASSWORD}
    for _ in range(settings.LOGIN_FAILURES_PER_PHONE):
        api.post("/auth/password/change", body, token=token)
    body["old_password"] = factories.PASSWORD
    response = api.post("/auth/password/change", body, token=token)
    error_of(response, 429)
    assert int(response["Retry-After"]) > 0


def test_password_change_refuses_a_weak_password(api):
    factories.account(phone=PHONE)
    token = api.login(PHONE)["access_token"]
    error = error_of(
        api.post(
            "/auth/password/change",
            {"old_password": factories.PASSWORD, "new_password": "abc"},
            token=token,
            lang="en",
        ),
        422,
    )
    assert list(error["fields"]) == ["new_password"]


def test_password_change_refuses_bad_input_and_anonymous_calls(api):
    factories.account(phone=PHONE)
    token = api.login(PHONE)["access_token"]
    error = error_of(api.post("/auth/password/change", {}, token=token), 422)
    assert set(error["fields"]) == {"old_password", "new_password"}
    body = {"old_password": factories.PASSWORD, "new_password": NEW_PASSWORD}
    error_of(api.post("/auth/password/change", body), 401, "not_authenticated")


# ---------------------------------------------------------------- /me


def test_me_shows_the_profile_with_the_cccd_masked(api):
    factories.account(phone=PHONE, full_name="Lê Văn Bình", cccd="079085001234", email="b@x.vn")
    token = api.login(PHONE)["access_token"]
    response = api.get("/me", token=token)
    assert response.status_code == 200
    me = response.json()
    assert me["phone"] == PHONE
    assert me["full_name"] == "Lê Văn Bình"
    assert me["cccd_masked"] == "079*******34"
    assert "079085001234" not in response.content.decode()
    assert me["email"] == "b@x.vn"
    assert me["language"] == "vi"
    assert set(me) == {"phone", "full_name", "cccd_masked", "email", "language", "registered_at"}


@pytest.mark.parametrize("token", [None, "garbage"])
def test_me_needs_a_token(api, token):
    error_of(api.get("/me", token=token), 401, "not_authenticated")


def test_patch_me_changes_only_what_is_sent(api):
    user = factories.account(phone=PHONE, full_name="Lê Văn Bình", email="b@x.vn")
    token = api.login(PHONE)["access_token"]
    response = api.patch("/me", {"cccd": "079 085 001 234", "language": "en"}, token=token)
    assert response.status_code == 200, response.content
    assert response.json()["cccd_masked"] == "079*******34"
    assert response.json()["full_name"] == "Lê Văn Bình"
    user.refresh_from_db()
    assert (user.cccd, user.language, user.email) == ("079085001234", "en", "b@x.vn")
    response = api.patch("/me", {"full_name": "  Lê Văn Bình An ", "email": ""}, token=token)
    assert response.json()["full_name"] == "Lê Văn Bình An"
    user.refresh_from_db()
    assert (user.cccd, user.email) == ("079085001234", "")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"cccd": "000085001234"},
            "cccd",
            "This is not a valid CCCD number: check the first three digits.",
        ),
        ({"cccd": "07908500123"}, "cccd", "A CCCD number has exactly 12 digits."),
        ({"cccd": "07908500123x"}, "cccd", "A CCCD number has digits only."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        (
            {"language": "fr"},
            "language",
            "Select a valid choice. fr is not one of the available choices.",
        ),
        ({"full_name": ""}, "full_name", "This field is required."),
        ({"cccd": 79085001234}, "cccd", "This value has the wrong type."),
        ({"language": 1}, "language", "This value has the wrong type."),
    ],
)
def test_patch_me_refuses_bad_input_with_a_translated_message(api, body, field, message):
    user = factories.account(phone=PHONE, cccd="001203012345")
    token = api.login(PHONE)["access_token"]
    error = error_of(api.patch("/me", body, token=token, lang="en"), 422, "invalid")
    assert error["fields"] == {field: [message]}
    user.refresh_from_db()
    assert user.cccd == "001203012345"


def test_field_messages_follow_the_request_language(api):
    factories.account(phone=PHONE)
    token = api.login(PHONE)["access_token"]
    body = {"cccd": "000085001234"}
    en = error_of(api.patch("/me", body, token=token, lang="en"), 422)
    vi = error_of(api.patch("/me", body, token=token, lang="vi"), 422)
    assert en["fields"]["cccd"] == [
        "This is not a valid CCCD number: check the first three digits."
    ]
    assert vi["fields"]["cccd"][0]
    assert vi["fields"]["cccd"] != en["fields"]["cccd"]
    assert vi["message"] != en["message"]


def test_error_messages_follow_the_request_language(api):
    factories.account(phone=PHONE)
    body = {"phone": PHONE, "password": "not-it-123"}
    en = error_of(api.post("/auth/login", body, lang="en"), 401)
    vi = error_of(api.post("/auth/login", body, lang="vi"), 401)
    assert en["message"] == "The phone number or the password is wrong."
    assert vi["message"]
    assert vi["message"] != en["message"]
    assert vi["code"] == en["code"]


def test_without_accept_language_the_account_language_applies(api):
    factories.account(phone=PHONE, language="en")
    token = api.login(PHONE)["access_token"]
    error = error_of(api.post("/me/phone/start", {"phone": PHONE}, token=token), 422)
    assert error["fields"] == {"phone": ["This is already your phone number."]}
    vi = error_of(api.post("/me/phone/start", {"phone": PHONE}, token=token, lang="vi"), 422)
    assert vi["fields"]["phone"] != error["fields"]["phone"]


def test_patch_me_refuses_invalid_json(client, api):
    factories.account(phone=PHONE)
    token = api.login(PHONE)["access_token"]
    response = client.patch(
        "/api/v1/me",
        data="{",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    error_of(response, 422, "invalid")


# ---------------------------------------------------------------- phone change


def test_phone_change(api, outbox):
    user = factories.account(phone=PHONE)
    token = api.login(PHONE)["access_token"]
    response = api.post("/me/phone/start", {"phone": "0987 654 321"}, token=token, lang="en")
    assert response.status_code == 202
    assert response.json() == CODE_SENT
    assert outbox.messages(PHONE) == []  # the code goes to the new number
    code = outbox.last_code(OTHER_PHONE)
    response = api.post("/me/phone/verify", {"phone": OTHER_PHONE, "otp": code}, token=token)
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == OTHER_PHONE
    user.refresh_from_db()
    assert user.phone == OTHER_PHONE
    assert is_live(api, token)
    api.login(OTHER_PHONE)
    error_of(api.post("/auth/login", {"phone": PHONE, "password": factories.PASSWORD}), 401)


def test_phone_change_to_the_same_number(api, outbox):
    factories.account(phone=PHONE)
    token = api.login(PHONE)["access_token"]
    error = error_of(
        api.post("/me/phone/start", {"phone": "0912345678"}, token=token, lang="en"), 422
    )
    assert error["fields"] == {"phone": ["This is already your phone number."]}
    assert outbox.messages() == []


def test_phone_change_refuses_bad_input(api, client):
    factories.account(phone=PHONE)
    token = api.login(PHONE)["access_token"]
    error_of(api.post("/me/phone/start", {"phone": "028 3829 1234"}, token=token), 422)
    error_of(api.post("/me/phone/start", {}, token=token), 422)
    error_of(api.post("/me/phone/verify", {"phone": OTHER_PHONE}, token=token), 422)
    error_of(api.post("/me/phone/verify", {"phone": OTHER_PHONE, "otp": 123456}, token=token), 422)
    error_of(api.post("/me/phone/start", {"phone": OTHER_PHONE}), 401)
    error_of(api.post("/me/phone/verify", {"phone": OTHER_PHONE, "otp": "123456"}), 401)


def test_phone_change_with_a_wrong_code(api, outbox):
    user = factories.account(phone=PHONE)
    token = api.login(PHONE)["access_token"]
    api.post("/me/phone/start", {"phone": OTHER_PHONE}, token=token)
    code = outbox.last_code(OTHER_PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    error = error_of(
        api.post("/me/phone/verify", {"phone": OTHER_PHONE, "otp": wrong}, token=token),
        422,
        "otp_rejected",
    )
    assert list(error["fields"]) == ["otp"]
    user.refresh_from_db()
    assert user.phone == PHONE


def test_phone_change_code_is_bound_to_the_account(api, outbox):
    factories.account(phone=PHONE)
    intruder = factories.account()
    token = api.login(PHONE)["access_token"]
    intruder_token = api.login(intruder.phone)["access_token"]
    api.post("/me/phone/start", {"phone": OTHER_PHONE}, token=token)
    code = outbox.last_code(OTHER_PHONE)
    error_of(
        api.post("/me/phone/verify", {"phone": OTHER_PHONE, "otp": code}, token=intruder_token),
        422,
        "otp_rejected",
    )
    intruder.refresh_from_db()
    assert intruder.phone != OTHER_PHONE


def test_phone_change_to_a_number_of_another_account(api, outbox):
    factories.account(phone=PHONE)
    factories.account(phone=OTHER_PHONE)
    token = api.login(PHONE)["access_token"]
    response = api.post("/me/phone/start", {"phone": OTHER_PHONE}, token=token, lang="en")
    assert response.status_code == 202  # starting says nothing about the number
    code = outbox.last_code(OTHER_PHONE)
    error = error_of(
        api.post("/me/phone/verify", {"phone": OTHER_PHONE, "otp": code}, token=token, lang="en"),
        422,
    )
    assert error["fields"] == {"phone": ["This phone number belongs to another account."]}
    assert User.objects.get(phone=PHONE)


# ---------------------------------------------------------------- personal data


def test_export_my_data(api, outbox):
    code = start_registration(api, outbox)
    tokens = api.post("/auth/register/verify", register_payload(PHONE, code), lang="en").json()
    user = User.objects.get(phone=PHONE)
    user.cccd = "079085001234"
    user.save()
    customer = factories.customer(unit_code="PE0100")
    factories.link(user, customer, relation="OWNER", nickname="Nhà mẹ")

    response = api.get("/me/export", token=tokens["access_token"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="evn-cskh-my-data.json"'
    data = json.loads(response.content.decode("utf-8"))
    assert data["account"]["phone"] == PHONE
    assert data["account"]["full_name"] == NEW_NAME
    assert data["account"]["cccd"] == "079085001234"  # the person's own copy is complete
    assert NEW_NAME in response.content.decode("utf-8")  # Vietnamese kept readable
    assert sorted(c["document"] for c in data["consents"]) == ["PRIVACY", "TERMS"]
    assert all(c["version"] and c["accepted_at"] for c in data["consents"])
    [link] = data["customer_links"]
    assert link["code"] == customer.code
    assert link["nickname"] == "Nhà mẹ"
    assert link["relation"] == "OWNER"


def test_export_needs_a_token(api):
    error_of(api.get("/me/export"), 401)


def test_delete_my_account(api, outbox):
    user = factories.account(phone=PHONE)
    customer = factories.customer(unit_code="PE0100")
    factories.link(user, customer)
    tokens = api.login(PHONE)
    other_device = api.login(PHONE)
    api.post("/auth/password/reset/start", {"phone": PHONE})
    # codes bound to the account but sent to other numbers
    api.post("/me/phone/start", {"phone": OTHER_PHONE}, token=tokens["access_token"])
    holder = factories.customer(unit_code="PE0100", phone="+84933000111")
    customer_services.start_holder_link(
        account=user, code=holder.code, ip="127.0.0.1", now=timezone.now()
    )
    assert OtpChallenge.objects.count() == 3
    response = api.delete("/me", token=tokens["access_token"])
    assert response.status_code == 204
    assert not User.objects.filter(phone=PHONE).exists()
    assert not ApiToken.objects.exists()
    assert not OtpChallenge.objects.exists()
    assert not is_live(api, tokens["access_token"])
    assert not is_live(api, other_device["access_token"])
    error_of(api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}), 401)
    error_of(api.post("/auth/login", {"phone": PHONE, "password": factories.PASSWORD}), 401)
    customer.refresh_from_db()  # the customer record of the power company stays


def test_delete_needs_a_token(api):
    factories.account(phone=PHONE)
    error_of(api.delete("/me"), 401)
    assert User.objects.filter(phone=PHONE).exists()


def a_wrong_code(phone: str) -> str:
    """A code that the open challenge of `phone` (if any) does not accept."""
    open_ones = list(OtpChallenge.objects.filter(phone=phone, used_at__isnull=True))
    for n in range(10**6):
        guess = f"{n:06d}"
        if not any(challenge.matches(guess) for challenge in open_ones):
            return guess
    raise AssertionError("unreachable")


def test_register_verify_does_not_reveal_a_registered_phone(api, outbox):
    """Guessing codes after "register/start" must answer the same whether or not
    the phone already has an account, or the answers tell who is registered."""
    factories.account(phone=PHONE)
    for phone in (PHONE, OTHER_PHONE):
        assert api.post("/auth/register/start", {"phone": phone}).status_code == 202
    for _ in range(settings.OTP_MAX_TRIES + 1):
        answers = [
            api.post(
                "/auth/register/verify", register_payload(phone, a_wrong_code(phone)), lang="en"
            )
            for phone in (PHONE, OTHER_PHONE)
        ]
        assert answers[0].status_code == answers[1].status_code == 422
        assert answers[0].json() == answers[1].json()


def test_password_reset_verify_does_not_reveal_an_unknown_phone(api, outbox):
    factories.account(phone=PHONE)
    for phone in (PHONE, OTHER_PHONE):
        assert api.post("/auth/password/reset/start", {"phone": phone}).status_code == 202
    assert outbox.messages(OTHER_PHONE) == []
    for _ in range(settings.OTP_MAX_TRIES + 1):
        answers = [
            api.post(
                "/auth/password/reset/verify",
                {"phone": phone, "otp": a_wrong_code(phone), "new_password": NEW_PASSWORD},
                lang="en",
            )
            for phone in (PHONE, OTHER_PHONE)
        ]
        assert answers[0].status_code == answers[1].status_code == 422
        assert answers[0].json() == answers[1].json()


# ---------------------------------------------------------------- robustness

BODY_ENDPOINTS = [
    ("post", "/auth/register/start", False),
    ("post", "/auth/register/verify", False),
    ("post", "/auth/login", False),
    ("post", "/auth/refresh", False),
    ("post", "/auth/password/reset/start", False),
    ("post", "/auth/password/reset/verify", False),
    ("post", "/auth/password/change", True),
    ("patch", "/me", True),
    ("post", "/me/phone/start", True),
    ("post", "/me/phone/verify", True),
]
FIELDS = [
    "phone",
    "otp",
    "full_name",
    "password",
    "new_password",
    "old_password",
    "refresh_token",
    "cccd",
    "email",
    "language",
]


@pytest.mark.parametrize(("method", "path", "needs_token"), BODY_ENDPOINTS)
@pytest.mark.parametrize(
    "body", ["{", "", "[]", "null", "123", '"text"', '{"unknown": 1}', "[1, 2", "{}"]
)
def test_malformed_bodies_get_a_422_never_a_500(client, api, method, path, needs_token, body):
    headers = {"Accept-Language": "en"}
    if needs_token:
        factories.account(phone=PHONE)
        headers["Authorization"] = "Bearer " + api.login(PHONE)["access_token"]
    response = getattr(client, method)(
        "/api/v1" + path, data=body, content_type="application/json", headers=headers
    )
    if path == "/me" and body not in ("{", "", "[1, 2"):
        # every field of PATCH /me is optional: a JSON body without any changes nothing
        assert response.status_code == 200, response.content
        assert User.objects.get(phone=PHONE).full_name == response.json()["full_name"]
        return
    error = error_of(response, 422, "invalid")
    assert error["fields"]


@pytest.mark.parametrize(("method", "path", "needs_token"), BODY_ENDPOINTS)
@pytest.mark.parametrize(
    "value", ["\x00", "0912\x00345678", "x" * 5000, "🙂" * 30, " ", "<script>", 1.5, {}, False]
)
def test_strange_values_are_answered_in_the_error_shape(api, method, path, needs_token, value):
    token = None
    if needs_token:
        factories.account(phone=PHONE)
        token = api.login(PHONE)["access_token"]
    body = dict.fromkeys(FIELDS, value) | {"accept_terms": True}
    response = api.call(method, path, body, token=token, lang="en")
    assert response.status_code in (401, 422), response.content
    error_of(response, response.status_code)
