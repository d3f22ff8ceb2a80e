"""Request helpers shared by pages and API."""


def client_ip(request) -> str:
    """The client's address as the server saw it.

    The address of whoever opened the connection: X-Forwarded-For is not trusted (any
    client can send it). Behind a reverse proxy every client would share the proxy's
    address and its rate limits (docs/operations.md, "Processes")."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def json_attachment(data: dict, filename: str):
    """A JSON file download (UTF-8, Vietnamese kept readable)."""
    import json

    from django.http import HttpResponse

    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
