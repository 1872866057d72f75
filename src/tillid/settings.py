"""Tillid settings, read from the environment (12-factor).

Development and the demo run with DJANGO_DEBUG=1 and SQLite; production sets
DATABASE_URL (PostgreSQL), SECRET_KEY and ALLOWED_HOSTS. See README.md.
"""

import os
from pathlib import Path

import dj_database_url
import environ
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
    # Tillid's apps first: where a text is also in Django's own catalogues
    # (admin translates "Action" as "Funktion"), the app listed first wins,
    # and a Danish user should read Tillid's words.
    "tillid.core",
    "tillid.organisation",
    "tillid.governance",
    "tillid.compass",
    "tillid.trials",
    "tillid.delegation",
    "tillid.overview",
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
    # The application's errors (tillid.core.errors) as Danish error pages.
    "tillid.core.errors.AppErrorMiddleware",
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

# Single sign-on through SAML 2.0 (OIOSAML 3, e.g. KOMBIT's Context Handler),
# off unless the identity provider's metadata is given. README: "Login through
# KOMBIT's Context Handler"; deploy/env.example lists the variables.
SAML_IDP_METADATA_URL = os.environ.get("SAML_IDP_METADATA_URL", "")
SAML_IDP_METADATA_FILE = os.environ.get("SAML_IDP_METADATA_FILE", "")
SAML_ENABLED = bool(SAML_IDP_METADATA_URL or SAML_IDP_METADATA_FILE)
if SAML_ENABLED:
    import shutil

    from tillid.organisation import saml_config

    _saml_missing = [
        name
        for name in ("SAML_SP_BASE_URL", "SAML_SP_KEY_FILE", "SAML_SP_CERT_FILE")
        if not os.environ.get(name)
    ]
    if _saml_missing:
        raise ImproperlyConfigured(
            "SAML_IDP_METADATA_URL or SAML_IDP_METADATA_FILE is set, so SAML login is on; "
            "also set " + ", ".join(_saml_missing) + "."
        )
    if not shutil.which("xmlsec1"):
        raise ImproperlyConfigured("SAML login needs xmlsec1 (Debian: apt-get install xmlsec1).")
    SAML_PERSON_FIELD = os.environ.get("SAML_PERSON_FIELD", "email")
    if SAML_PERSON_FIELD not in ("email", "external_id"):
        raise ImproperlyConfigured("SAML_PERSON_FIELD must be email or external_id.")
    SAML_PERSON_ATTRIBUTE = os.environ.get("SAML_PERSON_ATTRIBUTE", saml_config.OIOSAML_EMAIL)
    SAML_PRIVILEGES_ATTRIBUTE = os.environ.get(
        "SAML_PRIVILEGES_ATTRIBUTE", saml_config.OIOSAML_PRIVILEGES
    )
    SAML_UNIT_CONSTRAINT = os.environ.get(
        "SAML_UNIT_CONSTRAINT", saml_config.KOMBIT_UNIT_CONSTRAINT
    )
    SAML_CREATE_USER = env_bool("SAML_CREATE_USER", True)
    SAML_CONFIG = saml_config.sp_config(
        base_url=os.environ["SAML_SP_BASE_URL"],
        entity_id=os.environ.get("SAML_SP_ENTITY_ID", ""),
        key_file=os.environ["SAML_SP_KEY_FILE"],
        cert_file=os.environ["SAML_SP_CERT_FILE"],
    )
    SAML_CONFIG_LOADER = "tillid.organisation.saml.load_config"
    SAML_DEFAULT_BINDING = saml_config.BINDING_HTTP_REDIRECT
    SAML_LOGOUT_REQUEST_PREFERRED_BINDING = saml_config.BINDING_HTTP_REDIRECT
    SAML_SESSION_COOKIE_NAME = "tillid_saml"
    SAML_ATTRIBUTE_MAPPING: dict = {}  # tillid.organisation.saml reads the attributes itself
    INSTALLED_APPS.append("djangosaml2")
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
        "djangosaml2.middleware.SamlSessionMiddleware",
    )
    AUTHENTICATION_BACKENDS.insert(0, "tillid.organisation.saml.TillidSaml2Backend")

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

# E-mail (survey invitations and reminders), sent by the background worker.
# EMAIL_URL gives it in one: smtp+tls://user:password@smtp.kommune.dk:587 (STARTTLS),
# smtp+ssl://…:465 (TLS from the start), smtp://host:25 (plain), or consolemail://
# (print instead of sending); percent-encode special characters in the user and password.
# Otherwise EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
if os.environ.get("EMAIL_URL"):
    _email = environ.Env.email_url_config(os.environ.get("EMAIL_URL"))
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"] or EMAIL_HOST
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
    EMAIL_PORT = _email["EMAIL_PORT"] or (465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25)
elif DEBUG and not os.environ.get("EMAIL_HOST"):
    # The demo has no mail server: the worker prints the e-mails instead.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
