"""The "Thông báo" pages: four tabs, paging, the unread marker, the detail page
(which reads the notice), "mark all read", and the unread badge of the bottom
navigation."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from cskh.notifications.models import Audience, Category, NoticeRead, ReadWatermark
from tests import factories
from tests.notifications.conftest import make_notice

pytestmark = pytest.mark.django_db

LIST = "/notifications/"
TABS = [
    ("?category=ALL", "Tất cả"),
    ("?category=BILL", "Tiền điện"),
    ("?category=INCIDENT", "Sự cố điện"),
    ("?category=MEDIA", "Truyền thông"),
]


class _Page(HTMLParser):
    """The parts of a page these tests look at: the tabs, the notices, the pager,
    and the items of the bottom navigation with their unread count."""

    def __init__(self):
        super().__init__()
        self.tabs: list[dict] = []
        self.notices: list[dict] = []
        self.pager: list[dict] = []
        self.bottom: list[dict] = []
        self._nav = None  # "tabs", "pager" or "bottom" while inside that <nav>
        self._link = None  # the dict of the <a> being read
        self._in_count = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "nav":
            self._nav = next(
                (name for name in ("tabs", "pager", "bottom") if name in classes), None
            )
        elif tag == "a":
            link = {"href": attrs.get("href"), "current": attrs.get("aria-current"), "text": ""}
            link.update(classes=classes, count="")
            self._link = link
            if self._nav:
                getattr(self, self._nav).append(link)
            elif "notice" in classes:
                self.notices.append(link)
        elif tag == "span" and "count" in classes and self._link is not None:
            self._in_count = True

    def handle_endtag(self, tag):
        if tag == "nav":
            self._nav = None
        elif tag == "a":
            self._link = None
        elif tag == "span" and self._in_count:
            self._in_count = False

    def handle_data(self, data):
        if self._link is not None:
            self._link["text"] += data
            if self._in_count:
                self._link["count"] += data


def parse(response) -> _Page:
    assert response.status_code == 200, response.status_code
    page = _Page()
    page.feed(response.content.decode())
    return page


def words(text: str) -> str:
    return " ".join(text.split())


def badge(response) -> str:
    """The unread count shown on "Thông báo" of the bottom navigation ("" when none)."""
    [item] = [item for item in parse(response).bottom if item["href"] == LIST]
    return words(item["count"])


@pytest.fixture
def logged_in(client, saigon):
    client.force_login(saigon)
    return client


def many(count: int) -> list:
    """`count` notices, the last one the newest (a minute apart)."""
    now = timezone.now()
    return [
        make_notice(publish_at=now - timedelta(minutes=count - index), title_vi=f"Số {index}")
        for index in range(count)
    ]


# ---------------------------------------------------------------- who may see the pages


@pytest.mark.parametrize("path", [LIST, "/notifications/1/"])
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={path}"


def test_read_all_is_post_only_and_needs_a_login(client, saigon):
    response = client.post("/notifications/read-all/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    client.force_login(saigon)
    make_notice()
    assert client.get("/notifications/read-all/").status_code == 405
    assert not ReadWatermark.objects.exists()


# ---------------------------------------------------------------- tabs


def test_four_tabs_all_current_by_default(logged_in):
    page = parse(logged_in.get(LIST))
    assert [(tab["href"], words(tab["text"])) for tab in page.tabs] == TABS
    assert [tab["current"] for tab in page.tabs] == ["page", None, None, None]


@pytest.mark.parametrize("index", range(4))
def test_the_current_tab_is_marked(logged_in, index):
    value = TABS[index][0].split("=")[1]
    page = parse(logged_in.get(LIST, {"category": value}))
    assert [tab["current"] for tab in page.tabs] == [
        "page" if position == index else None for position in range(4)
    ]


def test_a_tab_shows_only_its_kind(logged_in):
    bill = make_notice(category=Category.BILL, title_vi="Hóa đơn tháng 5")
    incident = make_notice(category=Category.INCIDENT, title_vi="Mất điện Quận 1")
    page = parse(logged_in.get(LIST, {"category": "INCIDENT"}))
    assert [link["href"] for link in page.notices] == [f"/notifications/{incident.pk}/"]
    html = logged_in.get(LIST, {"category": "BILL"}).content.decode()
    assert bill.title_vi in html
    assert incident.title_vi not in html


def test_an_empty_tab_says_so(logged_in):
    make_notice(category=Category.BILL)
    response = logged_in.get(LIST, {"category": "MEDIA"})
    assert "Chưa có thông báo nào." in response.content.decode()
    assert parse(response).notices == []


@pytest.mark.parametrize("query", ["category=FOO", "page=0", "page=abc", "category=bill"])
def test_bad_parameters_go_back_to_the_list(logged_in, query):
    response = logged_in.get(f"{LIST}?{query}")
    assert response.status_code == 302
    assert response["Location"] == LIST


# ---------------------------------------------------------------- the list and its pages


def test_newest_first_twenty_per_page_with_links_between_pages(logged_in):
    notices = many(25)
    newest_first = [f"/notifications/{notice.pk}/" for notice in reversed(notices)]

    first = logged_in.get(LIST)
    page = parse(first)
    assert [link["href"] for link in page.notices] == newest_first[:20]
    assert [(link["href"], words(link["text"])) for link in page.pager] == [
        ("?category=ALL&page=2", "Cũ hơn")
    ]
    assert "Trang 1/2" in first.content.decode()

    second = logged_in.get(LIST, {"category": "ALL", "page": "2"})
    page = parse(second)
    assert [link["href"] for link in page.notices] == newest_first[20:]
    assert [(link["href"], words(link["text"])) for link in page.pager] == [
        ("?category=ALL&page=1", "Mới hơn")
    ]
    assert "Trang 2/2" in second.content.decode()


def test_paging_keeps_the_tab(logged_in):
    for _ in range(21):
        make_notice(category=Category.BILL)
    page = parse(logged_in.get(LIST, {"category": "BILL"}))
    assert [link["href"] for link in page.pager] == ["?category=BILL&page=2"]


def test_unread_notices_are_marked(logged_in, saigon):
    older, newer = many(2)
    NoticeRead.objects.create(account=saigon, notice=older, read_at=timezone.now())
    page = parse(logged_in.get(LIST))
    marked = {link["href"]: "unread" in link["classes"] for link in page.notices}
    assert marked == {f"/notifications/{newer.pk}/": True, f"/notifications/{older.pk}/": False}
    [unread] = [link for link in page.notices if "unread" in link["classes"]]
    assert "Chưa đọc:" in unread["text"]


def test_the_list_shows_the_title_in_the_accounts_language(client, units):
    english = factories.account(language="en")
    client.force_login(english)
    make_notice(title_vi="Lịch cắt điện", title_en="Planned outage")
    make_notice(title_vi="Chỉ có tiếng Việt")
    texts = " ".join(link["text"] for link in parse(client.get(LIST)).notices)
    assert "Planned outage" in texts
    assert "Lịch cắt điện" not in texts
    assert "Chỉ có tiếng Việt" in texts


def test_the_list_leaves_out_other_peoples_notices(logged_in, units, hanoi):
    make_notice(audience=Audience.ACCOUNT, account=hanoi, title_vi="Riêng của Hà Nội")
    make_notice(audience=Audience.UNIT, unit=units["PD01"], title_vi="Cắt điện Hoàn Kiếm")
    make_notice(draft=True, title_vi="Bản nháp")
    html = logged_in.get(LIST).content.decode()
    for title in ("Riêng của Hà Nội", "Cắt điện Hoàn Kiếm", "Bản nháp"):
        assert title not in html


# ---------------------------------------------------------------- one notice


def test_the_detail_page_reads_the_notice_and_shows_the_link(logged_in, saigon):
    notice = make_notice(
        category=Category.INCIDENT,
        title_vi="Mất điện đột xuất",
        body_vi="Dòng một.\nDòng hai.",
        link="/customers/",
    )
    assert badge(logged_in.get(LIST)) == "1 chưa đọc"

    response = logged_in.get(f"/notifications/{notice.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Mất điện đột xuất</h1>" in html
    assert "Dòng một.<br>Dòng hai." in html
    assert "Sự cố điện" in html
    assert '<a class="button secondary" href="/customers/">Xem chi tiết</a>' in html
    assert NoticeRead.objects.filter(account=saigon, notice=notice).exists()
    assert badge(response) == ""  # read as it is shown
    page = parse(logged_in.get(LIST))
    assert ["unread" in link["classes"] for link in page.notices] == [False]


def test_the_detail_page_without_a_link_has_no_button(logged_in):
    notice = make_notice()
    assert "Xem chi tiết" not in logged_in.get(f"/notifications/{notice.pk}/").content.decode()


def test_a_correction_says_so(logged_in):
    original = make_notice()
    correction = make_notice(corrects=original, title_vi="Đính chính: Thông báo thử")
    html = logged_in.get(f"/notifications/{correction.pk}/").content.decode()
    assert "Đính chính: Thông báo thử" in html
    assert "Thông báo này đính chính một thông báo trước đó." in html
    assert (
        "đính chính một thông báo"
        not in logged_in.get(f"/notifications/{original.pk}/").content.decode()
    )


def test_the_detail_page_in_english(client, units):
    client.force_login(factories.account(language="en"))
    notice = make_notice(title_vi="Lịch cắt điện", title_en="Planned outage", body_en="Saturday")
    html = client.get(f"/notifications/{notice.pk}/").content.decode()
    assert "<h1>Planned outage</h1>" in html
    assert "Saturday" in html


def test_a_notice_not_for_the_account_is_404_and_not_read(logged_in, units, hanoi):
    notices = [
        make_notice(audience=Audience.ACCOUNT, account=hanoi),
        make_notice(audience=Audience.UNIT, unit=units["PD01"]),
        make_notice(draft=True),
        make_notice(publish_at=timezone.now() + timedelta(hours=1)),
    ]
    for notice in notices:
        assert logged_in.get(f"/notifications/{notice.pk}/").status_code == 404
    assert logged_in.get("/notifications/999999999/").status_code == 404
    assert not NoticeRead.objects.exists()


# ---------------------------------------------------------------- read all


def test_mark_all_read(logged_in, saigon):
    many(3)
    assert badge(logged_in.get(LIST)) == "3 chưa đọc"

    response = logged_in.post("/notifications/read-all/", follow=True)

    assert response.redirect_chain == [(LIST, 302)]
    assert "Đã đánh dấu tất cả thông báo là đã đọc." in response.content.decode()
    page = parse(response)
    assert [("unread" in link["classes"]) for link in page.notices] == [False] * 3
    assert badge(response) == ""
    assert ReadWatermark.objects.filter(account=saigon).exists()


# ---------------------------------------------------------------- the badge


@pytest.mark.parametrize("path", ["/", LIST, "/account/"])
def test_the_bottom_navigation_shows_the_unread_count(logged_in, path):
    many(2)
    make_notice(draft=True)
    assert badge(logged_in.get(path)) == "2 chưa đọc"


def test_no_badge_when_everything_is_read(logged_in, saigon):
    notice = make_notice()
    NoticeRead.objects.create(account=saigon, notice=notice, read_at=timezone.now())
    response = logged_in.get("/")
    assert badge(response) == ""
    assert 'class="count"' not in response.content.decode()


def test_no_badge_without_notices_or_for_visitors(client, units, saigon):
    make_notice(draft=True)
    assert badge(client.get("/")) == ""
    client.force_login(saigon)
    assert badge(client.get("/")) == ""


def test_the_badge_is_in_english_for_an_english_account(client, units):
    client.force_login(factories.account(language="en"))
    make_notice()
    assert badge(client.get("/")) == "1 unread"
