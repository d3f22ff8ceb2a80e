"""The HTML pages of the account's customer codes (Django test client)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cskh.customers.models import CustomerLink, Meter
from tests import factories
from tests.helpers import wrong_otp

pytestmark = pytest.mark.django_db

CONTRACT_PHONE = "+84912000001"
CCCD = "079085001234"


@pytest.fixture
def user(units):
    return factories.account(language="en", full_name="Trần Thị Lan")


@pytest.fixture
def browser(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def customer(units):
    return factories.customer(
        phone=CONTRACT_PHONE,
        cccd=CCCD,
        meter="PE24000777",
        address="12 Lý Tự Trọng, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh",
    )


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize(
    "path",
    ["/customers/", "/customers/link/", "/customers/link/verify/", "/customers/PE0100000001/"],
)
def test_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


# ---------------------------------------------------------------- home and list


def test_home_lists_the_linked_codes_with_nickname_and_address(browser, user, customer):
    now = timezone.now()
    other = factories.customer(unit_code="PD0100", address="25 Hàng Bạc, Hoàn Kiếm, Hà Nội")
    factories.link(user, customer, nickname="Nhà mình", linked_at=now - timedelta(days=1))
    factories.link(user, other, relation="OTHER", nickname="Nhà bố mẹ", linked_at=now)

    response = browser.get("/")

    assert response.status_code == 200
    html = text(response)
    for expected in (
        customer.code,
        "Nhà mình",
        "12 Lý Tự Trọng, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh",
        other.code,
        "Nhà bố mẹ",
        "25 Hàng Bạc, Hoàn Kiếm, Hà Nội",
        f'href="/customers/{customer.code}/"',
        f'href="/customers/{other.code}/"',
    ):
        assert expected in html, expected
    assert html.index(customer.code) < html.index(other.code)  # the default first
    assert "Lan" in html  # the greeting uses the given name
    assert 'href="/customers/link/"' in html


def test_home_without_links_invites_to_link(browser):
    response = browser.get("/")
    assert response.status_code == 200
    assert 'href="/customers/link/"' in text(response)


def test_list_page(browser, user, customer):
    factories.link(user, customer, nickname="Nhà mình")
    response = browser.get("/customers/")
    assert response.status_code == 200
    assert "Nhà mình" in text(response)
    assert customer.address in text(response)


# ---------------------------------------------------------------- linking


def test_holder_links_by_otp_in_two_steps(browser, user, customer, outbox):
    response = browser.get("/customers/link/")
    assert response.status_code == 200

    response = browser.post(
        "/customers/link/",
        {"code": customer.code.lower(), "relation": "OWNER", "method": "OTP", "nickname": "Nhà"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/customers/link/verify/"
    assert not CustomerLink.objects.exists()
    otp = outbox.last_code(CONTRACT_PHONE)

    response = browser.get("/customers/link/verify/")
    assert response.status_code == 200
    assert "091****001" in text(response)
    assert customer.code in text(response)
    assert CONTRACT_PHONE not in text(response)
    assert "091****001" in " ".join(messages_of(response))

    response = browser.post("/customers/link/verify/", {"otp": otp, "nickname": "Nhà"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    link = CustomerLink.objects.get(account=user)
    assert (link.customer, link.relation, link.proof, link.nickname, link.is_default) == (
        customer,
        "OWNER",
        "CONTRACT_PHONE_OTP",
        "Nhà",
        True,
    )
    response = browser.get("/")
    assert any(customer.code in message for message in messages_of(response))
    # the pending step is over
    assert browser.get("/customers/link/verify/")["Location"] == "/customers/link/"


def test_holder_by_otp_wrong_code_is_shown_on_the_form(browser, user, customer, outbox):
    browser.post("/customers/link/", {"code": customer.code, "relation": "OWNER", "method": "OTP"})
    otp = outbox.last_code(CONTRACT_PHONE)

    response = browser.post("/customers/link/verify/", {"otp": wrong_otp(otp)})

    assert response.status_code == 200
    errors = response.context["form"].errors["otp"]
    assert len(errors) == 1
    assert "4" in errors[0]  # tries left
    assert errors[0] in text(response)
    assert not CustomerLink.objects.exists()

    response = browser.post("/customers/link/verify/", {"otp": "12"})
    assert response.status_code == 200
    assert "otp" in response.context["form"].errors
    assert response.context["form"].errors["otp"][0] in text(response)

    response = browser.post("/customers/link/verify/", {"otp": otp})
    assert response.status_code == 302
    assert CustomerLink.objects.filter(account=user).count() == 1


def test_verify_page_without_a_pending_link_goes_back_to_the_start(browser):
    response = browser.get("/customers/link/verify/")
    assert response.status_code == 302
    assert response["Location"] == "/customers/link/"
    response = browser.post("/customers/link/verify/", {"otp": "123456"})
    assert response["Location"] == "/customers/link/"


def test_holder_links_by_cccd(client, units, customer):
    user = factories.account(language="en", cccd=CCCD)
    client.force_login(user)
    response = client.post(
        "/customers/link/", {"code": customer.code, "relation": "OWNER", "method": "CCCD"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert CustomerLink.objects.get(account=user).proof == "CCCD"


def test_holder_by_cccd_without_cccd_on_the_profile(browser, user, customer):
    response = browser.post(
        "/customers/link/", {"code": customer.code, "relation": "OWNER", "method": "CCCD"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["method"]
    assert len(errors) == 1
    assert "CCCD" in errors[0]
    assert errors[0] in text(response)
    assert not CustomerLink.objects.exists()


def test_not_the_holder_links_with_the_meter_number(browser, user, customer, outbox):
    response = browser.post(
        "/customers/link/",
        {
            "code": customer.code,
            "relation": "OTHER",
            "meter_number": "pe24000777",
            "nickname": "Nhà bố mẹ",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    link = CustomerLink.objects.get(account=user)
    assert (link.relation, link.proof, link.nickname) == ("OTHER", "METER_NUMBER", "Nhà bố mẹ")
    assert outbox.messages() == []
    html = text(browser.get("/"))
    assert "Nhà bố mẹ" in html
    assert customer.code in html


def _errors_on_the_form(response) -> str:
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    html = text(response)
    for messages in form.errors.values():
        for message in messages:
            assert message in html
    return html


def test_malformed_code_is_shown_on_the_form(browser, units):
    response = browser.post("/customers/link/", {"code": "PE01-ABC", "relation": "OWNER"})
    _errors_on_the_form(response)
    assert list(response.context["form"].errors) == ["code"]
    assert "PE0100012345" in response.context["form"].errors["code"][0]  # shows an example
    assert not CustomerLink.objects.exists()


def test_unknown_code_is_shown_on_the_form(browser, units):
    response = browser.post(
        "/customers/link/", {"code": "PE0100999999", "relation": "OTHER", "meter_number": "1"}
    )
    _errors_on_the_form(response)
    assert "PE0100999999" in " ".join(response.context["form"].non_field_errors())
    assert not CustomerLink.objects.exists()


def test_wrong_meter_number_is_shown_on_the_form(browser, customer):
    response = browser.post(
        "/customers/link/",
        {"code": customer.code, "relation": "OTHER", "meter_number": "PE24000778"},
    )
    _errors_on_the_form(response)
    assert list(response.context["form"].errors) == ["meter_number"]
    assert not CustomerLink.objects.exists()


def test_missing_meter_number_is_shown_on_the_form(browser, customer):
    response = browser.post("/customers/link/", {"code": customer.code, "relation": "OTHER"})
    _errors_on_the_form(response)
    assert "meter_number" in response.context["form"].errors


def test_already_linked_is_shown_on_the_form(browser, user, customer):
    factories.link(user, customer, relation="OTHER")
    response = browser.post(
        "/customers/link/",
        {"code": customer.code, "relation": "OTHER", "meter_number": "PE24000777"},
    )
    _errors_on_the_form(response)
    assert customer.code in " ".join(response.context["form"].non_field_errors())
    assert CustomerLink.objects.count() == 1


def test_removed_meter_is_refused_on_the_page(browser, customer):
    Meter.objects.create(
        customer=customer,
        number="OLD0000001",
        installed_date=date(2015, 1, 1),
        removed_date=date(2023, 12, 31),
    )
    response = browser.post(
        "/customers/link/",
        {"code": customer.code, "relation": "OTHER", "meter_number": "OLD0000001"},
    )
    _errors_on_the_form(response)
    assert "meter_number" in response.context["form"].errors


# ---------------------------------------------------------------- detail, rename, default


@pytest.fixture
def two_links(user, units):
    now = timezone.now()
    first = factories.customer(phone=CONTRACT_PHONE, cccd=CCCD)
    second = factories.customer(unit_code="PD0100")
    factories.link(user, first, nickname="Nhà mình", linked_at=now - timedelta(days=1))
    factories.link(user, second, relation="OTHER", linked_at=now)
    return first, second


def test_detail_page(browser, two_links):
    first, _second = two_links
    response = browser.get(f"/customers/{first.code}/")
    assert response.status_code == 200
    html = text(response)
    for expected in (first.code, "Nhà mình", first.name, first.address, "1900 545454"):
        assert expected in html, expected
    assert response.context["form"].initial == {"nickname": "Nhà mình", "default": True}


def test_detail_page_accepts_a_lowercase_code(browser, two_links):
    response = browser.get(f"/customers/{two_links[0].code.lower()}/")
    assert response.status_code == 200


def test_rename_on_the_detail_page(browser, user, two_links):
    _first, second = two_links
    response = browser.post(f"/customers/{second.code}/", {"nickname": "  Nhà bố mẹ "})
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{second.code}/"
    link = CustomerLink.objects.get(account=user, customer=second)
    assert (link.nickname, link.is_default) == ("Nhà bố mẹ", False)
    response = browser.get(response["Location"])
    assert messages_of(response)
    assert "Nhà bố mẹ" in text(response)


def test_make_default_on_the_detail_page(browser, user, two_links):
    first, second = two_links
    response = browser.post(f"/customers/{second.code}/", {"nickname": "", "default": "on"})
    assert response.status_code == 302
    defaults = CustomerLink.objects.filter(account=user, is_default=True)
    assert list(defaults.values_list("customer", flat=True)) == [second.pk]
    html = text(browser.get("/"))
    assert html.index(second.code) < html.index(first.code)


def test_too_long_nickname_is_shown_on_the_detail_page(browser, user, two_links):
    first, _second = two_links
    response = browser.post(f"/customers/{first.code}/", {"nickname": "x" * 51})
    assert response.status_code == 200
    assert "nickname" in response.context["form"].errors
    assert CustomerLink.objects.get(account=user, customer=first).nickname == "Nhà mình"


# ---------------------------------------------------------------- unlink


def test_unlink_asks_first_then_unlinks(browser, user, two_links):
    first, second = two_links
    response = browser.get(f"/customers/{first.code}/unlink/")
    assert response.status_code == 200
    html = text(response)
    assert first.code in html
    assert '<form method="post"' in html
    assert f'href="/customers/{first.code}/"' in html  # keep it linked
    assert CustomerLink.objects.filter(account=user).count() == 2

    response = browser.post(f"/customers/{first.code}/unlink/")

    assert response.status_code == 302
    assert response["Location"] == "/customers/"
    remaining = CustomerLink.objects.get(account=user)
    assert (remaining.customer, remaining.is_default) == (second, True)
    response = browser.get("/customers/")
    assert any(first.code in message for message in messages_of(response))
    assert browser.get(f"/customers/{first.code}/").status_code == 404


# ---------------------------------------------------------------- another account's code


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/customers/{code}/"),
        ("post", "/customers/{code}/"),
        ("get", "/customers/{code}/unlink/"),
        ("post", "/customers/{code}/unlink/"),
    ],
)
def test_another_accounts_code_is_404(browser, units, method, path):
    owner = factories.account()
    customer = factories.customer()
    factories.link(owner, customer, nickname="Của người khác")
    response = getattr(browser, method)(path.format(code=customer.code), {"nickname": "x"})
    assert response.status_code == 404
    link = CustomerLink.objects.get()
    assert (link.account, link.nickname) == (owner, "Của người khác")


def test_unknown_code_page_is_404(browser):
    assert browser.get("/customers/PE0100000000/").status_code == 404
    assert browser.get("/customers/not-a-code/").status_code == 404
