"""The one place payments talk to a gateway over HTTP (tests replace these two functions
with a transport into the sandbox)."""

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlencode

from django.conf import settings


class GatewayUnreachable(Exception):
    """No usable answer: network error, timeout, a non-2xx status or a body that is not JSON."""


def post_json(url: str, body: Mapping) -> dict:
    request = urllib.request.Request(  # noqa: S310 - the URL comes from settings
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    return _json(request)


def post_form(url: str, body: Mapping) -> dict:
    request = urllib.request.Request(  # noqa: S310 - the URL comes from settings
        url,
        data=urlencode(body).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    return _json(request)


def get_json(url: str) -> dict:
    return _json(urllib.request.Request(url))  # noqa: S310 - our own or a configured URL


def _json(request: urllib.request.Request) -> dict:
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.PAYMENT_HTTP_TIMEOUT
        ) as response:
            data = json.loads(response.read())
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        raise GatewayUnreachable(str(error)) from error
    if not isinstance(data, dict):
        raise GatewayUnreachable("the answer is not a JSON object")
    return data
