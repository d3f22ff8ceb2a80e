"""Composing notices at /staff/: a content editor writes for its unit and the units
under it only, to a unit or to a list of its customers' codes; previews; publishes
now or later; and corrects a published notice with a new one instead of editing it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from cskh.notifications import queries
from cskh.notifications.models import Audience, Category, Notice
from cskh.staff import roles
from cskh.staff.models import StaffMembership
from tests import factories
from tests.notifications.conftest import linked_account, make_notice

pytestmark = pytest.mark.django_db

ADD = reverse("staff:notifications_notice_add")
CHANGELIST = reverse("staff:notifications_notice_changelist")


def change_url(notice) -> str:
    return reverse("staff:notifications_notice_change", args=[notice.pk])


def publish_url(notice) -> str:
    return reverse("staff:notifications_notice_publish", args=[notice.pk])


def correct_url(notice) -> str:
    return reverse("staff:notifications_notice_correct", args=[notice.pk])


def editor_of(unit):
    """A content editor working for `unit` (the admin in English)."""
    roles.ensure_roles()
    user = factories.account(is_staff=True, language="en")
    user.groups.add(Group.objects.get(name=roles.CONTENT_EDITOR))
    StaffMembership.objects.create(user=user, unit=unit)
    return user


@pytest.fixture
def editor(units, client):
    user = editor_of(units["PE01"])
    client.force_login(user)
    return user


@pytest.fixture
def superuser(units, client):
    user = factories.account(is_staff=True, is_superuser=True, language="en")
    client.force_login(user)
    return user


def form_data(**fields) -> dict:
    data = {
        "category": Category.INCIDENT,
        "title_vi": "Ngừng cấp điện để bảo trì",
        "body_vi": "Từ 8:00 đến 16:00 thứ Bảy.",
        "title_en": "Planned outage",
        "body_en": "From 8:00 to 16:00 on Saturday.",
        "link": "",
        "audience": Audience.UNIT,
        "unit": "",
        "customer_codes": "",
    }
    data.update(fields)
    return data


def form_errors(response) -> dict:
    assert response.status_code == 200, response.status_code
    return response.context["adminform"].form.errors


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def local_input(moment) -> str:
    """A datetime-local value, as the browser sends it (the local time, to the minute)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def draft(units, editor):
    return make_notice(
        audience=Audience.UNIT,
        unit=units["PE01"],
        issuer_unit=units["PE01"],
        draft=True,
        title_vi="Lịch ngừng cấp điện Quận 1",
        body_vi="Thứ Bảy.",
        title_en="Planned outage in District 1",
        body_en="Saturday.",
        link="/customers/",
        category=Category.INCIDENT,
    )


# ---------------------------------------------------------------- the form offers only the scope


def test_the_content_editor_role_is_about_notices_and_tariffs(client, editor):
    roles.ensure_roles()  # twice is fine
    group = Group.objects.get(name=roles.CONTENT_EDITOR)
    assert {
        f"{perm.content_type.app_label}.{perm.codename}" for perm in group.permissions.all()
    } == {*roles.NOTICES, *roles.TARIFFS, "customers.view_unit"}
    assert client.get(CHANGELIST).status_code == 200
    assert client.get("/staff/customers/customer/").status_code == 403


def test_the_add_form_offers_the_editors_units_and_no_everyone(client, editor):
    response = client.get(ADD)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {unit.code for unit in form.fields["unit"].queryset} == {"PE01", "PE0100"}
    assert [value for value, _label in form.fields["audience"].choices] == [
        Audience.UNIT,
        Audience.CUSTOMERS,
    ]
    html = response.content.decode()
    assert "PD01" not in html
    assert 'value="EVERYONE"' not in html


def test_a_superuser_is_offered_everyone_and_every_unit(client, superuser):
    form = client.get(ADD).context["adminform"].form
    assert [value for value, _label in form.fields["audience"].choices] == [
        Audience.EVERYONE,
        Audience.UNIT,
        Audience.CUSTOMERS,
    ]
    assert "PD01" in {unit.code for unit in form.fields["unit"].queryset}


# ---------------------------------------------------------------- drafts for a unit


@pytest.mark.parametrize("unit_code", ["PE01", "PE0100"])
def test_an_editor_writes_a_draft_for_its_unit_or_a_unit_under_it(
    client, units, editor, saigon, unit_code
):
    response = client.post(ADD, form_data(unit=units[unit_code].pk))

    assert response.status_code == 302, form_errors(response)
    notice = Notice.objects.get()
    assert (notice.audience, notice.unit, notice.publish_at) == (
        Audience.UNIT,
        units[unit_code],
        None,
    )
    assert (notice.issuer_unit, notice.created_by) == (units["PE01"], editor)
    assert notice.title_vi == "Ngừng cấp điện để bảo trì"
    assert not queries.visible(saigon, now=timezone.now() + timedelta(days=1)).exists()


