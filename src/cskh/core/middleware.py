"""Security headers for every response."""

from django.conf import settings

_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'{style}; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'{forms}; frame-ancestors 'none'; "
    "manifest-src 'self'; connect-src 'self'"
)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response, and the
    Secure flag on every cookie whenever the request came over HTTPS."""

    def __init__(self, get_response):
        self.get_response = get_response
        # A payment form redirects to the gateway's page, which form-action must allow.
        forms = "".join(f" {origin}" for origin in settings.CSP_FORM_ACTION_ORIGINS)
        self.pages = _CSP.format(style="", forms=forms)
        # The staff back-office (Django admin) sets a few inline style attributes.
        self.staff = _CSP.format(style=" 'unsafe-inline'", forms=forms)

    def __call__(self, request):
        response = self.get_response(request)
        staff = request.path.startswith(("/staff/", "/api/v1/docs"))
        response.headers.setdefault("Content-Security-Policy", self.staff if staff else self.pages)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"
        )
        if request.is_secure():
            for morsel in response.cookies.values():
                morsel["secure"] = True
        return response
