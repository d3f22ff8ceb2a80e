"""The two SMS backends behind cskh.core.sms."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from cskh.core import sms


class _Gateway(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["Authorization"], json.loads(body)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    _Gateway.received = []
    _Gateway.status = 200
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_http_backend_posts_json_with_the_token(settings, gateway):
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{gateway.server_port}/sms"
    settings.SMS_HTTP_TOKEN = "gateway-secret"
    sms.http_backend(to="+84912345678", text="EVN CSKH: mã 123456")
    assert _Gateway.received == [
        (
            "Bearer gateway-secret",
            {"to": "+84912345678", "text": "EVN CSKH: mã 123456", "sender": "EVN CSKH"},
        )
    ]


def test_a_gateway_error_is_logged_and_nothing_else_breaks(settings, gateway, caplog):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{gateway.server_port}/sms"
    _Gateway.status = 503
    sms._deliver(to="+84912345678", text="hello")
    assert "could not be sent" in caplog.text
    assert "+84912345678" not in caplog.text  # the number is masked in logs


def test_the_file_backend_appends_json_lines(settings, tmp_path):
    settings.SMS_FILE_PATH = tmp_path / "sms" / "outbox.jsonl"
    sms.file_backend(to="+84912345678", text="một")
    sms.file_backend(to="+84987654321", text="hai")
    rows = [json.loads(line) for line in settings.SMS_FILE_PATH.read_text().splitlines()]
    assert [(row["to"], row["text"]) for row in rows] == [
        ("+84912345678", "một"),
        ("+84987654321", "hai"),
    ]
    assert all(row["sent_at"].endswith("+00:00") for row in rows)
