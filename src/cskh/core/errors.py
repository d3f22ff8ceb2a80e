"""Anticipated failures that a person can act on.

Services raise these (or subclasses named where they are raised); the web views
show `message` next to the form and the API answers
`{"error": {"code", "message", "fields"}}` with `status`.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "bad_request"
    default_message = _("The request could not be processed.")

    def __init__(self, message=None, *, fields=None, code=None):
        self.message = message or self.default_message
        self.fields = fields or {}
        if code:
            self.code = code
        super().__init__(str(self.message))


class InvalidInput(DomainError):
    """Input that is well-formed but wrong: `fields` maps a field to its messages."""

    status = 422
    code = "invalid"
    default_message = _("Please correct the errors below.")


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = _("Please log in again.")


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    default_message = _("You are not allowed to do this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("This cannot be done: it conflicts with existing data.")


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message=None, *, retry_after: int, code=None):
        self.retry_after = max(1, int(retry_after))
        super().__init__(message or wait_message(self.retry_after), code=code)


def wait_message(seconds: int):
    """ "Try again in 3 minutes" / "in 40 seconds", in the active language."""
    from django.utils.translation import ngettext

    if seconds < 60:
        return ngettext(
            "Too many attempts. Try again in %(n)d second.",
            "Too many attempts. Try again in %(n)d seconds.",
            seconds,
        ) % {"n": seconds}
    minutes = -(-seconds // 60)
    return ngettext(
        "Too many attempts. Try again in %(n)d minute.",
        "Too many attempts. Try again in %(n)d minutes.",
        minutes,
    ) % {"n": minutes}
