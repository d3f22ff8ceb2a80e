"""Planned outages in /staff/: an operator publishes, changes and cancels the outages
of its unit (the rules shown on the form), and every step tells the customers; a
cancelled or ended outage is read-only; other units' outages are out of reach;
nobody deletes one."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from cskh.notifications import queries as notices
from cskh.notifications.models import Notice
from cskh.outages import services
from cskh.outages.models import Outage
from cskh.staff import roles
from cskh.staff.models import StaffMembership
from tests import factories
from tests.outages.conftest import days_ahead, linked_account, make_outage, make_plan

pytestmark = pytest.mark.django_db

ADD = reverse("staff:outages_outage_add")
CHANGELIST = reverse("staff:outages_outage_changelist")
DATE, TIME = "%d/%m/%Y", "%H:%M"  # the admin's input formats (cskh.formats)


def change_url(outage) -> str:
    return reverse("staff:outages_outage_change", args=[outage.pk])


def cancel_url(outage) -> str:
    return reverse("staff:outages_outage_cancel", args=[outage.pk])


def delete_url(outage) -> str:
    return reverse("staff:outages_outage_delete", args=[outage.pk])


def staff_of(unit, role: str = roles.OPERATOR):
    """A staff member of `unit` with `role`, working in English."""
    roles.ensure_roles()
    user = factories.account(is_staff=True, language="en")
    user.groups.add(Group.objects.get(name=role))
    StaffMembership.objects.create(user=user, unit=unit)
    return user


def log_in(client, user):
    client.force_login(user)
    client.cookies["cskh_language"] = "en"
    return client


@pytest.fixture
def operator(units, client):
    user = staff_of(units["PE01"])
    log_in(client, user)
    return user


@pytest.fixture
def people(units):
    """Customers of PE0100 (two on feeder 475E1.4) each followed by an account, and
    a customer of PD0100."""
    customer = factories.customer(unit_code="PE0100", feeder="475E1.4")
    neighbour = factories.customer(unit_code="PE0100", feeder="475E1.4")
    hanoi = factories.customer(unit_code="PD0100", feeder="475E1.4")
    return {
        "customer": customer,
        "neighbour": neighbour,
        "hanoi": hanoi,
        "holder": linked_account(customer),
        "neighbour_holder": linked_account(neighbour),
        "hanoi_holder": linked_account(hanoi),
    }


def split(moment) -> tuple[str, str]:
    local = timezone.localtime(moment)
    return local.strftime(DATE), local.strftime(TIME)


def form_data(unit, *, start=None, hours: int = 8, **fields) -> dict:
    start = start or days_ahead(7)
    data = {
        "unit": unit.pk,
        "kind": Outage.Kind.OUTAGE,
        "capacity_kw": "",
        "area": "Phường Bến Nghé, Quận 1",
        "line": "ĐZ 22kV lộ 475E1.4",
        "reason": "Bảo dưỡng lưới điện",
        "customer_codes": "",
        "feeders": "",
        "_save": "Save",
    }
    data["start_at_0"], data["start_at_1"] = split(start)
    data["end_at_0"], data["end_at_1"] = split(start + timedelta(hours=hours))
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


def form_errors(response) -> dict:
    assert response.status_code == 200, response.status_code
    return response.context["adminform"].form.errors


def unread(account) -> int:
    return notices.unread_count(account, now=timezone.now())


def publish(unit, customers, **fields) -> Outage:
    return services.publish(
        plan=make_plan(unit, **fields), customers=customers, by=None, now=timezone.now()
    )


# ---------------------------------------------------------------- the add form


def test_the_add_form_offers_the_units_in_scope_and_splits_the_times(client, operator):
    response = client.get(ADD)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {unit.code for unit in form.fields["unit"].queryset} == {"PE01", "PE0100"}
    html = response.content.decode()
    for name in ("start_at_0", "start_at_1", "end_at_0", "end_at_1", "customer_codes", "feeders"):
        assert f'name="{name}"' in html, name
    assert "PD0100" not in html


def test_an_operator_publishes_an_outage_for_its_customers(client, operator, units, people):
    start = days_ahead(7, 8)
    data = form_data(
        units["PE0100"],
        start=start,
        hours=9,
        customer_codes=f"{people['customer'].code.lower()}\n",
    )
    response = client.post(ADD, data)

    assert response.status_code == 302, form_errors(response)
    assert response["Location"] == CHANGELIST
    outage = Outage.objects.get()
    assert (outage.unit, outage.start_at, outage.end_at) == (
        units["PE0100"],
        start,
        start + timedelta(hours=9),
    )
    assert outage.area == "Phường Bến Nghé, Quận 1"
    assert outage.created_by == operator
    assert list(outage.customers.all()) == [people["customer"]]
    notice = Notice.objects.get()
    assert notice.link == f"/outages/{outage.pk}/"
    assert unread(people["holder"]) == 1
    assert unread(people["neighbour_holder"]) == 0
    assert unread(people["hanoi_holder"]) == 0
    assert outage.pk in {o.pk for o in client.get(CHANGELIST).context["cl"].result_list}


def test_customers_by_feeder_and_by_code_together(client, operator, units, people):
    other = factories.customer(unit_code="PE0100", feeder="471E1.2")
    response = client.post(
        ADD, form_data(units["PE01"], customer_codes=other.code, feeders="475E1.4")
    )
    assert response.status_code == 302, form_errors(response)
    outage = Outage.objects.get()
    assert set(outage.customers.all()) == {people["customer"], people["neighbour"], other}
    assert unread(people["holder"]) == unread(people["neighbour_holder"]) == 1
    assert unread(people["hanoi_holder"]) == 0  # same feeder name, another company


def test_codes_one_per_line_or_separated_by_commas_or_spaces(client, operator, units, people):
    third = factories.customer(unit_code="PE0100")
    codes = f"{people['customer'].code}, {people['neighbour'].code.lower()} {third.code}\n"
    response = client.post(ADD, form_data(units["PE0100"], customer_codes=codes))
    assert response.status_code == 302, form_errors(response)
    assert set(Outage.objects.get().customers.all()) == {
        people["customer"],
        people["neighbour"],
        third,
    }


def test_a_reduction_with_its_capacity(client, operator, units, people):
    response = client.post(
        ADD,
        form_data(
            units["PE0100"],
            kind=Outage.Kind.REDUCTION,
            capacity_kw="400",
            feeders="475E1.4",
        ),
    )
    assert response.status_code == 302, form_errors(response)
    assert Outage.objects.get().capacity_kw == 400


def test_an_emergency_may_start_today(client, operator, units, people):
    start = timezone.now() + timedelta(hours=2)
    response = client.post(
        ADD,
        form_data(units["PE0100"], start=start, hours=3, emergency="on", feeders="475E1.4"),
    )
    assert response.status_code == 302, form_errors(response)
    assert Outage.objects.get().emergency


# ---------------------------------------------------------------- rules on the form


def test_a_start_too_soon_is_told_on_the_field(client, operator, units, people):
    response = client.post(ADD, form_data(units["PE0100"], start=days_ahead(2), feeders="475E1.4"))
    errors = form_errors(response)
    assert set(errors) == {"start_at"}
    assert "Planned work must be announced at least 5 days ahead" in errors["start_at"][0]
    assert "at least 5 days ahead" in response.content.decode()
    assert not Outage.objects.exists()
    assert not Notice.objects.exists()


def test_the_restoration_before_the_start_is_told(client, operator, units, people):
    data = form_data(units["PE0100"], feeders="475E1.4")
    data["end_at_0"], data["end_at_1"] = data["start_at_0"], "07:00"
    errors = form_errors(client.post(ADD, data))
    assert errors["end_at"] == ["The restoration time must come after the start."]


def test_a_reduction_without_capacity_is_told(client, operator, units, people):
    data = form_data(units["PE0100"], kind=Outage.Kind.REDUCTION, feeders="475E1.4")
    errors = form_errors(client.post(ADD, data))
    assert errors == {"capacity_kw": ["Give the capacity limit of the reduction."]}


def test_codes_of_another_company_are_refused(client, operator, units, people):
    codes = f"{people['customer'].code}, {people['hanoi'].code}"
    errors = form_errors(client.post(ADD, form_data(units["PE0100"], customer_codes=codes)))
    assert errors == {"customer_codes": [f"Not customers of PE0100: {people['hanoi'].code}"]}
    assert not Outage.objects.exists()
    assert not Notice.objects.exists()


def test_an_unknown_feeder_is_told(client, operator, units, people):
    errors = form_errors(client.post(ADD, form_data(units["PE0100"], feeders="373E8.22")))
    assert errors == {"feeders": ["No customer of PE0100 is on: 373E8.22"]}


def test_no_customer_named_is_told(client, operator, units, people):
    errors = form_errors(client.post(ADD, form_data(units["PE0100"])))
    assert errors == {"customer_codes": ["Name the affected customers by code or by feeder."]}


def test_a_unit_outside_the_scope_is_refused(client, operator, units, people):
    response = client.post(ADD, form_data(units["PD0100"], customer_codes=people["hanoi"].code))
    assert list(form_errors(response)) == ["unit"]
    assert not Outage.objects.exists()
    assert unread(people["hanoi_holder"]) == 0


def test_a_branch_operator_cannot_use_its_company(client, units, people):
    log_in(client, staff_of(units["PE0100"]))
    response = client.post(ADD, form_data(units["PE01"], feeders="475E1.4"))
    assert list(form_errors(response)) == ["unit"]
    assert not Outage.objects.exists()


def test_staff_without_the_outage_permission_cannot_add(client, units, people):
    log_in(client, staff_of(units["PE01"], roles.CONTENT_EDITOR))
    assert client.get(ADD).status_code == 403
    response = client.post(ADD, form_data(units["PE0100"], feeders="475E1.4"))
    assert response.status_code == 403
    assert not Outage.objects.exists()


# ---------------------------------------------------------------- changing


@pytest.fixture
def outage(units, people):
    return publish(units["PE0100"], [people["customer"]], start_at=days_ahead(7, 8))


def edit_data(outage, **fields) -> dict:
    data = form_data(
        outage.unit,
        start=outage.start_at,
        hours=int((outage.end_at - outage.start_at).total_seconds() // 3600),
        area=outage.area,
        line=outage.line,
        reason=outage.reason,
        customer_codes="\n".join(outage.customers.values_list("code", flat=True)),
    )
    data.update(fields)
    return data


def test_the_change_form_shows_the_outage_as_entered(client, operator, outage, people):
    response = client.get(change_url(outage))
    assert response.status_code == 200
    html = response.content.decode()
    date, time = split(outage.start_at)
    assert f'name="start_at_0" value="{date}"' in html
    assert f'name="start_at_1" value="{time}:00"' in html
    assert response.context["adminform"].form["customer_codes"].value() == people["customer"].code
    assert 'name="_save"' in html
    assert f'action="{cancel_url(outage)}"' in html


def test_editing_changes_and_tells_the_customers(client, operator, outage, people):
    data = edit_data(outage)
    data["end_at_1"] = "18:30"

    response = client.post(change_url(outage), data)

    assert response.status_code == 302, form_errors(response)
    changed = Outage.objects.get(pk=outage.pk)
    assert timezone.localtime(changed.end_at).strftime(TIME) == "18:30"
    assert changed.start_at == outage.start_at
    assert Notice.objects.count() == 2
    notice = Notice.objects.latest("id")
    assert notice.body_en.startswith("What changed: expected restoration. ")
    assert unread(people["holder"]) == 2


def test_adding_a_customer_tells_the_old_and_the_new(client, operator, outage, people):
    data = edit_data(outage, customer_codes="", feeders="475E1.4")
    response = client.post(change_url(outage), data)
    assert response.status_code == 302, form_errors(response)
    assert set(Outage.objects.get(pk=outage.pk).customers.all()) == {
        people["customer"],
        people["neighbour"],
    }
    assert Notice.objects.latest("id").body_en.startswith("What changed: the affected customers. ")
    assert unread(people["holder"]) == 2
    assert unread(people["neighbour_holder"]) == 1


def test_saving_without_a_change_tells_nobody(client, operator, outage, people):
    response = client.post(change_url(outage), edit_data(outage))
    assert response.status_code == 302, form_errors(response)
    assert Notice.objects.count() == 1


def test_an_outage_announced_in_time_can_be_changed_close_to_its_start(
    client, operator, units, people
):
    # published long ago for the day after tomorrow: its end may still move
    start = days_ahead(2, 8)
    outage = make_outage(units["PE0100"], [people["customer"]], start_at=start)
    data = edit_data(outage)
    data["end_at_1"] = "17:00"
    response = client.post(change_url(outage), data)
    assert response.status_code == 302, form_errors(response)
    assert Notice.objects.get().body_en.startswith("What changed: expected restoration. ")


def test_moving_the_start_too_close_is_refused(client, operator, outage, people):
    data = edit_data(outage)
    data["start_at_0"], data["start_at_1"] = split(days_ahead(1, 8))
    errors = form_errors(client.post(change_url(outage), data))
    assert set(errors) == {"start_at"}
    assert Outage.objects.get(pk=outage.pk).start_at == outage.start_at
    assert Notice.objects.count() == 1


# ---------------------------------------------------------------- cancelling


def test_cancelling_needs_a_reason(client, operator, outage, people):
    response = client.post(cancel_url(outage), {"cancel_reason": "  "}, follow=True)
    assert response.redirect_chain[0] == (change_url(outage), 302)
    assert "Say why the outage is cancelled." in response.content.decode()
    assert not Outage.objects.get(pk=outage.pk).is_cancelled
    assert Notice.objects.count() == 1


def test_cancelling_by_get_does_nothing(client, operator, outage):
    response = client.get(cancel_url(outage))
    assert response.status_code == 302
    assert response["Location"] == change_url(outage)
    assert not Outage.objects.get(pk=outage.pk).is_cancelled


def test_cancelling_tells_the_customers(client, operator, outage, people):
    response = client.post(cancel_url(outage), {"cancel_reason": "Thời tiết xấu"}, follow=True)
    assert response.redirect_chain[-1] == (CHANGELIST, 302)
    assert "The outage is cancelled and the customers are told." in response.content.decode()
    cancelled = Outage.objects.get(pk=outage.pk)
    assert cancelled.is_cancelled
    assert cancelled.cancel_reason == "Thời tiết xấu"
    notice = Notice.objects.latest("id")
    assert notice.title_en.startswith("Cancelled: ")
    assert "Thời tiết xấu" in notice.body_en
    assert unread(people["holder"]) == 2


def read_only(client, outage) -> None:
    """The change page of `outage` shows it without a way to save or cancel it."""
    response = client.get(change_url(outage))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert 'name="start_at_0"' not in html
    assert 'name="cancel_reason"' not in html
    assert outage.area in html


def post_changes_nothing(client, outage) -> None:
    before = Outage.objects.get(pk=outage.pk)
    notices_before = Notice.objects.count()
    data = edit_data(before, reason="Sửa sau khi đã xong")
    data["end_at_1"] = "20:00"
    response = client.post(change_url(outage), data)
    assert response.status_code == 403
    response = client.post(cancel_url(outage), {"cancel_reason": "Lần nữa"})
    assert response.status_code == 302
    after = Outage.objects.get(pk=outage.pk)
    assert (after.reason, after.end_at, after.cancel_reason, after.cancelled_at) == (
        before.reason,
        before.end_at,
        before.cancel_reason,
        before.cancelled_at,
    )
    assert Notice.objects.count() == notices_before


def test_a_cancelled_outage_is_read_only(client, operator, outage):
    client.post(cancel_url(outage), {"cancel_reason": "Thời tiết xấu"})
    read_only(client, outage)
    post_changes_nothing(client, outage)


def test_an_ended_outage_is_read_only(client, operator, units, people):
    ended = make_outage(
        units["PE0100"],
        [people["customer"]],
        start_at=timezone.now() - timedelta(hours=5),
        hours=2,
        area="Đã xong",
    )
    read_only(client, ended)
    post_changes_nothing(client, ended)


# ---------------------------------------------------------------- scope


@pytest.fixture
def hanoi_staff(units):
    return staff_of(units["PD01"])


def test_staff_of_another_company_cannot_see_the_outage(client, outage, hanoi_staff):
    log_in(client, hanoi_staff)
    assert client.get(CHANGELIST).context["cl"].result_list.count() == 0
    response = client.get(change_url(outage))
    # the admin answers an out-of-scope object as a missing one
    assert response.status_code in {302, 404}
    if response.status_code == 302:
        assert response["Location"] == reverse("staff:index")
        assert outage.area not in client.get(response["Location"]).content.decode()
    assert client.get(f"{change_url(outage).removesuffix('change/')}history/").status_code in {
        302,
        404,
    }


def test_staff_of_another_company_cannot_change_or_cancel_it(client, outage, hanoi_staff):
    log_in(client, hanoi_staff)
    response = client.post(change_url(outage), edit_data(outage, reason="Sửa trộm"))
    assert response.status_code in {302, 404}
    assert client.post(cancel_url(outage), {"cancel_reason": "Hủy trộm"}).status_code == 404
    after = Outage.objects.get(pk=outage.pk)
    assert (after.reason, after.cancelled_at) == (outage.reason, None)
    assert Notice.objects.count() == 1


def test_the_company_above_sees_its_branches_outages(client, outage, units):
    log_in(client, staff_of(units["EVNHCMC"]))
    assert [o.pk for o in client.get(CHANGELIST).context["cl"].result_list] == [outage.pk]
    assert client.get(change_url(outage)).status_code == 200


# ---------------------------------------------------------------- never deleted


@pytest.fixture
def superuser(units, client):
    user = factories.account(is_staff=True, is_superuser=True, language="en")
    log_in(client, user)
    return user


def test_nobody_can_delete_an_outage(client, superuser, outage):
    assert client.get(delete_url(outage)).status_code == 403
    assert client.post(delete_url(outage), {"post": "yes"}).status_code == 403
    response = client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [outage.pk], "post": "yes"}
    )
    assert response.status_code in {200, 302}
    html = client.get(CHANGELIST).content.decode()
    assert "delete_selected" not in html
    assert 'class="deletelink"' not in client.get(change_url(outage)).content.decode()
    assert Outage.objects.filter(pk=outage.pk).exists()


def test_an_operator_cannot_delete_either(client, operator, outage):
    assert client.post(delete_url(outage), {"post": "yes"}).status_code == 403
    assert Outage.objects.filter(pk=outage.pk).exists()
