"""The bottom navigation of EVN's app: Trang chủ, Tra cứu, Thanh toán, Thông báo, Tài khoản."""

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from cskh.notifications import queries as notifications

# Material-style 24×24 icon paths.
ITEMS = [
    ("web:home", _("Home"), "M10 20v-6h4v6h5v-8h3L12 3 2 12h3v8z"),
    (
        "web:lookup",
        _("Lookup"),
        "M15.5 14h-.79l-.28-.27A6.47 6.47 0 0 0 16 9.5 6.5 6.5 0 1 0 9.5 16c1.61 0 3.09-.59 "
        "4.23-1.57l.27.28v.79l5 4.99L20.49 19zm-6 0C7.01 14 5 11.99 5 9.5S7.01 5 9.5 5 14 "
        "7.01 14 9.5 11.99 14 9.5 14",
    ),
    (
        "payments:pay",
        _("Payment"),
        "M20 4H4c-1.11 0-2 .89-2 2v12c0 1.11.89 2 2 2h16c1.11 0 2-.89 2-2V6c0-1.11-.89-2-2-2m0 "
        "14H4v-6h16zm0-10H4V6h16z",
    ),
    (
        "notifications:list",
        _("Notices"),
        "M12 22c1.1 0 2-.9 2-2h-4a2 2 0 0 0 2 2m6-6v-5c0-3.07-1.64-5.64-4.5-6.32V4c0-.83-.67-1.5-"
        "1.5-1.5s-1.5.67-1.5 1.5v.68C7.63 5.36 6 7.92 6 11v5l-2 2v1h16v-1z",
    ),
    (
        "accounts:menu",
        _("Account"),
        "M12 12c2.21 0 4-1.79 4-4s-1.79-4-4-4-4 1.79-4 4 1.79 4 4 4m0 2c-2.67 0-8 1.34-8 4v2h16v-"
        "2c0-2.66-5.33-4-8-4",
    ),
]


def navigation(request) -> dict:
    """Context processor: the five items, the current one marked, and the number of
    unread notices on "Thông báo" for a logged-in account. Computed only when a
    template shows the navigation (not on the staff pages)."""
    return {"navigation": SimpleLazyObject(lambda: _items(request))}


def _items(request) -> list[dict]:
    unread = (
        notifications.unread_count(request.user, now=timezone.now())
        if request.user.is_authenticated
        else 0
    )
    items = []
    for name, label, icon in ITEMS:
        url = reverse(name)
        current = request.path == url if url == "/" else request.path.startswith(url)
        count = unread if name == "notifications:list" else 0
        items.append({"url": url, "label": label, "icon": icon, "current": current, "count": count})
    return items
