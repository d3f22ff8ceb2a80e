"""Settings for EVN CSKH, read from the environment.

Every value that differs between a laptop, CI and production comes from an
environment variable; the defaults are the safe ones (DEBUG off, file SMS
outside production, SQLite under var/).
"""

import base64
import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("CSKH_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into var/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _vapid_keys() -> dict:
    """Web Push VAPID keys (base64url: raw private key, uncompressed public point) from
    VAPID_PRIVATE_KEY / VAPID_PUBLIC_KEY, else generated once into var/vapid.json."""
    if os.environ.get("VAPID_PRIVATE_KEY"):
        return {
            "private": os.environ["VAPID_PRIVATE_KEY"],
            "public": os.environ["VAPID_PUBLIC_KEY"],
        }
    path = VAR_DIR / "vapid.json"
    if not path.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(ec.SECP256R1())

        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        private = key.private_numbers().private_value.to_bytes(32, "big")
        path.write_text(json.dumps({"private": b64(private), "public": b64(public)}))
        path.chmod(0o600)
    return json.loads(path.read_text())


VAPID_KEYS = _vapid_keys()
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:cskh@evn.com.vn")
# Push services the server may POST to (host suffixes); anything else is refused, so a
# subscription cannot make the server call an arbitrary address.
PUSH_SERVICE_HOSTS = env_list(
    "PUSH_SERVICE_HOSTS",
    "fcm.googleapis.com,push.services.mozilla.com,push.apple.com,notify.windows.com",
)
PUSH_BATCH = 500
DEBUG = env_bool("DEBUG")
# PRODUCTION turns off every simulated outside party (SMS file backend, sandboxes).
PRODUCTION = env_bool("PRODUCTION")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "cskh.core",
    "cskh.accounts",
    "cskh.customers",
    "cskh.notifications",
    "cskh.outages",
    "cskh.incidents",
    "cskh.metering",
    "cskh.billing",
    "cskh.payments",
    "cskh.web",
    "cskh.staff",
    "cskh.demo",
]
if not PRODUCTION:
    # VNPay's stand-in (docs/payments.md); production does not install it.
    INSTALLED_APPS.append("cskh.payments.sandbox")

MIDDLEWARE = [
    "cskh.core.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cskh.accounts.middleware.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cskh.urls"
WSGI_APPLICATION = "cskh.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cskh.web.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, and psycopg prepares a statement a connection has
    # run five times: PostgreSQL stops planning it again (most of a small query's cost).
    # Behind PgBouncer in transaction mode this needs max_prepared_statements (1.21+).
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker share one SQLite file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "cskh.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cskh",
        }
    }
