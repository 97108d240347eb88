"""CryoCare settings, read from the environment (12-factor).

With no variables set this is the embedded development default: SQLite in the project folder,
local-memory cache, Celery tasks run eagerly in-process, e-mail to the console, DEBUG on.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE as CSP_NONCE
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

DEV_SECRET_KEY = "django-insecure-cryocare-development-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "csp",
    "django_htmx",
    # The project's apps, each using only those listed before it (see README, "Where things are").
    "patients",
    "clinic",
    "protocols",
    "sessions.apps.TreatmentSessionsConfig",
    "documents",
    "notifications",
    "outcomes",
    "exchange",
    "cryocare",  # the project itself: its management commands (backup, restore) use every app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "clinic.middleware.ClinicTimeZoneMiddleware",
]

ROOT_URLCONF = "cryocare.urls"

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
                "patients.context_processors.access_flags",
            ],
        },
    },
]

WSGI_APPLICATION = "cryocare.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Persistent connections, checked before each request reuses them: a request no longer pays for a
# new connection (CONN_MAX_AGE seconds; 0 closes after every request).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis is the broker when REDIS_URL is set; otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
# Several CryoCare installations may share one Redis: each names its own queue.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The periodic jobs (notifications.tasks). Each is safe to run at any time and any number of times:
# the outbox's unique keys make a second run send nothing new. Recalls and the digest wait for the
# clinic's daily messages time (clinic set-up), in the clinic's time zone, so they run often and act
# once a day.
CELERY_BEAT_SCHEDULE = {
    "reminders": {"task": "notifications.send_reminders", "schedule": timedelta(minutes=5)},
    "recalls": {"task": "notifications.send_recalls", "schedule": timedelta(minutes=30)},
    "digest": {"task": "notifications.send_digest", "schedule": timedelta(minutes=15)},
    "outbox": {"task": "notifications.sweep_outbox", "schedule": timedelta(minutes=1)},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CryoCare <cryocare@localhost>")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# The address the app is reached at, for links in e-mails (the digest).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and times shown and entered, one format per language (cryocare/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["cryocare.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploaded clinical photos: stored outside the static tree and only ever served through an
# access-checked view, never by URL alone.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-served/"
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
# Checked from each picture's header before any pixel is decoded (patients.photos.photos_check):
# a 12-megapixel phone photo passes; three 40-megapixel pictures in one request do not.
PHOTO_MAX_PIXELS = 25_000_000  # one picture
PHOTO_MAX_FILES = 6  # pictures in one request
PHOTO_MAX_TOTAL_PIXELS = 80_000_000  # all pictures of one request
DATA_UPLOAD_MAX_NUMBER_FILES = 20  # a hard cap (400); up to it, the form names the limit on the field
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Patient sheets: how long a patient's link works, and the paper size of the PDF.
DOCUMENT_LINK_DAYS = env.int("DOCUMENT_LINK_DAYS", default=90)
DOCUMENT_PAPER_SIZE = env.str("DOCUMENT_PAPER_SIZE", default="A4")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content-Security-Policy (django-csp): scripts, styles, fonts and images only from this site; no
# inline script at all; the one inline <style> of the printed sheets carries the request's nonce.
# Images may also be data: URIs (the sheets' QR codes, Bootstrap's form icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF, CSP_NONCE],
        "img-src": [CSP_SELF, "data:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    }
}

SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # HTTPS only: plain HTTP is redirected (a TLS proxy that redirects itself may turn it off) and
    # browsers are told to use HTTPS for a year (HSTS). /health/ answers over HTTP for load balancers.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # What the operator turned off on purpose is not reported again by `check --deploy`.
    SILENCED_SYSTEM_CHECKS = [
        *([] if SECURE_SSL_REDIRECT else ["security.W008"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
    ]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# --- Log-in protection, automatic log-off and private pages -----------------------------------
# django-axes counts failed log-ins (the app's form and /admin/login/ alike) per account and per
# address: LOGIN_FAILURE_LIMIT failures lock either for LOGIN_LOCKOUT_MINUTES, even with the right
# password afterwards. A clinic admin unlocks early in the admin (Axes › Access attempts: delete).
INSTALLED_APPS += ["axes"]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cryocare.lockout.lockout_response"
# Behind a reverse proxy every request comes from the proxy's address: LOGIN_PROXY_COUNT says how
# many proxies append to X-Forwarded-For, or one person's failures would lock everybody out.
LOGIN_PROXY_COUNT = env.int("LOGIN_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "cryocare.lockout.client_address"

# A session ends after IDLE_LOGOUT_SECONDS without a request (the pages' keep-alive counts typing
# and clicks). Every request renews the cookie; it lasts an hour longer than that, only so that the
# server still knows the session when the user comes back and can say why it was logged out.
IDLE_LOGOUT_SECONDS = env.int("IDLE_LOGOUT_SECONDS", default=15 * 60)
SESSION_COOKIE_AGE = IDLE_LOGOUT_SECONDS + 60 * 60
TEMPLATES[0]["OPTIONS"]["context_processors"].append("cryocare.idle_logout.context")

MIDDLEWARE += [
    "cryocare.idle_logout.IdleLogoutMiddleware",
    "cryocare.no_store.NoStoreForLoggedInMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out log-in into the lockout page
]
