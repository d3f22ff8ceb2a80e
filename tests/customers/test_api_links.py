"""/api/v1/customers: listing, linking (holder by OTP or CCCD, not the holder by
meter number), renaming, the default code, unlinking, and every kind of bad input."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cskh.customers.models import Customer, CustomerLink, Meter
from tests import factories
from tests.helpers import error_of, token_for, wrong_otp

pytestmark = pytest.mark.django_db

CONTRACT_PHONE = "+84912000001"
CCCD = "079085001234"
LINK_FIELDS = {"code", "nickname", "relation", "default", "name", "address", "unit", "status"}


@pytest.fixture
def user(units):
    return factories.account(cccd=CCCD, language="en")


@pytest.fixture
def token(user):
    return token_for(user)


@pytest.fixture
def customer(units):
    return factories.customer(phone=CONTRACT_PHONE, cccd=CCCD, meter="PE24000777")


def links_of(user) -> list[tuple[str, str, bool]]:
    return sorted(
        CustomerLink.objects.filter(account=user).values_list(
            "customer__code", "relation", "is_default"
        )
    )


# ---------------------------------------------------------------- list


def test_list_is_empty_for_a_new_account(api, token):
    response = api.get("/customers", token=token)
    assert response.status_code == 200
    assert response.json() == []


def test_list_shows_the_links_default_first_then_oldest_first(api, user, token):
    now = timezone.now()
    first = factories.customer(unit_code="PE0100")
    second = factories.customer(unit_code="PD0100")
    third = factories.customer(unit_code="PE0100")
    factories.link(user, first, linked_at=now - timedelta(days=3), nickname="Nhà mình")
    factories.link(user, second, relation="OTHER", linked_at=now - timedelta(days=2))
    factories.link(user, third, linked_at=now - timedelta(days=1))
    CustomerLink.objects.filter(account=user, customer=second).get().make_default()

    response = api.get("/customers", token=token)

    assert response.status_code == 200
    rows = response.json()
    assert [row["code"] for row in rows] == [second.code, first.code, third.code]
    assert all(set(row) == LINK_FIELDS for row in rows)
    assert [row["default"] for row in rows] == [True, False, False]
    assert rows[0]["relation"] == "OTHER"
    assert rows[0]["unit"] == "Branch PD0100"
    assert rows[1]["nickname"] == "Nhà mình"
    assert rows[1]["name"] == first.name
    assert rows[1]["address"] == first.address
    assert rows[1]["status"] == "ACTIVE"


# ---------------------------------------------------------------- holder by OTP


def test_holder_by_otp_texts_the_contract_phone_then_links(api, user, token, customer, outbox):
    response = api.post("/customers", {"code": customer.code, "relation": "OWNER"}, token=token)

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "OTP_SENT"
    assert body["phone_masked"] == "091****001"
    assert "091****001" in body["detail"]
    assert CONTRACT_PHONE not in response.content.decode()
    # the code goes to the phone on the contract, not to the account's phone
    assert outbox.messages(to=user.phone) == []
    otp = outbox.last_code(CONTRACT_PHONE)
    assert not CustomerLink.objects.exists()

    response = api.post(
        f"/customers/{customer.code}/verify", {"otp": otp, "nickname": " Nhà mình "}, token=token
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == LINK_FIELDS
    assert body["code"] == customer.code
    assert body["relation"] == "OWNER"
    assert body["nickname"] == "Nhà mình"
    assert body["default"] is True
    link = CustomerLink.objects.get(account=user)
    assert link.proof == CustomerLink.Proof.CONTRACT_PHONE_OTP
    assert link.customer == customer


def test_holder_by_otp_accepts_the_code_typed_loosely(api, token, customer, outbox):
    typed = f"{customer.code[:6].lower()} {customer.code[6:]}"
    response = api.post(
        "/customers", {"code": typed, "relation": "OWNER", "method": "OTP"}, token=token
    )
    assert response.status_code == 202, response.content
    otp = outbox.last_code(CONTRACT_PHONE)
    response = api.post(f"/customers/{customer.code.lower()}/verify", {"otp": otp}, token=token)
    assert response.status_code == 201, response.content
    assert response.json()["code"] == customer.code


def test_holder_by_otp_wrong_code_is_refused_and_the_right_one_still_works(
    api, user, token, customer, outbox
):
    api.post("/customers", {"code": customer.code, "relation": "OWNER"}, token=token)
    otp = outbox.last_code(CONTRACT_PHONE)

    response = api.post(
        f"/customers/{customer.code}/verify", {"otp": wrong_otp(otp)}, token=token, lang="en"
    )

    error = error_of(response, 422, "otp_rejected")
    assert "otp" in error["fields"]
    assert "4" in error["message"]  # tries left
    assert not CustomerLink.objects.exists()

    response = api.post(f"/customers/{customer.code}/verify", {"otp": otp}, token=token)
    assert response.status_code == 201, response.content
    assert links_of(user) == [(customer.code, "OWNER", True)]


def test_holder_by_otp_code_cannot_be_used_twice(api, user, token, customer, outbox):
    api.post("/customers", {"code": customer.code, "relation": "OWNER"}, token=token)
    otp = outbox.last_code(CONTRACT_PHONE)
    response = api.post(f"/customers/{customer.code}/verify", {"otp": otp}, token=token)
    assert response.status_code == 201
    api.delete(f"/customers/{customer.code}", token=token)

    response = api.post(f"/customers/{customer.code}/verify", {"otp": otp}, token=token)

    error_of(response, 422, "otp_rejected")
    assert links_of(user) == []


def test_verify_without_asking_for_a_code_is_refused(api, user, token, customer):
    response = api.post(f"/customers/{customer.code}/verify", {"otp": "123456"}, token=token)
    error_of(response, 422, "otp_rejected")
    assert links_of(user) == []


def test_holder_by_otp_on_a_contract_without_phone_says_what_to_do(api, token, units, outbox):
    customer = factories.customer(phone="")
    response = api.post(
        "/customers", {"code": customer.code, "relation": "OWNER"}, token=token, lang="en"
    )
    error = error_of(response, 422, "invalid")
    assert "method" in error["fields"]
    assert "CCCD" in error["message"]
    assert outbox.messages() == []


# ---------------------------------------------------------------- holder by CCCD


def test_holder_by_cccd_links_at_once(api, user, token, customer, outbox):
    response = api.post(
        "/customers",
        {"code": customer.code, "relation": "OWNER", "method": "CCCD", "nickname": "Nhà"},
        token=token,
    )
    assert response.status_code == 201, response.content
    assert response.json()["relation"] == "OWNER"
    assert response.json()["nickname"] == "Nhà"
    assert CustomerLink.objects.get(account=user).proof == CustomerLink.Proof.CCCD
    assert outbox.messages() == []


def test_holder_by_cccd_without_cccd_on_the_profile_says_so(api, units, customer):
    user = factories.account(language="en")
    response = api.post(
        "/customers",
        {"code": customer.code, "relation": "OWNER", "method": "CCCD"},
        token=token_for(user),
        lang="en",
    )
    error = error_of(response, 422, "invalid")
    assert error["fields"]["method"] == [error["message"]]
    assert "CCCD" in error["message"]
    assert "profile" in error["message"]
    assert links_of(user) == []


def test_holder_by_cccd_refuses_another_persons_cccd(api, units, customer):
    user = factories.account(cccd="001203012345")
    response = api.post(
        "/customers",
        {"code": customer.code, "relation": "OWNER", "method": "CCCD"},
        token=token_for(user),
    )
    error = error_of(response, 422, "proof_rejected")
    assert "method" in error["fields"]
    assert links_of(user) == []


def test_holder_by_cccd_refuses_a_contract_without_holder_cccd(api, user, token, units):
    customer = factories.customer(cccd="")
    response = api.post(
        "/customers", {"code": customer.code, "relation": "OWNER", "method": "CCCD"}, token=token
    )
    error_of(response, 422, "proof_rejected")
    assert links_of(user) == []


# ---------------------------------------------------------------- not the holder


@pytest.mark.parametrize("typed", ["PE24000777", "pe24000777", " PE 2400 0777 "])
def test_not_the_holder_links_with_the_meter_number(api, user, token, customer, outbox, typed):
    response = api.post(
        "/customers",
        {"code": customer.code, "relation": "OTHER", "meter_number": typed},
        token=token,
    )
    assert response.status_code == 201, response.content
    assert response.json()["relation"] == "OTHER"
    link = CustomerLink.objects.get(account=user)
    assert (link.relation, link.proof) == ("OTHER", "METER_NUMBER")
    assert outbox.messages() == []


def test_not_the_holder_with_a_wrong_meter_number_is_refused(api, user, token, customer):
    response = api.post(
        "/customers",
        {"code": customer.code, "relation": "OTHER", "meter_number": "PE24000778"},
        token=token,
    )
    error = error_of(response, 422, "proof_rejected")
    assert list(error["fields"]) == ["meter_number"]
    assert links_of(user) == []


def test_not_the_holder_with_another_customers_meter_is_refused(api, user, token, customer):
    other = factories.customer(meter="PE24000999")
    response = api.post(
        "/customers",
        {"code": customer.code, "relation": "OTHER", "meter_number": "PE24000999"},
        token=token,
    )
    error_of(response, 422, "proof_rejected")
    assert links_of(user) == []
    assert other.meters.count() == 1


def test_a_removed_meter_does_not_count(api, user, token, customer):
    Meter.objects.create(
        customer=customer,
        number="OLD0000001",
        installed_date=date(2015, 1, 1),
        removed_date=date(2023, 12, 31),
    )
    response = api.post(
        "/customers",
        {"code": customer.code, "relation": "OTHER", "meter_number": "OLD0000001"},
        token=token,
    )
    error = error_of(response, 422, "proof_rejected")
    assert "meter_number" in error["fields"]
    assert links_of(user) == []


def test_not_the_holder_needs_a_meter_number(api, user, token, customer):
    response = api.post("/customers", {"code": customer.code, "relation": "OTHER"}, token=token)
    error = error_of(response, 422, "invalid")
    assert "meter_number" in error["fields"]
    assert links_of(user) == []


# ---------------------------------------------------------------- which codes can be linked


def test_unknown_code_is_404(api, user, token, units):
    response = api.post(
        "/customers",
        {"code": "PE0100999999", "relation": "OTHER", "meter_number": "X1"},
        token=token,
        lang="en",
    )
    error = error_of(response, 404, "customer_not_found")
    assert "PE0100999999" in error["message"]
    assert "code" in error["fields"]
    assert links_of(user) == []


@pytest.mark.parametrize(
    "code", ["12345", "PE01", "PE01-ABC-123", "XX0100012345", "PE01000123456789"]
)
def test_malformed_code_is_422_with_the_field_message(api, user, token, units, code):
    response = api.post(
        "/customers",
        {"code": code, "relation": "OWNER", "method": "CCCD"},
        token=token,
        lang="en",
    )
    error = error_of(response, 422, "invalid")
    assert list(error["fields"]) == ["code"]
    assert "PE0100012345" in error["fields"]["code"][0]  # shows an example
    assert links_of(user) == []


def test_terminated_contract_cannot_be_linked(api, user, token, units, outbox):
    customer = factories.customer(status=Customer.Status.TERMINATED, cccd=CCCD, meter="T0000001")
    for payload in (
        {"code": customer.code, "relation": "OWNER"},
        {"code": customer.code, "relation": "OWNER", "method": "CCCD"},
        {"code": customer.code, "relation": "OTHER", "meter_number": "T0000001"},
    ):
        response = api.post("/customers", payload, token=token, lang="en")
        error = error_of(response, 422, "invalid")
        assert "code" in error["fields"]
        assert customer.code in error["message"]
    assert links_of(user) == []
    assert outbox.messages() == []


def test_suspended_contract_can_be_linked(api, user, token, units):
    customer = factories.customer(status=Customer.Status.SUSPENDED, cccd=CCCD)
    response = api.post(
        "/customers", {"code": customer.code, "relation": "OWNER", "method": "CCCD"}, token=token
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "SUSPENDED"


@pytest.mark.parametrize(
    ("first", "again"),
    [
        ({"relation": "OWNER", "method": "CCCD"}, {"relation": "OWNER", "method": "CCCD"}),
        ({"relation": "OWNER", "method": "CCCD"}, {"relation": "OWNER", "method": "OTP"}),
        ({"relation": "OWNER", "method": "CCCD"}, {"relation": "OTHER"}),
        ({"relation": "OTHER"}, {"relation": "OTHER"}),
    ],
)
def test_already_linked_is_409(api, user, token, customer, outbox, first, again):
    meter = {"meter_number": "PE24000777"}
    response = api.post("/customers", {"code": customer.code, **first, **meter}, token=token)
    assert response.status_code == 201, response.content
    before = links_of(user)

    response = api.post("/customers", {"code": customer.code, **again, **meter}, token=token)

    error_of(response, 409, "already_linked")
    assert links_of(user) == before
    assert outbox.messages() == []


def test_verify_when_already_holder_is_409(api, user, token, customer, outbox):
    api.post("/customers", {"code": customer.code, "relation": "OWNER"}, token=token)
    otp = outbox.last_code(CONTRACT_PHONE)
    factories.link(user, customer, relation="OWNER")

    response = api.post(f"/customers/{customer.code}/verify", {"otp": otp}, token=token)

    error_of(response, 409, "already_linked")
    assert CustomerLink.objects.filter(account=user).count() == 1


def test_not_the_holder_can_become_the_holder_by_cccd(api, user, token, customer):
    api.post(
        "/customers",
        {
            "code": customer.code,
            "relation": "OTHER",
            "meter_number": "PE24000777",
            "nickname": "Nhà cũ",
        },
        token=token,
    )
    link_id = CustomerLink.objects.get(account=user).pk

    response = api.post(
        "/customers", {"code": customer.code, "relation": "OWNER", "method": "CCCD"}, token=token
    )

    assert response.status_code == 201, response.content
    assert response.json()["relation"] == "OWNER"
    assert response.json()["nickname"] == "Nhà cũ"
    link = CustomerLink.objects.get(account=user)
    assert (link.pk, link.relation, link.proof, link.is_default) == (link_id, "OWNER", "CCCD", True)


def test_not_the_holder_can_become_the_holder_by_otp(api, user, token, customer, outbox):
    factories.link(user, customer, relation="OTHER")
    response = api.post("/customers", {"code": customer.code, "relation": "OWNER"}, token=token)
    assert response.status_code == 202, response.content
    otp = outbox.last_code(CONTRACT_PHONE)

    response = api.post(
        f"/customers/{customer.code}/verify", {"otp": otp, "nickname": "Nhà mới"}, token=token
    )

    assert response.status_code == 201, response.content
    link = CustomerLink.objects.get(account=user)
    assert (link.relation, link.proof, link.nickname) == (
        "OWNER",
        "CONTRACT_PHONE_OTP",
        "Nhà mới",
    )


def test_cap_on_links_per_account(api, user, token, units, settings, outbox):
    settings.MAX_LINKS_PER_ACCOUNT = 2
    followed = factories.customer(meter="CAP0000001")
    factories.link(user, factories.customer())
    factories.link(user, followed, relation="OTHER")
    third = factories.customer(cccd=CCCD, meter="CAP0000003")

    for payload in (
        {"code": third.code, "relation": "OWNER"},
        {"code": third.code, "relation": "OWNER", "method": "CCCD"},
        {"code": third.code, "relation": "OTHER", "meter_number": "CAP0000003"},
    ):
        response = api.post("/customers", payload, token=token, lang="en")
        error = error_of(response, 409, "too_many_links")
        assert "2" in error["message"]
    assert CustomerLink.objects.filter(account=user).count() == 2
    assert outbox.messages() == []

    # an upgrade of an existing link is not a new link
    followed.holder_cccd = CCCD
    followed.save()
    response = api.post(
        "/customers", {"code": followed.code, "relation": "OWNER", "method": "CCCD"}, token=token
    )
    assert response.status_code == 201, response.content

    # after unlinking one, there is room again
    assert api.delete(f"/customers/{followed.code}", token=token).status_code == 204
    response = api.post(
        "/customers", {"code": third.code, "relation": "OWNER", "method": "CCCD"}, token=token
    )
    assert response.status_code == 201, response.content


def test_five_failed_proofs_lock_linking(api, user, token, customer, units):
    stranger = factories.customer(cccd="001203012345")
    for attempt in range(5):
        if attempt % 2:
            payload = {"code": stranger.code, "relation": "OWNER", "method": "CCCD"}
        else:
            payload = {"code": customer.code, "relation": "OTHER", "meter_number": f"BAD{attempt}"}
        error_of(api.post("/customers", payload, token=token), 422, "proof_rejected")

    # the right proof is now refused too, for every method
    for payload in (
        {"code": customer.code, "relation": "OTHER", "meter_number": "PE24000777"},
        {"code": customer.code, "relation": "OWNER", "method": "CCCD"},
        {"code": customer.code, "relation": "OWNER"},
    ):
        response = api.post("/customers", payload, token=token)
        error_of(response, 429, "rate_limited")
        assert int(response["Retry-After"]) > 0
    assert links_of(user) == []

    # another account is not affected
    other = factories.account(cccd=CCCD)
    response = api.post(
        "/customers",
        {"code": customer.code, "relation": "OWNER", "method": "CCCD"},
        token=token_for(other),
    )
    assert response.status_code == 201, response.content


def test_four_failed_proofs_do_not_lock(api, user, token, customer):
    for attempt in range(4):
        payload = {"code": customer.code, "relation": "OTHER", "meter_number": f"BAD{attempt}"}
        error_of(api.post("/customers", payload, token=token), 422, "proof_rejected")
    response = api.post(
        "/customers",
        {"code": customer.code, "relation": "OTHER", "meter_number": "PE24000777"},
        token=token,
    )
    assert response.status_code == 201, response.content


def test_the_same_code_may_be_linked_by_several_accounts(api, customer):
    holder = factories.account(cccd=CCCD)
    daughter = factories.account()
    tenant = factories.account()
    response = api.post(
        "/customers",
        {"code": customer.code, "relation": "OWNER", "method": "CCCD"},
        token=token_for(holder),
    )
    assert response.status_code == 201, response.content
    for account in (daughter, tenant):
        response = api.post(
            "/customers",
            {"code": customer.code, "relation": "OTHER", "meter_number": "PE24000777"},
            token=token_for(account),
        )
        assert response.status_code == 201, response.content
    assert customer.links.count() == 3
    assert all(link.is_default for link in customer.links.all())


def test_the_first_link_becomes_the_default_and_the_next_do_not(api, user, token, units):
    first = factories.customer(cccd=CCCD)
    second = factories.customer(cccd=CCCD)
    for customer in (first, second):
        response = api.post(
            "/customers",
            {"code": customer.code, "relation": "OWNER", "method": "CCCD"},
            token=token,
        )
        assert response.status_code == 201
    assert links_of(user) == sorted([(first.code, "OWNER", True), (second.code, "OWNER", False)])


# ---------------------------------------------------------------- rename, default, unlink


@pytest.fixture
def three_links(user, units):
    now = timezone.now()
    customers = [factories.customer() for _ in range(3)]
    for age, customer in zip((3, 2, 1), customers, strict=True):
        factories.link(user, customer, linked_at=now - timedelta(days=age))
    return customers


def test_rename(api, user, token, three_links):
    code = three_links[1].code
    response = api.patch(f"/customers/{code}", {"nickname": "  Nhà bố mẹ  "}, token=token)
    assert response.status_code == 200, response.content
    assert response.json()["nickname"] == "Nhà bố mẹ"
    assert response.json()["default"] is False
    assert CustomerLink.objects.get(account=user, customer__code=code).nickname == "Nhà bố mẹ"

    # an empty nickname clears it; the default is left alone
    response = api.patch(f"/customers/{code.lower()}", {"nickname": ""}, token=token)
    assert response.status_code == 200, response.content
    assert response.json()["nickname"] == ""
    assert links_of(user)[0][2] is True


def test_nickname_of_fifty_characters_is_accepted(api, user, token, three_links):
    nickname = "Nhà ông bà nội ở quê Thái Bình, gần chợ Đồng Xuân."[:50]
    assert len(nickname) == 50
    response = api.patch(f"/customers/{three_links[0].code}", {"nickname": nickname}, token=token)
    assert response.status_code == 200, response.content
    assert response.json()["nickname"] == nickname


def test_set_default_leaves_exactly_one_default(api, user, token, three_links):
    for customer in (three_links[2], three_links[1], three_links[1]):
        response = api.patch(f"/customers/{customer.code}", {"default": True}, token=token)
        assert response.status_code == 200, response.content
        assert response.json()["default"] is True
        defaults = CustomerLink.objects.filter(account=user, is_default=True)
        assert list(defaults.values_list("customer__code", flat=True)) == [customer.code]
    listed = api.get("/customers", token=token).json()
    assert listed[0]["code"] == three_links[1].code


def test_rename_and_set_default_at_once(api, user, token, three_links):
    code = three_links[2].code
    response = api.patch(
        f"/customers/{code}", {"nickname": "Cửa hàng", "default": True}, token=token
    )
    assert response.status_code == 200, response.content
    link = CustomerLink.objects.get(account=user, customer__code=code)
    assert (link.nickname, link.is_default) == ("Cửa hàng", True)
    assert CustomerLink.objects.filter(account=user, is_default=True).count() == 1


def test_default_false_does_not_leave_the_account_without_default(api, user, token, three_links):
    response = api.patch(f"/customers/{three_links[0].code}", {"default": False}, token=token)
    assert response.status_code == 200, response.content
    assert CustomerLink.objects.filter(account=user, is_default=True).count() == 1


def test_unlink_the_default_makes_the_oldest_remaining_the_default(api, user, token, three_links):
    oldest, middle, newest = three_links
    api.patch(f"/customers/{middle.code}", {"default": True}, token=token)

    response = api.delete(f"/customers/{middle.code}", token=token)

    assert response.status_code == 204
    assert response.content == b""
    assert links_of(user) == sorted([(oldest.code, "OWNER", True), (newest.code, "OWNER", False)])
    error_of(api.get(f"/customers/{middle.code}", token=token), 404, "link_not_found")

    api.delete(f"/customers/{oldest.code}", token=token)
    assert links_of(user) == [(newest.code, "OWNER", True)]
    api.delete(f"/customers/{newest.code}", token=token)
    assert links_of(user) == []
    assert Customer.objects.filter(pk__in=[c.pk for c in three_links]).count() == 3


def test_unlink_a_non_default_keeps_the_default(api, user, token, three_links):
    oldest, _middle, newest = three_links
    assert api.delete(f"/customers/{newest.code}", token=token).status_code == 204
    assert CustomerLink.objects.get(account=user, is_default=True).customer == oldest


def test_unlink_twice_is_404(api, token, three_links):
    code = three_links[0].code
    assert api.delete(f"/customers/{code}", token=token).status_code == 204
    error_of(api.delete(f"/customers/{code}", token=token), 404, "link_not_found")


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("get", "", None),
        ("patch", "", {"nickname": "x"}),
        ("delete", "", None),
    ],
)
def test_code_not_linked_is_404(api, token, units, method, suffix, payload):
    customer = factories.customer()
    response = api.call(method, f"/customers/{customer.code}{suffix}", payload, token=token)
    error_of(response, 404, "link_not_found")


def test_detail_of_a_linked_code(api, user, token, customer):
    factories.link(user, customer, nickname="Nhà")
    Meter.objects.create(
        customer=customer,
        number="OLD0000001",
        installed_date=date(2015, 1, 1),
        removed_date=date(2023, 12, 31),
    )
    response = api.get(f"/customers/{customer.code.lower()}", token=token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code"] == customer.code
    assert body["nickname"] == "Nhà"
    assert body["corporation"] == "EVNHCMC"
    assert body["hotlines"] == ["1900 545454"]
    assert [meter["number"] for meter in body["meters"]] == ["PE24000777"]


# ---------------------------------------------------------------- bad input


LONG = "x" * 51


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, None),
        ({"relation": "OWNER"}, "code"),
        ({"code": "PE0100000001"}, "relation"),
        ({"code": 100000001, "relation": "OWNER"}, "code"),
        ({"code": None, "relation": "OWNER"}, "code"),
        ({"code": ["PE0100000001"], "relation": "OWNER"}, "code"),
        ({"code": "PE0100000001", "relation": "FRIEND"}, "relation"),
        ({"code": "PE0100000001", "relation": "owner"}, "relation"),
        ({"code": "PE0100000001", "relation": 1}, "relation"),
        ({"code": "PE0100000001", "relation": "OWNER", "method": "SMS"}, "method"),
        ({"code": "PE0100000001", "relation": "OWNER", "method": True}, "method"),
        ({"code": "PE0100000001", "relation": "OWNER", "nickname": LONG}, "nickname"),
        ({"code": "PE0100000001", "relation": "OWNER", "nickname": 5}, "nickname"),
        ({"code": "PE0100000001", "relation": "OTHER", "meter_number": ""}, "meter_number"),
        ({"code": "PE0100000001", "relation": "OTHER", "meter_number": "   "}, "meter_number"),
        ({"code": "PE0100000001", "relation": "OTHER", "meter_number": "1" * 21}, "meter_number"),
        ({"code": "PE0100000001", "relation": "OTHER", "meter_number": 12345}, "meter_number"),
        ({"code": "", "relation": "OWNER"}, "code"),
        ({"code": "PE0100000001" + "1" * 20, "relation": "OWNER"}, "code"),
    ],
)
def test_bad_link_input_is_422(api, user, token, units, outbox, payload, field):
    response = api.post("/customers", payload, token=token)
    error = error_of(response, 422, "invalid")
    if field:
        assert field in error["fields"], error
    else:
        assert error["fields"]
    assert links_of(user) == []
    assert outbox.messages() == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "otp"),
        ({"otp": 123456}, "otp"),
        ({"otp": None}, "otp"),
        ({"otp": "12345"}, "otp"),
        ({"otp": "1234567"}, "otp"),
        ({"otp": "abcdef"}, "otp"),
        ({"otp": "123456", "nickname": LONG}, "nickname"),
        ({"otp": "123456", "nickname": ["a"]}, "nickname"),
    ],
)
def test_bad_verify_input_is_422(api, user, token, customer, payload, field):
    response = api.post(f"/customers/{customer.code}/verify", payload, token=token)
    error = error_of(response, 422, "invalid")
    assert field in error["fields"], error
    assert links_of(user) == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"nickname": LONG}, "nickname"),
        ({"nickname": 5}, "nickname"),
        ({"nickname": ["a"]}, "nickname"),
        ({"default": "maybe"}, "default"),
        ({"default": [True]}, "default"),
        ({"default": 2}, "default"),
    ],
)
def test_bad_update_input_is_422_and_changes_nothing(api, user, token, three_links, payload, field):
    before = list(CustomerLink.objects.filter(account=user).values().order_by("id"))
    response = api.patch(f"/customers/{three_links[1].code}", payload, token=token)
    error = error_of(response, 422, "invalid")
    assert field in error["fields"], error
    assert list(CustomerLink.objects.filter(account=user).values().order_by("id")) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/customers"), ("post", "/customers/{code}/verify"), ("patch", "/customers/{code}")],
)
@pytest.mark.parametrize("body", ["{not json", "code=PE0100000001", "\x00\xff"])
def test_unparseable_body_is_422_in_the_error_shape(
    client, user, token, three_links, method, path, body
):
    response = getattr(client, method)(
        "/api/v1" + path.format(code=three_links[0].code),
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    error = error_of(response, 422, "invalid")
    assert error["fields"]


def test_error_messages_follow_accept_language(api, token, units):
    payload = {"code": "12", "relation": "OWNER"}
    english = error_of(api.post("/customers", payload, token=token, lang="en"), 422)
    vietnamese = error_of(api.post("/customers", payload, token=token, lang="vi"), 422)
    assert english["message"].isascii()
    assert english["fields"]["code"][0].isascii()
    assert not vietnamese["message"].isascii()
    assert not vietnamese["fields"]["code"][0].isascii()
