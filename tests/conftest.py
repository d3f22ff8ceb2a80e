import json
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from cskh.payments import http
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_cache_and_outbox(settings, tmp_path):
    """An empty cache, an SMS outbox file of this test's own, and the default language
    (a request of an earlier test leaves its language active in the thread)."""
    translation.activate(django_settings.LANGUAGE_CODE)
    cache.clear()
    settings.SMS_FILE_PATH = tmp_path / "sms" / "outbox.jsonl"
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _published_terms(request):
    """Registration needs the published terms. A data migration creates them, but
    transactional tests (browser journeys) flush every table after they run, so
    every database test makes sure they exist."""
    if request.node.get_closest_marker("django_db") is None and not (
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    ):
        return
    request.getfixturevalue("_django_db_helper")
    factories.legal_documents()


@pytest.fixture(autouse=True)
def _sms_without_commit(request, monkeypatch):
    """Tests run inside a transaction that never commits, so callbacks queued for
    the commit (SMS delivery) run at once here. Transactional tests and the browser
    tests keep the real on-commit behaviour."""
    marker = request.node.get_closest_marker("django_db")
    if (marker and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames):
        return
    from cskh.core import sms

    monkeypatch.setattr(sms.transaction, "on_commit", lambda callback, **kwargs: callback())


class Outbox:
    """The SMS file outbox, as the tests read it."""

    def messages(self, to: str | None = None) -> list[dict]:
        path = django_settings.SMS_FILE_PATH
        if not path.exists():
            return []
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return [row for row in rows if to is None or row["to"] == to]

    def last_code(self, to: str) -> str:
        for row in reversed(self.messages(to)):
            match = re.search(r"\b(\d{6})\b", row["text"])
            if match:
                return match.group(1)
        raise AssertionError(f"no code was texted to {to}")


@pytest.fixture
def outbox():
    return Outbox()


@pytest.fixture
def units(db):
    return factories.unit_tree()


class Api:
    """JSON calls to /api/v1 with an optional bearer token and language."""

    def __init__(self, client):
        self.client = client

    def call(self, method: str, path: str, data=None, *, token=None, lang=None):
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if lang:
            headers["Accept-Language"] = lang
        body = json.dumps(data) if data is not None else None
        return getattr(self.client, method)(
            "/api/v1" + path, data=body, content_type="application/json", headers=headers
        )

    def get(self, path, **kwargs):
        return self.call("get", path, **kwargs)

    def post(self, path, data=None, **kwargs):
        return self.call("post", path, data, **kwargs)

    def patch(self, path, data=None, **kwargs):
        return self.call("patch", path, data, **kwargs)

    def delete(self, path, data=None, **kwargs):
        return self.call("delete", path, data, **kwargs)

    def login(self, phone: str, password: str = factories.PASSWORD) -> dict:
        response = self.post("/auth/login", {"phone": phone, "password": password})
        assert response.status_code == 200, response.content
        return response.json()


@pytest.fixture
def api(client):
    return Api(client)


class Transport:
    """Counts the calls; `fail` makes the next ones raise as a network error would."""

    def __init__(self):
        self.client = Client()
        self.calls: list[str] = []
        self.fail = 0

    def _path(self, url: str) -> str:
        parts = urlsplit(url)
        self.calls.append(parts.path)
        if self.fail:
            self.fail -= 1
            raise http.GatewayUnreachable("simulated network error")
        return parts.path + (f"?{parts.query}" if parts.query else "")

    # The inner request activates its own language in the thread; another server would
    # not change the caller's (a staff member's refund, the sandbox's IPN call).

    def get_json(self, url: str) -> dict:
        with translation.override(translation.get_language()):
            return self._answer(self.client.get(self._path(url)))

    def post_json(self, url: str, body) -> dict:
        with translation.override(translation.get_language()):
            return self._answer(
                self.client.post(self._path(url), json.dumps(body), content_type="application/json")
            )

    @staticmethod
    def _answer(response) -> dict:
        if response.status_code >= 400:
            raise http.GatewayUnreachable(f"HTTP {response.status_code}")
        return response.json()


@pytest.fixture
def transport(monkeypatch) -> Transport:
    """The gateways over HTTP, inside the test process: every URL the payments code calls
    (the sandbox's IPN call, querydr and refund to VNPAY_API_URL) goes to Django's test
    client by its path, so the real views answer, without a server."""
    wire = Transport()
    monkeypatch.setattr(http, "get_json", wire.get_json)
    monkeypatch.setattr(http, "post_json", wire.post_json)
    return wire