# Seconds to wait for the mail server before counting a try as failed.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tillid@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# E-mails per SMTP connection, connections without progress before the rest of
# a batch is listed as failed, and the pause before the first retry (doubling).
TILLID_EMAIL_BATCH_SIZE = int(os.environ.get("TILLID_EMAIL_BATCH_SIZE", "200"))
TILLID_EMAIL_ATTEMPTS = 4
TILLID_EMAIL_RETRY_SECONDS = 0.0 if TESTING else 5.0

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
# The published list of decisions (/overblik/beslutninger/) is public, without
# login, only when the municipality chooses so.
TILLID_PUBLISH_DECISIONS = env_bool("TILLID_PUBLISH_DECISIONS", False)
# The overview keeps the modules' indicators and a scope's follow-ups this many
# seconds (per scope, period and language); 0 computes them on every request.
TILLID_OVERVIEW_CACHE_SECONDS = (
    0 if TESTING else int(os.environ.get("TILLID_OVERVIEW_CACHE_SECONDS", "300"))
)
# The measures the inequality watch of the overview and the council report
# follows, in this order: outcome keys from "effects.outcomes"; "compass:*first*"
# is the trust compass's first dimension. Measures no module offers are skipped.
TILLID_INEQUALITY_MEASURES = [
    "compass:*first*",
    "governance:freed_hours",
    "trials:running",
    "delegation:dosing_steps",
]
# Danish public sites must publish an accessibility statement (was.digst.dk);
# point this at the municipality's. The default is Tillid's own page.
TILLID_ACCESSIBILITY_STATEMENT_URL = os.environ.get("TILLID_ACCESSIBILITY_STATEMENT_URL", "")
# Files with more rows than this are imported by the background worker.
TILLID_IMPORT_INLINE_MAX_ROWS = int(os.environ.get("TILLID_IMPORT_INLINE_MAX_ROWS", "2000"))
# The import safety net: an organisation import (or OS2mo sync) that would
# deactivate more than this share of the active units or people needs a
# confirmation naming the number; an applied import can be undone for so many days.
TILLID_IMPORT_DEACTIVATION_LIMIT_PERCENT = float(
    os.environ.get("TILLID_IMPORT_DEACTIVATION_LIMIT_PERCENT", "10")
)
TILLID_IMPORT_UNDO_DAYS = int(os.environ.get("TILLID_IMPORT_UNDO_DAYS", "14"))

# The organisation from OS2mo (manage.py sync_os2mo; see README and deploy/env.example).
TILLID_OS2MO_URL = os.environ.get("TILLID_OS2MO_URL", "")
TILLID_OS2MO_CLIENT_ID = os.environ.get("TILLID_OS2MO_CLIENT_ID", "")
TILLID_OS2MO_CLIENT_SECRET = os.environ.get("TILLID_OS2MO_CLIENT_SECRET", "")
# Keycloak's token endpoint; default <URL>/auth/realms/mo/protocol/openid-connect/token.
TILLID_OS2MO_TOKEN_URL = os.environ.get("TILLID_OS2MO_TOKEN_URL", "")
TILLID_OS2MO_GRAPHQL_VERSION = int(os.environ.get("TILLID_OS2MO_GRAPHQL_VERSION", "25"))
TILLID_OS2MO_PAGE_SIZE = int(os.environ.get("TILLID_OS2MO_PAGE_SIZE", "500"))
TILLID_OS2MO_TIMEOUT = float(os.environ.get("TILLID_OS2MO_TIMEOUT", "60"))
# Only this unit and the units below it (an OS2mo uuid); empty: every unit.
TILLID_OS2MO_ROOT_UUID = os.environ.get("TILLID_OS2MO_ROOT_UUID", "")
# OS2mo's unit levels or unit types (key or name) → Tillid's kinds, e.g.
# "N1=kommune,N2=forvaltning,Afdeling=team"; units not named get a kind by depth.
TILLID_OS2MO_KINDS = os.environ.get("TILLID_OS2MO_KINDS", "")
# The external id of units and people: OS2mo's "uuid" or its "user_key".
TILLID_OS2MO_ID_FIELD = os.environ.get("TILLID_OS2MO_ID_FIELD", "uuid")
TILLID_PAGE_SIZE = 25

if TESTING:
    # Hashing is deliberately slow; tests create many users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Asked by the navigation whether a user may use a module (user, perm) -> bool.
TILLID_PERMISSION_CHECK = "tillid.organisation.permissions.has_perm_anywhere"
# Links a user who logged in by single sign-on to their person (core/oidc.py).
TILLID_PERSON_LINKER = "tillid.organisation.services.link_user_to_person"
# The unit picker of every form (core/unit_picker.py): its search endpoint and path labels.
TILLID_UNIT_SEARCH_URL = "organisation:unit_search"
TILLID_UNIT_PATH_LABELS = "tillid.organisation.unit_search.path_labels"

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
