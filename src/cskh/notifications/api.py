"""API of the account's notices: /api/v1/notifications."""

from django.conf import settings
from django.utils import timezone, translation
from ninja import Query, Router, Schema, Status

from cskh.accounts.api import bearer
from cskh.core.forms import validated
from cskh.notifications import forms, queries, services

router = Router(tags=["notifications"], auth=bearer)


class NoticeOut(Schema):
    id: int
    category: str
    title: str
    body: str
    link: str
    published_at: str
    read: bool
    corrects: int | None


class NoticePage(Schema):
    items: list[NoticeOut]
    unread: int
    page: int
    pages: int
    total: int


class Unread(Schema):
    unread: int


class PushKeys(Schema):
    p256dh: str
    auth: str


class SubscriptionIn(Schema):
    endpoint: str
    keys: PushKeys


class EndpointIn(Schema):
    endpoint: str


class Preferences(Schema):
    BILL: bool | None = None
    INCIDENT: bool | None = None
    MEDIA: bool | None = None


class ListQuery(Schema):
    category: str | None = None
    page: str | None = None


def notice_out(notice, *, read: bool) -> dict:
    language = translation.get_language()
    return {
        "id": notice.id,
        "category": notice.category,
        "title": notice.title(language),
        "body": notice.body(language),
        "link": notice.link,
        "published_at": notice.publish_at.isoformat(),
        "read": read,
        "corrects": notice.corrects_id,
    }


@router.get("", response=NoticePage)
def list_notices(request, filters: Query[ListQuery]):
    data = validated(forms.ListForm, filters.dict())
    now = timezone.now()
    result = queries.page(
        request.auth, now=now, category=data["category"], number=data["page"] or 1
    )
    return {
        "items": [notice_out(notice, read=notice.is_read) for notice in result["items"]],
        "unread": queries.unread_count(request.auth, now=now),
        "page": result["page"],
        "pages": result["pages"],
        "total": result["total"],
    }


@router.get("/unread-count", response=Unread)
def unread_count(request):
    return {"unread": queries.unread_count(request.auth, now=timezone.now())}


@router.post("/read-all", response=Unread)
def read_all(request):
    now = timezone.now()
    services.mark_all_read(account=request.auth, now=now)
    return {"unread": queries.unread_count(request.auth, now=now)}


@router.get("/push/key", auth=None)
def push_key(request):
    """The VAPID public key (applicationServerKey) for PushManager.subscribe."""
    return {"public_key": settings.VAPID_KEYS["public"]}


@router.post("/push/subscriptions", response={201: None})
def subscribe(request, payload: SubscriptionIn):
    data = validated(
        forms.SubscriptionForm,
        {"endpoint": payload.endpoint, "p256dh": payload.keys.p256dh, "auth": payload.keys.auth},
    )
    services.subscribe(
        account=request.auth,
        user_agent=request.headers.get("User-Agent", ""),
        now=timezone.now(),
        **data,
    )
    return Status(201, None)


@router.delete("/push/subscriptions", response={204: None})
def unsubscribe(request, payload: EndpointIn):
    services.unsubscribe(account=request.auth, endpoint=payload.endpoint)
    return Status(204, None)


@router.get("/preferences", response=Preferences)
def preferences(request):
    """Which categories are pushed to the account's devices."""
    return services.push_preferences(request.auth)


@router.patch("/preferences", response=Preferences)
def update_preferences(request, payload: Preferences):
    chosen = {k: v for k, v in payload.dict().items() if v is not None}
    return services.set_push_preferences(account=request.auth, preferences=chosen)


@router.get("/{int:notice_id}", response=NoticeOut)
def detail(request, notice_id: int):
    notice = services.mark_read(account=request.auth, notice_id=notice_id, now=timezone.now())
    return notice_out(notice, read=True)


@router.post("/{int:notice_id}/read", response=NoticeOut)
def read(request, notice_id: int):
    notice = services.mark_read(account=request.auth, notice_id=notice_id, now=timezone.now())
    return notice_out(notice, read=True)
