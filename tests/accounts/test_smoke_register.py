import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_register_through_the_api_then_see_me(api, outbox):
    response = api.post("/auth/register/start", {"phone": "0912 345 678"})
    assert response.status_code == 202
    code = outbox.last_code("+84912345678")
    response = api.post(
        "/auth/register/verify",
        {
            "phone": "0912345678",
            "otp": code,
            "full_name": "Nguyễn Thị Hoa",
            "password": factories.PASSWORD,
            "accept_terms": True,
        },
    )
    assert response.status_code == 201, response.content
    token = response.json()["access_token"]
    me = api.get("/me", token=token).json()
    assert me["phone"] == "+84912345678"
    assert me["full_name"] == "Nguyễn Thị Hoa"
