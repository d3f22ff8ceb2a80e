"""Reporting an incident and handling it (cskh.incidents.services): the handling unit,
the ticket number, urgency and the service level, the status rules, the timeline and
the notices, and the reporter's rating."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from cskh.core.errors import InvalidInput
from cskh.customers.models import Unit
from cskh.incidents import services
from cskh.incidents.models import Incident, IncidentEvent, Kind, Status
from cskh.notifications import queries as notice_queries
from cskh.notifications.models import Audience, Category, Notice
from tests import factories
from tests.incidents.conftest import HANOI, HCMC, linked_account, make_report

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2025, 11, 20, 9, 30))  # local time (Asia/Ho_Chi_Minh)


def registered_before(account, moment=NOW):
    """Notices are shown from shortly before the account registered: move that back."""
    type(account).objects.filter(pk=account.pk).update(created_at=moment - timedelta(days=1))
    account.refresh_from_db()


def fields_of(error: InvalidInput) -> dict[str, list[str]]:
    return {name: [str(m) for m in messages] for name, messages in error.fields.items()}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# ---------------------------------------------------------------- reporting


def test_a_report_for_a_linked_code(saigon, units):
    account, customer = saigon
    incident = make_report(account, code=customer.code, now=NOW)
    incident.refresh_from_db()
    assert incident.reporter == account
    assert incident.customer == customer
    assert incident.unit == units["PE0100"]  # the customer's own unit
    assert incident.address == customer.address
    assert incident.province == HCMC
    assert incident.status == Status.RECEIVED
    assert incident.created_at == NOW
    assert incident.ticket_no == f"SC251120{incident.pk:06d}"
    assert incident.closed_at is None
    assert incident.rating is None


def test_the_ticket_number_has_the_local_date(saigon):
    account, customer = saigon
    early = timezone.make_aware(datetime(2025, 11, 21, 1, 15))  # 18:15 UTC the day before
    incident = make_report(account, code=customer.code, now=early)
    assert incident.ticket_no == f"SC251121{incident.pk:06d}"


def test_ticket_numbers_are_unique(saigon):
    account, customer = saigon
    tickets = {make_report(account, code=customer.code, now=NOW).ticket_no for _ in range(3)}
    assert len(tickets) == 3


def test_a_report_starts_the_timeline_and_tells_the_reporter(saigon):
    account, customer = saigon
    registered_before(account)
    incident = make_report(account, code=customer.code, now=NOW)
    event = incident.events.get()
    assert (event.status, event.note, event.at, event.by) == (Status.RECEIVED, "", NOW, None)
    notice = Notice.objects.get()
    assert notice.audience == Audience.ACCOUNT
    assert notice.account == account
    assert notice.category == Category.INCIDENT
    assert notice.link == f"/incidents/{incident.pk}/"
    assert notice.publish_at == NOW
    assert notice.title_en == f"Report {incident.ticket_no} received"
    assert incident.ticket_no in notice.title_vi
    assert "Received" in notice.body_en
    assert list(notice_queries.unread(account, now=NOW + timedelta(minutes=1))) == [notice]


def test_the_notice_is_for_the_reporter_only(saigon):
    account, customer = saigon
    other = factories.account()
    factories.link(other, customer, relation="OTHER")  # linked to the same code
    registered_before(account)
    registered_before(other)
    make_report(account, code=customer.code, now=NOW)
    later = NOW + timedelta(minutes=1)
    assert notice_queries.unread_count(account, now=later) == 1
    assert notice_queries.unread_count(other, now=later) == 0


def test_a_report_for_a_place_goes_to_the_power_company_of_its_province(saigon, hanoi, units):
    account, _ = saigon
    incident = make_report(
        account,
        kind=Kind.NO_POWER_AREA,
        address="  Ngõ 5 Hàng Bạc  ",
        province=" hà nội ",
        latitude=Decimal("21.034000"),
        longitude=Decimal("105.852000"),
        now=NOW,
    )
    incident.refresh_from_db()
    assert incident.customer is None
    assert incident.unit == units["PD01"]  # the company above the branch PD0100
    assert incident.address == "Ngõ 5 Hàng Bạc"
    assert incident.province == "hà nội"
    assert (incident.latitude, incident.longitude) == (Decimal("21.034"), Decimal("105.852"))


def test_a_place_in_an_unknown_province_goes_to_the_evn_group(saigon, units):
    account, _ = saigon
    incident = make_report(account, address="Thôn 3", province="Cà Mau", now=NOW)
    assert incident.unit == units["EVN"]
    assert incident.unit.level == Unit.Level.GROUP


def test_a_place_without_a_province_goes_to_the_evn_group(saigon, units):
    account, _ = saigon
    factories.customer(unit_code="PD0100", province="")  # a customer with no province
    incident = make_report(account, address="Thôn 3", now=NOW)
    assert incident.unit == units["EVN"]


def test_a_customer_code_that_is_not_linked_is_refused(saigon, hanoi):
    account, _ = saigon
    _, someone_elses = hanoi
    with pytest.raises(InvalidInput) as caught:
        make_report(account, code=someone_elses.code, now=NOW)
    assert fields_of(caught.value) == {
        "customer_code": ["This customer code is not linked to your account."]
    }
    assert not Incident.objects.exists()
    assert not Notice.objects.exists()


def test_neither_a_code_nor_an_address_is_refused(saigon):
    account, _ = saigon
    with pytest.raises(InvalidInput) as caught:
        make_report(account, address="   ", province=HCMC, now=NOW)
    assert list(fields_of(caught.value)) == ["address"]
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("kind", "urgent", "hours"),
    [
        (Kind.SAFETY_HAZARD, True, 2),
        (Kind.NO_POWER_HOUSE, False, 24),
        (Kind.NO_POWER_AREA, False, 24),
        (Kind.OTHER, False, 24),
    ],
)
def test_safety_hazards_are_urgent_with_a_shorter_deadline(saigon, settings, kind, urgent, hours):
    settings.INCIDENT_HANDLING_HOURS = {"URGENT": 2, "NORMAL": 24}
    account, customer = saigon
    incident = make_report(account, code=customer.code, kind=kind, now=NOW)
    assert incident.urgent is urgent
    assert incident.due_at == NOW + timedelta(hours=hours)


def test_the_deadlines_come_from_the_settings(saigon, settings):
    settings.INCIDENT_HANDLING_HOURS = {"URGENT": 1, "NORMAL": 48}
    account, customer = saigon
    hazard = make_report(account, code=customer.code, kind=Kind.SAFETY_HAZARD, now=NOW)
    other = make_report(account, code=customer.code, kind=Kind.OTHER, now=NOW)
    assert hazard.due_at == NOW + timedelta(hours=1)
    assert other.due_at == NOW + timedelta(hours=48)


# ---------------------------------------------------------------- status changes


@pytest.fixture
def incident(saigon):
    account, customer = saigon
    return make_report(account, code=customer.code, now=NOW)


@pytest.fixture
def agent(units):
    return factories.account(is_staff=True)


def change(incident, status, note="", *, by, minutes=10):
    return services.change_status(
        incident=incident, status=status, note=note, by=by, now=NOW + timedelta(minutes=minutes)
    )


@pytest.mark.parametrize(
    "path",
    [
        [Status.IN_PROGRESS, Status.RESOLVED],
        [Status.IN_PROGRESS, Status.REJECTED],
        [Status.RESOLVED],
        [Status.REJECTED],
    ],
)
def test_allowed_status_changes(incident, agent, path):
    for minutes, status in enumerate(path, start=1):
        changed = change(incident, status, "Lý do / ghi chú", by=agent, minutes=minutes)
        assert changed.status == status
    incident.refresh_from_db()
    assert incident.status == path[-1]
    assert incident.closed_at == NOW + timedelta(minutes=len(path))
    assert [e.status for e in incident.events.order_by("at", "id")] == [Status.RECEIVED, *path]


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], Status.RECEIVED),
        ([Status.IN_PROGRESS], Status.IN_PROGRESS),
        ([Status.IN_PROGRESS], Status.RECEIVED),
        ([Status.RESOLVED], Status.IN_PROGRESS),
        ([Status.RESOLVED], Status.REJECTED),
        ([Status.REJECTED], Status.RESOLVED),
        ([Status.REJECTED], Status.RECEIVED),
    ],
)
def test_refused_status_changes(incident, agent, path, refused):
    for status in path:
        change(incident, status, "ghi chú", by=agent)
    events, notices = IncidentEvent.objects.count(), Notice.objects.count()
    with pytest.raises(InvalidInput) as caught:
        change(incident, refused, "ghi chú", by=agent)
    assert list(fields_of(caught.value)) == ["status"]
    assert "cannot become" in fields_of(caught.value)["status"][0]
    incident.refresh_from_db()
    assert incident.status == (path[-1] if path else Status.RECEIVED)
    assert (IncidentEvent.objects.count(), Notice.objects.count()) == (events, notices)


def test_a_stale_copy_cannot_move_a_closed_report(incident, agent):
    stale = Incident.objects.get(pk=incident.pk)
    change(incident, Status.RESOLVED, by=agent)
    with pytest.raises(InvalidInput):
        change(stale, Status.REJECTED, "trùng", by=agent)
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED


@pytest.mark.parametrize("note", ["", "   "])
def test_rejecting_needs_a_note(incident, agent, note):
    with pytest.raises(InvalidInput) as caught:
        change(incident, Status.REJECTED, note, by=agent)
    assert fields_of(caught.value) == {"note": ["Tell the reporter why it is rejected."]}
    incident.refresh_from_db()
    assert incident.status == Status.RECEIVED
    assert incident.events.count() == 1


def test_each_change_adds_an_event_and_a_notice(incident, agent):
    account = incident.reporter
    registered_before(account)
    change(incident, Status.IN_PROGRESS, by=agent, minutes=5)
    change(incident, Status.RESOLVED, "  Đã nối lại dây.  ", by=agent, minutes=50)
    events = list(incident.events.order_by("at", "id"))
    assert [(e.status, e.note, e.by) for e in events] == [
        (Status.RECEIVED, "", None),
        (Status.IN_PROGRESS, "", agent),
        (Status.RESOLVED, "Đã nối lại dây.", agent),
    ]
    assert [e.at for e in events] == [NOW, NOW + timedelta(minutes=5), NOW + timedelta(minutes=50)]
    notices = list(Notice.objects.order_by("publish_at", "id"))
    assert len(notices) == 3
    assert all(n.account == account and n.category == Category.INCIDENT for n in notices)
    assert all(n.link == f"/incidents/{incident.pk}/" for n in notices)
    assert notices[1].title_en == f"Report {incident.ticket_no}: new status"
    assert "Being handled" in notices[1].body_en
    assert "Handled" in notices[2].body_en
    assert notices[2].body_vi != notices[2].body_en
    later = NOW + timedelta(hours=1)
    assert notice_queries.unread_count(account, now=later) == 3


def test_a_rejection_keeps_its_reason(incident, agent):
    change(incident, Status.REJECTED, "Không phải lưới điện của EVN.", by=agent)
    event = incident.events.get(status=Status.REJECTED)
    assert event.note == "Không phải lưới điện của EVN."
    assert "Rejected" in Notice.objects.latest("id").body_en


# ---------------------------------------------------------------- assignment and notes


def test_assign_and_add_an_internal_note(incident, agent):
    services.assign(incident=incident, to=agent)
    incident.refresh_from_db()
    assert incident.assigned_to == agent
    note = services.add_note(incident=incident, text="  Gọi lại lúc 10h  ", by=agent, now=NOW)
    assert (note.text, note.by, note.at) == ("Gọi lại lúc 10h", agent, NOW)
    assert Notice.objects.count() == 1  # an internal note tells nobody


def test_an_empty_note_is_refused(incident, agent):
    with pytest.raises(InvalidInput):
        services.add_note(incident=incident, text="  ", by=agent, now=NOW)
    assert not incident.notes.exists()


# ---------------------------------------------------------------- rating


def rate(incident, rating=5, comment="", *, reporter=None):
    return services.rate(
        reporter=reporter or incident.reporter,
        incident_id=incident.pk,
        rating=rating,
        comment=comment,
        now=NOW + timedelta(hours=2),
    )


@pytest.mark.parametrize("status", [None, Status.IN_PROGRESS, Status.REJECTED])
def test_only_a_resolved_report_can_be_rated(incident, agent, status):
    if status:
        change(incident, status, "ghi chú", by=agent)
    with pytest.raises(InvalidInput) as caught:
        rate(incident)
    assert "once the report is handled" in str(caught.value.message)
    incident.refresh_from_db()
    assert incident.rating is None


def test_the_reporter_rates_a_resolved_report_once(incident, agent):
    change(incident, Status.RESOLVED, "Xong", by=agent)
    rated = rate(incident, 4, "  Nhanh, nhân viên nhiệt tình.  ")
    incident.refresh_from_db()
    assert (incident.rating, incident.rating_comment) == (4, "Nhanh, nhân viên nhiệt tình.")
    assert incident.rated_at == NOW + timedelta(hours=2)
    assert rated.rating == 4
    with pytest.raises(InvalidInput) as caught:
        rate(incident, 1, "Đổi ý")
    assert "already rated" in str(caught.value.message)
    incident.refresh_from_db()
    assert (incident.rating, incident.rating_comment) == (4, "Nhanh, nhân viên nhiệt tình.")


@pytest.mark.parametrize("rating", [1, 5])
def test_ratings_from_1_to_5(incident, agent, rating):
    change(incident, Status.RESOLVED, by=agent)
    rate(incident, rating)
    incident.refresh_from_db()
    assert incident.rating == rating


@pytest.mark.parametrize("rating", [0, 6])
def test_the_database_refuses_a_rating_outside_1_to_5(incident, agent, rating):
    from django.db import IntegrityError, transaction

    change(incident, Status.RESOLVED, by=agent)
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(rating=rating)


def test_only_the_reporter_can_rate(incident, agent, hanoi):
    change(incident, Status.RESOLVED, by=agent)
    other, _ = hanoi
    for stranger in (other, agent):
        with pytest.raises(services.IncidentNotFound):
            rate(incident, 5, reporter=stranger)
    incident.refresh_from_db()
    assert incident.rating is None


def test_rating_a_report_that_does_not_exist(saigon):
    account, _ = saigon
    with pytest.raises(services.IncidentNotFound):
        services.rate(reporter=account, incident_id=999_999, rating=5, comment="", now=NOW)


def test_the_same_account_with_two_codes_reports_on_either(units):
    account, first = linked_account("PE0100")
    second = factories.customer(unit_code="PD0100", province=HANOI)
    factories.link(account, second)
    assert make_report(account, code=second.code, now=NOW).unit == units["PD0100"]
    assert make_report(account, code=first.code, now=NOW).unit == units["PE0100"]
