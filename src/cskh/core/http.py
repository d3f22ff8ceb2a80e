"""Request helpers shared by pages and API."""


def client_ip(request) -> str:
    """The client's address as the server saw it.

    Behind a reverse proxy, configure the proxy to set REMOTE_ADDR (for example
    gunicorn's --forwarded-allow-ips), so that rate limits see real clients."""
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
