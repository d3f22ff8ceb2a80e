"""`manage.py serve`'s web server: granian's WSGI server running the project."""

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from cskh.demo.management.commands.serve import server_command

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_names_the_app_workers_and_threads():
    command = server_command(host="0.0.0.0", port=8000, workers=3, threads=2)  # noqa: S104

    assert Path(command[0]).name == "granian"
    assert Path(command[0]).exists()
    assert command[-1] == "cskh.wsgi:application"
    for option in (
        "--interface=wsgi",
        "--host=0.0.0.0",
        "--port=8000",
        "--workers=3",
        "--blocking-threads=2",
        "--respawn-failed-workers",
        "--access-log",
    ):
        assert option in command
    assert "--no-access-log" in server_command(
        host="127.0.0.1", port=8000, workers=1, threads=1, access_log=False
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_server_answers_through_the_whole_stack(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cskh.settings",
        "REDIS_URL": "",
        "CSKH_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "",
    }
    command = server_command(host="127.0.0.1", port=port, workers=1, threads=1)
    server = subprocess.Popen(  # noqa: S603 - our own server
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, "the server stopped"
                assert time.monotonic() < deadline, "the server did not answer within 60 s"
                time.sleep(0.2)
        assert answer.status == 200
        assert json.loads(answer.read()) == {"status": "ok", "database": "ok"}
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    finally:
        server.terminate()
        server.wait(timeout=30)
