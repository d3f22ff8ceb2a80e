"""Account use cases: registration, login, passwords, profile, tokens, personal data.

Every function takes `now` (aware datetime) and, where abuse matters, the client
`ip`; interfaces pass `timezone.now()` and the request's address.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cskh.accounts import signals
from cskh.accounts.models import ApiToken, Consent, LegalDocument, OtpChallenge, OtpPurpose, User
from cskh.core import ratelimit, sms
from cskh.core.errors import InvalidInput, NotAuthenticated, RateLimited

logger = logging.getLogger(__name__)
HOUR = 3600
EXPORT_FILENAME = "evn-cskh-my-data.json"


class WrongCredentials(NotAuthenticated):
    code = "wrong_credentials"


class LoginLocked(RateLimited):
    code = "login_locked"


class OtpRejected(InvalidInput):
    code = "otp_rejected"


# ---------------------------------------------------------------- one-time codes


def send_otp(
    *, phone: str, purpose: str, ip: str, now: datetime, subject: str = "", deliver: bool = True
) -> None:
    """Send a fresh code for `purpose` to `phone`, within the limits of identity.md.

    With `deliver=False` the same limits apply and a code is issued but never sent
    (used when the phone must not learn anything): checking guesses against it then
    answers exactly as for a sent code, so the answers stay identical."""
    ratelimit.check("otp-send-ip", ip)
    ratelimit.check("otp-send-phone", phone)
    ratelimit.cooldown(
        "otp-resend", f"{purpose}:{subject}:{phone}", seconds=settings.OTP_RESEND_SECONDS
    )
    ratelimit.record("otp-send-ip", ip, limit=settings.OTP_SENDS_PER_IP_PER_HOUR, window=HOUR)
    ratelimit.record(
        "otp-send-phone", phone, limit=settings.OTP_SENDS_PER_PHONE_PER_HOUR, window=HOUR
    )
    with transaction.atomic():
        code = OtpChallenge.issue(phone=phone, purpose=purpose, subject=subject, now=now)[1]
        if not deliver:
            return
        text = _(
            "EVN CSKH: your code is %(code)s. It is valid for %(minutes)d minutes. "
            "Never give this code to anyone, EVN staff included."
        ) % {"code": code, "minutes": settings.OTP_TTL_SECONDS // 60}
        sms.send(to=phone, text=text)


def check_otp(*, phone: str, purpose: str, code: str, ip: str, now: datetime, subject: str = ""):
    """Consume the open code for (phone, purpose, subject) or raise OtpRejected.

    Runs in its own transaction so that a wrong try is counted even though the
    caller then fails."""
    ratelimit.check("otp-check-ip", ip)
    with transaction.atomic():
        challenge = OtpChallenge.open_for_update(
            phone=phone, purpose=purpose, subject=subject, now=now
        )
        if challenge is None:
            outcome = "missing"
        elif challenge.exhausted:
            outcome = "exhausted"
        elif challenge.matches(code):
            challenge.mark_used(now=now)
            return
        else:
            challenge.record_wrong_try()
            outcome = "exhausted" if challenge.exhausted else "wrong"
    ratelimit.record("otp-check-ip", ip, limit=settings.OTP_CHECKS_PER_IP_PER_HOUR, window=HOUR)
    if outcome == "missing":
        message = _("The code is wrong or has expired. Ask for a new code.")
    elif outcome == "exhausted":
        message = _("Too many wrong codes. Ask for a new code.")
    else:
        left = settings.OTP_MAX_TRIES - challenge.tries
        message = ngettext(
            "The code is wrong. You have %(n)d try left.",
            "The code is wrong. You have %(n)d tries left.",
            left,
        ) % {"n": left}
    raise OtpRejected(message, fields={"otp": [message]})


# ---------------------------------------------------------------- registration


def start_registration(*, phone: str, ip: str, now: datetime) -> None:
    """Text a code to a new phone. A phone that already has an account gets a
    message saying so instead; the caller's answer is the same either way."""
    if User.objects.filter(phone=phone).exists():
        send_otp(phone=phone, purpose=OtpPurpose.REGISTER, ip=ip, now=now, deliver=False)
        sms.send(
            to=phone,
            text=_(
                "EVN CSKH: this number already has an account. If you forgot your "
                'password, choose "Forgot password" on the login page.'
            ),
        )
        return
    send_otp(phone=phone, purpose=OtpPurpose.REGISTER, ip=ip, now=now)


