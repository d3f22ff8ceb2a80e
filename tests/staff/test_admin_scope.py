"""The staff back-office at /staff/: who gets in, what each staff member sees
(their unit and everything under it), search, and the personal-data access log."""

import pytest
from django.contrib.auth.models import Group, Permission

from cskh.customers.models import Unit
from cskh.staff import roles
from cskh.staff.models import PersonalDataAccess, StaffMembership
from tests import factories

pytestmark = pytest.mark.django_db

CHANGELIST = "/staff/customers/customer/"


def change_url(customer) -> str:
    return f"/staff/customers/customer/{customer.pk}/change/"


def grant(user, *codenames: str, app_label: str = "customers") -> None:
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    )


def staff_member(unit: Unit | None, *, perms=("view_customer", "change_customer")):
    user = factories.account(is_staff=True, language="en")
    grant(user, *perms)
    if unit is not None:
        StaffMembership.objects.create(user=user, unit=unit)
    return user


@pytest.fixture
def customers(units):
    return {
        "saigon": factories.customer(
            unit_code="PE0100", phone="+84912000001", name="Nguyễn Văn An"
        ),
        "saigon2": factories.customer(
            unit_code="PE0100", phone="+84987000002", name="Trần Thị Bích"
        ),
        "hanoi": factories.customer(unit_code="PD0100", phone="+84912000001", name="Lê Văn Cường"),
    }


@pytest.fixture
def saigon_staff(units):
    return staff_member(units["PE01"])


def listed(response) -> set[str]:
    assert response.status_code == 200, response.content[:500]
    return {customer.code for customer in response.context["cl"].result_list}


# ---------------------------------------------------------------- who gets in


@pytest.mark.parametrize("path", ["/staff/", CHANGELIST, "/staff/customers/unit/"])
def test_anonymous_visitors_are_sent_to_the_staff_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/?next=")


@pytest.mark.parametrize("path", ["/staff/", CHANGELIST])
def test_customer_accounts_are_refused(client, units, customers, path):
    user = factories.account()
    grant(user, "view_customer", "change_customer")  # permissions alone are not enough
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/?next=")
    assert not PersonalDataAccess.objects.exists()


def test_customer_accounts_cannot_open_a_customer_record(client, customers):
    client.force_login(factories.account())
    response = client.get(change_url(customers["saigon"]))
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]
    assert not PersonalDataAccess.objects.exists()


def test_inactive_staff_are_refused(client, units, customers):
    user = staff_member(units["PE01"])
    user.is_active = False
    user.save()
    client.force_login(user)
    response = client.get(CHANGELIST)
    assert response.status_code == 302


def test_staff_without_the_customer_permission_cannot_list_customers(client, units, customers):
    user = staff_member(units["PE01"], perms=())
    client.force_login(user)
    assert client.get("/staff/").status_code == 200
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(customers["saigon"])).status_code == 403
    assert not PersonalDataAccess.objects.exists()


# ---------------------------------------------------------------- scope


def test_staff_see_only_the_customers_under_their_unit(client, saigon_staff, customers):
    client.force_login(saigon_staff)
    assert listed(client.get(CHANGELIST)) == {
        customers["saigon"].code,
        customers["saigon2"].code,
    }


def test_branch_staff_see_only_their_branch(client, units, customers):
    other_branch = Unit.objects.create(
        code="PE0101", name="Quận 3", level=Unit.Level.BRANCH, parent=units["PE01"]
    )
    district3 = factories.customer(unit_code="PE0100")
    district3.unit = other_branch
    district3.save()
    client.force_login(staff_member(units["PE0100"]))
    assert listed(client.get(CHANGELIST)) == {customers["saigon"].code, customers["saigon2"].code}


def test_corporation_staff_see_their_companies(client, units, customers):
    client.force_login(staff_member(units["EVNHANOI"]))
    assert listed(client.get(CHANGELIST)) == {customers["hanoi"].code}


def test_staff_without_a_unit_see_no_customer(client, customers):
    client.force_login(staff_member(None))
    assert listed(client.get(CHANGELIST)) == set()


def test_a_superuser_sees_every_customer(client, customers):
    admin = factories.account(is_staff=True, is_superuser=True, language="en")
    client.force_login(admin)
    assert listed(client.get(CHANGELIST)) == {customer.code for customer in customers.values()}
    response = client.get(change_url(customers["hanoi"]))
    assert response.status_code == 200
    assert PersonalDataAccess.objects.get().staff == admin


@pytest.mark.parametrize("view", ["change", "history"])
def test_a_customer_of_another_corporation_is_out_of_reach_by_url(
    client, saigon_staff, customers, view
):
    client.force_login(saigon_staff)
    hanoi = customers["hanoi"]
    response = client.get(f"/staff/customers/customer/{hanoi.pk}/{view}/")
    assert response.status_code in {302, 404}
    if response.status_code == 302:
        assert response["Location"] == "/staff/"
        follow = client.get(response["Location"])
        assert hanoi.name not in follow.content.decode()
    else:
        assert hanoi.name not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_a_customer_of_another_corporation_cannot_be_changed_by_post(
    client, saigon_staff, customers
):
    client.force_login(saigon_staff)
    hanoi = customers["hanoi"]
    response = client.post(change_url(hanoi), {"name": "Đã bị sửa"})
    assert response.status_code in {302, 404}
    hanoi.refresh_from_db()
    assert hanoi.name == "Lê Văn Cường"


