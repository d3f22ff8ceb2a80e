"""Which language to answer in.

Visitors: LocaleMiddleware's choice (the `cskh_language` cookie, then the browser).
Logged-in accounts: the language saved on the account. API: `Accept-Language`
when given (the token's account language otherwise, see accounts.api)."""

from django.utils import translation
from django.utils.translation.trans_real import (
    get_supported_language_variant,
    parse_accept_lang_header,
)


class AccountLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            language = accepted_language(request)
        elif request.user.is_authenticated:
            language = request.user.language
        else:
            language = None
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def accepted_language(request) -> str | None:
    """The first supported language of the Accept-Language header, if any."""
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            continue
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return None
