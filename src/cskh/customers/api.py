"""API of the account's customer codes: /api/v1/customers."""

from django.utils import timezone
from ninja import Router, Schema, Status

from cskh.accounts.api import bearer
from cskh.core.forms import validated
from cskh.core.http import client_ip
from cskh.customers import forms, queries, services
from cskh.customers.models import CustomerLink

router = Router(tags=["customers"], auth=bearer)


class LinkOut(Schema):
    code: str
    nickname: str
    relation: str
    default: bool
    name: str
    address: str
    unit: str
    status: str


class LinkIn(Schema):
    code: str
    relation: str
    nickname: str | None = None
    method: str | None = None
    meter_number: str | None = None


class OtpSent(Schema):
    status: str
    phone_masked: str
    detail: str


class VerifyIn(Schema):
    otp: str
    nickname: str | None = None


class LinkPatch(Schema):
    nickname: str | None = None
    default: bool | None = None


@router.get("", response=list[LinkOut])
def list_links(request):
    return [queries.summary(link) for link in queries.links_of(request.auth)]


@router.post("", response={201: LinkOut, 202: OtpSent})
def link(request, payload: LinkIn):
    data = validated(forms.LinkForm, payload.dict())
    account, now = request.auth, timezone.now()
    nickname = data["nickname"]
    if data["relation"] == CustomerLink.Relation.OTHER:
        created = services.link_other(
            account=account,
            code=data["code"],
            meter_number=data["meter_number"],
            nickname=nickname,
            now=now,
        )
    elif data["method"] == forms.LinkForm.Method.CCCD:
        created = services.link_holder_by_cccd(
            account=account, code=data["code"], nickname=nickname, now=now
        )
    else:
        masked = services.start_holder_link(
            account=account, code=data["code"], ip=client_ip(request), now=now
        )
        return Status(
            202,
            {
                "status": "OTP_SENT",
                "phone_masked": masked,
                "detail": services.otp_sent_message(masked),
            },
        )
    return Status(201, queries.summary(created))


@router.post("/{code}/verify", response={201: LinkOut})
def verify(request, code: str, payload: VerifyIn):
    data = validated(forms.LinkVerifyForm, payload.dict())
    created = services.verify_holder_link(
        account=request.auth,
        code=code.upper(),
        otp=data["otp"],
        nickname=data["nickname"],
        ip=client_ip(request),
        now=timezone.now(),
    )
    return Status(201, queries.summary(created))


@router.get("/{code}")
def detail(request, code: str):
    link = queries.link_of(request.auth, code.upper())
    if link is None:
        raise services.LinkNotFound()
    return queries.detail(link, today=timezone.localdate())


@router.patch("/{code}", response=LinkOut)
def update(request, code: str, payload: LinkPatch):
    data = validated(forms.LinkUpdateForm, payload.dict())
    updated = services.update_link(
        account=request.auth,
        code=code.upper(),
        nickname=data["nickname"] if payload.nickname is not None else None,
        make_default=bool(payload.default),
    )
    return queries.summary(updated)


@router.delete("/{code}", response={204: None})
def unlink(request, code: str):
    services.unlink(account=request.auth, code=code.upper())
    return Status(204, None)