else:
    # Shared by every server process and the worker, so rate limits hold.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cskh_cache",
        }
    }

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["cskh.accounts.backends.PhoneBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("full_name", "phone", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
CSRF_COOKIE_SAMESITE = "Lax"
# Cookies are marked Secure whenever the request came over HTTPS
# (cskh.core.middleware.SecurityHeadersMiddleware); behind a TLS proxy set
# SECURE_PROXY_SSL_HEADER_NAME=HTTP_X_FORWARDED_PROTO.
if os.environ.get("SECURE_PROXY_SSL_HEADER_NAME"):
    SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER_NAME"], "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365  # sent on HTTPS responses only
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "cskh_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOCALE_PATHS = [BASE_DIR / "src" / "cskh" / "locale"]
FORMAT_MODULE_PATH = ["cskh.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

MEDIA_ROOT = VAR_DIR / "media"  # never served as public files (photos go through views)
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# SMS: "file" (default outside production) appends JSON lines to SMS_FILE_PATH;
# "http" posts to a real gateway.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "http" if PRODUCTION else "file")
SMS_FILE_PATH = Path(os.environ.get("SMS_FILE_PATH", VAR_DIR / "sms" / "outbox.jsonl"))
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
SMS_HTTP_SENDER = os.environ.get("SMS_HTTP_SENDER", "EVN CSKH")
SMS_HTTP_TIMEOUT = float(os.environ.get("SMS_HTTP_TIMEOUT", "10"))

# One-time codes (domain/identity.md).
OTP_TTL_SECONDS = 300
OTP_MAX_TRIES = 5
OTP_RESEND_SECONDS = 60
OTP_SENDS_PER_PHONE_PER_HOUR = 5
OTP_SENDS_PER_IP_PER_HOUR = 20
OTP_CHECKS_PER_IP_PER_HOUR = 50

# Login throttling: lockout after repeated failures, per phone and per IP.
LOGIN_FAILURES_PER_PHONE = 5
LOGIN_FAILURES_PER_IP = 30
LOGIN_LOCKOUT_SECONDS = 15 * 60

# API tokens.
ACCESS_TOKEN_TTL_SECONDS = 15 * 60
REFRESH_TOKEN_TTL_SECONDS = 60 * 60 * 24 * 30

# Linked customer codes per account (docs/accounts.md explains the cap).
MAX_LINKS_PER_ACCOUNT = 20
# A new account sees the notices of the last 30 days before it registered.
NOTICE_HISTORY_DAYS = 30
# Planned work is announced at least this many days ahead (domain/evn.md).
OUTAGE_NOTICE_DAYS = 5
# Hours to handle an incident report: safety hazards are urgent.
INCIDENT_HANDLING_HOURS = {"URGENT": 2, "NORMAL": 24}
LINK_PROOF_FAILURES_PER_HOUR = 5

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django_tasks_db": {"level": "WARNING"}},
}

# Meter data (metering/ingest.py): what a register can advance in one day, and how far a
# kWh sent may differ from the index advance × multiplier (rounding in the MDMS).
METERING_MAX_DAILY_ADVANCE_KWH = env_int("METERING_MAX_DAILY_ADVANCE_KWH", 100_000)
METERING_KWH_TOLERANCE_WH = env_int("METERING_KWH_TOLERANCE_WH", 10)

# Billing (docs/invoices.md): days from the reading day to an invoice's due date.
BILLING_DUE_DAYS = env_int("BILLING_DUE_DAYS", 10)

# Payments (docs/payments.md). SITE_URL is this site's public address, for what a gateway
# calls back without a browser (VNPay's IPN is registered with VNPay; MoMo's is sent).
SITE_URL = os.environ.get("SITE_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
PAYMENT_METHODS = env_list("PAYMENT_METHODS", "VNPAY,VIETQR")
# How long a payment holds its invoices waiting for the gateway (VNPay's vnp_ExpireDate),
# and how long a VietQR transfer may take to show on the bank statement.
PAYMENT_VNPAY_MINUTES = env_int("PAYMENT_VNPAY_MINUTES", 15)
PAYMENT_VIETQR_MINUTES = env_int("PAYMENT_VIETQR_MINUTES", 24 * 60)
# Reconciliation asks the gateway about payments it has no word on, this many days back.
PAYMENT_RECONCILE_DAYS = env_int("PAYMENT_RECONCILE_DAYS", 7)
PAYMENT_HTTP_TIMEOUT = float(os.environ.get("PAYMENT_HTTP_TIMEOUT", "15"))
# "Pay without logging in": customer-code lookups per IP per hour.
GUEST_PAY_LOOKUPS_PER_IP_PER_HOUR = env_int("GUEST_PAY_LOOKUPS_PER_IP_PER_HOUR", 20)

_SANDBOX_VNPAY = f"{SITE_URL}/sandbox/vnpay"
VNPAY_TMN_CODE = os.environ.get("VNPAY_TMN_CODE", "" if PRODUCTION else "EVNTEST1")
VNPAY_HASH_SECRET = os.environ.get(
    "VNPAY_HASH_SECRET", "" if PRODUCTION else "SANDBOXSECRETKEY0123456789ABCDEF"
)
VNPAY_PAYMENT_URL = os.environ.get(
    "VNPAY_PAYMENT_URL", "" if PRODUCTION else "/sandbox/vnpay/paymentv2/vpcpay.html"
)
VNPAY_API_URL = os.environ.get(
    "VNPAY_API_URL", "" if PRODUCTION else f"{_SANDBOX_VNPAY}/merchant_webapi/api/transaction"
)
# The sandbox calls this IPN URL; empty: this site's own, as seen by the request.
VNPAY_SANDBOX_IPN_URL = os.environ.get("VNPAY_SANDBOX_IPN_URL", "")

# MoMo and ZaloPay are offered when their keys are set and PAYMENT_METHODS names them.
MOMO_PARTNER_CODE = os.environ.get("MOMO_PARTNER_CODE", "")
MOMO_ACCESS_KEY = os.environ.get("MOMO_ACCESS_KEY", "")
MOMO_SECRET_KEY = os.environ.get("MOMO_SECRET_KEY", "")
MOMO_ENDPOINT = os.environ.get("MOMO_ENDPOINT", "https://test-payment.momo.vn")
ZALOPAY_APP_ID = os.environ.get("ZALOPAY_APP_ID", "")
ZALOPAY_KEY1 = os.environ.get("ZALOPAY_KEY1", "")
ZALOPAY_KEY2 = os.environ.get("ZALOPAY_KEY2", "")
ZALOPAY_ENDPOINT = os.environ.get("ZALOPAY_ENDPOINT", "https://sb-openapi.zalopay.vn")
# The gateways' payment pages our forms redirect to (CSP form-action); ZaloPay's gateway
# page is on its own host: add it here when ZaloPay is enabled.
CSP_FORM_ACTION_ORIGINS = env_list(
    "CSP_FORM_ACTION_ORIGINS",
    ",".join(
        f"{parts.scheme}://{parts.netloc}"
        for parts in map(urlsplit, (VNPAY_PAYMENT_URL, MOMO_PARTNER_CODE and MOMO_ENDPOINT))
        if parts.netloc
    ),
)
