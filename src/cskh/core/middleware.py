"""Security headers for every response."""

_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'{style}; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; "
    "manifest-src 'self'; connect-src 'self'"
)
# The staff back-office (Django admin) sets a few inline style attributes.
_CSP_PAGES = _CSP.format(style="")
_CSP_STAFF = _CSP.format(style=" 'unsafe-inline'")


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response, and the
    Secure flag on every cookie whenever the request came over HTTPS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        staff = request.path.startswith(("/staff/", "/api/v1/docs"))
        response.headers.setdefault("Content-Security-Policy", _CSP_STAFF if staff else _CSP_PAGES)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"
        )
        if request.is_secure():
            for morsel in response.cookies.values():
                morsel["secure"] = True
        return response
