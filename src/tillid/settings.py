"""Tillid settings, read from the environment (12-factor).

Development and the demo run with DJANGO_DEBUG=1 and SQLite; production sets
DATABASE_URL (PostgreSQL), SECRET_KEY and ALLOWED_HOSTS. See README.md.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

SRC_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = SRC_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
TESTING = env_bool("TILLID_TESTING", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured("Set SECRET_KEY (or DJANGO_DEBUG=1 for development).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    # The API docs (/api/docs) load Swagger UI from Tillid's own static files,
    # not from a CDN, when ninja is an installed app.
    "ninja",
    "tillid.core",
    "tillid.organisation",
    "tillid.governance",
    "tillid.compass",
    "tillid.trials",
    "tillid.delegation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "tillid.urls"
WSGI_APPLICATION = "tillid.wsgi.application"

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
                "tillid.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the background worker and the web server share the file.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on (OpenID Connect), off unless OIDC_RP_CLIENT_ID is set.
# deploy/README.md describes the variables; deploy/env.example lists them.
OIDC_ENABLED = bool(os.environ.get("OIDC_RP_CLIENT_ID"))
if OIDC_ENABLED:
    _oidc_required = [
        "OIDC_RP_CLIENT_SECRET",
        "OIDC_OP_AUTHORIZATION_ENDPOINT",
        "OIDC_OP_TOKEN_ENDPOINT",
        "OIDC_OP_USER_ENDPOINT",
    ]
    if os.environ.get("OIDC_RP_SIGN_ALGO", "RS256").upper().startswith(("RS", "ES", "PS")):
        _oidc_required.append("OIDC_OP_JWKS_ENDPOINT")
    _oidc_missing = [name for name in _oidc_required if not os.environ.get(name)]
    if _oidc_missing:
        raise ImproperlyConfigured(
            "OIDC_RP_CLIENT_ID is set, so single sign-on is on; also set "
            + ", ".join(_oidc_missing)
            + "."
        )
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.insert(0, "tillid.core.oidc.TillidOIDCBackend")
    OIDC_RP_CLIENT_ID = os.environ["OIDC_RP_CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = os.environ["OIDC_RP_CLIENT_SECRET"]
    OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ["OIDC_OP_AUTHORIZATION_ENDPOINT"]
    OIDC_OP_TOKEN_ENDPOINT = os.environ["OIDC_OP_TOKEN_ENDPOINT"]
    OIDC_OP_USER_ENDPOINT = os.environ["OIDC_OP_USER_ENDPOINT"]
    OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
    OIDC_OP_LOGOUT_ENDPOINT = os.environ.get("OIDC_OP_LOGOUT_ENDPOINT", "")
    if OIDC_OP_LOGOUT_ENDPOINT:
        # Logging out of Tillid also ends the session at the identity provider.
        LOGOUT_REDIRECT_URL = OIDC_OP_LOGOUT_ENDPOINT
    OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
    OIDC_CREATE_USER = env_bool("OIDC_CREATE_USER", True)
    # mozilla-django-oidc redirects to this as it is (no URL name lookup).
    LOGIN_REDIRECT_URL_FAILURE = "/konto/log-ind/"

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
# Each app keeps its own catalogue in <app>/locale (see DEVELOPERS.md).
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
NODE_MODULES = Path(os.environ.get("TILLID_NODE_MODULES", BASE_DIR / "node_modules"))
# Front-end packages come from npm (package.json); nothing is copied by hand.
# Only these files are served (core.finders.NodeModulesFinder).
# Source maps stay because the minified files name them and the manifest
# storage follows those references.
TILLID_NODE_STATIC = [
    (
        "vendor/dkfds",
        "dkfds/dist",
        ["css/dkfds.min.css*", "js/dkfds.min.js*", "fonts/**/*", "img/**/*"],
    ),
    ("vendor/htmx", "htmx.org/dist", ["htmx.min.js"]),
    ("vendor/vega", "vega/build", ["vega.min.js"]),
    ("vendor/vega-lite", "vega-lite/build", ["vega-lite.min.js*"]),
    ("vendor/vega-embed", "vega-embed/build", ["vega-embed.min.js*"]),
]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "tillid.core.finders.NodeModulesFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"
# Organisation files of 45,000 people are a few MB; allow generous uploads.
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TILLID_TASK_BACKEND",
            # Tests run background jobs at once, in the same transaction.
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        ),
    }
}

# Security: strict unless DEBUG. Behind a TLS-terminating proxy (deploy/nginx.conf)
# set TILLID_BEHIND_PROXY=1 so Django trusts the proxy's X-Forwarded-Proto.
# `manage.py check --deploy --fail-level WARNING` is clean with these defaults.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # The preload directive only takes effect once the domain's owner submits
    # it to hstspreload.org; sending it from a sub-domain is harmless.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
if env_bool("TILLID_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Tillid's own settings.
TILLID_MUNICIPALITY_NAME = os.environ.get("TILLID_MUNICIPALITY_NAME", "Tillid Kommune")
# Danish public sites must publish an accessibility statement (was.digst.dk);
# point this at the municipality's. The default is Tillid's own page.
TILLID_ACCESSIBILITY_STATEMENT_URL = os.environ.get("TILLID_ACCESSIBILITY_STATEMENT_URL", "")
# Files with more rows than this are imported by the background worker.
TILLID_IMPORT_INLINE_MAX_ROWS = int(os.environ.get("TILLID_IMPORT_INLINE_MAX_ROWS", "2000"))
TILLID_PAGE_SIZE = 25

if TESTING:
    # Hashing is deliberately slow; tests create many users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Asked by the navigation whether a user may use a module (user, perm) -> bool.
TILLID_PERMISSION_CHECK = "tillid.organisation.permissions.has_perm_anywhere"

# Anonymity (DESIGN.md): no figure for a group under this many respondents
# (never below 3), and free-text comments need a larger group still.
TILLID_ANONYMITY_MIN_GROUP = max(3, int(os.environ.get("TILLID_ANONYMITY_MIN_GROUP", "5")))
TILLID_ANONYMITY_MIN_COMMENT_GROUP = max(
    TILLID_ANONYMITY_MIN_GROUP, int(os.environ.get("TILLID_ANONYMITY_MIN_COMMENT_GROUP", "8"))
)
# Hourly cost (DKK) used to turn governance burden in hours into money.
TILLID_HOURLY_COST_DKK = int(os.environ.get("TILLID_HOURLY_COST_DKK", "450"))

# Trust dosing and breach records are personal data: anonymised after this
# many months by `manage.py delegation_anonymise` (run it daily from cron).
TILLID_DELEGATION_RETENTION_MONTHS = int(os.environ.get("TILLID_DELEGATION_RETENTION_MONTHS", "24"))

# The follow-up loop (issue 11): every thing raised gets an owner, a due date and an answer.
# A red-tape report is answered within this many days (the promise to the reporter).
TILLID_RED_TAPE_PROMISE_DAYS = int(os.environ.get("TILLID_RED_TAPE_PROMISE_DAYS", "30"))
# A four-F decision is followed up this many months after it was made (editable per decision).
TILLID_DECISION_FOLLOW_UP_MONTHS = int(os.environ.get("TILLID_DECISION_FOLLOW_UP_MONTHS", "6"))
# After a compass round closes, each unit holds its dialogue meeting within this many days,
# and each action agreed there is checked (did it work?) this many days after the meeting.
TILLID_DIALOGUE_MEETING_DAYS = int(os.environ.get("TILLID_DIALOGUE_MEETING_DAYS", "45"))
TILLID_DIALOGUE_CHECK_DAYS = int(os.environ.get("TILLID_DIALOGUE_CHECK_DAYS", "60"))
