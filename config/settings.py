"""Procuration settings: one module, configured by environment variables only.

`PROCURATION_ENV` selects the profile: `development` (default: demo and tests) or `production`.
Production refuses unsafe values through system checks (see `config/checks.py`).
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import dj_database_url

from config.env import as_bool, as_list, env

BASE_DIR = Path(__file__).resolve().parent.parent

PROCURATION_ENV = env("PROCURATION_ENV", "development")
PRODUCTION = PROCURATION_ENV == "production"

# A development key is fine for the demo and tests; production refuses it (config.checks).
DEV_SECRET_KEY = "django-insecure-procuration-development-key-do-not-use-in-production"
SECRET_KEY = env("SECRET_KEY", DEV_SECRET_KEY)
SECRET_KEY_FALLBACKS = env("SECRET_KEY_FALLBACKS", [], as_list)
DEBUG = env("DEBUG", not PRODUCTION, as_bool)
ALLOWED_HOSTS = env("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"], as_list)
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS", [], as_list)
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # django.contrib.admin behind two factors (django_otp OTPAdminSite) and our login page.
    "aidants.admin_apps.ProcurationAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "axes",
    "csp",
    "audit",
    "aidants",
    "habilitation",
    "mandates",
    "oidc_bridge",
    "oidc_bridge.simulator",
    "config.apps.ProcurationConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aidants.middleware.DeviceOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "aidants.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # django-axes must be last (its documentation): it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Production serves the collected static files itself (WhiteNoise: immutable cache headers,
    # no directory listing), so no proxy rule is needed for them; right after SecurityMiddleware
    # as its documentation asks. Off in development, where runserver serves them.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
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
                "aidants.context_processors.current_structure",
            ],
        },
    },
]

DATABASE_URL = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env("DB_CONN_MAX_AGE", 0, int)),
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Parameters sent apart from the statement (server-side binding), and psycopg prepares a
    # statement once it has run it 5 times on a connection: PostgreSQL then skips planning it
    # (0.3-1 ms for the token endpoint's joins, as much as their execution). Django turns
    # psycopg's preparing off unless `prepare_threshold` is given, so it is given here. Needs
    # a direct connection or session pooling, not a transaction-pooling proxy.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the audit sequencer read while the server writes; busy timeout avoids
    # "database is locked" under the demo's few concurrent writers.
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "aidants.Aidant"
AUTHENTICATION_BACKENDS = [
    # django-axes first so a locked (username, IP) pair is refused even with the right password.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend with the per-request user load compiled once (aidants.backends).
    "aidants.backends.AidantBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Aidant.email is unique case-insensitively (a UniqueConstraint on Lower(email)), which
# auth.W004 cannot see; the manager's get_by_natural_key looks e-mails up with iexact.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
LOGIN_URL = "aidants:login"
LOGIN_REDIRECT_URL = "aidants:home"

# Sessions: an aidant's session ends 8 hours after login whatever the activity (absolute
# lifetime, enforced by SessionLifetimeMiddleware), and a fresh TOTP code is required for
# sensitive actions after 15 minutes without activity.
SESSION_ENGINE = "aidants.sessions"
SESSION_COOKIE_AGE = int(timedelta(hours=8).total_seconds())
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=8)
SESSION_IDLE_REAUTH = timedelta(minutes=15)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Security baseline. The demo runs over plain HTTP on loopback, so `Secure` cookies and HSTS
# are on by default only in production; production refuses them off (config.checks).
SECURE_COOKIES = env("SECURE_COOKIES", PRODUCTION, as_bool)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0, int)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = False
SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT", PRODUCTION, as_bool)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env(
    "BEHIND_TLS_PROXY", PRODUCTION, as_bool) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        # Redirects to FranceConnect and back are navigations; posts stay on our origin and the
        # registered relying parties (OIDC form_post is not offered).
        "form-action": ["'self'"],
    },
}

# django-axes: lock the (username, IP) pair after 5 failures for 15 minutes; HTTP 429 with a
# French page. The right password is refused while locked (AxesStandaloneBackend).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
# Attempts refused while locked do not restart the 15 minutes: the lock ends 15 minutes after
# the failure that caused it, as the French page promises.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "aidants/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# Client IP: REMOTE_ADDR unless a trusted proxy header is configured explicitly.
AXES_IPWARE_META_PRECEDENCE_ORDER = env("AXES_IP_HEADERS", ["REMOTE_ADDR"], as_list)

# OTP: 30 s app codes, 60 s hardware cards (set per device). Failures are throttled by
# django-otp's ThrottlingMixin (exponential back-off per device).
OTP_TOTP_ISSUER = "Procuration"
OTP_TOTP_THROTTLE_FACTOR = 1


def _derived_key(label: str) -> str:
    """Derive a Fernet key from SECRET_KEY for development only; production sets its own."""
    digest = hashlib.sha256(f"{label}:{SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


# Fernet keys encrypting OTP secrets at rest. The first encrypts, all decrypt (rotation).
FIELD_ENCRYPTION_KEYS = env("FIELD_ENCRYPTION_KEYS", [_derived_key("field-encryption")], as_list)

# Audit journal: Ed25519 checkpoint signing key (PEM or base64 raw seed), origin line.
AUDIT_CHECKPOINT_KEY = env("AUDIT_CHECKPOINT_KEY", None if PRODUCTION else "dev")
AUDIT_ORIGIN = env("AUDIT_ORIGIN", "procuration.example/audit")
AUDIT_CHECKPOINT_INTERVAL = env("AUDIT_CHECKPOINT_INTERVAL", 60, int)
# "inline": sequence right after commit (small installations, demo, tests); "process": leave it
# to `manage.py audit_sequencer`.
AUDIT_SEQUENCING = env("AUDIT_SEQUENCING", "inline")

# FranceConnect. The simulator is refused in production (config.checks).
FRANCECONNECT_SIMULATOR = env("FRANCECONNECT_SIMULATOR", not PRODUCTION, as_bool)
FRANCECONNECT_ISSUER = env("FRANCECONNECT_ISSUER", f"{SITE_URL}/simulateur/franceconnect/api/v2")
FRANCECONNECT_CLIENT_ID = env("FRANCECONNECT_CLIENT_ID", "procuration-mandats")
FRANCECONNECT_CLIENT_SECRET = env("FRANCECONNECT_CLIENT_SECRET", "simulator-secret")
FRANCECONNECT_ACR = env("FRANCECONNECT_ACR", "eidas1")

# Our OIDC identity provider (delegated login). The issuer is an origin: discovery is served at
# `/.well-known/openid-configuration`. Production signing keys: PEM private keys (one EC P-256 and
# one RSA >= 2048 at least), comma-separated, newest first per type; older ones stay published
# until their tokens expire (oidc_bridge.keys). Development keys are generated once, encrypted.
OIDC_ISSUER = env("OIDC_ISSUER", SITE_URL).rstrip("/")
OIDC_SIGNING_KEYS = env("OIDC_SIGNING_KEYS", [], as_list)
OIDC_PAIRWISE_SECRET = env("OIDC_PAIRWISE_SECRET",
                           None if PRODUCTION else _derived_key("oidc-pairwise"))
OIDC_CODE_LIFETIME = timedelta(seconds=env("OIDC_CODE_LIFETIME", 60, int))
OIDC_ACCESS_TOKEN_LIFETIME = timedelta(seconds=env("OIDC_ACCESS_TOKEN_LIFETIME", 60, int))
OIDC_ID_TOKEN_LIFETIME = timedelta(seconds=env("OIDC_ID_TOKEN_LIFETIME", 60, int))
# Expired authorization codes and access tokens (hashes and the metadata of one delegated use)
# are deleted this long after they expired (`manage.py oidc_purge_expired`, daily): long enough
# to look into an incident, while the journal keeps the lasting record of each use.
OIDC_GRANT_RETENTION = timedelta(days=env("OIDC_GRANT_RETENTION_DAYS", 7, int))

# Mandates and retention (RGPD).
USAGER_RETENTION = timedelta(days=env("USAGER_RETENTION_DAYS", 365, int))
# PAdES seal of receipt PDFs (ECDSA P-256): PEM content or file path of the key and of its
# certificate (chain after it). Absent in development: a key derived from SECRET_KEY and a
# self-signed certificate (mandates.seal); production refuses to start without them
# (mandates.checks).
RECEIPT_SEAL_KEY = env("RECEIPT_SEAL_KEY", None)
RECEIPT_SEAL_CERT = env("RECEIPT_SEAL_CERT", None)

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Procuration <ne-pas-repondre@procuration.example>")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env("EMAIL_PORT", 25, int)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # weasyprint.progress logs every rendering step at INFO: noise for each printed receipt.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}
