"""Customer accounts: people who log in with a phone number."""

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **fields):
        user = self.model(phone=phone, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(phone, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    phone = models.CharField(_("phone number"), max_length=16, unique=True)  # E.164
    full_name = models.CharField(_("full name"), max_length=100)
    cccd = models.CharField(_("CCCD number"), max_length=12, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.phone

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split()[-1] if self.full_name else self.phone

    # mutators
    def update_profile(self, *, full_name: str, cccd: str, email: str, language: str) -> None:
        self.full_name, self.cccd, self.email, self.language = full_name, cccd, email, language
        self.save(update_fields=["full_name", "cccd", "email", "language"])

    def set_language(self, language: str) -> None:
        self.language = language
        self.save(update_fields=["language"])

    def change_phone(self, phone: str) -> None:
        self.phone = phone
        self.save(update_fields=["phone"])


class LegalDocument(models.Model):
    """A version of the terms of use or the privacy notice, as accepted at registration."""

    class Kind(models.TextChoices):
        TERMS = "TERMS", _("Terms of use")
        PRIVACY = "PRIVACY", _("Privacy notice")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    version = models.CharField(max_length=20)
    effective_date = models.DateField()
    body_vi = models.TextField()
    body_en = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="legal_document_version")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.version}"

    def body(self, language: str) -> str:
        return self.body_vi if language.startswith("vi") else self.body_en

    @classmethod
    def in_force(cls, kind: str, *, today) -> "LegalDocument":
        return (
            cls.objects.filter(kind=kind, effective_date__lte=today)
            .order_by("-effective_date", "-id")
            .first()
        )


class Consent(models.Model):
    """Proof that an account accepted a given version of a legal document."""

    # consent_once_per_document begins with it
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="consents", db_index=False
    )
    document = models.ForeignKey(LegalDocument, on_delete=models.PROTECT)
    accepted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "document"], name="consent_once_per_document")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} accepted {self.document}"


class OtpPurpose(models.TextChoices):
    REGISTER = "REGISTER", _("registration")
    RESET_PASSWORD = "RESET_PASSWORD", _("password reset")
    CHANGE_PHONE = "CHANGE_PHONE", _("phone number change")
    LINK_CUSTOMER = "LINK_CUSTOMER", _("linking a customer code")


def _otp_digest(*, salt: str, phone: str, purpose: str, subject: str, code: str) -> str:
    message = f"{salt}:{purpose}:{phone}:{subject}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


class OtpChallenge(models.Model):
    """A one-time code sent by SMS, bound to a phone, a purpose and a subject
    (the customer code being linked, the account changing its phone …).
    Only an HMAC of the code is stored."""

    phone = models.CharField(max_length=16)
    purpose = models.CharField(max_length=20, choices=OtpPurpose.choices)
    subject = models.CharField(max_length=64, blank=True)
    salt = models.CharField(max_length=32)
    code_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone", "purpose", "subject", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="otp_expires_after_created"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.phone} {self.created_at:%Y-%m-%d %H:%M}"

    # factories
    @classmethod
    def issue(
        cls, *, phone: str, purpose: str, subject: str, now: datetime
    ) -> tuple["OtpChallenge", str]:
        """Create a challenge (retiring earlier open ones); return it and the clear code."""
        cls.objects.filter(
            phone=phone, purpose=purpose, subject=subject, used_at__isnull=True
        ).update(used_at=now)
        code = f"{secrets.randbelow(10**6):06d}"
        salt = secrets.token_hex(16)
        challenge = cls.objects.create(
            phone=phone,
            purpose=purpose,
            subject=subject,
            salt=salt,
            code_digest=_otp_digest(
                salt=salt, phone=phone, purpose=purpose, subject=subject, code=code
            ),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
        )
        return challenge, code

    # queries
    @classmethod
    def open_for_update(cls, *, phone: str, purpose: str, subject: str, now: datetime):
        return (
            cls.objects.select_for_update()
            .filter(
                phone=phone,
                purpose=purpose,
                subject=subject,
                used_at__isnull=True,
                expires_at__gt=now,
            )
            .order_by("-created_at", "-id")
            .first()
        )

    def matches(self, code: str) -> bool:
        expected = _otp_digest(
            salt=self.salt,
            phone=self.phone,
            purpose=self.purpose,
            subject=self.subject,
            code=code,
        )
        return hmac.compare_digest(expected, self.code_digest)

    @property
    def exhausted(self) -> bool:
        return self.tries >= settings.OTP_MAX_TRIES

    # mutators
    def record_wrong_try(self) -> None:
        self.tries = models.F("tries") + 1
        self.save(update_fields=["tries"])
        self.refresh_from_db(fields=["tries"])

    def mark_used(self, *, now: datetime) -> None:
        self.used_at = now
        self.save(update_fields=["used_at"])


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """Opaque bearer tokens for the native apps. Only a SHA-256 digest is stored.

    Tokens issued together from one login share a `family`; refreshing rotates the
    refresh token inside its family, and presenting a refresh token that was already
    used revokes the whole family (it has been stolen or replayed)."""

    class Kind(models.TextChoices):
        ACCESS = "ACCESS", _("access")
        REFRESH = "REFRESH", _("refresh")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    kind = models.CharField(max_length=7, choices=Kind.choices)
    digest = models.CharField(max_length=64, unique=True)
    family = models.UUIDField(db_index=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} token of {self.user_id} ({self.family})"

    # factories
    @classmethod
    def issue_pair(cls, *, user: User, now: datetime, family: uuid.UUID | None = None):
        """Create an access and a refresh token; return (access, refresh, family)."""
        family = family or uuid.uuid4()
        clear = {}
        for kind, ttl in (
            (cls.Kind.ACCESS, settings.ACCESS_TOKEN_TTL_SECONDS),
            (cls.Kind.REFRESH, settings.REFRESH_TOKEN_TTL_SECONDS),
        ):
            clear[kind] = secrets.token_urlsafe(32)
            cls.objects.create(
                user=user,
                kind=kind,
                digest=token_digest(clear[kind]),
                family=family,
                created_at=now,
                expires_at=now + timedelta(seconds=ttl),
            )
        return clear[cls.Kind.ACCESS], clear[cls.Kind.REFRESH], family

    # queries
    @classmethod
    def find(cls, token: str, *, kind: str):
        return (
            cls.objects.select_related("user").filter(digest=token_digest(token), kind=kind).first()
        )

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now and self.user.is_active

    # is_live in SQL, for a statement that reads the token (`t`) and its account (`u`)
    # along with what the request asks (metering.queries.caller); params: kind, now.
    LIVE_SQL = "t.kind = %s AND t.revoked_at IS NULL AND t.expires_at > %s AND u.is_active"

    # mutators
    @classmethod
    def revoke_family(cls, family: uuid.UUID, *, now: datetime) -> None:
        cls.objects.filter(family=family, revoked_at__isnull=True).update(revoked_at=now)

    @classmethod
    def revoke_all(cls, user: User, *, now: datetime, keep_family=None) -> None:
        tokens = cls.objects.filter(user=user, revoked_at__isnull=True)
        if keep_family:
            tokens = tokens.exclude(family=keep_family)
        tokens.update(revoked_at=now)

    def mark_used(self, *, now: datetime) -> None:
        self.used_at = now
        self.save(update_fields=["used_at"])
