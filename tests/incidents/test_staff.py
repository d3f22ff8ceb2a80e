"""The incident queue in the back-office (/staff/incidents/incident/): each unit sees
and handles its own reports and those of the units under it; filters, assignment,
internal notes, status changes through the service, the handling clock, photos."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cskh.incidents.models import Incident, IncidentEvent, IncidentNote, Kind, Status
from cskh.notifications.models import Category, Notice
from cskh.staff import roles
from cskh.staff.models import StaffMembership
from tests import factories
from tests.helpers import token_for
from tests.incidents.conftest import HANOI, HCMC, image_bytes, make_report

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("staff:incidents_incident_changelist")


def change_url(incident) -> str:
    return reverse("staff:incidents_incident_change", args=[incident.pk])


def status_url(incident) -> str:
    return reverse("staff:incidents_incident_status", args=[incident.pk])


def photo_url(picture) -> str:
    return reverse("staff:incidents_incident_photo", args=[picture.incident_id, picture.pk])


def staff_member(unit, role: str = roles.SUPPORT_AGENT, **fields):
    user = factories.account(is_staff=True, language="en", **fields)
    user.groups.add(Group.objects.get(name=role))
    if unit is not None:
        StaffMembership.objects.create(user=user, unit=unit)
    return user


def listed(response) -> set[str]:
    assert response.status_code == 200, response.content[:500]
    return {incident.ticket_no for incident in response.context["cl"].result_list}


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture(autouse=True)
def _roles(db):
    roles.ensure_roles()


@pytest.fixture
def agent(units):
    """A support agent of PE01 (EVNHCMC's company: PE01 and its branch PE0100)."""
    return staff_member(units["PE01"])


@pytest.fixture
def reports(saigon, hanoi):
    """A report for a PE0100 code, one for a place in HCMC (PE01), one for a PD0100 code."""
    account, customer = saigon
    other, theirs = hanoi
    return {
        "code": make_report(
            account, code=customer.code, kind=Kind.SAFETY_HAZARD, photos=[image_bytes()]
        ),
        "place": make_report(
            account, kind=Kind.NO_POWER_AREA, address="Chợ Bến Thành", province=HCMC
        ),
        "hanoi": make_report(other, code=theirs.code, photos=[image_bytes()]),
    }


# ---------------------------------------------------------------- scope


def test_the_agent_sees_the_reports_of_its_unit_only(client, agent, reports, units):
    assert reports["place"].unit == units["PE01"]
    assert reports["code"].unit == units["PE0100"]
    client.force_login(agent)
    assert listed(client.get(CHANGELIST)) == {reports["code"].ticket_no, reports["place"].ticket_no}
    assert client.get(change_url(reports["code"])).status_code == 200
    response = client.get(change_url(reports["hanoi"]))
    assert response.status_code == 302  # "does not exist": back to the staff index
    assert reports["hanoi"].ticket_no not in client.get(response["Location"]).content.decode()


def test_a_branch_agent_sees_its_branch_only(client, reports, units):
    branch = staff_member(units["PE0100"])
    client.force_login(branch)
    assert listed(client.get(CHANGELIST)) == {reports["code"].ticket_no}
    assert client.get(change_url(reports["place"])).status_code == 302


def test_the_hanoi_agent_sees_the_hanoi_report(client, reports, units):
    client.force_login(staff_member(units["PD01"]))
    assert listed(client.get(CHANGELIST)) == {reports["hanoi"].ticket_no}


def test_a_superuser_sees_everything(client, reports):
    admin = factories.account(is_staff=True, is_superuser=True, language="en")
    client.force_login(admin)
    assert len(listed(client.get(CHANGELIST))) == 3


def test_an_agent_without_a_unit_sees_nothing(client, reports):
    client.force_login(staff_member(None))
    assert listed(client.get(CHANGELIST)) == set()


def test_staff_without_the_incident_permissions_are_refused(client, reports, units):
    editor = staff_member(units["PE01"], role=roles.CONTENT_EDITOR)
    client.force_login(editor)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(reports["code"])).status_code == 403
    response = client.post(status_url(reports["code"]), {"status": Status.IN_PROGRESS})
    assert response.status_code == 302
    reports["code"].refresh_from_db()
    assert reports["code"].status == Status.RECEIVED


def test_customers_cannot_open_the_queue(client, saigon, reports):
    client.force_login(saigon[0])
    for path in (CHANGELIST, change_url(reports["code"]), status_url(reports["code"])):
        response = client.get(path)
        assert response.status_code == 302
        assert "/staff/login/" in response["Location"]


