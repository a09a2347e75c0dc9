"""Anju settings: one module, driven by the environment.

Production needs DATABASE_URL, SECRET_KEY, ANJU_FIELD_KEY and ALLOWED_HOSTS (each may also be
read from a file named by the same variable with a `_FILE` suffix).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent


def env(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the contents of the file named by NAME_FILE."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("ANJU_TESTING", "pytest" in sys.modules)
# A local, plain-HTTP run (`make run`): no HTTPS redirect, static files served from the source tree.
DEV = env_bool("ANJU_DEV", DEBUG or TESTING)
# The demo key only works with DEBUG or tests; production must set its own.
_DEV_SECRET = "anju-dev-only-secret-key-change-me-in-production-0123456789"
SECRET_KEY = env("SECRET_KEY") or _DEV_SECRET

ALLOWED_HOSTS = [h.strip() for h in (env("ALLOWED_HOSTS") or "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in (env("CSRF_TRUSTED_ORIGINS") or "").split(",") if o]

# Key for encrypting ID and phone numbers at rest (Fernet key material, any string; hashed to 32 bytes).
_DEV_FIELD_KEY = "anju-dev-only-field-key"
FIELD_KEY = env("ANJU_FIELD_KEY") or _DEV_FIELD_KEY
# Separate key for the keyed lookup hash, so that a leaked hash index cannot be reversed by brute force
# without it. Defaults to one derived from FIELD_KEY.
FIELD_HASH_KEY = env("ANJU_FIELD_HASH_KEY") or (FIELD_KEY + ":lookup")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_filters",
    "django_tables2",
    "simple_history",
    "template_partials",
    "django_htmx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "anju.core",
    "anju.regions",
    "anju.accounts",
    "anju.audit",
    "anju.params",
    "anju.workflow",
    "anju.registry",
    "anju.employment",
    "anju.training",
    "anju.policies",
    "anju.benefits",
    "anju.rights",
    "anju.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "anju.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "anju.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "anju.audit.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "anju.urls"
WSGI_APPLICATION = "anju.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "anju.core.context_processors.anju",
                "anju.workflow.context_processors.bell",
            ],
        },
    }
]

DATA_DIR = Path(env("ANJU_DATA_DIR") or (REPO_DIR / "var"))
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'anju.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": env("ANJU_TEST_SQLITE") or str(DATA_DIR / "test.sqlite3")}
if TESTING:
    # Live-server threads (browser tests) must not keep connections open past their request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "anju.accounts.validators.MinimumLengthValidator"},  # Django's, with a Chinese message
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Tests create many users; a fast hasher keeps set-up cheap (production keeps PBKDF2).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout (django-axes with anju.accounts.lockout; docs/operations.md "Login lockout"). Failures
# count per account *and* address: ANJU_LOCKOUT_FAILURES wrong passwords for one username from one
# address refuse that username from that address, so a stranger cannot lock the owner out.
# ANJU_LOCKOUT_ADDRESS_FAILURES failures from one address over any accounts refuse every login
# from it. Both last ANJU_LOCKOUT_MINUTES after the latest failure.
AXES_HANDLER = "anju.accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = int(env("ANJU_LOCKOUT_FAILURES") or 5)
ANJU_LOCKOUT_ADDRESS_FAILURES = int(env("ANJU_LOCKOUT_ADDRESS_FAILURES") or 20)
# Networks without the address-wide limit (a bureau's NAT), e.g. "10.0.0.0/8,192.168.1.1".
ANJU_LOCKOUT_ADDRESS_EXEMPT = [n.strip() for n in (env("ANJU_LOCKOUT_ADDRESS_EXEMPT") or "").split(",") if n.strip()]
ANJU_LOCKOUT_MINUTES = int(env("ANJU_LOCKOUT_MINUTES") or 30)
AXES_COOLOFF_TIME = "anju.accounts.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "anju.accounts.views.locked_out"
# The counted address: REMOTE_ADDR, or behind a trusted proxy the header it sets (ANJU_TRUSTED_PROXIES
# and ANJU_CLIENT_IP_HEADER, shared with the request-rate limits).
AXES_CLIENT_IP_CALLABLE = "anju.accounts.lockout.client_ip"
# Lockouts are lifted at /accounts/lockouts/ (audited), not by deleting axes' rows in the admin.
AXES_ENABLE_ADMIN = False
AXES_ENABLED = env_bool("ANJU_LOCKOUT", True)

# Sessions end after 8 idle hours and when the browser closes.
SESSION_COOKIE_AGE = int(env("ANJU_SESSION_SECONDS") or 8 * 3600)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["anju.formats"]  # ISO dates first in forms (anju/formats/zh_Hans)
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# A local run serves static files from the source tree (finders); collectstatic is for production.
STATIC_ROOT = None if DEV else DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEV
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEV
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ANJU_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# A sheet larger than this is refused before it is read (anju.lib.sheets.Limits).
ANJU_IMPORT_MAX_ROWS = int(env("ANJU_IMPORT_MAX_ROWS") or 200_000)
ANJU_IMPORT_MAX_COLUMNS = int(env("ANJU_IMPORT_MAX_COLUMNS") or 200)
# ... and the rectangle from A1 to its farthest cell, which the reader allocates whole.
ANJU_IMPORT_MAX_CELLS = int(env("ANJU_IMPORT_MAX_CELLS") or 5_000_000)
# Background jobs (anju.workflow.jobs): one running longer than this many seconds is stopped and
# marked failed, as is one whose worker died (found when `anju worker` starts). Per kind:
# ANJU_JOB_TIME_LIMITS="registry.importjob=7200,policies.scanjob=1800".
ANJU_JOB_TIME_LIMIT = int(env("ANJU_JOB_TIME_LIMIT") or 3600)
ANJU_JOB_TIME_LIMITS = {kind.strip().lower(): int(seconds) for kind, _sep, seconds in
                        (item.partition("=") for item in (env("ANJU_JOB_TIME_LIMITS") or "").split(",") if "=" in item)}

TASKS = {
    "default": {
        "BACKEND": env("ANJU_TASKS_BACKEND") or "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Outbox: SMS to workers and employers. Development writes them to the log; production names the
# HTTP gateway (anju.workflow.outbox.HttpGatewaySender) and its URL and token.
ANJU_SMS_SENDER = env("ANJU_SMS_SENDER") or "anju.workflow.outbox.ConsoleSender"
ANJU_SMS_GATEWAY_URL = env("ANJU_SMS_GATEWAY_URL") or ""
ANJU_SMS_GATEWAY_TOKEN = env("ANJU_SMS_GATEWAY_TOKEN") or ""
ANJU_SMS_DAILY_LIMIT = int(env("ANJU_SMS_DAILY_LIMIT") or 10)  # per phone number and day
ANJU_SMS_MAX_ATTEMPTS = int(env("ANJU_SMS_MAX_ATTEMPTS") or 3)
ANJU_SMS_RETRY_SECONDS = int(env("ANJU_SMS_RETRY_SECONDS") or 60)  # doubled after each failure

DJANGO_TABLES2_TEMPLATE = "django_tables2/anju.html"
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Sent on every HTML page (anju.core.middleware.SecurityHeadersMiddleware); empty: none. Scripts
# and <style> elements only from Anju's own static files; style="" attributes are allowed (progress
# bars, chart heights), the older style-src is for browsers without the -elem/-attr directives.
ANJU_CSP = env("ANJU_CSP", (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "style-src-elem 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
))

# Per-address limit on the public endpoints (screening API and page, API token and web logins),
# each counted on its own: "<count>/<s|m|h|d>", e.g. "60/m"; empty: no limit (anju/core/ratelimit.py).
# Counted in CACHES["default"], per process: a proxy in front should limit too (docs/operations.md).
# Tests run without it (a suite sends thousands of requests from 127.0.0.1); their own tests set it.
ANJU_RATE_PUBLIC = (env("ANJU_RATE_PUBLIC", "" if TESTING else "60/m") or "").strip()
if ANJU_RATE_PUBLIC and not re.fullmatch(r"[1-9]\d*/\d*[smhd]", ANJU_RATE_PUBLIC):
    raise ImproperlyConfigured(f"ANJU_RATE_PUBLIC={ANJU_RATE_PUBLIC!r}: expected e.g. 60/m (count/s|m|h|d), or empty")
# Behind a reverse proxy every request comes from the proxy: name the header it sets to the
# client's address (X-Real-IP, or X-Forwarded-For whose last entry is used), and the proxy's
# addresses. The header is ignored on requests from anywhere else.
ANJU_CLIENT_IP_HEADER = env("ANJU_CLIENT_IP_HEADER") or ""
ANJU_TRUSTED_PROXIES = [p.strip() for p in (env("ANJU_TRUSTED_PROXIES") or "127.0.0.1,::1").split(",") if p.strip()]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "anju"},
}
if not DEV:
    SECURE_SSL_REDIRECT = env_bool("ANJU_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("ANJU_HSTS_SECONDS") or 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SILENCED_SYSTEM_CHECKS = ["security.W021"]  # HSTS preload is a deliberate choice of the operator.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL") or "WARNING"},
}

# Labels shown on every page.
ANJU_SITE_NAME = _("安居 · 农民工服务保障平台")
