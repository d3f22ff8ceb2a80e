"""The JSON API's error shape: {"error": {"code", "message", "fields"}}.

Messages are in the request's language (Accept-Language)."""

from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from cskh.core.errors import DomainError, RateLimited


def error_body(code: str, message, fields=None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _validation_message(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return _("This field is required.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return _("This value has the wrong type.")
    if kind in {"literal_error", "enum"}:
        return _("This value is not one of the allowed choices.")
    if kind.startswith("string_too_long"):
        return _("This value is too long.")
    return _("This value is not valid.")


def install(api) -> None:
    """Register the handlers that give every error the same shape."""

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        response = api.create_response(
            request, error_body(exc.code, exc.message, exc.fields), status=exc.status
        )
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            location = [part for part in error.get("loc", ()) if isinstance(part, str)]
            name = location[-1] if location and location[-1] not in {"body", "payload"} else "_"
            fields.setdefault(name, []).append(_validation_message(error))
        return api.create_response(
            request,
            error_body("invalid", _("Please correct the errors below."), fields),
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        return api.create_response(
            request,
            error_body("not_authenticated", _("Please log in again.")),
            status=401,
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if isinstance(exc.__cause__, ValueError):  # ninja: body is not JSON (or not UTF-8)
            return api.create_response(
                request,
                error_body(
                    "invalid",
                    _("Please correct the errors below."),
                    {"_": [_("The request body is not valid JSON.")]},
                ),
                status=422,
            )
        return api.create_response(
            request, error_body("error", exc.message), status=exc.status_code
        )