def test_a_malformed_id_is_not_a_server_error(client, agent, reports):
    client.force_login(agent)
    response = client.get("/staff/incidents/incident/abc/change/")
    assert response.status_code == 302


@pytest.mark.parametrize(
    "role", [roles.SUPPORT_AGENT, roles.UNIT_ADMIN, roles.OPERATOR], ids=["agent", "admin", "op"]
)
def test_roles_that_handle_incidents(client, reports, units, role):
    client.force_login(staff_member(units["PE01"], role=role))
    assert len(listed(client.get(CHANGELIST))) == 2


# ---------------------------------------------------------------- filters


def test_filters(client, agent, reports, saigon, units):
    account, customer = saigon
    done = make_report(account, code=customer.code, kind=Kind.OTHER)
    Incident.objects.filter(pk=done.pk).update(status=Status.RESOLVED)
    old = make_report(
        account, code=customer.code, now=timezone.now() - timedelta(days=10), kind=Kind.OTHER
    )
    client.force_login(agent)
    code, place = reports["code"].ticket_no, reports["place"].ticket_no
    assert listed(client.get(CHANGELIST, {"status__exact": "RESOLVED"})) == {done.ticket_no}
    assert listed(client.get(CHANGELIST, {"status__exact": "RECEIVED"})) == {
        code,
        place,
        old.ticket_no,
    }
    assert listed(client.get(CHANGELIST, {"kind__exact": "NO_POWER_AREA"})) == {place}
    assert listed(client.get(CHANGELIST, {"urgent__exact": "1"})) == {code}
    assert code not in listed(client.get(CHANGELIST, {"urgent__exact": "0"}))
    today = timezone.localdate()
    last_week = {
        "created_at__gte": str(today - timedelta(days=7)),
        "created_at__lt": str(today + timedelta(days=1)),
    }
    assert old.ticket_no not in listed(client.get(CHANGELIST, last_week))
    assert code in listed(client.get(CHANGELIST, last_week))
    assert listed(client.get(CHANGELIST, {"q": place})) == {place}
    assert listed(client.get(CHANGELIST, {"q": "Bến Thành"})) == {place}


def test_urgent_reports_come_first(client, agent, reports):
    client.force_login(agent)
    rows = client.get(CHANGELIST).context["cl"].result_list
    assert rows[0] == reports["code"]


# ---------------------------------------------------------------- the clock


def test_the_clock_shows_late_and_due(client, agent, reports):
    Incident.objects.filter(pk=reports["code"].pk).update(
        due_at=timezone.now() - timedelta(hours=3, minutes=5)
    )
    Incident.objects.filter(pk=reports["place"].pk).update(
        due_at=timezone.now() + timedelta(hours=5, minutes=30)
    )
    client.force_login(agent)
    page = client.get(CHANGELIST).content.decode()
    assert "late by 3\xa0hours" in page
    assert "due in 5\xa0hours" in page


def test_the_clock_of_a_closed_report_shows_its_status(client, agent, reports):
    Incident.objects.filter(pk=reports["code"].pk).update(
        status=Status.RESOLVED, due_at=timezone.now() - timedelta(days=2)
    )
    Incident.objects.filter(pk=reports["place"].pk).update(
        due_at=timezone.now() - timedelta(days=2)
    )
    client.force_login(agent)
    page = client.get(CHANGELIST).content.decode()
    assert page.count("late by") == 1
    assert "Handled" in page


# ---------------------------------------------------------------- status changes


def test_change_the_status_and_the_reporter_sees_it(client, agent, reports):
    incident = reports["code"]
    account = incident.reporter
    client.force_login(agent)
    page = client.get(change_url(incident))
    choices = [value for value, _ in page.context["status_form"].fields["status"].choices]
    assert choices == [Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED]
    assert f'action="{status_url(incident)}"' in page.content.decode()

    response = client.post(status_url(incident), {"status": Status.IN_PROGRESS, "note": ""})
    assert response.status_code == 302
    assert response["Location"] == change_url(incident)
    assert messages_of(response) == ["The status is changed and the reporter is told."]
    response = client.post(
        status_url(incident), {"status": Status.RESOLVED, "note": "Đã nối lại dây."}
    )
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert incident.closed_at is not None
    events = list(incident.events.order_by("at", "id"))
    assert [(e.status, e.note, e.by) for e in events] == [
        (Status.RECEIVED, "", None),
        (Status.IN_PROGRESS, "", agent),
        (Status.RESOLVED, "Đã nối lại dây.", agent),
    ]
    notices = Notice.objects.filter(
        account=account, category=Category.INCIDENT, link=f"/incidents/{incident.pk}/"
    )
    assert notices.count() == 3

    # the reporter's page and API show the new status and the note
    client.force_login(account)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Đã nối lại dây." in page
    assert "Rate the handling" in page
    body = client.get(
        f"/api/v1/incidents/{incident.pk}",
        headers={"Authorization": f"Bearer {token_for(account)}"},
    ).json()
    assert body["status"] == "RESOLVED"
    assert body["timeline"][-1]["note"] == "Đã nối lại dây."

    # a closed report offers no status change any more
    client.force_login(agent)
    page = client.get(change_url(incident))
    assert page.context["status_form"].fields["status"].choices == []
    assert f'action="{status_url(incident)}"' not in page.content.decode()


