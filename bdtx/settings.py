"""bdtx settings: one file, read from the environment (every variable is listed in .env.example)."""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BDTX_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_from_url(url: str) -> dict:
    """`sqlite:///path` or `postgres://user:pass@host:port/name` → a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///var/x.db is relative to the project; sqlite:////abs/x.db is absolute.
        name = Path(unquote(parts.path)[1:])
        return sqlite_database(name if name.is_absolute() else BASE_DIR / name)
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": int(env("DB_CONN_MAX_AGE", "60")),
            "CONN_HEALTH_CHECKS": True,
            # A database that cannot be reached fails a request in seconds (a clean 503) instead of hanging it.
            "OPTIONS": {"connect_timeout": int(env("DB_CONNECT_TIMEOUT", "5"))},
        }
    raise ImproperlyConfigured(f"DATABASE_URL: unsupported scheme {parts.scheme!r}")


def sqlite_database(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            # Writers queue instead of failing with "database is locked" at deadline time.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456;"
            ),
        },
        "TEST": {"NAME": None},
    }


DEBUG = env_bool("DEBUG")
# BDTX_PRODUCTION=1: secure cookies, HTTPS, HSTS; `manage.py serve` (make serve) runs only with it.
PRODUCTION = env_bool("BDTX_PRODUCTION")
# The key used when SECRET_KEY is not set (development only: `manage.py serve` refuses to start with it).
DEVELOPMENT_SECRET_KEY = "bdtx-insecure-development-key-change-me-in-production-0123456789"
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and env_bool("BDTX_PRODUCTION"):
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o]
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks_db",
    "bdtx.organisations",
    "bdtx.accounts",
    "bdtx.staff",
    "bdtx.imports",
    "bdtx.rules",
    "bdtx.appraisals",
    "bdtx.catalog",
    "bdtx.plans",
    "bdtx.delivery",
    "bdtx.results",
    "bdtx.dashboards",
    "bdtx.api",
    "bdtx.ops",
    "bdtx.privacy",
    "bdtx.security",
]

MIDDLEWARE = [
    "bdtx.ops.middleware.ForwardedForMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "bdtx.security.middleware.SecurityHeadersMiddleware",
    # A lost database (PostgreSQL restarting) answers a clean 503, not a 500: before the sessions it covers.
    "bdtx.ops.dbdown.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bdtx.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "bdtx.urls"
WSGI_APPLICATION = "bdtx.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "bdtx" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bdtx.accounts.context_processors.navigation",
            ],
        },
    },
]

if env("DATABASE_URL"):
    DATABASES = {"default": database_from_url(env("DATABASE_URL"))}
elif env("DB_ENGINE") == "postgres":
    DATABASES = {
        "default": database_from_url(
            f"postgres://{env('DB_USER', 'bdtx')}:{env('DB_PASSWORD')}@{env('DB_HOST', '127.0.0.1')}"
            f":{env('DB_PORT', '5432')}/{env('DB_NAME', 'bdtx')}"
        )
    }
else:
    DATABASES = {"default": sqlite_database(VAR_DIR / "bdtx.sqlite3")}

# An optional read replica of PostgreSQL for reports (docs/deploy.md): report code opts in through
# bdtx.ops.routers (reporting(), for_reports()); every write and everything else stays on "default".
if env("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database_from_url(env("DATABASE_REPLICA_URL")) | {"TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["bdtx.ops.routers.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["bdtx.accounts.backends.UsernameOrEmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Sign-in lockout: this many failures for one username (or from one address) within the window.
LOGIN_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_MINUTES = int(env("LOGIN_LOCKOUT_MINUTES", "15"))

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["bdtx.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "bdtx" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded files live outside the web root and are served only through views that check scope.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/_private/"  # never served as such: downloads go through views that check scope
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The group evaluation screen posts one field per criterion and person: 18 criteria × 150 people fit.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 3000
IMPORT_MAX_UPLOAD_BYTES = int(env("IMPORT_MAX_UPLOAD_MB", "50")) * 1024 * 1024
# Evidence for a self-assessment: the largest file accepted (types are listed in appraisals/services.py).
EVIDENCE_MAX_BYTES = int(env("EVIDENCE_MAX_MB", "10")) * 1024 * 1024
# Any form upload larger than this is refused (413) before it is read: the largest file limit above plus the form.
UPLOAD_MAX_BYTES = max(IMPORT_MAX_UPLOAD_BYTES, EVIDENCE_MAX_BYTES) + 1024 * 1024
# The Unicode fonts embedded in printed forms (DejaVuSans.ttf, DejaVuSans-Bold.ttf: Debian fonts-dejavu-core).
PDF_FONT_DIR = Path(env("PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))
# A staff list longer than this is exported by a background job (with a progress bar) instead of in the request.
EXPORT_INLINE_ROWS = int(env("EXPORT_INLINE_ROWS", "5000"))

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Long jobs (imports, enrolment, recomputation, certificate batches, exports) hold a lease while they run
# (bdtx/ops/jobs.py): renewed every JOB_HEARTBEAT_SECONDS; a lease silent for JOB_LEASE_SECONDS belongs to a worker
# that died, and the task workers (every JOB_REAP_SECONDS) queue the job again, at most JOB_MAX_INTERRUPTIONS times
# in a row.
JOB_HEARTBEAT_SECONDS = float(env("JOB_HEARTBEAT_SECONDS", "5"))
JOB_LEASE_SECONDS = float(env("JOB_LEASE_SECONDS", "30"))
JOB_REAP_SECONDS = float(env("JOB_REAP_SECONDS", "10"))
JOB_MAX_INTERRUPTIONS = int(env("JOB_MAX_INTERRUPTIONS", "5"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    # Rate limits per signed-in user and per address (bdtx/api/throttling.py, docs/security.md); 429 in Vietnamese.
    "DEFAULT_THROTTLE_CLASSES": ["bdtx.api.throttling.AnonymousThrottle", "bdtx.api.throttling.UserThrottle"],
    "EXCEPTION_HANDLER": "bdtx.api.throttling.exception_handler",
}
# Requests per period ("30/min", "10/s", "1000/hour"); an empty value turns that limit off.
API_THROTTLE_RATES = {
    "anon": env("API_THROTTLE_ANON", "30/min") or None,
    "user": env("API_THROTTLE_USER", "600/min") or None,
}
# The counts of the rate limits live in the cache: in memory, per process, unless CACHE_TABLE names a database
# table (`manage.py createcachetable` makes it), which every web process on every machine shares.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not env("CACHE_TABLE")
    else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": env("CACHE_TABLE")}
}
SPECTACULAR_SETTINGS = {
    "TITLE": "bdtx API",
    "DESCRIPTION": "Bồi dưỡng thường xuyên: đơn vị, cán bộ, giáo viên / units and staff.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # One name for a choice set used by several fields (an attendance mark: the one shown, the one read before).
    "ENUM_NAME_OVERRIDES": {"AttendanceMarkEnum": "bdtx.delivery.attendance.MARKS"},
}

_email_host = env("EMAIL_HOST")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "bdtx@localhost")
if _email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": int(env("EMAIL_PORT", "587")),
                "username": env("EMAIL_HOST_USER"),
                "password": env("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
            },
        }
    }
elif env_bool("BDTX_PRODUCTION"):
    # No mail server given: the local MTA over SMTP (e-mail reset stays off unless EMAIL_CONFIGURED).
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
# Password reset by e-mail is offered only when a mail server is configured.
EMAIL_CONFIGURED = bool(_email_host) or env_bool("EMAIL_CONFIGURED")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content Security Policy (Django's own middleware; docs/security.md): scripts and styles only from bdtx's static
# files, never inline; nothing may frame bdtx. Only HTML responses carry it (bdtx/security/middleware.py).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Browser features no page of bdtx uses (learners scan QR codes with their phone's own camera app).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
if env_bool("BDTX_PRODUCTION"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # Behind a reverse proxy that sets X-Forwarded-Proto (docs/deploy.md); BEHIND_HTTPS_PROXY=0 when there is none.
    if env_bool("BEHIND_HTTPS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Probes call the web processes directly over HTTP: answer them instead of redirecting to HTTPS.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Reverse proxies whose X-Forwarded-For gives the visitor's address (IPs or networks, comma-separated).
TRUSTED_PROXIES = [p for p in env("TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if p.strip()]
# /readyz: not ready when more than READYZ_QUEUE_MAX_LATE tasks have waited longer than READYZ_QUEUE_LATE_SECONDS.
READYZ_QUEUE_LATE_SECONDS = int(env("READYZ_QUEUE_LATE_SECONDS", "120"))
READYZ_QUEUE_MAX_LATE = int(env("READYZ_QUEUE_MAX_LATE", "20"))
# `manage.py prune_evaluations` deletes appraisals (and their evidence) older than this many school years
# (docs/privacy.md: the period the regulation requires is not confirmed; 10 is a cautious default).
EVALUATION_RETENTION_YEARS = int(env("EVALUATION_RETENTION_YEARS", "10"))
# Where `manage.py backup` writes when no --output is given.
BACKUP_DIR = Path(env("BACKUP_DIR", str(VAR_DIR / "backups")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    "loggers": {"bdtx": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO"), "propagate": False}},
}