def _password_errors(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def complete_registration(
    *,
    phone: str,
    otp: str,
    full_name: str,
    password: str,
    accept_terms: bool,
    language: str,
    ip: str,
    now: datetime,
) -> User:
    user = User(phone=phone, full_name=full_name.strip(), language=language, created_at=now)
    fields = {}
    if not accept_terms:
        fields["accept_terms"] = [
            _("To register you must accept the terms of use and the privacy notice.")
        ]
    password_errors = _password_errors(password, user)
    if password_errors:
        fields["password"] = password_errors
    if fields:
        raise InvalidInput(fields=fields)
    today = timezone.localdate(now)
    documents = [
        LegalDocument.in_force(kind, today=today)
        for kind in (LegalDocument.Kind.TERMS, LegalDocument.Kind.PRIVACY)
    ]
    if None in documents:  # an operator error: registration needs published terms
        raise RuntimeError("the terms of use and the privacy notice must be published")
    check_otp(phone=phone, purpose=OtpPurpose.REGISTER, code=otp, ip=ip, now=now)
    try:
        with transaction.atomic():
            user.set_password(password)
            user.save()
            Consent.objects.bulk_create(
                Consent(user=user, document=document, accepted_at=now) for document in documents
            )
    except IntegrityError as exc:  # registered meanwhile by a concurrent request
        message = _("The code is wrong or has expired. Ask for a new code.")
        raise OtpRejected(message, fields={"otp": [message]}) from exc
    return user


# ---------------------------------------------------------------- login


def login(*, phone: str, password: str, ip: str) -> User:
    """Check phone and password, with a lockout per phone and per IP."""
    locked = _("Too many failed logins. Try again in %(minutes)d minutes or reset your password.")
    for scope, ident in (("login-phone", phone), ("login-ip", ip)):
        try:
            ratelimit.check(scope, ident)
        except RateLimited as exc:
            minutes = -(-exc.retry_after // 60)
            raise LoginLocked(locked % {"minutes": minutes}, retry_after=exc.retry_after) from None
    user = authenticate(phone=phone, password=password)
    if user is None:
        lockout = settings.LOGIN_LOCKOUT_SECONDS
        failures = ratelimit.record(
            "login-phone", phone, limit=settings.LOGIN_FAILURES_PER_PHONE, window=lockout
        )
        ratelimit.record("login-ip", ip, limit=settings.LOGIN_FAILURES_PER_IP, window=lockout)
        if failures >= settings.LOGIN_FAILURES_PER_PHONE:
            raise LoginLocked(locked % {"minutes": lockout // 60}, retry_after=lockout)
        raise WrongCredentials(_("The phone number or the password is wrong."))
    ratelimit.reset("login-phone", phone)
    return user


# ---------------------------------------------------------------- passwords


def start_password_reset(*, phone: str, ip: str, now: datetime) -> None:
    """Text a reset code if the phone has an active account; the answer is the same
    whether or not it has one."""
    known = User.objects.filter(phone=phone, is_active=True).exists()
    send_otp(phone=phone, purpose=OtpPurpose.RESET_PASSWORD, ip=ip, now=now, deliver=known)


def complete_password_reset(
    *, phone: str, otp: str, new_password: str, ip: str, now: datetime
) -> User:
    user = User.objects.filter(phone=phone, is_active=True).first()
    errors = _password_errors(new_password, user or User(phone=phone))
    if errors:
        raise InvalidInput(fields={"new_password": errors})
    check_otp(phone=phone, purpose=OtpPurpose.RESET_PASSWORD, code=otp, ip=ip, now=now)
    if user is None:  # the code was issued but never sent: a lucky guess
        raise OtpRejected(fields={"otp": [_("The code is wrong or has expired.")]})
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        ApiToken.revoke_all(user, now=now)
    ratelimit.reset("login-phone", phone)
    return user


def check_current_password(*, user: User, password: str, field: str) -> None:
    """Confirm a logged-in person's password before a sensitive change, with the
    same lockout as logging in."""
    ratelimit.check("password-confirm", str(user.pk))
    if not user.check_password(password):
        ratelimit.record(
            "password-confirm",
            str(user.pk),
            limit=settings.LOGIN_FAILURES_PER_PHONE,
            window=settings.LOGIN_LOCKOUT_SECONDS,
        )
        raise InvalidInput(fields={field: [_("The current password is wrong.")]})


def change_password(
    *, user: User, old_password: str, new_password: str, now: datetime, keep_family=None
) -> None:
    """Change the password and end every other session and API token.

    Other web sessions end because Django ties a session to the password hash; the
    caller keeps its own session (update_session_auth_hash) or token family."""
    check_current_password(user=user, password=old_password, field="old_password")
    errors = _password_errors(new_password, user)
    if errors:
        raise InvalidInput(fields={"new_password": errors})
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        ApiToken.revoke_all(user, now=now, keep_family=keep_family)


# ---------------------------------------------------------------- profile


def update_profile(*, user: User, full_name: str, cccd: str, email: str, language: str) -> User:
    with transaction.atomic():
        user.update_profile(full_name=full_name.strip(), cccd=cccd, email=email, language=language)
    return user


def start_phone_change(*, user: User, new_phone: str, ip: str, now: datetime) -> None:
    if new_phone == user.phone:
        raise InvalidInput(fields={"phone": [_("This is already your phone number.")]})
    send_otp(phone=new_phone, purpose=OtpPurpose.CHANGE_PHONE, subject=str(user.pk), ip=ip, now=now)


def complete_phone_change(*, user: User, new_phone: str, otp: str, ip: str, now: datetime) -> User:
    check_otp(
        phone=new_phone,
        purpose=OtpPurpose.CHANGE_PHONE,
        subject=str(user.pk),
        code=otp,
        ip=ip,
        now=now,
    )
    # Only the holder of the new number gets this far, so saying it is taken leaks nothing.
    try:
        with transaction.atomic():
            user.change_phone(new_phone)
    except IntegrityError as exc:
        raise InvalidInput(
            fields={"phone": [_("This phone number belongs to another account.")]}
        ) from exc
    return user


def set_language(*, user: User, language: str) -> None:
    user.set_language(language)


# ---------------------------------------------------------------- API tokens


def issue_tokens(*, user: User, now: datetime) -> dict:
    with transaction.atomic():
        access, refresh, _family = ApiToken.issue_pair(user=user, now=now)
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": settings.ACCESS_TOKEN_TTL_SECONDS,
    }


def refresh_tokens(*, refresh_token: str, now: datetime) -> dict:
    """Rotate a refresh token. A refresh token presented twice revokes its family."""
    invalid = _("Your session has ended. Please log in again.")
    with transaction.atomic():
        token = ApiToken.find(refresh_token, kind=ApiToken.Kind.REFRESH)
        if token is None:
            raise NotAuthenticated(invalid)
        token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if token.used_at is not None:
            ApiToken.revoke_family(token.family, now=now)
            logger.warning("refresh token reused; family %s revoked", token.family)
            reused = True
        elif not token.is_live(now):
            raise NotAuthenticated(invalid)
        else:
            reused = False
            token.mark_used(now=now)
            ApiToken.revoke_family(token.family, now=now)
            access, refresh, _family = ApiToken.issue_pair(
                user=token.user, now=now, family=token.family
            )
    if reused:  # raised after the commit so the revocation stands
        raise NotAuthenticated(invalid)
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": settings.ACCESS_TOKEN_TTL_SECONDS,
    }


def authenticate_token(*, access_token: str, now: datetime) -> ApiToken | None:
    token = ApiToken.find(access_token, kind=ApiToken.Kind.ACCESS)
    if token is None or not token.is_live(now):
        return None
    return token


def logout_token(*, token: ApiToken, now: datetime) -> None:
    ApiToken.revoke_family(token.family, now=now)


# ---------------------------------------------------------------- personal data


def export_personal_data(*, user: User, now: datetime) -> dict:
    """Everything the platform holds about the account, for "download my data"."""
    data = {
        "exported_at": now.isoformat(),
        "account": {
            "phone": user.phone,
            "full_name": user.full_name,
            "cccd": user.cccd,
            "email": user.email,
            "language": user.language,
            "registered_at": user.created_at.isoformat(),
            "last_login_at": user.last_login.isoformat() if user.last_login else None,
        },
        "consents": [
            {
                "document": consent.document.kind,
                "version": consent.document.version,
                "accepted_at": consent.accepted_at.isoformat(),
            }
            for consent in user.consents.select_related("document").order_by("accepted_at", "id")
        ],
    }
    for _receiver, (section, content) in signals.collect_personal_data.send(sender=User, user=user):
        data[section] = content
    return data


def delete_account(*, user: User, now: datetime) -> None:
    """Erase the account and everything tied to it (links, tokens, consents, codes)."""
    with transaction.atomic():
        # codes sent to the account's phone, and codes bound to the account but sent to
        # other numbers: a phone change (subject "pk") or a customer link ("pk:code")
        OtpChallenge.objects.filter(
            Q(phone=user.phone) | Q(subject=str(user.pk)) | Q(subject__startswith=f"{user.pk}:")
        ).delete()
        user.delete()
    logger.info("account deleted at %s", now.isoformat())