@pytest.mark.parametrize(
    ("first", "then", "message"),
    [
        (Status.RESOLVED, Status.IN_PROGRESS, "cannot become"),
        (Status.IN_PROGRESS, Status.RECEIVED, "cannot become"),
        (None, Status.REJECTED, "Tell the reporter why it is rejected."),
        (None, "CLOSED", "Choose a status the report can move to."),
    ],
)
def test_refused_status_changes(client, agent, reports, first, then, message):
    incident = reports["code"]
    client.force_login(agent)
    if first:
        client.post(status_url(incident), {"status": first, "note": "ghi chú"})
    events = IncidentEvent.objects.filter(incident=incident).count()
    notices = Notice.objects.count()
    response = client.post(status_url(incident), {"status": then, "note": "  "})
    assert response.status_code == 302
    assert response["Location"] == change_url(incident)
    assert any(message in m for m in messages_of(response)), messages_of(response)
    incident.refresh_from_db()
    assert incident.status == (first or Status.RECEIVED)
    assert IncidentEvent.objects.filter(incident=incident).count() == events
    assert Notice.objects.count() == notices


def test_reject_with_a_reason(client, agent, reports):
    incident = reports["place"]
    client.force_login(agent)
    client.post(status_url(incident), {"status": Status.REJECTED, "note": "Trùng báo cáo."})
    incident.refresh_from_db()
    assert incident.status == Status.REJECTED
    assert incident.events.get(status=Status.REJECTED).note == "Trùng báo cáo."


def test_the_status_url_only_takes_a_post(client, agent, reports):
    client.force_login(agent)
    response = client.get(status_url(reports["code"]))
    assert response.status_code == 302
    reports["code"].refresh_from_db()
    assert reports["code"].status == Status.RECEIVED


def test_another_units_report_cannot_be_changed(client, agent, reports):
    incident = reports["hanoi"]
    client.force_login(agent)
    response = client.post(status_url(incident), {"status": Status.RESOLVED, "note": "x"})
    assert response.status_code == 404
    incident.refresh_from_db()
    assert incident.status == Status.RECEIVED
    assert incident.events.count() == 1


# ---------------------------------------------------------------- assignment and notes


def change_form_data(client, incident, **fields) -> dict:
    """What the change form posts as it is, with `fields` changed."""
    response = client.get(change_url(incident))
    assert response.status_code == 200
    data = {"assigned_to": incident.assigned_to_id or ""}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management.initial.get(name, "")
        for form in formset.initial_forms:
            data[form.add_prefix("id")] = form.instance.pk
            data[form.add_prefix(formset.fk.name)] = incident.pk
    data.update(fields)
    return data


