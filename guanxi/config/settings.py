"""Settings, read from the environment (see CONTRACT.md and docs/configuration.md).

Two modes:
- embedded (default): SQLite in var/, no broker, jobs run in-process;
- production: DATABASE_URL=postgres://…, REDIS_URL=redis://… (Celery broker and cache).
"""

import secrets
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parents[2]
APP_DIR = BASE_DIR / "guanxi"

env = environ.Env()
VAR_DIR = Path(env.str("GUANXI_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def envsecret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    if env.str(f"{name}_FILE", default=""):
        return Path(env.str(f"{name}_FILE")).read_text().strip()
    return env.str(name, default=default)


def _secret_key() -> str:
    """SECRET_KEY (or SECRET_KEY_FILE); for the demo, generated once and kept in var/."""
    if env.str("SECRET_KEY_FILE", default=""):
        return Path(env.str("SECRET_KEY_FILE")).read_text().strip()
    if env.str("SECRET_KEY", default=""):
        return env.str("SECRET_KEY")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "ninja",  # serves Swagger UI from its own static files (no CDN)
    "guanxi.web",  # before allauth: its templates override allauth's layouts and elements
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "guanxi.core",
    "guanxi.org",
    "guanxi.policies",
    "guanxi.audit",
    "guanxi.search",
    "guanxi.custom_fields",
    "guanxi.records",
    "guanxi.customers",
    "guanxi.engagement",
    "guanxi.sales",
    "guanxi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "guanxi.web.middleware.UserPreferencesMiddleware",
    "guanxi.web.middleware.ApplicationErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "guanxi.config.urls"
WSGI_APPLICATION = "guanxi.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guanxi.web.context_processors.shell",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'guanxi.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, broker, jobs ----------------------------------------------------------------------
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
BASE_CURRENCY = env.str("BASE_CURRENCY", default="CNY")  # forecasts and targets are in this currency
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL  # embedded mode: run in-process, no broker
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE  # beat reads job hours in local time, like the embedded scheduler
EMBEDDED_SCHEDULER = env.bool("EMBEDDED_SCHEDULER", default=not REDIS_URL)

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/accounts/login/"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"login": "guanxi.org.forms.LoginForm"}
ACCOUNT_ADAPTER = "guanxi.org.adapters.AccountAdapter"  # no public sign-up: admins create users
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Guanxi CRM"

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [APP_DIR / "locale"]
FORMAT_MODULE_PATH = ["guanxi.formats"]  # zh-Hans/zh-Hant: amounts grouped in thousands
LANGUAGE_COOKIE_NAME = "guanxi_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
USE_TZ = True

# --- static ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploaded files (attachments, exports): the filesystem under var/media by default; any
# S3-compatible store (AWS, MinIO, Aliyun OSS, Tencent COS) through django-storages when
# S3_BUCKET is set. Files are only ever served through views that check access.
MEDIA_ROOT = VAR_DIR / "media"
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": envsecret("S3_ACCESS_KEY", default="") or None,
            "secret_key": envsecret("S3_SECRET_KEY", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- security -------------------------------------------------------------------------------
HTTPS = env.bool("HTTPS", default=False)  # set behind TLS in production
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
SESSION_COOKIE_AGE = 14 * 24 * 3600
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
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
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # 1 MB request bodies; larger answers 413
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Guanxi CRM <noreply@localhost>")

# --- product settings -----------------------------------------------------------------------
RECYCLE_BIN_DAYS = env.int("RECYCLE_BIN_DAYS", default=30)
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=90)
IDEMPOTENCY_TTL_HOURS = 24
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_MB", default=20) * 1024 * 1024
EXPORT_SYNC_MAX_ROWS = env.int("EXPORT_SYNC_MAX_ROWS", default=5000)  # more runs as a background job
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)  # finished export files are deleted after this
# Posts one address may send to one public web form (/f/<slug>) per minute; 0 switches the limit off
LEAD_FORM_RATE_PER_MINUTE = env.int("LEAD_FORM_RATE_PER_MINUTE", default=10)
# Duplicate checks per user (the forms' hint while typing; beyond: 429), see customers/duplicates.py.
DUPLICATE_CHECK_RATE_PER_MINUTE = env.int("DUPLICATE_CHECK_RATE_PER_MINUTE", default=30)
DUPLICATE_CHECK_RATE_PER_HOUR = env.int("DUPLICATE_CHECK_RATE_PER_HOUR", default=600)
# The address people reach Guanxi at, for links in emails (reminders); e.g. https://crm.example.com
SITE_URL = env.str("SITE_URL", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
