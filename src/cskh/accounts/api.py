"""API of the account use cases: /api/v1/auth/… and /api/v1/me."""

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.security import HttpBearer

from cskh.accounts import forms, services
from cskh.core import codes
from cskh.core.forms import validated
from cskh.core.http import client_ip, json_attachment


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <access token>`; the account's language applies
    when the request has no Accept-Language."""

    def authenticate(self, request, token):
        record = services.authenticate_token(access_token=token, now=timezone.now())
        if record is None:
            return None
        request.user = record.user
        request.api_token = record
        answer_in(request, record.user.language)
        return record.user


def answer_in(request, language: str) -> None:
    """The account's language, unless the request asks for one (Accept-Language)."""
    if not request.headers.get("Accept-Language"):
        translation.activate(language)


bearer = TokenAuth()
auth_router = Router(tags=["auth"])
me_router = Router(tags=["me"], auth=bearer)


class Detail(Schema):
    detail: str


class Tokens(Schema):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


class PhoneIn(Schema):
    phone: str


class RegisterIn(Schema):
    phone: str
    otp: str
    full_name: str
    password: str
    accept_terms: bool = False


class LoginIn(Schema):
    phone: str
    password: str


class RefreshIn(Schema):
    refresh_token: str


class ResetIn(Schema):
    phone: str
    otp: str
    new_password: str


class ChangeIn(Schema):
    old_password: str
    new_password: str


class ProfileIn(Schema):
    full_name: str | None = None
    cccd: str | None = None
    email: str | None = None
    language: str | None = None


class PhoneVerifyIn(Schema):
    phone: str
    otp: str


class Profile(Schema):
    phone: str
    full_name: str
    cccd_masked: str
    email: str
    language: str
    registered_at: str


def profile(user) -> dict:
    return {
        "phone": user.phone,
        "full_name": user.full_name,
        "cccd_masked": codes.mask_cccd(user.cccd) if user.cccd else "",
        "email": user.email,
        "language": user.language,
        "registered_at": user.created_at.isoformat(),
    }


def code_sent() -> dict:
    return {"detail": _("If this number can receive SMS, a code has been sent to it.")}


@auth_router.post("/register/start", response={202: Detail})
def register_start(request, payload: PhoneIn):
    data = validated(forms.PhoneForm, payload.dict())
    services.start_registration(phone=data["phone"], ip=client_ip(request), now=timezone.now())
    return Status(202, code_sent())


@auth_router.post("/register/verify", response={201: Tokens})
def register_verify(request, payload: RegisterIn):
    data = validated(forms.RegisterVerifyForm, payload.dict())
    now = timezone.now()
    user = services.complete_registration(
        phone=data["phone"],
        otp=data["otp"],
        full_name=data["full_name"],
        password=data["password"],
        accept_terms=data["accept_terms"],
        language=translation.get_language(),
        ip=client_ip(request),
        now=now,
    )
    return Status(201, services.issue_tokens(user=user, now=now))


@auth_router.post("/login", response=Tokens)
def login(request, payload: LoginIn):
    data = validated(forms.LoginForm, payload.dict())
    user = services.login(phone=data["phone"], password=data["password"], ip=client_ip(request))
    return services.issue_tokens(user=user, now=timezone.now())


@auth_router.post("/refresh", response=Tokens)
def refresh(request, payload: RefreshIn):
    return services.refresh_tokens(refresh_token=payload.refresh_token, now=timezone.now())


@auth_router.post("/logout", response={204: None}, auth=bearer)
def logout(request):
    services.logout_token(token=request.api_token, now=timezone.now())
    return Status(204, None)


@auth_router.post("/password/reset/start", response={202: Detail})
def password_reset_start(request, payload: PhoneIn):
    data = validated(forms.PhoneForm, payload.dict())
    services.start_password_reset(phone=data["phone"], ip=client_ip(request), now=timezone.now())
    return Status(202, code_sent())


@auth_router.post("/password/reset/verify", response=Detail)
def password_reset_verify(request, payload: ResetIn):
    data = validated(forms.PasswordResetVerifyForm, payload.dict())
    services.complete_password_reset(
        phone=data["phone"],
        otp=data["otp"],
        new_password=data["new_password"],
        ip=client_ip(request),
        now=timezone.now(),
    )
    return {"detail": _("Your password has been changed. Log in with the new password.")}


@auth_router.post("/password/change", response=Detail, auth=bearer)
def password_change(request, payload: ChangeIn):
    data = validated(forms.PasswordChangeForm, payload.dict())
    services.change_password(
        user=request.auth,
        old_password=data["old_password"],
        new_password=data["new_password"],
        now=timezone.now(),
        keep_family=request.api_token.family,
    )
    return {"detail": _("Your password has been changed. Your other devices are logged out.")}


@me_router.get("", response=Profile)
def me(request):
    return profile(request.auth)


@me_router.patch("", response=Profile)
def update_me(request, payload: ProfileIn):
    user = request.auth
    current = {
        "full_name": user.full_name,
        "cccd": user.cccd,
        "email": user.email,
        "language": user.language,
    }
    data = validated(forms.ProfileForm, current | payload.dict(exclude_unset=True))
    services.update_profile(user=user, **data)
    return profile(user)


@me_router.post("/phone/start", response={202: Detail})
def phone_change_start(request, payload: PhoneIn):
    data = validated(forms.PhoneForm, payload.dict())
    services.start_phone_change(
        user=request.auth, new_phone=data["phone"], ip=client_ip(request), now=timezone.now()
    )
    return Status(202, code_sent())


@me_router.post("/phone/verify", response=Profile)
def phone_change_verify(request, payload: PhoneVerifyIn):
    data = validated(forms.PhoneChangeVerifyForm, payload.dict())
    user = services.complete_phone_change(
        user=request.auth,
        new_phone=data["phone"],
        otp=data["otp"],
        ip=client_ip(request),
        now=timezone.now(),
    )
    return profile(user)


@me_router.get("/export")
def export(request):
    data = services.export_personal_data(user=request.auth, now=timezone.now())
    return json_attachment(data, services.EXPORT_FILENAME)


@me_router.delete("", response={204: None})
def delete_me(request):
    services.delete_account(user=request.auth, now=timezone.now())
    return Status(204, None)
