"""Who may do what: one account never reaches another's links, every customers and
me endpoint needs a live token, and only the holder sees the contract's phone and CCCD."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cskh.accounts import services
from cskh.accounts.models import ApiToken, User
from cskh.customers.models import CustomerLink
from tests import factories
from tests.helpers import error_of, token_for

pytestmark = pytest.mark.django_db

CONTRACT_PHONE = "+84912000001"
CCCD = "079085001234"
# every form the contract's phone and the holder's CCCD could be shown in
PHONE_FORMS = ["+84912000001", "84912000001", "0912000001", "0912 000 001", "091****001"]
CCCD_FORMS = ["079085001234", "079*******34", "079 085 001 234"]


@pytest.fixture
def customer(units):
    return factories.customer(phone=CONTRACT_PHONE, cccd=CCCD, meter="PE24000777")


@pytest.fixture
def alice(customer):
    user = factories.account(cccd=CCCD)
    factories.link(user, customer, nickname="Nhà của An")
    return user


@pytest.fixture
def bob(units):
    user = factories.account()
    factories.link(user, factories.customer(unit_code="PD0100"), nickname="Nhà của Bình")
    return user


def snapshot() -> list[dict]:
    return list(CustomerLink.objects.values().order_by("id"))


# ---------------------------------------------------------------- another account's codes


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("get", "", None),
        ("patch", "", {"nickname": "Của tôi"}),
        ("patch", "", {"default": True}),
        ("patch", "", {"nickname": "Của tôi", "default": True}),
        ("delete", "", None),
    ],
)
def test_an_account_cannot_reach_another_accounts_link(
    api, alice, bob, customer, method, suffix, payload
):
    before = snapshot()
    response = api.call(
        method, f"/customers/{customer.code}{suffix}", payload, token=token_for(bob)
    )
    error = error_of(response, 404, "link_not_found")
    assert customer.code not in str(error["fields"])
    assert customer.name not in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_accounts_code_answers_exactly_like_an_unknown_code(
    api, alice, bob, customer, method
):
    """No oracle: a code someone else follows looks the same as one that does not exist."""
    token = token_for(bob)
    payload = {"nickname": "x"} if method == "patch" else None
    theirs = api.call(method, f"/customers/{customer.code}", payload, token=token)
    unknown = api.call(method, "/customers/PE0100999999", payload, token=token)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json()["error"]["code"] == unknown.json()["error"]["code"]
    assert theirs.json()["error"]["fields"] == unknown.json()["error"]["fields"]


def test_an_account_cannot_use_the_code_texted_for_another_accounts_link(
    api, alice, bob, units, outbox
):
    """The code sent to the contract phone is bound to the account that asked for it:
    another account presenting it gets nothing (and the asker can still use it)."""
    customer = factories.customer(phone="+84987000002", cccd="")
    response = api.post(
        "/customers", {"code": customer.code, "relation": "OWNER"}, token=token_for(alice)
    )
    assert response.status_code == 202
    otp = outbox.last_code("+84987000002")
    before = snapshot()

    response = api.post(f"/customers/{customer.code}/verify", {"otp": otp}, token=token_for(bob))

    error_of(response, 422, "otp_rejected")
    assert snapshot() == before
    response = api.post(f"/customers/{customer.code}/verify", {"otp": otp}, token=token_for(alice))
    assert response.status_code == 201, response.content


def test_verify_on_a_code_someone_else_holds_does_not_touch_their_link(api, alice, bob, customer):
    before = snapshot()
    response = api.post(
        f"/customers/{customer.code}/verify", {"otp": "123456"}, token=token_for(bob)
    )
    error_of(response, 422, "otp_rejected")
    assert snapshot() == before


def test_list_shows_only_the_accounts_own_links(api, alice, bob, customer):
    codes = [row["code"] for row in api.get("/customers", token=token_for(bob)).json()]
    assert customer.code not in codes
    assert len(codes) == 1


@pytest.mark.parametrize("path", ["/customers/{code}/", "/customers/{code}/unlink/"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_pages_of_another_accounts_code_are_404(client, alice, bob, customer, path, method):
    client.force_login(bob)
    before = snapshot()
    response = getattr(client, method)(path.format(code=customer.code), {"nickname": "x"})
    assert response.status_code == 404
    assert snapshot() == before


# ---------------------------------------------------------------- tokens

CUSTOMER_ENDPOINTS = [
    ("get", "/customers", None),
    ("post", "/customers", {"code": "{code}", "relation": "OWNER", "method": "CCCD"}),
    ("post", "/customers/{code}/verify", {"otp": "123456"}),
    ("get", "/customers/{code}", None),
    ("patch", "/customers/{code}", {"nickname": "x", "default": True}),
    ("delete", "/customers/{code}", None),
]
ME_ENDPOINTS = [
    ("get", "/me", None),
    ("patch", "/me", {"full_name": "Kẻ Lạ"}),
    ("post", "/me/phone/start", {"phone": "0987654321"}),
    ("post", "/me/phone/verify", {"phone": "0987654321", "otp": "123456"}),
    ("get", "/me/export", None),
    ("delete", "/me", None),
    ("post", "/auth/logout", None),
    ("post", "/auth/password/change", {"old_password": "a", "new_password": "b"}),
]
ENDPOINTS = CUSTOMER_ENDPOINTS + ME_ENDPOINTS


def _fill(payload, code):
    if payload is None:
        return None
    return {
        key: value.format(code=code) if isinstance(value, str) else value
        for key, value in payload.items()
    }


def _call(api, endpoint, code, **kwargs):
    method, path, payload = endpoint
    return api.call(method, path.format(code=code), _fill(payload, code), **kwargs)


def _state():
    return (
        snapshot(),
        list(User.objects.values("id", "phone", "full_name", "is_active").order_by("id")),
    )


def _unauthenticated(response):
    error = error_of(response, 401, "not_authenticated")
    assert error["fields"] == {}


ids = [f"{method.upper()} {path}" for method, path, _ in ENDPOINTS]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids)
def test_no_token_is_401(api, alice, customer, endpoint):
    before = _state()
    _unauthenticated(_call(api, endpoint, customer.code))
    assert _state() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids)
@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Token abc", "bearer"],
)
def test_a_malformed_authorization_header_is_401(client, alice, customer, endpoint, header):
    method, path, payload = endpoint
    before = _state()
    response = getattr(client, method)(
        "/api/v1" + path.format(code=customer.code),
        data=None if payload is None else _fill(payload, customer.code),
        content_type="application/json",
        headers={"Authorization": header},
    )
    _unauthenticated(response)
    assert _state() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids)
def test_a_revoked_token_is_401(api, alice, customer, endpoint):
    token = token_for(alice)
    assert api.post("/auth/logout", token=token).status_code == 204
    before = _state()
    _unauthenticated(_call(api, endpoint, customer.code, token=token))
    assert _state() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids)
def test_an_expired_token_is_401(api, alice, customer, endpoint):
    token = token_for(alice)
    ApiToken.objects.filter(user=alice).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = _state()
    _unauthenticated(_call(api, endpoint, customer.code, token=token))
    assert _state() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids)
def test_a_refresh_token_is_not_an_access_token(api, alice, customer, endpoint):
    refresh = services.issue_tokens(user=alice, now=timezone.now())["refresh_token"]
    before = _state()
    _unauthenticated(_call(api, endpoint, customer.code, token=refresh))
    assert _state() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids)
def test_the_token_of_a_deactivated_account_is_401(api, alice, customer, endpoint):
    token = token_for(alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    before = _state()
    _unauthenticated(_call(api, endpoint, customer.code, token=token))
    assert _state() == before


def test_a_live_token_works_and_stops_working_at_expiry(api, alice, customer):
    token = token_for(alice)
    assert api.get(f"/customers/{customer.code}", token=token).status_code == 200
    ApiToken.objects.filter(user=alice, kind="ACCESS").update(expires_at=timezone.now())
    _unauthenticated(api.get(f"/customers/{customer.code}", token=token))


# ---------------------------------------------------------------- contract data


@pytest.fixture
def follower(customer):
    user = factories.account(cccd=CCCD)  # same CCCD, but linked as not the holder
    factories.link(user, customer, relation="OTHER", nickname="Nhà bố mẹ")
    return user


def _assert_no_contract_data(text: str):
    for form in PHONE_FORMS + CCCD_FORMS:
        assert form not in text, form


def test_the_holder_sees_the_contract_phone_and_the_masked_cccd_in_the_api(api, alice, customer):
    response = api.get(f"/customers/{customer.code}", token=token_for(alice))
    assert response.status_code == 200
    body = response.json()
    assert body["contract_phone"] == "0912 000 001"
    assert body["holder_cccd_masked"] == "079*******34"
    assert CCCD not in response.content.decode()


def test_a_non_holder_never_sees_the_contract_phone_or_cccd_in_the_api(api, follower, customer):
    response = api.get(f"/customers/{customer.code}", token=token_for(follower))
    assert response.status_code == 200
    body = response.json()
    assert body["relation"] == "OTHER"
    assert "contract_phone" not in body
    assert "holder_cccd_masked" not in body
    assert not {key for key in body if "phone" in key or "cccd" in key}
    _assert_no_contract_data(response.content.decode())
    listed = api.get("/customers", token=token_for(follower))
    _assert_no_contract_data(listed.content.decode())


def test_the_holder_sees_the_contract_phone_and_the_masked_cccd_on_the_page(
    client, alice, customer
):
    client.force_login(alice)
    response = client.get(f"/customers/{customer.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "0912 000 001" in html
    assert "079*******34" in html
    assert CCCD not in html


def test_a_non_holder_never_sees_the_contract_phone_or_cccd_on_the_page(client, follower, customer):
    client.force_login(follower)
    for path in (
        f"/customers/{customer.code}/",
        "/customers/",
        "/",
        f"/customers/{customer.code}/unlink/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert customer.code in response.content.decode()
        _assert_no_contract_data(response.content.decode())


def test_a_non_holder_linking_is_not_told_the_contract_data(api, units, customer):
    user = factories.account()
    response = api.post(
        "/customers",
        {"code": customer.code, "relation": "OTHER", "meter_number": "WRONG"},
        token=token_for(user),
    )
    error_of(response, 422, "proof_rejected")
    _assert_no_contract_data(response.content.decode())
    response = api.post(
        "/customers",
        {"code": customer.code, "relation": "OWNER", "method": "CCCD"},
        token=token_for(user),
    )
    error_of(response, 422)
    _assert_no_contract_data(response.content.decode())