@pytest.mark.parametrize("unit_code", ["PD01", "PD0100", "EVNHCMC", "EVN"])
def test_an_editor_cannot_write_for_a_unit_outside_or_above_its_own(
    client, units, editor, unit_code
):
    errors = form_errors(client.post(ADD, form_data(unit=units[unit_code].pk)))
    assert "unit" in errors
    assert not Notice.objects.exists()


def test_a_branch_editor_cannot_write_for_its_company(client, units):
    client.force_login(editor_of(units["PE0100"]))
    errors = form_errors(client.post(ADD, form_data(unit=units["PE01"].pk)))
    assert "unit" in errors
    assert client.post(ADD, form_data(unit=units["PE0100"].pk)).status_code == 302


def test_a_unit_audience_needs_a_unit(client, editor):
    errors = form_errors(client.post(ADD, form_data(unit="")))
    assert errors["unit"] == ["Choose the unit whose customers receive the notice."]
    assert not Notice.objects.exists()


def test_an_editor_cannot_write_to_everyone(client, units, editor):
    errors = form_errors(client.post(ADD, form_data(audience=Audience.EVERYONE)))
    assert "audience" in errors
    errors = form_errors(client.post(ADD, form_data(audience=Audience.ACCOUNT)))
    assert "audience" in errors
    assert not Notice.objects.exists()


def test_a_superuser_writes_to_everyone(client, superuser, units):
    response = client.post(ADD, form_data(audience=Audience.EVERYONE, unit=units["PE01"].pk))
    assert response.status_code == 302, form_errors(response)
    notice = Notice.objects.get()
    assert (notice.audience, notice.unit, notice.issuer_unit) == (Audience.EVERYONE, None, None)


def test_staff_without_the_role_cannot_add_notices(client, units):
    user = factories.account(is_staff=True, language="en")
    StaffMembership.objects.create(user=user, unit=units["PE01"])
    client.force_login(user)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, form_data(unit=units["PE01"].pk)).status_code == 403
    assert not Notice.objects.exists()


# ---------------------------------------------------------------- a list of customer codes


def test_a_list_of_its_customers_codes(client, units, editor):
    first = factories.customer(unit_code="PE0100")
    second = factories.customer(unit_code="PE0100")
    tenant = factories.account()
    factories.link(tenant, second, relation="OTHER")
    typed = f" {first.code.lower()},\n{second.code}\n\n{first.code} "

    response = client.post(
        ADD, form_data(audience=Audience.CUSTOMERS, customer_codes=typed, unit=units["PE01"].pk)
    )

    assert response.status_code == 302, form_errors(response)
    notice = Notice.objects.get()
    assert (notice.audience, notice.unit) == (Audience.CUSTOMERS, None)
    assert set(notice.recipients.values_list("customer__code", flat=True)) == {
        first.code,
        second.code,
    }
    # once published, every account linked to them sees it
    notice.publish(at=timezone.now())
    assert queries.visible(tenant, now=timezone.now()).get() == notice


@pytest.mark.parametrize("kind", ["another unit", "malformed", "unknown"])
def test_a_code_outside_the_unit_or_malformed_is_named_in_the_error(client, units, editor, kind):
    mine = factories.customer(unit_code="PE0100")
    bad = {
        "another unit": factories.customer(unit_code="PD0100").code,
        "malformed": "12-ABC",
        "unknown": "PE0100999999",
    }[kind]

    errors = form_errors(
        client.post(
            ADD, form_data(audience=Audience.CUSTOMERS, customer_codes=f"{mine.code}\n{bad}")
        )
    )

    [message] = errors["customer_codes"]
    assert message == f"Not customers of your unit: {bad}"
    assert mine.code not in message
    assert not Notice.objects.exists()


def test_a_list_audience_needs_a_code(client, editor):
    errors = form_errors(client.post(ADD, form_data(audience=Audience.CUSTOMERS)))
    assert errors["customer_codes"] == ["Enter at least one customer code."]


def test_editing_a_draft_shows_and_replaces_its_codes(client, units, editor):
    first, second = factories.customer(), factories.customer()
    notice = make_notice(
        audience=Audience.CUSTOMERS, customers=[first], issuer_unit=units["PE01"], draft=True
    )
    form = client.get(change_url(notice)).context["adminform"].form
    assert form.fields["customer_codes"].initial == first.code

    response = client.post(
        change_url(notice), form_data(audience=Audience.CUSTOMERS, customer_codes=second.code)
    )

    assert response.status_code == 302, form_errors(response)
    assert list(notice.recipients.values_list("customer", flat=True)) == [second.pk]


