"""Settings shared by every environment; values come from the environment with embedded defaults."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration

from config.serving import host_of, site_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("TECHFIN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
# The base of every absolute link (e-mails): SITE_URL, else the address the web process binds
# (HOST/PORT/BIND, config/serving.py), so the run command's printed URL and the links agree.
SITE_URL = site_url()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", f"localhost,127.0.0.1,[::1],{host_of(SITE_URL)}")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "coordination.apps.ConsoleAdminConfig",  # django.contrib.admin, its site the coordinator's console
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django_prometheus",
    "django_guid",
    "django_htmx",
    "projects",
    "lenders",
    "coordination",
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.input_guard.InputGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "config.two_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A sign-in brings back the language the user chose (coordination/views/language.py).
    "coordination.views.language.LanguageCookieMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the view into its 429 page.
    "axes.middleware.AxesMiddleware",
]

# The admin shows who changed a grant or configuration and how; a change is made again, never "reverted".
SIMPLE_HISTORY_REVERT_DISABLED = True

ROOT_URLCONF = os.environ.get("ROOT_URLCONF", "config.urls")
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                # The pages' header: links per role and the unread count, read only where a page shows them.
                "coordination.views.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let web, worker and beat share the embedded database.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Documents go through the default storage only: a folder every node mounts (MEDIA_ROOT) or an
# S3-compatible bucket, so that a file uploaded through one node downloads through any other.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem")
if STORAGE_BACKEND == "filesystem":
    _document_storage: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif STORAGE_BACKEND == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    _document_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "location": os.environ.get("AWS_LOCATION", "documents"),
            # Documents are private: served only through the scoped download view, never by URL.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'filesystem' or 's3', not {STORAGE_BACKEND!r}.")
STORAGES = {
    "default": _document_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# The pages' sign-in (the admin keeps its own); then each role lands on its home (coordination/views/home.py)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "account_home"
# A sign-up's confirmation link works this long (coordination/services/accounts.py).
SIGNUP_CONFIRMATION_MAX_AGE = int(float(os.environ.get("SIGNUP_CONFIRMATION_HOURS", "72")) * 3600)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out account before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "TechFin Coordination <noreply@techfin.invalid>")

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery-queue"
    for _folder in (_queue_dir, VAR_DIR / "celery-processed", VAR_DIR / "celery-control"):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(VAR_DIR / "celery-control"),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Above every countdown and retry delay we use, so nothing is redelivered while it waits.
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "7200")),
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Exactly one beat: on Redis the schedule lives in Redis and a beat sends only while it holds the
# lock; a second beat waits for the lock and takes over within the lock timeout if the first dies.
# The embedded filesystem demo keeps Celery's default scheduler (one beat, one machine).
REDBEAT_LOCK_TIMEOUT = int(os.environ.get("REDBEAT_LOCK_TIMEOUT", "30"))


def redbeat_settings(broker_url: str) -> dict:
    """The CELERY_* settings that select redbeat when the broker is Redis."""
    if not broker_url.startswith(("redis://", "rediss://")):
        return {}
    return {
        "CELERY_BEAT_SCHEDULER": "redbeat.RedBeatScheduler",
        "CELERY_REDBEAT_REDIS_URL": os.environ.get("REDBEAT_REDIS_URL") or broker_url,
        "CELERY_REDBEAT_LOCK_TIMEOUT": REDBEAT_LOCK_TIMEOUT,
        # The lock is extended every loop; a loop far shorter than the lock keeps it held.
        "CELERY_BEAT_MAX_LOOP_INTERVAL": max(1, min(5, REDBEAT_LOCK_TIMEOUT // 3)),
    }


globals().update(redbeat_settings(CELERY_BROKER_URL))

# A request id on every log line, taken from X-Request-ID (or made up), handed to the outbox message
# and, as a task header, to the Celery tasks the request causes (django-guid).
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "INTEGRATIONS": [CeleryIntegration()],
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s %(message)s"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-guid narrates every id it sets at INFO; its own lines add nothing to ours.
    "loggers": {"django_guid": {"level": "WARNING"}},
}

# Prometheus metrics at /metrics: readable by these client addresses or with this bearer token,
# a 404 for everyone else (DEBUG or not).
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Queues whose depth /metrics reports.
METRICS_QUEUES = env_list("METRICS_QUEUES", "celery,webhooks")

# Policy configuration (DESIGN.md §3): at or above it a request is escalated and needs maker-checker.
NATIONAL_THRESHOLD_YUAN = int(os.environ.get("NATIONAL_THRESHOLD_YUAN", "50000000"))
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")
# Documents a request must carry before screening passes (DocumentKind values).
SCREENING_REQUIRED_DOCUMENTS = env_list("SCREENING_REQUIRED_DOCUMENTS", "business_plan,financial_statements")

# Outbox and deliveries (DESIGN.md §4). Every delay stays below the broker's visibility timeout.
OUTBOX_NUDGE = env_bool("OUTBOX_NUDGE", True)
DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DELIVERY_MAX_ATTEMPTS", "6"))
DELIVERY_RETRY_BASE_SECONDS = float(os.environ.get("DELIVERY_RETRY_BASE_SECONDS", "30"))
DELIVERY_RETRY_MAX_SECONDS = float(os.environ.get("DELIVERY_RETRY_MAX_SECONDS", "3600"))
# A claimed delivery's lease outlives the delivery task's hard time limit (a system check holds it), so
# the sweep never hands a delivery that is still being sent to a second worker.
DELIVERY_LEASE_SECONDS = float(os.environ.get("DELIVERY_LEASE_SECONDS", "120"))
DELIVERY_TASK_TIME_LIMIT_SECONDS = float(os.environ.get("DELIVERY_TASK_TIME_LIMIT_SECONDS", "60"))
# Webhooks (docs/webhooks.md): a deadline for the whole request, not per read, and where they may point.
WEBHOOK_CONNECT_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_CONNECT_TIMEOUT_SECONDS", "3"))
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", False)
WEBHOOK_ALLOW_LIST = env_list("WEBHOOK_ALLOW_LIST", "")
# CA certificates for receivers' TLS; empty means the certifi bundle (public CAs).
WEBHOOK_CA_BUNDLE = os.environ.get("WEBHOOK_CA_BUNDLE", "")
DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# How long a request waits for another one holding the same Idempotency-Key before a 409 "in progress".
IDEMPOTENCY_WAIT_SECONDS = float(os.environ.get("IDEMPOTENCY_WAIT_SECONDS", "5"))

# Logins (issue 9). The client address is REMOTE_ADDR, or with N trusted reverse proxies in front the Nth
# address from the right of X-Forwarded-For (the one the outermost trusted proxy saw); a client can put
# anything to the left of it, so nothing else in the header is believed.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# django-axes: one account from one address is locked after AXES_FAILURE_LIMIT failures, for the cool-off;
# the same account from another address, and other accounts from that address, still log in.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.api.throttles.client_address"
# The lockout page of the sign-in forms (the pages' and the admin's), in the page's language.
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Two-factor (django-otp, TOTP): whoever has a confirmed device must use it for the admin and for API
# tokens; with REQUIRE_2FA_NATIONAL national coordinators must have one.
REQUIRE_2FA_NATIONAL = env_bool("REQUIRE_2FA_NATIONAL", False)
OTP_TOTP_ISSUER = "TechFin Coordination"
API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "90"))
API_INTEGRATION_TOKEN_TTL_DAYS = int(os.environ.get("API_INTEGRATION_TOKEN_TTL_DAYS", "365"))
# Uploads (coordination/services/documents.py): an OOXML file's declared uncompressed size and entries.
DOCUMENT_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("DOCUMENT_MAX_UNCOMPRESSED_BYTES", str(100 * 2**20)))
DOCUMENT_MAX_ZIP_ENTRIES = int(os.environ.get("DOCUMENT_MAX_ZIP_ENTRIES", "2000"))
# JSON request bodies nested deeper than this are refused (a 400), before any field sees them.
API_JSON_MAX_DEPTH = int(os.environ.get("API_JSON_MAX_DEPTH", "32"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "coordination.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["config.api.throttles.WriteThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "auth": os.environ.get("THROTTLE_AUTH", "20/min"),
        "write": os.environ.get("THROTTLE_WRITE", "300/min"),
    },
    # DRF's JSON written by orjson (config/api/renderers.py: the same bytes, faster).
    "DEFAULT_RENDERER_CLASSES": ["config.api.renderers.JSONRenderer"],
    # JSON bodies only; the upload actions name their multipart parser. A schema that declares three body
    # types per operation makes generated clients send the body twice (issue 17).
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "config.api.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TechFin Coordination API",
    "DESCRIPTION": (
        "Science-and-technology finance coordination: requests, referrals, offers, approvals.\n\n"
        "The workflow, as state diagrams generated from the transition tables: "
        "[docs/workflow.md](docs/workflow.md) in the repository. Each action's description says who may "
        "take it and from which states. Amounts are yuan as decimal strings; rates are annual fractions."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SERVE_PERMISSIONS": ["config.api.auth.DocsAccess"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RequestStatusEnum": "coordination.choices.RequestStatus",
        "ReferralStatusEnum": "coordination.choices.ReferralStatus",
        "OfferStatusEnum": "coordination.choices.OfferStatus",
        "InstitutionKindEnum": "lenders.choices.InstitutionKind",
        "DocumentKindEnum": "coordination.choices.DocumentKind",
        "DeclineReasonEnum": "coordination.choices.DeclineReason",
        "InstrumentEnum": "lenders.choices.Instrument",
        "ProgrammeKindEnum": "coordination.choices.ProgrammeKind",
        "StageEnum": "projects.choices.Stage",
    },
}
# The schema and Swagger UI: open to anyone unless this is off (production's default).
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", True)

# Content-Security-Policy (django-csp 4). Scripts only from our own static files (Swagger UI's set-up
# script is served as a file by SpectacularSwaggerSplitView); styles allow inline because Swagger UI's
# page and some admin templates carry inline styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# One cache for every process and node (throttles, locks, lockouts) when Redis is named; the embedded
# default is one person's demo in one web process.
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "config.redis_cache.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Seconds the service levels and holidays stay cached (coordination/workflow/calendar_data.py): an edit in
# the admin forgets them at once, a write that sends no signal (a bulk update, raw SQL) after this long.
# Only with the shared cache: one process's memory would not see another process's edit.
REFERENCE_CACHE_SECONDS = int(os.environ.get("REFERENCE_CACHE_SECONDS", "300" if CACHE_URL else "0"))
# Seconds a page of the API's busiest lists stays cached (config/api/list_cache.py); any committed write
# retires it sooner. Only with the shared cache: one process's memory would not see another's writes.
API_LIST_CACHE_SECONDS = int(os.environ.get("API_LIST_CACHE_SECONDS", "60" if CACHE_URL else "0"))
