"""Small helpers shared by the API tests."""

from django.utils import timezone

from cskh.accounts import services


def token_for(user) -> str:
    """An access token for `user`, issued directly (no login round trip)."""
    return services.issue_tokens(user=user, now=timezone.now())["access_token"]


def error_of(response, status: int, code: str | None = None) -> dict:
    """Assert the API's error shape and status; return the `error` object."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["fields"], dict)
    for messages in error["fields"].values():
        assert messages
        assert all(isinstance(message, str) and message for message in messages)
    if code is not None:
        assert error["code"] == code, error
    return error


def wrong_otp(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def ingest_key(unit, name: str) -> str:
    """A unit's ingestion key (MDMS or CMIS), stored; returns the key in clear."""
    from cskh.metering.models import IngestKey

    key = IngestKey(unit=unit, name=name)
    clear = key.generate()
    key.save()
    return clear


def post_csv(client, path: str, body: bytes, key: str | None, **headers):
    """POST a CSV body to an ingestion endpoint with an optional key."""
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return client.post(path, data=body, content_type="text/csv", headers=headers)
