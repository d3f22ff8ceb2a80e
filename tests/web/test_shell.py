"""The app shell: bottom navigation, its sections, the web-app manifest,
the anonymous home page, and the page language."""

import json
import re
import struct
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders

from tests import factories

pytestmark = pytest.mark.django_db

NAV_HREFS = ["/", "/lookup/", "/payments/", "/notifications/", "/account/"]
NAV_LABELS_EN = ["Home", "Lookup", "Payment", "Notices", "Account"]


class _Shell(HTMLParser):
    """Collects the <html lang>, and the links of <nav class="bottom">."""

    def __init__(self):
        super().__init__()
        self.lang = None
        self.items: list[dict] = []
        self._in_nav = False
        self._in_link = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "nav" and "bottom" in (attrs.get("class") or "").split():
            self._in_nav = True
        elif tag == "a" and self._in_nav:
            self._in_link = True
            self.items.append(
                {"href": attrs.get("href"), "current": attrs.get("aria-current"), "label": ""}
            )

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_nav = False
        elif tag == "a":
            self._in_link = False

    def handle_data(self, data):
        if self._in_link:
            self.items[-1]["label"] += data.strip()


def shell(response) -> _Shell:
    assert response.status_code == 200, response.status_code
    parser = _Shell()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def user(db):
    return factories.account(language="en")


# ---------------------------------------------------------------- bottom navigation


def test_bottom_navigation_has_the_five_items_in_english(client):
    page = shell(client.get("/", headers={"Accept-Language": "en"}))
    assert [item["href"] for item in page.items] == NAV_HREFS
    assert [item["label"] for item in page.items] == NAV_LABELS_EN


def test_bottom_navigation_has_the_five_items_in_vietnamese(client):
    page = shell(client.get("/", headers={"Accept-Language": "vi"}))
    assert page.lang == "vi"
    assert [item["href"] for item in page.items] == NAV_HREFS
    labels = [item["label"] for item in page.items]
    assert all(labels)
    assert all(vi != en for vi, en in zip(labels, NAV_LABELS_EN, strict=True))  # translated


@pytest.mark.parametrize("path", ["/", "/payments/", "/notifications/", "/account/"])
def test_the_current_section_is_marked(client, user, path):
    client.force_login(user)
    page = shell(client.get(path))
    assert [item["href"] for item in page.items if item["current"] == "page"] == [path]


def test_pages_under_a_section_mark_that_section(client, user):
    client.force_login(user)
    page = shell(client.get("/account/profile/"))
    assert [item["href"] for item in page.items if item["current"]] == ["/account/"]


def test_the_home_item_is_not_marked_on_other_pages(client, user):
    client.force_login(user)
    page = shell(client.get("/customers/"))
    assert [item for item in page.items if item["current"]] == []


# ---------------------------------------------------------------- sections


def test_the_lookup_heading(client):
    html = client.get("/lookup/", headers={"Accept-Language": "en"}).content.decode()
    assert "<h1>Lookup</h1>" in html


def test_payment_asks_a_visitor_to_log_in(client):
    response = client.get("/payments/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_payment_is_in_vietnamese_for_a_vietnamese_account(client):
    client.force_login(factories.account(language="vi"))
    response = client.get("/payments/")
    assert shell(response).lang == "vi"
    assert "<h1>Thanh toán tiền điện</h1>" in response.content.decode()


# ---------------------------------------------------------------- manifest


def _png_size(path) -> tuple[int, int]:
    with open(path, "rb") as file:
        header = file.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_manifest_is_valid_json_with_192_and_512_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"]
    assert manifest["short_name"]
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png"
        assert icon["src"].startswith("/static/cskh/icon-")


@pytest.mark.parametrize("size", [192, 512])
def test_manifest_icons_have_the_announced_size(size):
    path = finders.find(f"cskh/icon-{size}.png")
    assert path, f"icon-{size}.png is missing"
    assert _png_size(path) == (size, size)


@pytest.mark.parametrize("language", ["en", "vi"])
def test_manifest_follows_the_language(client, language):
    manifest = json.loads(
        client.get("/manifest.webmanifest", headers={"Accept-Language": language}).content
    )
    assert manifest["lang"] == language


def test_pages_link_the_manifest(client):
    html = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html


# ---------------------------------------------------------------- anonymous home


def test_home_for_anonymous_visitors_links_to_login_and_register(client):
    response = client.get("/", headers={"Accept-Language": "en"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/login/"' in html
    assert 'href="/register/"' in html
    assert client.get("/login/").status_code == 200
    assert client.get("/register/").status_code == 200


def test_home_for_accounts_does_not_offer_to_register(client, user):
    client.force_login(user)
    html = client.get("/").content.decode()
    assert 'href="/register/"' not in html
    assert 'href="/customers/link/"' in html


# ---------------------------------------------------------------- language


def test_pages_are_in_vietnamese_by_default(client):
    assert shell(client.get("/")).lang == "vi"


@pytest.mark.parametrize(
    ("headers", "cookies", "expected"),
    [
        ({"Accept-Language": "en"}, {}, "en"),
        ({"Accept-Language": "en-US,en;q=0.9"}, {}, "en"),
        ({}, {"cskh_language": "en"}, "en"),
        ({"Accept-Language": "en"}, {"cskh_language": "en"}, "en"),
        ({"Accept-Language": "vi"}, {"cskh_language": "en"}, "en"),  # the choice made in the app
        ({"Accept-Language": "en"}, {"cskh_language": "vi"}, "vi"),
        ({"Accept-Language": "fr"}, {}, "vi"),
    ],
)
def test_visitors_get_the_language_of_their_cookie_then_their_browser(
    client, headers, cookies, expected
):
    for name, value in cookies.items():
        client.cookies[name] = value
    response = client.get("/", headers=headers)
    page = shell(response)
    assert page.lang == expected
    html = response.content.decode()
    if expected == "en":
        assert [item["label"] for item in page.items] == NAV_LABELS_EN
        assert 'lang="vi">Tiếng Việt</button>' in html  # the switch offers the other language


def test_english_from_header_and_cookie_renders_english_text(client):
    client.cookies["cskh_language"] = "en"
    html = client.get("/lookup/", headers={"Accept-Language": "en"}).content.decode()
    assert re.search(r'<html lang="en">', html)
    assert "Planned outages and reductions of supply" in html


def test_an_account_gets_its_own_language(client):
    client.force_login(factories.account(language="en"))
    client.cookies["cskh_language"] = "vi"
    assert shell(client.get("/", headers={"Accept-Language": "vi"})).lang == "en"


def test_switching_the_language_sets_the_cookie_and_the_next_page(client):
    response = client.post("/language/", {"language": "en", "next": "/lookup/"})
    assert response.status_code == 302
    assert response["Location"] == "/lookup/"
    assert response.cookies["cskh_language"].value == "en"
    assert shell(client.get("/lookup/")).lang == "en"
