"""`manage.py load_demo`: units, hotlines, showcase customers, generated customers and
the demo logins; idempotent and deterministic."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from cskh.accounts.models import User
from cskh.billing.models import Invoice
from cskh.core import codes
from cskh.customers.models import Customer, CustomerLink, Meter, Unit, UnitHotline
from cskh.customers.services import resolve_unit
from cskh.demo import accounts, generator, units
from cskh.staff.models import StaffMembership
from tests import factories
from tests.helpers import token_for

pytestmark = pytest.mark.django_db

CUSTOMERS = 300
CORPORATIONS = {"EVNHCMC", "EVNHANOI", "EVNNPC", "EVNSPC", "EVNCPC"}
HOTLINES = {
    "EVNHCMC": {"1900 545454"},
    "EVNHANOI": {"1900 1288"},
    "EVNNPC": {"1900 6769"},
    "EVNSPC": {"1900 1006", "1900 9000"},
    "EVNCPC": {"1900 1909"},
}
SHOWCASE_CODES = {row[0] for row in accounts.SHOWCASE}


def load_demo(customers: int = CUSTOMERS, **options) -> str:
    out = StringIO()
    call_command("load_demo", customers=customers, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo(db):
    return load_demo()


def generated():
    return Customer.objects.exclude(code__in=SHOWCASE_CODES)


def delete_generated() -> None:
    """The generated customers, with the demo invoices of those that have readings."""
    bills = Invoice.objects.filter(customer__in=generated())
    bills.filter(kind=Invoice.Kind.ADJUSTMENT).delete()
    bills.delete()
    generated().delete()


def every_table() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def snapshot_rows() -> dict[str, list]:
    return {
        "units": list(Unit.objects.values().order_by("code")),
        "hotlines": list(UnitHotline.objects.values().order_by("id")),
        "customers": list(Customer.objects.values().order_by("code")),
        "meters": list(Meter.objects.values().order_by("id")),
        "links": list(CustomerLink.objects.values().order_by("id")),
        "users": list(User.objects.values().order_by("id")),
        "staff": list(StaffMembership.objects.values().order_by("id")),
    }


# ---------------------------------------------------------------- what it creates


def test_units_for_the_five_corporations(demo):
    corporations = Unit.objects.filter(level=Unit.Level.CORPORATION)
    assert set(corporations.values_list("code", flat=True)) == CORPORATIONS
    assert {unit.parent.code for unit in corporations} == {"EVN"}
    for corporation in corporations:
        companies = corporation.children.filter(level=Unit.Level.COMPANY)
        assert companies.exists(), corporation.code
        for company in companies:
            assert company.children.filter(level=Unit.Level.BRANCH).exists(), company.code
            assert company.corporation == corporation
    assert Unit.objects.get(level=Unit.Level.GROUP).code == "EVN"
    for unit in Unit.objects.select_related("parent"):
        expected = f"{unit.parent.path}{unit.code}/" if unit.parent else f"/{unit.code}/"
        assert unit.path == expected


def test_hotlines_of_the_corporations(demo):
    for code, numbers in HOTLINES.items():
        corporation = Unit.objects.get(code=code)
        in_force = UnitHotline.in_force(unit=corporation, on=units.HOTLINES_SINCE)
        assert {hotline.number for hotline in in_force} == numbers, code


def test_showcase_customers(demo):
    assert set(Customer.objects.filter(code__in=SHOWCASE_CODES).values_list("code", flat=True)) == (
        SHOWCASE_CODES
    )
    holder = Customer.objects.get(code="PE01000000002")
    assert holder.contract_phone == "+84900000004"
    assert holder.meters.get().number == "PE24000002"
    assert Customer.objects.get(code="PP01000000001").meters.get().number == "PP24000001"


def test_generated_customers(demo):
    assert generated().count() == CUSTOMERS
    assert Meter.objects.filter(customer__in=generated()).count() == CUSTOMERS
    branches = Unit.objects.filter(level=Unit.Level.BRANCH)
    # spread over every branch
    assert set(generated().values_list("unit__code", flat=True)) == set(
        branches.values_list("code", flat=True)
    )
    assert "demo data: 300 new customers of 300" in demo


def test_output_lists_the_demo_logins(demo):
    for phone, password, _role in accounts.LOGINS:
        assert f"{phone} / {password}" in demo


def test_the_demo_customer_logs_in_and_owns_two_codes_and_follows_a_third(demo, api):
    token = api.login("0900000001", "Demo@12345")["access_token"]

    links = api.get("/customers", token=token).json()

    by_relation = {}
    for link in links:
        by_relation.setdefault(link["relation"], []).append(link["code"])
    assert len(by_relation["OWNER"]) == 2
    assert len(by_relation["OTHER"]) == 1
    corporations = {
        code: Customer.objects.get(code=code).unit.corporation.code
        for code in by_relation["OWNER"] + by_relation["OTHER"]
    }
    assert len({corporations[code] for code in by_relation["OWNER"]}) == 2
    assert len(set(corporations.values())) == 3
    assert sum(link["default"] for link in links) == 1
    # the holder sees the contract phone; as not the holder, not
    owned = api.get(f"/customers/{by_relation['OWNER'][0]}", token=token).json()
    assert owned["contract_phone"]
    followed = api.get(f"/customers/{by_relation['OTHER'][0]}", token=token).json()
    assert "contract_phone" not in followed


def test_the_demo_customer_logs_in_on_the_web(demo, client):
    response = client.post("/login/", {"phone": "0900 000 001", "password": "Demo@12345"})
    assert response.status_code == 302
    assert "PE01000000001" in client.get("/").content.decode()


def test_the_demo_staff_member_works_in_the_back_office(demo, client):
    staff = User.objects.get(phone="+84900000010")
    assert staff.is_staff
    assert not staff.is_superuser
    assert staff.check_password("Staff@12345")
    assert staff.staff_membership.unit.code == "PE01"
    client.force_login(staff)
    response = client.get("/staff/customers/customer/", {"q": "PE01000000001"})
    assert response.status_code == 200
    assert [c.code for c in response.context["cl"].result_list] == ["PE01000000001"]
    response = client.get("/staff/customers/customer/", {"q": "PD01000000001"})
    assert list(response.context["cl"].result_list) == []
    customer = Customer.objects.get(code="PE01000000001")
    assert client.get(f"/staff/customers/customer/{customer.pk}/change/").status_code == 200


def test_the_demo_administrator(demo):
    admin = User.objects.get(phone="+84900000000")
    assert admin.is_staff
    assert admin.is_superuser
    assert admin.check_password("Admin@12345")


def test_a_new_account_can_link_the_free_showcase_codes(demo, api, outbox):
    token = token_for(factories.account())
    response = api.post(
        "/customers",
        {"code": "PP01000000001", "relation": "OTHER", "meter_number": "PP24000001"},
        token=token,
    )
    assert response.status_code == 201, response.content
    response = api.post("/customers", {"code": "PE01000000002", "relation": "OWNER"}, token=token)
    assert response.status_code == 202, response.content
    otp = outbox.last_code("+84900000004")
    response = api.post("/customers/PE01000000002/verify", {"otp": otp}, token=token)
    assert response.status_code == 201, response.content


# ---------------------------------------------------------------- idempotent, deterministic


def test_running_it_twice_changes_nothing(demo):
    tables, rows = every_table(), snapshot_rows()
    assert tables["customers.Customer"] == CUSTOMERS + len(SHOWCASE_CODES)

    output = load_demo()

    assert every_table() == tables
    assert snapshot_rows() == rows
    assert "demo data: 0 new customers of 300" in output


def test_a_second_run_keeps_what_people_changed(demo):
    link = CustomerLink.objects.get(customer__code="PM01000000001")
    link.rename("Nhà ông bà")
    demo_user = User.objects.get(phone="+84900000001")
    demo_user.set_password("Changed-Pass-1")
    demo_user.save()

    load_demo()

    assert CustomerLink.objects.get(pk=link.pk).nickname == "Nhà ông bà"
    assert User.objects.get(pk=demo_user.pk).check_password("Changed-Pass-1")


def test_a_larger_run_only_adds_the_missing_customers(demo):
    before = set(generated().values_list("code", "name"))
    output = load_demo(CUSTOMERS + 50)
    after = set(generated().values_list("code", "name"))
    assert before < after
    assert len(after) == CUSTOMERS + 50
    assert "demo data: 50 new customers of 350" in output


def _generated_rows():
    return sorted(
        generated().values_list("code", "name", "address", "contract_phone", "holder_cccd")
    )


def test_the_same_seed_gives_the_same_customers(demo):
    first = _generated_rows()
    meters = sorted(Meter.objects.values_list("customer__code", "number"))
    delete_generated()

    load_demo()

    assert _generated_rows() == first
    assert sorted(Meter.objects.values_list("customer__code", "number")) == meters


def test_another_seed_gives_other_names_for_the_same_codes(demo):
    first = _generated_rows()
    delete_generated()

    load_demo(seed=1)

    other = _generated_rows()
    assert [row[0] for row in other] == [row[0] for row in first]
    assert [row[1] for row in other] != [row[1] for row in first]


# ---------------------------------------------------------------- data quality


def test_customer_codes_are_valid_and_resolve_to_their_unit(demo):
    for customer in Customer.objects.select_related("unit"):
        assert codes.normalize_customer_code(customer.code) == customer.code
        assert resolve_unit(customer.code) == customer.unit, customer.code
        assert customer.unit.level == Unit.Level.BRANCH


def test_contract_phones_and_cccds_are_valid(demo):
    for phone, cccd in Customer.objects.values_list("contract_phone", "holder_cccd"):
        assert codes.normalize_phone(phone) == phone
        assert codes.normalize_cccd(cccd) == cccd


@pytest.mark.parametrize("prefix", generator.MOBILE_PREFIXES)
def test_every_mobile_prefix_gives_valid_mobile_numbers(prefix):
    for first in range(10):
        for rest in ("000000", "456789", "999999"):
            phone = f"+84{prefix[1:]}{first}{rest}"
            assert codes.normalize_phone(phone) == phone


def test_meter_numbers_are_unique_and_every_customer_has_one_installed(demo):
    numbers = list(Meter.objects.values_list("number", flat=True))
    installed = Meter.objects.filter(removed_date__isnull=True)
    assert len(numbers) == len(set(numbers))
    assert installed.count() == installed.values("customer").distinct().count()
    assert installed.count() == Customer.objects.count()