# ---------------------------------------------------------------- the link


@pytest.mark.parametrize(
    "link", ["https://evil.example/", "//evil.example/path", "customers/PE0100", "javascript:x"]
)
def test_a_link_outside_the_app_is_refused(client, units, editor, link):
    errors = form_errors(client.post(ADD, form_data(unit=units["PE01"].pk, link=link)))
    assert errors["link"] == ["Use a path inside the app, starting with /."]
    assert not Notice.objects.exists()


def test_a_path_in_the_app_is_kept(client, units, editor):
    client.post(ADD, form_data(unit=units["PE01"].pk, link=" /customers/PE0100000001/ "))
    assert Notice.objects.get().link == "/customers/PE0100000001/"


# ---------------------------------------------------------------- preview and publication


def test_the_change_page_shows_the_preview_and_the_publish_form(client, draft):
    response = client.get(change_url(draft))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview: what customers see" in html
    for text in (
        "Lịch ngừng cấp điện Quận 1",
        "Planned outage in District 1",
        "Link: /customers/",
        "Power incidents",
        "PE01 — PC PE01",
    ):
        assert text in html
    assert f'action="{publish_url(draft)}"' in html
    assert 'type="datetime-local" name="publish_at"' in html
    assert correct_url(draft) not in html


def test_the_add_page_has_no_preview_nor_publish_form(client, editor):
    html = client.get(ADD).content.decode()
    assert "Preview: what customers see" not in html
    assert 'id="publish-form"' not in html


def test_publish_now(client, draft, saigon, hanoi):
    before = timezone.now()

    response = client.post(publish_url(draft), {"when": "now"}, follow=True)

    assert response.redirect_chain[-1] == (CHANGELIST, 302)
    assert "The notice is published." in messages_of(response)
    draft.refresh_from_db()
    assert before <= draft.publish_at <= timezone.now()
    assert queries.visible(saigon, now=timezone.now()).get() == draft
    assert not queries.visible(hanoi, now=timezone.now()).exists()


def test_publish_later(client, draft, saigon):
    at = (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)

    response = client.post(publish_url(draft), {"when": "later", "publish_at": local_input(at)})

    assert response.status_code == 302
    assert response["Location"] == CHANGELIST
    draft.refresh_from_db()
    assert draft.publish_at == at
    assert not queries.visible(saigon, now=timezone.now()).exists()
    assert not queries.visible(saigon, now=at - timedelta(minutes=1)).exists()
    assert queries.visible(saigon, now=at).get() == draft


def test_a_time_in_the_past_is_refused(client, draft):
    response = client.post(
        publish_url(draft),
        {"when": "later", "publish_at": local_input(timezone.now() - timedelta(hours=1))},
        follow=True,
    )
    assert response.redirect_chain[-1] == (change_url(draft), 302)
    assert "The publication time cannot be in the past." in messages_of(response)
    draft.refresh_from_db()
    assert draft.publish_at is None


@pytest.mark.parametrize("value", ["", "tomorrow", "2030-13-01T10:00"])
def test_a_missing_or_malformed_time_is_refused(client, draft, value):
    response = client.post(publish_url(draft), {"when": "later", "publish_at": value}, follow=True)
    assert "Enter the publication date and time." in messages_of(response)
    draft.refresh_from_db()
    assert draft.publish_at is None


def test_publish_is_post_only(client, draft):
    response = client.get(publish_url(draft))
    assert response.status_code == 302
    assert response["Location"] == change_url(draft)
    draft.refresh_from_db()
    assert draft.publish_at is None


# ---------------------------------------------------------------- published: corrections only


@pytest.fixture
def published(draft):
    draft.publish(at=timezone.now() - timedelta(minutes=5))
    return draft


def test_a_published_notice_is_shown_read_only_with_make_a_correction(client, published):
    response = client.get(change_url(published))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="title_vi"' not in html
    assert 'name="_save"' not in html
    assert 'id="publish-form"' not in html
    assert f'action="{correct_url(published)}"' in html
    assert "Make a correction" in html
    assert "Preview: what customers see" in html


def test_a_published_notice_cannot_be_changed(client, units, published):
    response = client.post(change_url(published), form_data(unit=units["PE0100"].pk))
    assert response.status_code == 403
    published.refresh_from_db()
    assert (published.unit, published.title_vi) == (units["PE01"], "Lịch ngừng cấp điện Quận 1")


