"""Start the production server (granian, WSGI) and the background-task worker together.

`make run` calls this after migrating and loading the demo data. PORT (default
8000) and HOST (default 127.0.0.1) choose where it listens; WEB_CONCURRENCY the
number of server processes, WEB_THREADS the threads of each that run Django
(docs/decisions/0010). Ctrl+C stops both."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from cskh.demo import accounts as demo_accounts


def server_command(
    *, host: str, port: str | int, workers: int, threads: int, access_log: bool = True
) -> list[str]:
    """The web server's command line: granian serving cskh.wsgi with `workers`
    processes of `threads` threads each (the benchmark starts the same one)."""
    return [
        os.path.join(os.path.dirname(sys.executable), "granian"),
        "--interface=wsgi",
        f"--host={host}",
        f"--port={port}",
        f"--workers={workers}",
        f"--blocking-threads={threads}",
        "--no-ws",
        "--respawn-failed-workers",
        "--access-log" if access_log else "--no-access-log",
        "cskh.wsgi:application",
    ]


class Command(BaseCommand):
    help = "Run the web server and the task worker until interrupted."

    def handle(self, *args, **options):
        host = os.environ.get("HOST", "127.0.0.1")
        port = os.environ.get("PORT", "8000")
        server = server_command(
            host=host,
            port=port,
            workers=int(os.environ.get("WEB_CONCURRENCY", "2")),
            threads=int(os.environ.get("WEB_THREADS", "2")),
        )
        worker = [sys.executable, "manage.py", "db_worker", "--queue-name=*"]
        processes = [subprocess.Popen(server), subprocess.Popen(worker)]  # noqa: S603
        self._announce(host, port)

        def stop(*_args):
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        finally:
            stop()
            for process in processes:
                process.wait(timeout=30)

    def _announce(self, host: str, port: str) -> None:
        url = f"http://{host}:{port}/"
        lines = [
            "",
            f"EVN CSKH is running at {url}",
            f"  staff back-office: {url}staff/ · API docs: {url}api/v1/docs",
            f"Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
            f" · SMS outbox: {settings.SMS_FILE_PATH}",
            "Demo logins (phone / password):",
        ]
        lines += [
            f"  {phone}  {password}  — {role}" for phone, password, role in demo_accounts.LOGINS
        ]
        lines.append("Press Ctrl+C to stop.")
        self.stdout.write("\n".join(lines))