def test_the_unit_list_is_scoped(client, units, customers):
    user = staff_member(units["PE01"], perms=("view_unit",))
    client.force_login(user)
    response = client.get("/staff/customers/unit/")
    assert response.status_code == 200
    assert {unit.code for unit in response.context["cl"].result_list} == {"PE01", "PE0100"}
    assert client.get(f"/staff/customers/unit/{units['PD01'].pk}/change/").status_code in {
        302,
        404,
    }


def test_the_customer_service_role_is_enough_to_work(client, units, customers):
    user = factories.account(is_staff=True)
    StaffMembership.objects.create(user=user, unit=units["PE01"])
    user.groups.add(Group.objects.get(name=roles.CUSTOMER_SERVICE))
    client.force_login(user)
    assert listed(client.get(CHANGELIST)) == {customers["saigon"].code, customers["saigon2"].code}
    assert client.get(change_url(customers["saigon"])).status_code == 200
    assert client.get(change_url(customers["hanoi"])).status_code in {302, 404}
    assert PersonalDataAccess.objects.get().customer == customers["saigon"]


def test_a_company_moved_to_another_corporation_takes_its_customers_along(client, units, customers):
    hanoi_staff = staff_member(units["EVNHANOI"])
    saigon_staff = staff_member(units["EVNHCMC"])
    company = units["PE01"]
    company.parent = units["EVNHANOI"]
    company.save()

    client.force_login(hanoi_staff)
    assert listed(client.get(CHANGELIST)) == {customer.code for customer in customers.values()}
    client.force_login(saigon_staff)
    assert listed(client.get(CHANGELIST)) == set()


# ---------------------------------------------------------------- search


def search(client, term: str) -> set[str]:
    return listed(client.get(CHANGELIST, {"q": term}))


def test_search_by_code(client, saigon_staff, customers):
    client.force_login(saigon_staff)
    saigon = customers["saigon"]
    assert search(client, saigon.code) == {saigon.code}
    assert search(client, saigon.code.lower()) == {saigon.code}
    assert search(client, customers["hanoi"].code) == set()


def test_search_by_name(client, saigon_staff, customers):
    client.force_login(saigon_staff)
    assert search(client, "Nguyễn Văn An") == {customers["saigon"].code}
    assert search(client, "Bích") == {customers["saigon2"].code}
    assert search(client, "Lê Văn Cường") == set()  # a Hà Nội customer


@pytest.mark.parametrize(
    "typed", ["0912 000 001", "0912000001", "0912.000.001", "+84 912 000 001", "84912000001"]
)
def test_search_by_phone_as_people_type_it(client, saigon_staff, customers, typed):
    client.force_login(saigon_staff)
    # the Hà Nội customer has the same phone on its contract but is out of scope
    assert search(client, typed) == {customers["saigon"].code}


def test_a_superuser_finds_a_phone_everywhere(client, customers):
    client.force_login(factories.account(is_staff=True, is_superuser=True))
    assert search(client, "0912 000 001") == {customers["saigon"].code, customers["hanoi"].code}


# ---------------------------------------------------------------- the customer form


def unit_choices(response) -> set[str]:
    assert response.status_code == 200
    field = response.context["adminform"].form.fields["unit"]
    return {unit.code for unit in field.queryset}


def test_the_unit_dropdown_offers_only_units_in_scope(client, saigon_staff, customers):
    client.force_login(saigon_staff)
    response = client.get(change_url(customers["saigon"]))
    assert unit_choices(response) == {"PE01", "PE0100"}
    html = response.content.decode()
    assert f'<option value="{customers["saigon"].unit_id}" selected>' in html
    assert "PD0100" not in html
    assert "EVNHANOI" not in html


def test_the_unit_dropdown_of_the_add_form_is_scoped_too(client, units, saigon_staff):
    grant(saigon_staff, "add_customer")
    client.force_login(saigon_staff)
    assert unit_choices(client.get("/staff/customers/customer/add/")) == {"PE01", "PE0100"}


def test_a_superuser_is_offered_every_unit(client, customers):
    client.force_login(factories.account(is_staff=True, is_superuser=True))
    response = client.get(change_url(customers["saigon"]))
    assert unit_choices(response) == set(Unit.objects.values_list("code", flat=True))


# ---------------------------------------------------------------- access log


def test_opening_a_customer_writes_a_personal_data_access_row(client, saigon_staff, customers):
    client.force_login(saigon_staff)
    saigon = customers["saigon"]

    response = client.get(change_url(saigon))

    assert response.status_code == 200
    assert saigon.name in response.content.decode()
    access = PersonalDataAccess.objects.get()
    assert (access.staff, access.customer, access.action) == (saigon_staff, saigon, "VIEW")
    assert access.accessed_at is not None

    client.get(change_url(saigon))
    assert PersonalDataAccess.objects.filter(customer=saigon).count() == 2


def test_a_view_only_staff_member_is_logged_too(client, units, customers):
    viewer = staff_member(units["PE01"], perms=("view_customer",))
    client.force_login(viewer)
    assert client.get(change_url(customers["saigon2"])).status_code == 200
    assert PersonalDataAccess.objects.get().customer == customers["saigon2"]


def test_the_list_and_a_search_write_no_access_row(client, saigon_staff, customers):
    client.force_login(saigon_staff)
    client.get(CHANGELIST)
    client.get(CHANGELIST, {"q": "0912 000 001"})
    assert not PersonalDataAccess.objects.exists()
