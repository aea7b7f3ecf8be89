"""
Settings for the SSCP review tracker, read from the environment (django-environ).

Every value a deployment may change is an environment variable; docs/operations.md
lists them. A `.env` file beside `manage.py`, if present, fills in whatever the real
environment leaves unset. Bad values fail loudly at start-up.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# Everything the app writes at run time lives under var/ (ignored by git), made by
# `make` (and the broker's folders by sscp.celery): reading the settings writes nothing.

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

# A development key is only ever used with DEBUG on. Production refuses to start
# without a real one, rather than signing sessions with a known value.
INSECURE_KEY_PREFIX = "django-insecure-"
SECRET_KEY = env.str("SECRET_KEY", default="")
# Commands that only read the code, never a request or the data, need no key: so
# `manage.py makemigrations --check` works in a bare checkout, as CI tools run it.
CODE_ONLY_COMMANDS = {"makemigrations", "help", "version"}
RUNNING_CODE_ONLY = (
    Path(sys.argv[0]).name == "manage.py"
    and len(sys.argv) > 1
    and sys.argv[1] in CODE_ONLY_COMMANDS
)
if not (DEBUG or RUNNING_CODE_ONLY) and (
    len(SECRET_KEY) < 50 or SECRET_KEY.startswith(INSECURE_KEY_PREFIX) or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "SECRET_KEY is missing or not a real secret. With DEBUG off, set SECRET_KEY to a "
        "random value of at least 50 characters, for example the output of: python -c "
        "'import secrets; print(secrets.token_urlsafe(50))'. For development, set DEBUG=true."
    )
if not SECRET_KEY:
    SECRET_KEY = INSECURE_KEY_PREFIX + "development-only-never-use-this-key-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# The port `make run` serves on; links in emails follow it unless SITE_URL says otherwise.
PORT = env.int("PORT", default=8000)
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")

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
    "simple_history",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "sscp",
    "reviews",
    "actions",
    "audits",
    "partnerships",
    "accounts",
    "dashboards",
    "learning",
    "meetings",
    "search",
    "devtools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sscp.middleware.IdleTimeoutMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "sscp.middleware.KeepWhatWasTypedMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "sscp.middleware.ErrorReferenceMiddleware",
    "sscp.middleware.WithdrawnMiddleware",
    "axes.middleware.AxesMiddleware",
    "sscp.security.NoStoreMiddleware",
]

ROOT_URLCONF = "sscp.urls"
WSGI_APPLICATION = "sscp.wsgi.application"

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
                "sscp.context_processors.service",
                "dashboards.context_processors.navigation",
            ],
        },
    },
]
FORM_RENDERER = "sscp.forms.GovukFormRenderer"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'sscp.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one file: take the write lock at
    # the start of each transaction and wait for it rather than failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that stops answering must not hold a web worker for the server's
    # timeout: give up connecting after a few seconds, and end any statement that
    # runs too long. Commands that legitimately run long statements (generate_load,
    # benchmark) lift the statement timeout for their own connection.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=5),
            "options": f"-c statement_timeout={env.int('DATABASE_STATEMENT_TIMEOUT', default=30)}s",
        }
    )
# How long a page may wait for the database before answering 503 (seconds): /healthz
# uses it for its own check, so that a load balancer hears back quickly.
HEALTHZ_DATABASE_TIMEOUT = env.int("HEALTHZ_DATABASE_TIMEOUT", default=2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# On PostgreSQL, row-level security holds each request to its partnerships even where a
# query forgets its filter (sscp.database). Off only for a database user that may not
# make roles (the migration sscp 0012 makes one).
DATABASE_ROW_SECURITY = env.bool("DATABASE_ROW_SECURITY", default=True)

AUTH_USER_MODEL = "sscp.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the person with their unread notifications' count.
    "accounts.backends.SignedInBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["sscp.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
]

# Evidence files live in private storage that no URL serves: they leave only
# through the download view, which checks permission first.
# Evidence files are reached only through Django's storage API, so where they live
# is configuration: a folder on this machine; S3-compatible object storage shared by
# several web servers and workers (django-storages); or memory, for tests and demos.
EVIDENCE_STORAGE = env.str("EVIDENCE_STORAGE", default="filesystem")
EVIDENCE_ROOT = env.path("EVIDENCE_ROOT", default=VAR_DIR / "evidence")
EVIDENCE_STORAGES = {
    "filesystem": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": EVIDENCE_ROOT, "base_url": None},
    },
    "s3": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("EVIDENCE_S3_BUCKET", default=""),
            "endpoint_url": env.str("EVIDENCE_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("EVIDENCE_S3_REGION", default=None),
            "location": env.str("EVIDENCE_S3_PREFIX", default="evidence"),
            # Credentials come from the environment or the instance's role, as boto3 finds
            # them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from this file.
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 60,
        },
    },
    "memory": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
if EVIDENCE_STORAGE not in EVIDENCE_STORAGES:
    raise ImproperlyConfigured(
        f"EVIDENCE_STORAGE must be one of {', '.join(EVIDENCE_STORAGES)}, not {EVIDENCE_STORAGE!r}."
    )
if EVIDENCE_STORAGE == "s3" and not EVIDENCE_STORAGES["s3"]["OPTIONS"]["bucket_name"]:
    raise ImproperlyConfigured("EVIDENCE_STORAGE=s3 needs EVIDENCE_S3_BUCKET.")
if EVIDENCE_STORAGE == "memory" and not DEBUG:
    raise ImproperlyConfigured(
        "EVIDENCE_STORAGE=memory loses every file when the process stops: not with DEBUG off."
    )
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "media", "base_url": None},
    },
    "evidence": EVIDENCE_STORAGES[EVIDENCE_STORAGE],
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
# One upload: at most this many files, and this many bytes in all. A bigger request is
# refused while it is being read, before it is stored anywhere.
EVIDENCE_MAX_FILES = env.int("EVIDENCE_MAX_FILES", default=10)
EVIDENCE_MAX_UPLOAD_BYTES = env.int("EVIDENCE_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FILES = EVIDENCE_MAX_FILES
# Content checks read at most this much: pixels of an image, bytes inflated from a
# Word, Excel, PowerPoint or OpenDocument package.
EVIDENCE_MAX_IMAGE_PIXELS = env.int("EVIDENCE_MAX_IMAGE_PIXELS", default=40_000_000)
EVIDENCE_MAX_INFLATED_BYTES = env.int("EVIDENCE_MAX_INFLATED_BYTES", default=100 * 1024 * 1024)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="filemail://")
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    # django-environ drops a path's leading slash: read it from the project folder
    # (filemail:////abs/path stays absolute). Plain filemail:// writes to var/mail/.
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = str(
        BASE_DIR / (EMAIL_CONFIG.get("EMAIL_FILE_PATH") or "var/mail")
    )
vars().update(EMAIL_CONFIG)
# Seconds an SMTP server may take to answer any one step before the send fails: one
# person's stalled send fails that person only, and is tried again later.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="SSCP review tracker <no-reply@sscp.localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery. Without REDIS_URL the broker is kombu's filesystem transport, so the
# worker and beat run on a fresh machine with no server installed.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_QUEUE_DIR = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_QUEUE_DIR),
        "data_folder_out": str(CELERY_BROKER_QUEUE_DIR),
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
REMINDER_SWEEP_HOUR = env.int("REMINDER_SWEEP_HOUR", default=7)
REMINDER_SWEEP_MINUTE = env.int("REMINDER_SWEEP_MINUTE", default=0)
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {
        "task": "actions.tasks.send_reminders",
        "schedule": crontab(hour=REMINDER_SWEEP_HOUR, minute=REMINDER_SWEEP_MINUTE),
    },
    # Every few minutes, delivers whatever the outbox still holds (a notification queued
    # while the broker was down, a mail server that was down): late, but never dropped.
    "deliver-reminders": {
        "task": "actions.tasks.deliver_reminders",
        "schedule": timedelta(seconds=env.int("OUTBOX_DELIVERY_EVERY_SECONDS", default=120)),
    },
    # Daily, stores each partnership's figures of the last financial year ended, once: on
    # the first run after 31 March (actions.reports.close_years).
    "close-years": {
        "task": "actions.tasks.close_years",
        "schedule": crontab(hour=5, minute=30),
    },
    # Just after midnight, counts each review's overdue actions as of the new day: the
    # team's Home reads them from the reviews (actions.counts.count_overdue). A day it
    # does not run, the pages count the actions fallen due since, and are still right.
    "count-overdue": {
        "task": "actions.tasks.count_overdue",
        "schedule": crontab(hour=0, minute=5),
    },
}
# A task that runs longer than this is stopped (soft limit, then hard): a stalled server
# must never hold a worker for ever. The sweep's claims are per person, so a stopped
# sweep leaves at most one digest to be sent again.
REMINDER_TASK_TIME_LIMIT = env.int("REMINDER_TASK_TIME_LIMIT", default=30 * 60)
# Publishing a task must not hang a web request when the broker is down: try
# briefly, then give up (the outbox row is already saved for the next sweep).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 5}

# Reminders (docs/architecture.md, "Reminders"): days before the due date, the overdue
# repeat, escalation.
REMINDER_UPCOMING_DAYS = env.list("REMINDER_UPCOMING_DAYS", cast=int, default=[14, 3])
REMINDER_OVERDUE_EVERY_DAYS = env.int("REMINDER_OVERDUE_EVERY_DAYS", default=7)
REMINDER_ESCALATE_TO_PARTNERSHIP_DAYS = env.int("REMINDER_ESCALATE_TO_PARTNERSHIP_DAYS", default=28)
REMINDER_ESCALATE_TO_CHAIR_DAYS = env.int("REMINDER_ESCALATE_TO_CHAIR_DAYS", default=56)
# Overdue reminders go on for this long; after that the action is a matter for the board.
REMINDER_OVERDUE_HORIZON_DAYS = env.int("REMINDER_OVERDUE_HORIZON_DAYS", default=3650)
# A claim older than this is taken to be from a worker that died mid-send. It must be
# far longer than one send can take, or a slow send would be taken over and sent twice.
REMINDER_CLAIM_TIMEOUT_MINUTES = env.int("REMINDER_CLAIM_TIMEOUT_MINUTES", default=15)
if REMINDER_CLAIM_TIMEOUT_MINUTES * 60 < 4 * EMAIL_TIMEOUT:
    raise ImproperlyConfigured(
        "REMINDER_CLAIM_TIMEOUT_MINUTES must be at least four times EMAIL_TIMEOUT (in seconds), "
        "so that a slow send is never taken for a dead one and sent twice."
    )
# A digest lists this many of its most urgent reminders and counts the rest: the
# partnership team and the SILG chair of a large service may have thousands a day.
REMINDER_DIGEST_LINES = env.int("REMINDER_DIGEST_LINES", default=100)

# The product's own rules.
DUE_SOON_DAYS = env.int("DUE_SOON_DAYS", default=30)
# A serious incident's statutory clock (reviews.journey; Working Together to Safeguard
# Children): working days of England and Wales and of the partnership.
NOTIFICATION_WORKING_DAYS = env.int("NOTIFICATION_WORKING_DAYS", default=5)
RAPID_REVIEW_WORKING_DAYS = env.int("RAPID_REVIEW_WORKING_DAYS", default=15)
RAPID_REVIEW_COUNTED_FROM = env.str("RAPID_REVIEW_COUNTED_FROM", default="notification")
if RAPID_REVIEW_COUNTED_FROM not in {"notification", "awareness"}:
    raise ImproperlyConfigured("RAPID_REVIEW_COUNTED_FROM must be notification or awareness")
LOCAL_REVIEW_MONTHS = env.int("LOCAL_REVIEW_MONTHS", default=6)
PROGRESS_CHECK_EVERY_WEEKS = env.int("PROGRESS_CHECK_EVERY_WEEKS", default=6)
FINAL_REPORT_WORKING_DAYS = env.int("FINAL_REPORT_WORKING_DAYS", default=7)
PUBLICATION_KEPT_MONTHS = env.int("PUBLICATION_KEPT_MONTHS", default=12)
# A closed recommendation's impact is checked this many months after closing (or after
# the SILG chair found it not yet embedded).
IMPACT_CHECK_MONTHS = env.int("IMPACT_CHECK_MONTHS", default=6)
# The partnership team and the SILG chair are reminded this many working days before a
# stage's deadline, on the day, and after it.
STAGE_REMINDER_WORKING_DAYS = [
    int(days) for days in env.list("STAGE_REMINDER_WORKING_DAYS", default=["5", "1"])
]
# How long an invitation's link works; after how long without signing in a person is
# listed for the access review; how long a link confirming a new email address works.
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)
ACCESS_REVIEW_DAYS = env.int("ACCESS_REVIEW_DAYS", default=90)
EMAIL_CONFIRMATION_HOURS = env.int("EMAIL_CONFIRMATION_HOURS", default=24)
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="sscp-demo")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Security. HTTPS is on unless DEBUG is (or HTTPS=false, for a TLS-terminating
# proxy that does not pass X-Forwarded-Proto: set BEHIND_PROXY instead).
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers check over plain HTTP
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# A session ends after this many idle minutes: each request restarts the clock
# (sscp.middleware.IdleTimeoutMiddleware).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# GOV.UK's timeout warning opens this long before the idle limit (templates/base.html).
SESSION_WARNING_SECONDS = 120
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# No inline script or style, anywhere: a Content Security Policy the browser enforces.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# The client's real address: REMOTE_ADDR, or behind a load balancer (BEHIND_PROXY) the
# address TRUSTED_PROXY_COUNT proxies back in X-Forwarded-For (django-ipware). Sign-in
# lockouts, rate limits and the audit trail all use it (sscp.security.client_ip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1) if BEHIND_PROXY else 0
AXES_CLIENT_IP_CALLABLE = "sscp.security.client_ip"
RATELIMIT_IP_META_KEY = "sscp.security.client_ip"

# Sign-in protection (django-axes): after this many failures for one username from
# one address, that pair is locked out for the cool-off time. One address trying
# passwords across many usernames is limited too (SIGN_IN_ADDRESS_FAILURE_RATE).
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGN_IN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
SIGN_IN_ADDRESS_FAILURE_RATE = env.str("SIGN_IN_ADDRESS_FAILURE_RATE", default="30/h")
# Password reset requests: per address asked for, and per client address.
PASSWORD_RESET_RATE = env.str("PASSWORD_RESET_RATE", default="3/h")
PASSWORD_RESET_CLIENT_RATE = env.str("PASSWORD_RESET_CLIENT_RATE", default="20/h")
# Anonymous requests that are refused (a guessed calendar address, a failed sign-in,
# a CSRF failure): the first of each kind from an address in an hour is sealed into
# the audit trail one by one, up to this many; past it one summary, and past
# ANONYMOUS_REFUSAL_BLOCK the address is answered 429 until the hour is up.
ANONYMOUS_REFUSALS_RECORDED = env.int("ANONYMOUS_REFUSALS_RECORDED", default=10)
ANONYMOUS_REFUSAL_BLOCK = env.int("ANONYMOUS_REFUSAL_BLOCK", default=60)
CSRF_FAILURE_VIEW = "sscp.security.csrf_failure"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Malware scanning of uploads by ClamAV's clamd, when configured: a Unix socket,
# or a host and port. Configured but unreachable means uploads are refused.
CLAMD_SOCKET = env.str("CLAMD_SOCKET", default="")
CLAMD_HOST = env.str("CLAMD_HOST", default="")
CLAMD_PORT = env.int("CLAMD_PORT", default=3310)
CLAMD_TIMEOUT = env.float("CLAMD_TIMEOUT", default=30.0)

# Rate limits and counters shared by every web process: Redis when there is one, else
# files under var/ (one machine, several processes).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "sscp",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }
# django-ratelimit is used as a library, not an installed app: its checks know only
# django-redis, not Django's own RedisCache (which increments atomically). Without Redis
# (one machine), counters live in files, and under concurrent requests a count may come
# out a little low; production sets REDIS_URL.
RATELIMIT_FAIL_OPEN = False

# History: reasons can be long (a returned action's comment), and nothing in the
# admin may roll a record back to an earlier version.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- faults ---
# The upload handler that counts files and bytes comes first: past EVIDENCE_MAX_FILES or
# EVIDENCE_MAX_UPLOAD_BYTES it keeps nothing more and the form says why (sscp.uploads).
FILE_UPLOAD_HANDLERS = [
    "sscp.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Counting is the handler's: Django's own count refuses during the CSRF check, before any
# form exists, with a bare "400 Bad Request" (TooManyFilesSent).
DATA_UPLOAD_MAX_NUMBER_FILES = None

# --- security ---
# Log lines cannot be forged: every message escaped, a refused request (4xx) on one line
# without a traceback (sscp.logs). Django's own "django" handlers are dropped, so that its
# records reach the console once, through the filter.
LOGGING["filters"] = {**LOGGING.get("filters", {}), "one_line": {"()": "sscp.logs.OneLineFilter"}}
for _handler in LOGGING["handlers"].values():
    _handler["filters"] = [*_handler.get("filters", []), "one_line"]
LOGGING.setdefault("loggers", {}).setdefault("django", {"handlers": [], "propagate": True})
# WeasyPrint tells each step of drawing a PDF at INFO: only its warnings are worth a line.
LOGGING["loggers"].setdefault("weasyprint", {"level": "WARNING"})
LOGGING["loggers"].setdefault("fontTools", {"level": "WARNING"})
