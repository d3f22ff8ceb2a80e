"""The customer's pages: /incidents/ (my reports), /incidents/new/ (what is already
known, then the form), /incidents/<id>/ (timeline, photos, rating) and the photos,
which only the reporter can open."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cskh.core.codes import normalize_phone
from cskh.incidents import services
from cskh.incidents.models import Incident, Kind, Status
from cskh.outages.models import Outage, OutageCustomer
from tests import factories
from tests.incidents.conftest import HANOI, HCMC, image_bytes, linked_account, make_report

pytestmark = pytest.mark.django_db

NEW = "/incidents/new/"


def detail_url(incident) -> str:
    return f"/incidents/{incident.pk}/"


def photo_url(picture) -> str:
    return f"/incidents/{picture.incident_id}/photos/{picture.pk}/"


@pytest.fixture
def agent(units):
    return factories.account(is_staff=True)


def move(incident, status, note="", *, by):
    return services.change_status(
        incident=incident, status=status, note=note, by=by, now=timezone.now()
    )


def make_outage(unit, customers, *, area="Đường Lê Lợi, Quận 1", hours_from_now=2, **fields):
    start = timezone.now() + timedelta(hours=hours_from_now)
    outage = Outage.objects.create(
        unit=unit,
        kind=fields.pop("kind", Outage.Kind.OUTAGE),
        emergency=fields.pop("emergency", True),
        area=area,
        line="ĐZ 22kV lộ 471",
        reason="Sửa chữa đường dây",
        start_at=start,
        end_at=start + timedelta(hours=4),
        **fields,
    )
    OutageCustomer.objects.bulk_create(OutageCustomer(outage=outage, customer=c) for c in customers)
    return outage


# ---------------------------------------------------------------- who gets in


@pytest.mark.parametrize("path", ["/incidents/", NEW, "/incidents/1/", "/incidents/1/photos/1/"])
def test_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# ---------------------------------------------------------------- my reports


def test_the_list_shows_only_my_reports(client, saigon, hanoi):
    account, customer = saigon
    other, theirs = hanoi
    mine = make_report(account, code=customer.code, kind=Kind.SAFETY_HAZARD)
    place = make_report(account, address="Chợ Bến Thành", province=HCMC)
    not_mine = make_report(other, code=theirs.code)
    client.force_login(account)
    response = client.get("/incidents/")
    assert response.status_code == 200
    assert list(response.context["incidents"]) == [place, mine]
    page = response.content.decode()
    assert mine.ticket_no in page
    assert "Safety hazard" in page
    assert "Chợ Bến Thành" in page
    assert not_mine.ticket_no not in page
    assert f'href="{detail_url(mine)}"' in page


def test_an_empty_list_says_so(client, saigon):
    client.force_login(saigon[0])
    response = client.get("/incidents/")
    assert "You have not reported any incident." in response.content.decode()


def test_the_list_in_vietnamese(client, units):
    account, customer = linked_account(language="vi")
    make_report(account, code=customer.code)
    client.force_login(account)
    page = client.get("/incidents/").content.decode()
    assert "Báo sự cố điện" in page
    assert "Đã tiếp nhận" in page


# ---------------------------------------------------------------- a new report


def test_the_form_offers_the_linked_codes_and_the_phone(client, saigon):
    account, customer = saigon
    factories.link(account, factories.customer(unit_code="PD0100"), nickname="Nhà mẹ")
    client.force_login(account)
    response = client.get(NEW)
    assert response.status_code == 200
    form = response.context["form"]
    codes = [value for value, _label in form.fields["customer_code"].choices]
    assert codes[0] == ""
    assert customer.code in codes
    assert len(codes) == 3
    assert any(label.startswith("Nhà mẹ · ") for _v, label in form.fields["customer_code"].choices)
    assert normalize_phone(form.initial["contact_phone"]) == account.phone
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'accept="image/jpeg,image/png,image/webp"' in page
    assert "cskh/locate.js" in page
    assert "Already known" not in page  # nothing known yet


def test_known_outages_and_area_reports_come_before_the_form(client, saigon, hanoi, units):
    account, customer = saigon
    neighbour, _ = linked_account("PE0100", HCMC)
    other, _ = hanoi
    outage = make_outage(units["PE0100"], [customer], area="Đường Lê Lợi, Quận 1")
    make_outage(units["PD0100"], [hanoi[1]], area="Phố Hàng Bạc")  # not my code
    area = make_report(
        neighbour, kind=Kind.NO_POWER_AREA, address="Khu phố 3, Phường Bến Nghé", province=HCMC
    )
    make_report(other, kind=Kind.NO_POWER_AREA, address="Phố Huế", province=HANOI)
    closed = make_report(neighbour, kind=Kind.NO_POWER_AREA, address="Hẻm 12", province=HCMC)
    move(closed, Status.RESOLVED, by=factories.account(is_staff=True))
    make_report(neighbour, kind=Kind.NO_POWER_HOUSE, address="Nhà số 9", province=HCMC)

    client.force_login(account)
    response = client.get(NEW)
    assert [item["outage"] for item in response.context["outages"]] == [outage]
    assert list(response.context["area_incidents"]) == [area]
    page = response.content.decode()
    known, form = page.index("Already known"), page.index("data-incident-form")
    assert known < page.index("Đường Lê Lợi, Quận 1") < form
    assert known < page.index("Khu phố 3, Phường Bến Nghé") < form
    assert f'href="/outages/{outage.pk}/"' in page
    for elsewhere in ("Phố Hàng Bạc", "Phố Huế", "Hẻm 12", "Nhà số 9"):
        assert elsewhere not in page


def test_a_cancelled_or_past_outage_is_not_shown(client, saigon, units):
    account, customer = saigon
    make_outage(units["PE0100"], [customer], area="Đã hủy", cancelled_at=timezone.now())
    make_outage(units["PE0100"], [customer], area="Đã qua", hours_from_now=-10)
    client.force_login(account)
    response = client.get(NEW)
    assert response.context["outages"] == []
    assert "Already known" not in response.content.decode()


def test_report_through_the_form(client, saigon, units):
    account, customer = saigon
    client.force_login(account)
    response = client.post(
        NEW,
        {
            "kind": Kind.SAFETY_HAZARD,
            "customer_code": customer.code,
            "description": "Dây điện đứt rơi xuống sân.",
            "contact_phone": "0912 345 678",
            "latitude": "10.776900",
            "longitude": "106.700900",
            "photos": [SimpleUploadedFile("a.png", image_bytes(), content_type="image/png")],
        },
        follow=True,
    )
    incident = Incident.objects.get()
    assert response.redirect_chain == [(detail_url(incident), 302)]
    assert (incident.kind, incident.customer, incident.urgent) == (
        Kind.SAFETY_HAZARD,
        customer,
        True,
    )
    assert incident.contact_phone == "+84912345678"
    assert str(incident.latitude) == "10.776900"
    page = response.content.decode()
    assert f"Report {incident.ticket_no} is received." in page
    assert "Received" in page


def test_report_a_place_through_the_form(client, saigon, hanoi, units):
    account, _ = saigon
    client.force_login(account)
    client.post(
        NEW,
        {
            "kind": Kind.NO_POWER_AREA,
            "customer_code": "",
            "address": "Số 5 Hàng Bạc",
            "province": HANOI,
            "description": "Cả phố mất điện.",
            "contact_phone": "0912345678",
        },
    )
    assert Incident.objects.get().unit == units["PD01"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"customer_code": ""}, "address"),
        ({"kind": "FIRE"}, "kind"),
        ({"contact_phone": "123"}, "contact_phone"),
        ({"description": ""}, "description"),
        ({"latitude": "abc"}, "latitude"),
    ],
)
def test_bad_input_keeps_the_form_and_writes_nothing(client, saigon, data, field):
    account, customer = saigon
    client.force_login(account)
    base = {
        "kind": Kind.OTHER,
        "customer_code": customer.code,
        "description": "Đồng hồ kêu to.",
        "contact_phone": "0912345678",
    }
    response = client.post(NEW, base | data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Incident.objects.exists()


def test_a_code_of_another_account_is_refused_on_the_form(client, saigon, hanoi):
    account, _ = saigon
    client.force_login(account)
    response = client.post(
        NEW,
        {
            "kind": Kind.OTHER,
            "customer_code": hanoi[1].code,
            "description": "x",
            "contact_phone": "0912345678",
        },
    )
    assert "customer_code" in response.context["form"].errors
    assert not Incident.objects.exists()


# ---------------------------------------------------------------- one report


def test_the_detail_shows_the_timeline_and_the_photos(client, saigon, agent, units):
    account, customer = saigon
    incident = make_report(account, code=customer.code, photos=[image_bytes(), image_bytes()])
    move(incident, Status.IN_PROGRESS, "Đội sửa chữa đang đến.", by=agent)
    services.add_note(incident=incident, text="NỘI BỘ: gọi trước", by=agent, now=timezone.now())
    client.force_login(account)
    response = client.get(detail_url(incident))
    assert response.status_code == 200
    page = response.content.decode()
    assert incident.ticket_no in page
    assert units["PE0100"].name in page
    timeline = page[page.index('<ol class="timeline">') :]
    assert timeline.index("Received") < timeline.index("Being handled")
    assert timeline.index("Being handled") < timeline.index("Đội sửa chữa đang đến.")
    for picture in incident.photos.all():
        assert f'src="{photo_url(picture)}"' in page
    assert "NỘI BỘ" not in page  # internal notes are never shown
    assert "Rate the handling" not in page
    assert response.context["form"] is not None


def test_the_reporter_opens_its_photos(client, saigon):
    account, customer = saigon
    incident = make_report(account, code=customer.code, photos=[image_bytes()])
    picture = incident.photos.get()
    client.force_login(account)
    response = client.get(photo_url(picture))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")


def test_another_accounts_report_and_photo_are_404(client, saigon, hanoi):
    account, customer = saigon
    other, theirs = hanoi
    incident = make_report(account, code=customer.code, photos=[image_bytes()])
    picture = incident.photos.get()
    own = make_report(other, code=theirs.code, photos=[image_bytes()])
    client.force_login(other)
    assert client.get(detail_url(incident)).status_code == 404
    assert client.post(detail_url(incident), {"rating": "5"}).status_code == 404
    assert client.get(photo_url(picture)).status_code == 404
    # nor by pairing one's own report with someone else's photo
    mixed = f"/incidents/{own.pk}/photos/{picture.pk}/"
    assert client.get(mixed).status_code == 404
    assert client.get("/incidents/999999/").status_code == 404


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.IN_PROGRESS, Status.REJECTED])
def test_no_rating_form_before_the_report_is_handled(client, saigon, agent, status):
    account, customer = saigon
    incident = make_report(account, code=customer.code)
    if status != Status.RECEIVED:
        move(incident, status, "Trùng với báo cáo khác.", by=agent)
    client.force_login(account)
    assert "Rate the handling" not in client.get(detail_url(incident)).content.decode()
    response = client.post(detail_url(incident), {"rating": "5"})
    assert response.status_code == 200
    assert "once the report is handled" in str(response.context["form"].non_field_errors())
    incident.refresh_from_db()
    assert incident.rating is None


def test_rate_a_handled_report_on_its_page(client, saigon, agent):
    account, customer = saigon
    incident = make_report(account, code=customer.code)
    move(incident, Status.RESOLVED, "Đã thay cầu chì.", by=agent)
    client.force_login(account)
    page = client.get(detail_url(incident)).content.decode()
    assert "Rate the handling" in page
    assert "Đã thay cầu chì." in page
    response = client.post(detail_url(incident), {"rating": "4", "comment": "Tốt"}, follow=True)
    assert response.redirect_chain == [(detail_url(incident), 302)]
    page = response.content.decode()
    assert "Thank you for rating the handling." in page
    assert "You rated the handling 4/5." in page
    assert "Rate the handling" not in page
    incident.refresh_from_db()
    assert (incident.rating, incident.rating_comment) == (4, "Tốt")


@pytest.mark.parametrize("rating", ["0", "6", "x", ""])
def test_a_bad_rating_on_the_page(client, saigon, agent, rating):
    account, customer = saigon
    incident = make_report(account, code=customer.code)
    move(incident, Status.RESOLVED, by=agent)
    client.force_login(account)
    response = client.post(detail_url(incident), {"rating": rating})
    assert response.status_code == 200
    assert "rating" in response.context["form"].errors
    incident.refresh_from_db()
    assert incident.rating is None