def test_a_published_notice_cannot_be_deleted(client, published):
    delete = reverse("staff:notifications_notice_delete", args=[published.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    response = client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [published.pk], "post": "yes"}
    )
    assert response.status_code == 403
    assert Notice.objects.filter(pk=published.pk).exists()


def test_a_published_notice_is_not_published_again(client, published):
    at = published.publish_at
    response = client.post(publish_url(published), {"when": "now"})
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.publish_at == at


def test_a_draft_can_be_deleted(client, draft):
    delete = reverse("staff:notifications_notice_delete", args=[draft.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Notice.objects.exists()


def test_make_a_correction(client, units, editor, published):
    response = client.post(correct_url(published))

    correction = Notice.objects.exclude(pk=published.pk).get()
    assert response.status_code == 302
    assert response["Location"] == change_url(correction)
    assert correction.corrects == published
    assert correction.publish_at is None
    assert correction.title_vi == "Đính chính: Lịch ngừng cấp điện Quận 1"
    assert correction.title_en == "Correction: Planned outage in District 1"
    assert (correction.audience, correction.unit, correction.issuer_unit) == (
        Audience.UNIT,
        units["PE01"],
        units["PE01"],
    )
    assert (correction.body_vi, correction.link) == (published.body_vi, published.link)
    assert correction.created_by == editor
    # the correction is a draft: it can be edited, then published
    response = client.post(
        change_url(correction),
        form_data(unit=units["PE01"].pk, title_vi="Đính chính: Lịch mới"),
    )
    assert response.status_code == 302, form_errors(response)
    assert client.post(publish_url(correction), {"when": "now"}).status_code == 302
    correction.refresh_from_db()
    assert correction.is_published


def test_a_correction_keeps_the_list_of_customers(client, units, editor):
    customers = [factories.customer(), factories.customer()]
    notice = make_notice(
        audience=Audience.CUSTOMERS, customers=customers, issuer_unit=units["PE01"]
    )
    client.post(correct_url(notice))
    correction = Notice.objects.get(corrects=notice)
    assert set(correction.recipients.values_list("customer", flat=True)) == {
        customer.pk for customer in customers
    }


def test_a_draft_needs_no_correction(client, draft):
    response = client.post(correct_url(draft), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1] == (change_url(draft), 302)
    assert "A draft can be edited; only published notices need a correction." in messages_of(
        response
    )
    assert Notice.objects.count() == 1


# ---------------------------------------------------------------- other units' notices


@pytest.fixture
def hanoi_editor(units, client):
    user = editor_of(units["PD01"])
    client.force_login(user)
    return user


def test_an_editor_lists_only_its_units_notices(client, units, editor):
    mine = make_notice(audience=Audience.UNIT, unit=units["PE01"], issuer_unit=units["PE01"])
    branch = make_notice(audience=Audience.UNIT, unit=units["PE0100"], issuer_unit=units["PE0100"])
    make_notice(audience=Audience.UNIT, unit=units["PD01"], issuer_unit=units["PD01"])
    make_notice(audience=Audience.EVERYONE)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {mine, branch}


def gone(response) -> bool:
    """The admin's answer for an object out of reach: back to the index, as if missing."""
    return response.status_code == 302 and response["Location"] == reverse("staff:index")


def test_another_units_notices_are_out_of_reach_by_url(client, units, draft, hanoi_editor):
    assert client.get(CHANGELIST).context["cl"].result_list.count() == 0
    response = client.get(change_url(draft), follow=True)
    assert response.redirect_chain == [(reverse("staff:index"), 302)]
    assert draft.title_vi not in response.content.decode()
    assert gone(client.post(change_url(draft), form_data(unit=units["PD01"].pk)))
    assert gone(client.get(reverse("staff:notifications_notice_history", args=[draft.pk])))
    delete = reverse("staff:notifications_notice_delete", args=[draft.pk])
    assert gone(client.post(delete, {"post": "yes"}))
    # the publish and correction views answer 404
    assert client.post(publish_url(draft), {"when": "now"}).status_code == 404
    assert client.post(correct_url(draft)).status_code == 404
    draft.refresh_from_db()
    assert (draft.unit, draft.publish_at, draft.title_vi) == (
        units["PE01"],
        None,
        "Lịch ngừng cấp điện Quận 1",
    )
    assert Notice.objects.count() == 1


def test_a_superuser_does_not_list_personal_notices(client, superuser, units):
    account, _ = linked_account("PE0100")
    personal = make_notice(audience=Audience.ACCOUNT, account=account)
    unit_notice = make_notice(audience=Audience.UNIT, unit=units["PD01"])
    result = set(client.get(CHANGELIST).context["cl"].result_list)
    assert unit_notice in result
    assert personal not in result
