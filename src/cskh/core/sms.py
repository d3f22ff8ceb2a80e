"""Sending SMS through one interface.

`send` queues a message to go out when the current transaction commits, so a
rolled-back use case never texts anybody. One-time codes are secrets, so they are
handed straight to the backend instead of through the job queue, whose rows
would keep the text in clear.

Backends (setting SMS_BACKEND):
- "file": appends `{"to", "text", "sent_at"}` as a JSON line to SMS_FILE_PATH
  (default outside production; the demo and the tests read it);
- "http": POSTs `{"to", "text", "sender"}` as JSON to SMS_HTTP_URL with
  `Authorization: Bearer SMS_HTTP_TOKEN`; any answer but 2xx is an error.
"""

import fcntl
import json
import logging
import urllib.request
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


class SmsError(RuntimeError):
    pass


def send(*, to: str, text: str) -> None:
    transaction.on_commit(lambda: _deliver(to=to, text=text))


def _deliver(*, to: str, text: str) -> None:
    try:
        BACKENDS[settings.SMS_BACKEND](to=to, text=text)
    except Exception:
        # The person can ask for the code again; the failure is logged for operators.
        logger.exception("SMS to %s could not be sent", to[:-3] + "***")


def file_backend(*, to: str, text: str) -> None:
    path = settings.SMS_FILE_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {"to": to, "text": text, "sent_at": datetime.now(UTC).isoformat()}, ensure_ascii=False
    )
    with open(path, "a", encoding="utf-8") as outbox:
        fcntl.flock(outbox, fcntl.LOCK_EX)
        outbox.write(line + "\n")


def http_backend(*, to: str, text: str) -> None:
    if not settings.SMS_HTTP_URL:
        raise SmsError("SMS_HTTP_URL is not set")
    body = json.dumps({"to": to, "text": text, "sender": settings.SMS_HTTP_SENDER}).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is operator configuration
        settings.SMS_HTTP_URL,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}",
        },
    )
    with urllib.request.urlopen(request, timeout=settings.SMS_HTTP_TIMEOUT) as answer:  # noqa: S310
        if not 200 <= answer.status < 300:
            raise SmsError(f"SMS gateway answered {answer.status}")


BACKENDS = {"file": file_backend, "http": http_backend}
