"""API of the account's notices: /api/v1/notifications."""

from django.utils import timezone, translation
from ninja import Query, Router, Schema

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


@router.get("/{int:notice_id}", response=NoticeOut)
def detail(request, notice_id: int):
    notice = services.mark_read(account=request.auth, notice_id=notice_id, now=timezone.now())
    return notice_out(notice, read=True)


@router.post("/{int:notice_id}/read", response=NoticeOut)
def read(request, notice_id: int):
    notice = services.mark_read(account=request.auth, notice_id=notice_id, now=timezone.now())
    return notice_out(notice, read=True)