def test_assign_to_a_colleague_of_the_unit(client, agent, reports, units):
    colleague = staff_member(units["PE0100"], full_name="Lê Văn Đồng Nghiệp")
    hanoi_agent = staff_member(units["PD01"])
    incident = reports["code"]
    client.force_login(agent)
    choices = client.get(change_url(incident)).context["adminform"].form.fields["assigned_to"]
    assert set(choices.queryset) == {agent, colleague}

    response = client.post(
        change_url(incident), change_form_data(client, incident, assigned_to=colleague.pk)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident.refresh_from_db()
    assert incident.assigned_to == colleague
    assert incident.status == Status.RECEIVED
    assert Notice.objects.filter(link=f"/incidents/{incident.pk}/").count() == 1  # no notice

    response = client.post(
        change_url(incident), change_form_data(client, incident, assigned_to=hanoi_agent.pk)
    )
    assert response.status_code == 200
    assert "assigned_to" in response.context["adminform"].form.errors
    incident.refresh_from_db()
    assert incident.assigned_to == colleague


def test_the_change_form_cannot_rewrite_what_the_customer_reported(client, agent, reports):
    incident = reports["code"]
    client.force_login(agent)
    data = change_form_data(
        client,
        incident,
        description="Đã sửa",
        status=Status.RESOLVED,
        rating="5",
        unit=reports["hanoi"].unit_id,
    )
    client.post(change_url(incident), data)
    incident.refresh_from_db()
    assert incident.description != "Đã sửa"
    assert incident.status == Status.RECEIVED
    assert incident.rating is None
    assert incident.unit != reports["hanoi"].unit


def test_internal_notes_are_added_and_never_shown_to_the_reporter(client, agent, reports):
    incident = reports["code"]
    client.force_login(agent)
    data = change_form_data(client, incident, **{"notes-0-text": "Khách hẹn sau 14h."})
    response = client.post(change_url(incident), data)
    assert response.status_code == 302
    note = IncidentNote.objects.get()
    assert (note.incident, note.text, note.by) == (incident, "Khách hẹn sau 14h.", agent)
    assert note.at is not None

    # a second note; the first stays as it was
    data = change_form_data(
        client, incident, **{"notes-0-text": "Sửa đè", "notes-1-text": "Đã gọi lại."}
    )
    client.post(change_url(incident), data)
    assert list(IncidentNote.objects.order_by("id").values_list("text", flat=True)) == [
        "Khách hẹn sau 14h.",
        "Đã gọi lại.",
    ]
    assert "Khách hẹn sau 14h." in client.get(change_url(incident)).content.decode()

    # nothing of it reaches the reporter
    assert Notice.objects.filter(link=f"/incidents/{incident.pk}/").count() == 1
    account = incident.reporter
    client.force_login(account)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    api = client.get(
        f"/api/v1/incidents/{incident.pk}",
        headers={"Authorization": f"Bearer {token_for(account)}"},
    ).content.decode()
    for text in ("Khách hẹn sau 14h.", "Đã gọi lại."):
        assert text not in page
        assert text not in api


# ---------------------------------------------------------------- photos


def test_staff_open_the_photos_of_their_units_reports_only(client, agent, reports):
    mine = reports["code"].photos.get()
    theirs = reports["hanoi"].photos.get()
    client.force_login(agent)
    page = client.get(change_url(reports["code"])).content.decode()
    assert photo_url(mine) in page
    response = client.get(photo_url(mine))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
    assert client.get(photo_url(theirs)).status_code == 404
    # a photo of another unit's report under one's own report's URL
    mixed = reverse("staff:incidents_incident_photo", args=[reports["code"].pk, theirs.pk])
    assert client.get(mixed).status_code == 404


def test_customers_cannot_open_staff_photo_urls(client, hanoi, reports):
    client.force_login(hanoi[0])
    response = client.get(photo_url(reports["code"].photos.get()))
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


# ---------------------------------------------------------------- no adding, no deleting


@pytest.mark.parametrize("superuser", [False, True], ids=["agent", "superuser"])
def test_nobody_adds_or_deletes_reports(client, agent, reports, superuser):
    user = agent
    if superuser:
        user = factories.account(is_staff=True, is_superuser=True, language="en")
    incident = reports["code"]
    client.force_login(user)
    assert client.get(reverse("staff:incidents_incident_add")).status_code == 403
    delete = reverse("staff:incidents_incident_delete", args=[incident.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    response = client.get(CHANGELIST)
    assert "delete_selected" not in response.content.decode()
    assert "Add incident report" not in response.content.decode()
    client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [incident.pk]})
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_notes_cannot_be_deleted_or_rewritten(client, agent, reports):
    incident = reports["code"]
    client.force_login(agent)
    client.post(change_url(incident), change_form_data(client, incident, **{"notes-0-text": "A"}))
    note = IncidentNote.objects.get()
    data = change_form_data(client, incident, **{"notes-0-text": "B", "notes-0-DELETE": "on"})
    client.post(change_url(incident), data)
    note.refresh_from_db()
    assert note.text == "A"


def test_the_change_page_shows_the_reporters_timeline(client, agent, reports):
    incident = reports["place"]
    client.force_login(agent)
    client.post(status_url(incident), {"status": Status.IN_PROGRESS, "note": "Đang kiểm tra."})
    page = client.get(change_url(incident)).content.decode()
    assert "Timeline seen by the reporter" in page
    assert "Đang kiểm tra." in page
    assert HANOI not in page
