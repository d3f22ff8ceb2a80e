"""/api/v1/notifications: the page of notices (tabs and paging), the unread count,
reading one, reading all, and every kind of bad input."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from cskh.notifications.models import Audience, Category, NoticeRead
from tests import factories
from tests.helpers import error_of, token_for
from tests.notifications.conftest import make_notice

pytestmark = pytest.mark.django_db

PAGE_KEYS = {"items", "unread", "page", "pages", "total"}
ITEM_KEYS = {"id", "category", "title", "body", "link", "published_at", "read", "corrects"}


@pytest.fixture
def token(saigon):
    return token_for(saigon)


def many(count: int, **fields) -> list:
    """`count` notices, the last one the newest (a minute apart)."""
    now = timezone.now()
    return [
        make_notice(publish_at=now - timedelta(minutes=count - index), **fields)
        for index in range(count)
    ]


# ---------------------------------------------------------------- the list


def test_the_list_is_empty_for_a_new_account(api, token):
    response = api.get("/notifications", token=token)
    assert response.status_code == 200, response.content
    assert response.json() == {"items": [], "unread": 0, "page": 1, "pages": 1, "total": 0}


def test_the_list_shape_and_an_item(api, units, token):
    published = timezone.now() - timedelta(minutes=5)
    notice = make_notice(
        audience=Audience.UNIT,
        unit=units["PE01"],
        category=Category.INCIDENT,
        title_vi="Mất điện khu vực Quận 1",
        body_vi="Từ 8:00 đến 16:00.",
        link="/customers/",
        publish_at=published,
    )

    response = api.get("/notifications", token=token, lang="vi")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == PAGE_KEYS
    assert (body["unread"], body["page"], body["pages"], body["total"]) == (1, 1, 1, 1)
    [item] = body["items"]
    assert set(item) == ITEM_KEYS
    assert item == {
        "id": notice.pk,
        "category": "INCIDENT",
        "title": "Mất điện khu vực Quận 1",
        "body": "Từ 8:00 đến 16:00.",
        "link": "/customers/",
        "published_at": item["published_at"],
        "read": False,
        "corrects": None,
    }
    assert datetime.fromisoformat(item["published_at"]) == published


def test_newest_first_twenty_per_page(api, token):
    notices = many(45)
    newest_first = [notice.pk for notice in reversed(notices)]

    pages = [api.get(f"/notifications?page={number}", token=token).json() for number in (1, 2, 3)]

    assert [len(page["items"]) for page in pages] == [20, 20, 5]
    assert [page["page"] for page in pages] == [1, 2, 3]
    assert {(page["pages"], page["total"], page["unread"]) for page in pages} == {(3, 45, 45)}
    assert [item["id"] for page in pages for item in page["items"]] == newest_first


def test_notices_published_at_the_same_time_come_newest_id_first(api, token):
    at = timezone.now() - timedelta(minutes=1)
    first, second = make_notice(publish_at=at), make_notice(publish_at=at)
    items = api.get("/notifications", token=token).json()["items"]
    assert [item["id"] for item in items] == [second.pk, first.pk]


def test_a_page_past_the_end_gives_the_last_page(api, token):
    many(21)
    body = api.get("/notifications?page=7", token=token).json()
    assert (body["page"], body["pages"], len(body["items"])) == (2, 2, 1)


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("ALL", {"BILL", "INCIDENT", "MEDIA"}),
        ("", {"BILL", "INCIDENT", "MEDIA"}),
        ("BILL", {"BILL"}),
        ("INCIDENT", {"INCIDENT"}),
        ("MEDIA", {"MEDIA"}),
    ],
)
def test_the_tabs(api, token, category, expected):
    for kind, count in ((Category.BILL, 2), (Category.INCIDENT, 3), (Category.MEDIA, 1)):
        many(count, category=kind)

    body = api.get(f"/notifications?category={category}", token=token).json()

    assert {item["category"] for item in body["items"]} == expected
    assert body["total"] == {"BILL": 2, "INCIDENT": 3, "MEDIA": 1, "ALL": 6, "": 6}[category]
    assert body["unread"] == 6  # the badge counts every tab


def test_the_list_says_what_is_read(api, saigon, token):
    older, newer = many(2)
    NoticeRead.objects.create(account=saigon, notice=older, read_at=timezone.now())
    body = api.get("/notifications", token=token).json()
    assert [(item["id"], item["read"]) for item in body["items"]] == [
        (newer.pk, False),
        (older.pk, True),
    ]
    assert body["unread"] == 1


def test_a_correction_names_the_notice_it_corrects(api, token):
    original = make_notice(title_vi="Lịch cắt điện")
    correction = make_notice(title_vi="Đính chính: Lịch cắt điện", corrects=original)
    items = {item["id"]: item for item in api.get("/notifications", token=token).json()["items"]}
    assert items[correction.pk]["corrects"] == original.pk
    assert items[original.pk]["corrects"] is None


def test_the_list_leaves_out_what_is_not_for_the_account(api, units, saigon, hanoi, token):
    mine = [
        make_notice(audience=Audience.ACCOUNT, account=saigon),
        make_notice(audience=Audience.UNIT, unit=units["EVNHCMC"]),
    ]
    make_notice(audience=Audience.ACCOUNT, account=hanoi)
    make_notice(audience=Audience.UNIT, unit=units["EVNHANOI"])
    make_notice(draft=True)
    make_notice(publish_at=timezone.now() + timedelta(minutes=10))

    body = api.get("/notifications", token=token).json()

    assert {item["id"] for item in body["items"]} == {notice.pk for notice in mine}
    assert (body["total"], body["unread"]) == (2, 2)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("category=FOO", "category"),
        ("category=bill", "category"),
        ("category=BILL%00", "category"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=99999999999999999999999", "page"),
        ("category=FOO&page=abc", "category"),
    ],
)
def test_bad_list_input_is_422_in_the_error_shape(api, token, query, field):
    response = api.get(f"/notifications?{query}", token=token, lang="en")
    error = error_of(response, 422, "invalid")
    assert field in error["fields"], error


def test_empty_parameters_mean_all_and_the_first_page(api, token):
    many(1)
    body = api.get("/notifications?category=&page=", token=token).json()
    assert (body["page"], body["total"]) == (1, 1)


def test_both_bad_fields_are_named(api, token):
    error = error_of(api.get("/notifications?category=FOO&page=0", token=token), 422, "invalid")
    assert set(error["fields"]) == {"category", "page"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/notifications"),
        ("get", "/notifications/unread-count"),
        ("post", "/notifications/read-all"),
        ("get", "/notifications/{id}"),
        ("post", "/notifications/{id}/read"),
    ],
)
@pytest.mark.parametrize("token", [None, "not-a-token", ""])
def test_without_a_valid_token_is_401(api, units, method, path, token):
    notice = make_notice()
    response = getattr(api, method)(path.format(id=notice.pk), token=token)
    error_of(response, 401, "not_authenticated")
    assert not NoticeRead.objects.exists()


# ---------------------------------------------------------------- unread count, read, read all


def test_unread_count(api, saigon, token):
    assert api.get("/notifications/unread-count", token=token).json() == {"unread": 0}
    notices = many(3)
    NoticeRead.objects.create(account=saigon, notice=notices[0], read_at=timezone.now())
    response = api.get("/notifications/unread-count", token=token)
    assert response.status_code == 200
    assert response.json() == {"unread": 2}


def test_read_one(api, saigon, token):
    first, _second = many(2)

    response = api.post(f"/notifications/{first.pk}/read", token=token)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == ITEM_KEYS
    assert (body["id"], body["read"]) == (first.pk, True)
    assert api.get("/notifications/unread-count", token=token).json() == {"unread": 1}
    # twice is fine
    assert api.post(f"/notifications/{first.pk}/read", token=token).status_code == 200
    assert NoticeRead.objects.filter(account=saigon).count() == 1
    assert api.get("/notifications/unread-count", token=token).json() == {"unread": 1}


def test_opening_one_reads_it(api, saigon, token):
    notice = make_notice(title_vi="Giảm giá điện", body_vi="Chi tiết.", link="/lookup/")

    response = api.get(f"/notifications/{notice.pk}", token=token, lang="vi")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["title"], body["body"], body["link"], body["read"]) == (
        notice.pk,
        "Giảm giá điện",
        "Chi tiết.",
        "/lookup/",
        True,
    )
    assert NoticeRead.objects.filter(account=saigon, notice=notice).exists()
    assert api.get("/notifications/unread-count", token=token).json() == {"unread": 0}


def test_read_all(api, saigon, token):
    many(3)
    response = api.post("/notifications/read-all", token=token)
    assert response.status_code == 200, response.content
    assert response.json() == {"unread": 0}
    items = api.get("/notifications", token=token).json()["items"]
    assert [item["read"] for item in items] == [True, True, True]

    # a notice published after it is unread
    later = make_notice(publish_at=timezone.now())
    body = api.get("/notifications", token=token).json()
    assert body["unread"] == 1
    assert [(item["id"], item["read"]) for item in body["items"]] == [
        (later.pk, False),
        *[(item["id"], True) for item in items],
    ]


def test_read_all_is_per_account(api, units, saigon, hanoi, token):
    many(2)
    api.post("/notifications/read-all", token=token)
    other = api.get("/notifications/unread-count", token=token_for(hanoi)).json()
    assert other == {"unread": 2}


# ---------------------------------------------------------------- not found


@pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("post", "/read")])
def test_another_accounts_personal_notice_is_404(api, units, saigon, hanoi, token, method, suffix):
    theirs = make_notice(audience=Audience.ACCOUNT, account=hanoi, title_vi="Của người khác")
    response = getattr(api, method)(f"/notifications/{theirs.pk}{suffix}", token=token)
    error = error_of(response, 404, "notice_not_found")
    assert "Của người khác" not in response.content.decode()
    assert error["fields"] == {}
    assert not NoticeRead.objects.exists()


@pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("post", "/read")])
def test_drafts_scheduled_other_units_and_missing_notices_are_404(
    api, units, token, method, suffix
):
    notices = [
        make_notice(draft=True),
        make_notice(publish_at=timezone.now() + timedelta(hours=1)),
        make_notice(audience=Audience.UNIT, unit=units["PD01"]),
    ]
    ids = [notice.pk for notice in notices] + [notices[-1].pk + 1000, 99999999999999999999]
    for notice_id in ids:
        response = getattr(api, method)(f"/notifications/{notice_id}{suffix}", token=token)
        error_of(response, 404, "notice_not_found")
    assert not NoticeRead.objects.exists()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/notifications/abc", 404),
        ("post", "/notifications/-1/read", 404),
        ("get", "/notifications/read-all", 405),
        ("post", "/notifications", 405),
    ],
)
def test_a_path_that_is_no_notice_or_the_wrong_method_is_not_a_500(
    api, token, method, path, status
):
    assert getattr(api, method)(path, token=token).status_code == status


# ---------------------------------------------------------------- language


def test_accept_language_en_gives_the_english_text_or_the_vietnamese_one(api, token):
    translated = make_notice(
        title_vi="Lịch cắt điện", body_vi="Nội dung", title_en="Planned outage", body_en="Text"
    )
    untranslated = make_notice(title_vi="Chỉ có tiếng Việt", body_vi="Chỉ tiếng Việt")

    english = {
        item["id"]: (item["title"], item["body"])
        for item in api.get("/notifications", token=token, lang="en").json()["items"]
    }
    vietnamese = {
        item["id"]: (item["title"], item["body"])
        for item in api.get("/notifications", token=token, lang="vi").json()["items"]
    }

    assert english == {
        translated.pk: ("Planned outage", "Text"),
        untranslated.pk: ("Chỉ có tiếng Việt", "Chỉ tiếng Việt"),
    }
    assert vietnamese == {
        translated.pk: ("Lịch cắt điện", "Nội dung"),
        untranslated.pk: ("Chỉ có tiếng Việt", "Chỉ tiếng Việt"),
    }
    detail = api.get(f"/notifications/{translated.pk}", token=token, lang="en-US,en;q=0.9")
    assert detail.json()["title"] == "Planned outage"


def test_without_accept_language_the_accounts_language_applies(api, units):
    account = factories.account(language="en")
    make_notice(title_vi="Lịch cắt điện", title_en="Planned outage")
    items = api.get("/notifications", token=token_for(account)).json()["items"]
    assert [item["title"] for item in items] == ["Planned outage"]


def test_error_messages_follow_accept_language(api, token):
    english = error_of(api.get("/notifications?page=0", token=token, lang="en"), 422)
    vietnamese = error_of(api.get("/notifications?page=0", token=token, lang="vi"), 422)
    assert english["fields"]["page"][0].isascii()
    assert not vietnamese["fields"]["page"][0].isascii()
