"""/api/v1/incidents: report (multipart), list and read one's own reports, rate the
handling. Bad input is a 422 in the API's error shape, never a 500."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cskh.incidents import services
from cskh.incidents.models import Incident, IncidentPhoto, Kind, Status
from cskh.notifications.models import Notice
from tests import factories
from tests.helpers import error_of, token_for
from tests.incidents.conftest import HCMC, image_bytes, make_report, stored_photo_files

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents"


def post(client, data, *, token=None, files=(), lang=None):
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if lang:
        headers["Accept-Language"] = lang
    body = dict(data)
    if files:
        body["photos"] = list(files)
    return client.post(URL, data=body, headers=headers)


def good(customer, **fields) -> dict:
    data = {
        "kind": Kind.NO_POWER_HOUSE,
        "customer_code": customer.code,
        "description": "Nhà tôi mất điện từ 7 giờ.",
        "contact_phone": "0912 345 678",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def png(name="a.png"):
    return SimpleUploadedFile(name, image_bytes("PNG"), content_type="image/png")


# ---------------------------------------------------------------- reporting


def test_report_for_a_linked_code(client, saigon, units):
    account, customer = saigon
    response = post(client, good(customer), token=token_for(account), files=[png()])
    assert response.status_code == 201, response.content
    body = response.json()
    incident = Incident.objects.get()
    assert body == {"id": incident.pk, "ticket_no": incident.ticket_no, "status": "RECEIVED"}
    assert incident.ticket_no.startswith("SC")
    assert (incident.reporter, incident.customer, incident.unit) == (
        account,
        customer,
        units["PE0100"],
    )
    assert incident.contact_phone == "+84912345678"
    assert incident.photos.count() == 1
    assert Notice.objects.filter(account=account).count() == 1


def test_report_for_a_place_with_a_location(client, saigon, hanoi, units):
    account, _ = saigon
    data = {
        "kind": Kind.SAFETY_HAZARD,
        "address": "Số 5 Hàng Bạc, Hoàn Kiếm",
        "province": "Hà Nội",
        "lat": "21.034123",
        "lng": "105.852456",
        "description": "Dây điện võng sát mặt đường.",
        "contact_phone": "0987654321",
    }
    response = post(client, data, token=token_for(account))
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(pk=response.json()["id"])
    assert incident.customer is None
    assert incident.unit == units["PD01"]
    assert str(incident.latitude) == "21.034123"
    assert str(incident.longitude) == "105.852456"
    assert incident.urgent


def test_report_without_a_token(client, saigon):
    _, customer = saigon
    error_of(post(client, good(customer)), 401, "not_authenticated")
    error_of(post(client, good(customer), token="not-a-token"), 401, "not_authenticated")
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": None}, "kind"),
        ({"description": None}, "description"),
        ({"contact_phone": None}, "contact_phone"),
        ({"kind": "FIRE"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 2001}, "description"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_phone": "+1 650 555 0100"}, "contact_phone"),
        ({"customer_code": None}, "address"),
        ({"customer_code": "", "address": "  "}, "address"),
        ({"customer_code": "PE0199999999"}, "customer_code"),
        ({"lat": "north"}, "latitude"),
        ({"lat": "91"}, "latitude"),
        ({"lng": "-181"}, "longitude"),
        ({"lat": "10.1234567"}, "latitude"),
        ({"address": "x" * 301, "customer_code": ""}, "address"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, saigon, settings, change, field):
    account, customer = saigon
    response = post(client, good(customer, **change), token=token_for(account), files=[png()])
    error = error_of(response, 422, "invalid")
    assert field in error["fields"], error
    assert not Incident.objects.exists()
    assert not IncidentPhoto.objects.exists()
    assert not Notice.objects.exists()
    assert stored_photo_files(settings) == []


def test_a_code_of_another_account_is_refused(client, saigon, hanoi):
    account, _ = saigon
    _, theirs = hanoi
    response = post(client, good(theirs), token=token_for(account))
    error = error_of(response, 422, "invalid")
    assert error["fields"]["customer_code"] == [
        f"Select a valid choice. {theirs.code} is not one of the available choices."
    ]
    assert not Incident.objects.exists()


def test_messages_follow_accept_language(client, saigon):
    account, customer = saigon
    response = post(
        client,
        good(customer),
        token=token_for(account),
        files=[SimpleUploadedFile("x.jpg", b"hello", content_type="image/jpeg")],
        lang="vi",
    )
    error = error_of(response, 422, "invalid")
    assert error["fields"]["photos"] == ["Ảnh 1 không phải ảnh JPEG, PNG hoặc WebP."]


def test_a_json_body_is_refused_without_a_500(api, saigon):
    account, customer = saigon
    response = api.post("/incidents", good(customer), token=token_for(account))
    assert response.status_code in (400, 415, 422), response.content
    assert not Incident.objects.exists()


# ---------------------------------------------------------------- reading


def test_list_only_ones_own_reports_newest_first(api, saigon, hanoi):
    account, customer = saigon
    other, theirs = hanoi
    now = timezone.now()
    first = make_report(account, code=customer.code, now=now - timedelta(hours=2))
    second = make_report(
        account, kind=Kind.NO_POWER_AREA, address="Chợ Bến Thành", province=HCMC, now=now
    )
    make_report(other, code=theirs.code, now=now)
    response = api.get("/incidents", token=token_for(account))
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body] == [second.pk, first.pk]
    assert body[1] == {
        "id": first.pk,
        "ticket_no": first.ticket_no,
        "kind": "NO_POWER_HOUSE",
        "status": "RECEIVED",
        "urgent": False,
        "customer_code": customer.code,
        "address": customer.address,
        "created_at": first.created_at.isoformat(),
        "due_at": first.due_at.isoformat(),
    }
    assert body[0]["customer_code"] is None
    assert body[0]["address"] == "Chợ Bến Thành"


def test_list_is_empty_for_a_new_account(api, units):
    response = api.get("/incidents", token=token_for(factories.account()))
    assert response.status_code == 200
    assert response.json() == []


def test_list_and_detail_need_a_token(api, saigon):
    account, customer = saigon
    incident = make_report(account, code=customer.code)
    error_of(api.get("/incidents"), 401, "not_authenticated")
    error_of(api.get(f"/incidents/{incident.pk}"), 401, "not_authenticated")
    error_of(api.post(f"/incidents/{incident.pk}/rating", {"rating": 5}), 401)


def test_detail_with_timeline_and_photos(api, saigon, units):
    account, customer = saigon
    incident = make_report(account, code=customer.code, photos=[image_bytes(), image_bytes()])
    agent = factories.account(is_staff=True)
    services.change_status(
        incident=incident,
        status=Status.IN_PROGRESS,
        note="Đội sửa chữa đang đến.",
        by=agent,
        now=timezone.now(),
    )
    services.add_note(
        incident=incident, text="NỘI BỘ: khách khó tính", by=agent, now=timezone.now()
    )
    response = api.get(f"/incidents/{incident.pk}", token=token_for(account))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == incident.pk
    assert body["status"] == "IN_PROGRESS"
    assert body["unit"] == units["PE0100"].name
    assert body["description"] == incident.description
    assert [(e["status"], e["note"]) for e in body["timeline"]] == [
        ("RECEIVED", ""),
        ("IN_PROGRESS", "Đội sửa chữa đang đến."),
    ]
    photo_ids = list(incident.photos.order_by("id").values_list("id", flat=True))
    assert sorted(body["photos"]) == [f"/incidents/{incident.pk}/photos/{pk}/" for pk in photo_ids]
    assert (body["rating"], body["rating_comment"]) == (None, "")
    assert "NỘI BỘ" not in response.content.decode()  # internal notes stay internal
    assert "assigned_to" not in body
    assert "notes" not in body


def test_another_accounts_report_is_a_404(api, saigon, hanoi):
    account, customer = saigon
    other, _ = hanoi
    incident = make_report(account, code=customer.code)
    error_of(
        api.get(f"/incidents/{incident.pk}", token=token_for(other)), 404, "incident_not_found"
    )
    error_of(api.get("/incidents/999999", token=token_for(account)), 404, "incident_not_found")


# ---------------------------------------------------------------- rating


@pytest.fixture
def resolved(saigon, units):
    account, customer = saigon
    incident = make_report(account, code=customer.code)
    services.change_status(
        incident=incident,
        status=Status.RESOLVED,
        note="Đã xử lý.",
        by=factories.account(is_staff=True),
        now=timezone.now(),
    )
    return incident


def test_rate_a_resolved_report(api, resolved):
    token = token_for(resolved.reporter)
    response = api.post(
        f"/incidents/{resolved.pk}/rating", {"rating": 5, "comment": "Rất nhanh"}, token=token
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"id": resolved.pk, "rating": 5}
    resolved.refresh_from_db()
    assert (resolved.rating, resolved.rating_comment) == (5, "Rất nhanh")
    detail = api.get(f"/incidents/{resolved.pk}", token=token).json()
    assert (detail["rating"], detail["rating_comment"]) == (5, "Rất nhanh")
    again = api.post(f"/incidents/{resolved.pk}/rating", {"rating": 1}, token=token)
    assert "already rated" in error_of(again, 422, "invalid")["message"]


def test_rate_without_a_comment(api, resolved):
    response = api.post(
        f"/incidents/{resolved.pk}/rating", {"rating": 3}, token=token_for(resolved.reporter)
    )
    assert response.status_code == 200, response.content
    resolved.refresh_from_db()
    assert (resolved.rating, resolved.rating_comment) == (3, "")


@pytest.mark.parametrize(
    "body",
    [{"rating": 0}, {"rating": 6}, {"rating": -1}, {"rating": "x"}, {"rating": None}, {}],
    ids=["0", "6", "-1", "x", "null", "missing"],
)
def test_a_bad_rating_is_a_422(api, resolved, body):
    response = api.post(
        f"/incidents/{resolved.pk}/rating", body, token=token_for(resolved.reporter)
    )
    error = error_of(response, 422, "invalid")
    assert "rating" in error["fields"], error
    resolved.refresh_from_db()
    assert resolved.rating is None


def test_rating_an_open_report_is_refused(api, saigon):
    account, customer = saigon
    incident = make_report(account, code=customer.code)
    response = api.post(f"/incidents/{incident.pk}/rating", {"rating": 5}, token=token_for(account))
    assert "once the report is handled" in error_of(response, 422, "invalid")["message"]


def test_rating_another_accounts_report_is_a_404(api, resolved, hanoi):
    other, _ = hanoi
    response = api.post(f"/incidents/{resolved.pk}/rating", {"rating": 1}, token=token_for(other))
    error_of(response, 404, "incident_not_found")
    resolved.refresh_from_db()
    assert resolved.rating is None
