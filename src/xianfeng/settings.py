"""先锋 settings: one module, every value read from the environment through typed helpers.

The defaults run the embedded setup (SQLite under var/, local media, the database task
worker); each production backend is switched on by an XF_ variable (see README).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url

from xianfeng.common.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    secret_key,
)

SRC_DIR = Path(__file__).resolve().parent
REPO_DIR = SRC_DIR.parent.parent
VAR_DIR = Path(env_str("XF_VAR_DIR", str(REPO_DIR / "var"))).resolve()
TESTING = "pytest" in sys.modules or env_bool("XF_TESTING", False)

DEBUG = env_bool("XF_DEBUG", False)
SECRET_KEY = secret_key(VAR_DIR)
ALLOWED_HOSTS = env_list("XF_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("XF_CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = "先锋"

INSTALLED_APPS = [
    # Django's admin with our site: sign-in through the login page, two-step required.
    "xianfeng.people.admin_site.XianfengAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "xianfeng.common",
    "xianfeng.audit",
    "xianfeng.orgs",
    "xianfeng.people",
    "xianfeng.media",
    "xianfeng.moderation",
    "xianfeng.lessons",
    "xianfeng.notify",
    "xianfeng.contests",
    "xianfeng.meetings",
    "xianfeng.assessment",
    "xianfeng.dashboards",
    "xianfeng.remote",
    "xianfeng.study",
    "xianfeng.community",
    "xianfeng.ops",
    "xianfeng.transfers",
    "xianfeng.dues",
    "xianfeng.mobility",
    "xianfeng.live",
]

MIDDLEWARE = [
    # Outermost: a request id, one log line and the metrics for every request.
    "xianfeng.ops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outermost after security: compresses what every view below returns (text only).
    "xianfeng.common.middleware.CompressTextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "xianfeng.common.middleware.SecurityHeadersMiddleware",
    # A terminal's heartbeat (bearer device token) is answered here, before sessions,
    # CSRF, auth and the URL patterns: none of them serve it (remote/middleware.py).
    "xianfeng.remote.middleware.HeartbeatMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Inside sessions, CSRF and auth: the player's watch report is answered here, without
    # the URL walk and the middleware it does not need (lessons/middleware.py).
    "xianfeng.lessons.middleware.WatchReportMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Inside sessions and auth: notes once a month that the person used 先锋 (people.active).
    "xianfeng.people.services.use.MonthlyUseMiddleware",
    # Inside sessions and auth: personal responses get Cache-Control: private, no-store.
    "xianfeng.common.middleware.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After sessions: a person's POST changes the version of the pages kept for them.
    "xianfeng.common.middleware.PersonPageVersionMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "xianfeng.common.middleware.HtmxLoginRedirectMiddleware",
    # After CSRF and auth: every view sees cleaned GET and POST (common/text.py).
    "xianfeng.common.middleware.CleanInputMiddleware",
]

ROOT_URLCONF = "xianfeng.urls"
WSGI_APPLICATION = "xianfeng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xianfeng.common.context_processors.site",
                "xianfeng.notify.context_processors.unread",
                "xianfeng.people.display.context",
            ],
            "builtins": ["django.templatetags.i18n", "django.templatetags.static"],
        },
    }
]

# --- database -----------------------------------------------------------------------------
DEFAULT_SQLITE = VAR_DIR / "xianfeng.sqlite3"
DATABASE_URL = env_str("XF_DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE}")
_db = dj_database_url.parse(
    DATABASE_URL,
    conn_max_age=env_int("XF_DB_CONN_MAX_AGE", 60, minimum=0),
    conn_health_checks=True,
)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # SQLite with a write gate (common/db/sqlite): writers queue without busy-sleeping.
    _db["ENGINE"] = "xianfeng.common.db.sqlite"
    # WAL lets the web server and the worker read while one writes; IMMEDIATE makes a
    # writer take the lock at BEGIN, so two writers queue instead of failing mid-way.
    _db["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    _db["CONN_MAX_AGE"] = 0 if TESTING else _db["CONN_MAX_AGE"]
    # A file, not the in-memory default: threads in the tests (the live server, a
    # worker's heartbeat) then lock and wait the way production does.
    # One file per run (the pid), so two test runs on one machine do not share it.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test-xianfeng-{os.getpid()}.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("OPTIONS", {})
    # No JIT: it compiles any statement whose estimated cost is high, and the 开机通报's
    # roll-up of 30,000 sites spent 3.5 of its 5.5 s compiling for a run of well under 1 s.
    # Statements here are short; none has gained from it.
    _db["OPTIONS"].setdefault("options", "-c jit=off")
DATABASES = {"default": _db}
# Hot statements (the terminals' heartbeat) prepared once per kept PostgreSQL connection
# (common/db/prepared.py); 0 behind a pooler that does not carry prepared statements.
DB_PREPARED_STATEMENTS = env_bool("XF_DB_PREPARED", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, sessions ------------------------------------------------------------------------
REDIS_URL = env_str("XF_REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "xf",
        }
    }
else:
    # A database cache is shared by the web workers and the task worker (a local-memory
    # cache is not), which login throttling needs.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "xf_cache",
            # The default (300 entries, cull a third) would evict login-throttle counters
            # whenever many sessions are active.
            "OPTIONS": {"MAX_ENTRIES": 200_000, "CULL_FREQUENCY": 4},
        }
    }
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
if not REDIS_URL:
    # Sessions are read on every request: on the embedded default they are read from files
    # that every process on this machine shares (logging out in one worker ends the session
    # in all), not from the database cache, so a page's session costs no query. The
    # database stays the record (cached_db writes through), so restarts keep logins.
    _session_dir = (
        Path(tempfile.mkdtemp(prefix="xf-sessions-"))
        if TESTING
        else Path(env_str("XF_SESSION_CACHE_DIR", str(VAR_DIR / "sessions")))
    )
    CACHES["sessions"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(_session_dir),
        # Culling lists the folder on each write (a login, not a page view); a full
        # folder only sends the oldest sessions back to the database.
        "OPTIONS": {"MAX_ENTRIES": 50_000, "CULL_FREQUENCY": 4},
    }
    # The suite's query counts still include the session read (one query): the tests of
    # page speed switch the alias on (tests/people/test_identity_memo.py).
    SESSION_CACHE_ALIAS = "default" if TESTING else "sessions"
# Whole pages (home, lesson) kept per person for this long, thrown away by any write
# (common/pagecache.py); 0 turns it off. Off in the tests, whose query counts measure the
# work a page does; the tests of the page cache switch it on.
PAGE_CACHE_SECONDS = env_int("XF_PAGE_CACHE_SECONDS", 0 if TESTING else 60, minimum=0)
PAGE_CACHE_ENTRIES = env_int("XF_PAGE_CACHE_ENTRIES", 2000, minimum=1)
SESSION_COOKIE_AGE = env_int("XF_SESSION_DAYS", 14, minimum=1) * 24 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
CSRF_FAILURE_VIEW = "xianfeng.common.views.csrf_failure"
HTTPS = env_bool("XF_HTTPS", False)
# Behind our own nginx: trust X-Forwarded-For for the client address (login throttling).
BEHIND_PROXY = env_bool("XF_BEHIND_PROXY", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("XF_SSL_REDIRECT", True)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("XF_HSTS_SECONDS", 0, minimum=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Off: heartbeats take the whole stack like any API call (to compare; remote/middleware.py).
REMOTE_BEAT_FAST_PATH = env_bool("XF_BEAT_FAST_PATH", True)
# Off: watch reports take the whole stack like any page POST (lessons/middleware.py).
WATCH_FAST_PATH = env_bool("XF_WATCH_FAST_PATH", True)

# --- tasks ----------------------------------------------------------------------------------
TASKS_MODE = env_choice("XF_TASKS", "immediate" if TESTING else "db", ("db", "rq", "immediate"))
TASK_QUEUES = ["default", "media"]
INSTALLED_APPS.append("django_rq")
RQ_QUEUES = {
    name: {
        "URL": env_str("XF_RQ_URL", REDIS_URL or "redis://127.0.0.1:6379/0"),
        "DEFAULT_TIMEOUT": 3600,
    }
    for name in TASK_QUEUES
}
# Jobs carry the id of the request that queued them (common/tasking.py).
RQ = {"QUEUE_CLASS": "xianfeng.common.tasking.RQQueue"}
if TASKS_MODE == "rq":
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES}}
elif TASKS_MODE == "immediate":
    TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
    }
else:
    TASKS = {"default": {"BACKEND": "xianfeng.common.tasking.DatabaseBackend", "QUEUES": []}}
WORKER_STALE_SECONDS = env_int("XF_WORKER_STALE_SECONDS", 60, minimum=5)

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = ["xianfeng.people.auth.PhoneOrUsernameBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 costs ~50 ms a hash by design; the suite creates thousands of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "common:home"
LOGOUT_REDIRECT_URL = "people:login"
LOGIN_MAX_FAILURES = env_int("XF_LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_MAX_FAILURES_PER_IP = env_int("XF_LOGIN_MAX_FAILURES_PER_IP", 50, minimum=1)
LOGIN_LOCK_MINUTES = env_int("XF_LOGIN_LOCK_MINUTES", 15, minimum=1)
# A set-password link (generated by a branch secretary for a member) works once, this long.
PASSWORD_LINK_HOURS = env_int("XF_PASSWORD_LINK_HOURS", 24, minimum=1)

# 微心愿 (community): how big a micro-wish may be, how many open claims one claimer (a
# person, or an org claiming as one) may hold, how long a claim runs before the wish
# reopens, and how long a wish waits for a claim before it expires.
WISH_MAX_YUAN = env_int("XF_WISH_MAX_YUAN", 500, minimum=1)
WISH_MAX_CLAIMS = env_int("XF_WISH_MAX_CLAIMS", 3, minimum=1)
WISH_CLAIM_DAYS = env_int("XF_WISH_CLAIM_DAYS", 30, minimum=1)
WISH_OPEN_DAYS = env_int("XF_WISH_OPEN_DAYS", 180, minimum=1)
# Two-step sign-in (TOTP): the name authenticator apps show; minutes between the password
# and the code before the password must be given again.
OTP_TOTP_ISSUER = SITE_NAME
TWO_STEP_PENDING_MINUTES = 5

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = env_str("XF_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [SRC_DIR / "locale"]

# --- static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("XF_STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
VENDOR_DIR = REPO_DIR / "build" / "vendor"
STATICFILES_DIRS = [("vendor", VENDOR_DIR)]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("XF_MEDIA_ROOT", str(VAR_DIR / "media")))
PRIVATE_ROOT = Path(env_str("XF_PRIVATE_ROOT", str(VAR_DIR / "private")))
STORAGE = env_choice("XF_STORAGE", "local", ("local", "s3"))
if STORAGE == "s3":
    _s3 = {
        "bucket_name": env_str("XF_S3_BUCKET", "xianfeng"),
        "endpoint_url": env_str("XF_S3_ENDPOINT_URL", "") or None,
        "region_name": env_str("XF_S3_REGION", "") or None,
        "access_key": env_str("XF_S3_ACCESS_KEY", "") or None,
        "secret_key": env_str("XF_S3_SECRET_KEY", "") or None,
        "addressing_style": env_choice("XF_S3_ADDRESSING", "path", ("path", "virtual")),
        "file_overwrite": False,
    }
    # Media is private like the rest of the bucket: pre-signed URLs, handed out only
    # behind a signed /media/v/ URL (media/delivery.py).
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "location": "media",
            "querystring_auth": True,
            "default_acl": "private",
        },
    }
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "location": "private",
            "querystring_auth": True,
            "default_acl": "private",
        },
    }
else:
    # MEDIA_ROOT; no URL maps to it: files leave only through media/delivery.py.
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    _private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _media_storage,
    # Files no URL may reach (roster uploads with ID numbers); read only through views
    # that check permission.
    "private": _private_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING or DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Media is private: a page hands out signed URLs (/media/v/<token>/…, media/delivery.py) to
# those who may see the lesson, entry or meeting. How the bytes leave: "direct" (this
# process streams them, the embedded default), "accel" (X-Accel-Redirect to nginx, which
# reads MEDIA_ACCEL_PREFIX from the disk or a private bucket) or "redirect" (pre-signed
# object store URLs; the default with XF_STORAGE=s3).
MEDIA_DELIVERY = env_choice(
    "XF_MEDIA_DELIVERY",
    "redirect" if STORAGE == "s3" else "direct",
    ("direct", "accel", "redirect"),
)
if MEDIA_DELIVERY == "redirect" and STORAGE != "s3":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("XF_MEDIA_DELIVERY=redirect needs XF_STORAGE=s3")
MEDIA_ACCEL_PREFIX = env_str("XF_MEDIA_ACCEL_PREFIX", "/_protected_media/")
# How long a signed URL of private media stays valid (a lesson left paused on a TV box
# asks for a fresh one through the page).
MEDIA_URL_SECONDS = env_int("XF_MEDIA_URL_HOURS", 4, minimum=1) * 3600
# Where the browser fetches media from when it is not this site (pre-signed URLs of the
# object store): added to the CSP's media, image and connect sources.
MEDIA_ORIGIN = env_str("XF_MEDIA_ORIGIN", "")
if not MEDIA_ORIGIN and STORAGE == "s3" and MEDIA_DELIVERY == "redirect":
    from urllib.parse import urlsplit as _urlsplit

    _endpoint = _urlsplit(str(_s3["endpoint_url"] or "https://s3.amazonaws.com"))
    _host = _endpoint.netloc
    if _s3["addressing_style"] == "virtual":
        _host = f"{_s3['bucket_name']}.{_host}"
    MEDIA_ORIGIN = f"{_endpoint.scheme}://{_host}"
# --- video -------------------------------------------------------------------------------------
# ffmpeg: the binary bundled by the imageio-ffmpeg wheel unless XF_FFMPEG names another.
FFMPEG = env_str("XF_FFMPEG", "")
# 党课微直播 RTMP ingest (OBS): each live on air with a studio ingest gets one port of this
# range, where an ffmpeg listener accepts its stream key.
LIVE_RTMP_PORTS = (
    env_int("XF_LIVE_RTMP_PORT_FIRST", 19350, minimum=1024),
    env_int("XF_LIVE_RTMP_PORT_LAST", 19359, minimum=1024),
)
LIVE_RTMP_HOST = env_str("XF_LIVE_RTMP_HOST", "")
UPLOAD_DIR = Path(env_str("XF_UPLOAD_DIR", str(VAR_DIR / "uploads")))
UPLOAD_MAX_BYTES = env_int("XF_UPLOAD_MAX_MB", 2048, minimum=1) * 1024 * 1024
UPLOAD_EXPIRE_HOURS = env_int("XF_UPLOAD_EXPIRE_HOURS", 24, minimum=1)
VIDEO_MIN_SECONDS = env_int("XF_VIDEO_MIN_SECONDS", 10, minimum=0)
VIDEO_MAX_SECONDS = env_int("XF_VIDEO_MAX_MINUTES", 30, minimum=1) * 60
HLS_SEGMENT_SECONDS = env_int("XF_HLS_SEGMENT_SECONDS", 6, minimum=2)
TRANSCODE_THREADS = env_int("XF_TRANSCODE_THREADS", 0, minimum=0)  # 0: ffmpeg decides
# How often a playing lesson player reports what it played (pause, end and leaving the
# page report at once). Every report is one write: 30 s lets one 2-core box carry
# ~20,000 people watching at once (benchmarks/watch.py prints the figure).
WATCH_REPORT_SECONDS = env_int("XF_WATCH_REPORT_SECONDS", 60, minimum=5)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
ROSTER_MAX_ROWS = env_int("XF_ROSTER_MAX_ROWS", 20000, minimum=1)
ROSTER_MAX_BYTES = env_int("XF_ROSTER_MAX_MB", 20, minimum=1) * 1024 * 1024

# --- notifications: channels (notify/backends.py) ---------------------------------------------
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

# Absolute links in e-mails, SMS and WeChat messages point here.
SITE_URL = env_str("XF_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Channels allowed where no org's notification policy says otherwise; SMS costs money, so
# an org (a county) turns it on for its subtree.
NOTIFY_DEFAULT_CHANNELS = env_list("XF_NOTIFY_CHANNELS", ["email", "wechat", "wecom", "dingtalk"])
_channels = {"email", "sms", "wechat", "wecom", "dingtalk"}
if set(NOTIFY_DEFAULT_CHANNELS) - _channels:
    raise ImproperlyConfigured(f"XF_NOTIFY_CHANNELS may name only {', '.join(sorted(_channels))}")
# E-mail. XF_EMAIL_URL: smtp://user:password@host:587 (STARTTLS) or smtps://…:465; empty:
# the console backend (the worker's log shows each message).
EMAIL_URL = env_str("XF_EMAIL_URL", "")
DEFAULT_FROM_EMAIL = env_str("XF_EMAIL_FROM", "先锋 <noreply@localhost>")
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
if EMAIL_URL:
    from urllib.parse import unquote, urlsplit

    _mail = urlsplit(EMAIL_URL)
    if _mail.scheme not in ("smtp", "smtps") or not _mail.hostname:
        raise ImproperlyConfigured("XF_EMAIL_URL must look like smtp://user:password@host:587")
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname
    EMAIL_PORT = _mail.port or (465 if _mail.scheme == "smtps" else 587)
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_SSL = _mail.scheme == "smtps"
    EMAIL_USE_TLS = _mail.scheme == "smtp" and EMAIL_PORT != 25
    EMAIL_TIMEOUT = 20
    SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Each other channel: "console" (printed to the worker's log, the embedded default) or
# "http" (posted to the provider).
_BACKENDS = ("console", "http")
# SMS through a generic HTTP JSON provider (README: the request it receives).
NOTIFY_SMS_BACKEND = env_choice("XF_SMS_BACKEND", "console", _BACKENDS)
NOTIFY_SMS_URL = env_str("XF_SMS_URL", "")
NOTIFY_SMS_KEY = env_str("XF_SMS_KEY", "")
NOTIFY_SMS_SIGN = env_str("XF_SMS_SIGN", "先锋")
# WeChat 公众号 template messages to a person's openid.
NOTIFY_WECHAT_BACKEND = env_choice("XF_WECHAT_BACKEND", "console", _BACKENDS)
NOTIFY_WECHAT_API = env_str("XF_WECHAT_API", "https://api.weixin.qq.com").rstrip("/")
NOTIFY_WECHAT_APPID = env_str("XF_WECHAT_APPID", "")
NOTIFY_WECHAT_SECRET = env_str("XF_WECHAT_SECRET", "")
NOTIFY_WECHAT_TEMPLATE_ID = env_str("XF_WECHAT_TEMPLATE_ID", "")
# Template keys → what fills them (title, body, time, kind), as the template was approved.
NOTIFY_WECHAT_FIELDS = env_list("XF_WECHAT_TEMPLATE_FIELDS", ["thing1=title", "time2=time"])
# 企业微信 and 钉钉 group robots; each org admin sets the key of their work group's robot.
NOTIFY_WECOM_BACKEND = env_choice("XF_WECOM_BACKEND", "console", _BACKENDS)
NOTIFY_WECOM_URL = env_str("XF_WECOM_ROBOT_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send")
NOTIFY_DINGTALK_BACKEND = env_choice("XF_DINGTALK_BACKEND", "console", _BACKENDS)
NOTIFY_DINGTALK_URL = env_str("XF_DINGTALK_ROBOT_URL", "https://oapi.dingtalk.com/robot/send")
if NOTIFY_SMS_BACKEND == "http" and not NOTIFY_SMS_URL:
    raise ImproperlyConfigured("XF_SMS_BACKEND=http needs XF_SMS_URL")
if NOTIFY_WECHAT_BACKEND == "http" and not (
    NOTIFY_WECHAT_APPID and NOTIFY_WECHAT_SECRET and NOTIFY_WECHAT_TEMPLATE_ID
):
    raise ImproperlyConfigured(
        "XF_WECHAT_BACKEND=http needs XF_WECHAT_APPID, XF_WECHAT_SECRET and XF_WECHAT_TEMPLATE_ID"
    )
for _field in NOTIFY_WECHAT_FIELDS:
    if _field.partition("=")[2] not in ("title", "body", "time", "kind"):
        raise ImproperlyConfigured(
            f"XF_WECHAT_TEMPLATE_FIELDS: {_field!r} should be key=title|body|time|kind"
        )

# --- backups (ops/backup) -------------------------------------------------------------------
# Where the daily job writes (empty: no automatic backups; `manage.py backup` then writes
# to var/backups). Keep the newest backup of each of the last N days and M months.
BACKUP_DIR = env_str("XF_BACKUP_DIR", "")
BACKUP_KEEP_DAILY = env_int("XF_BACKUP_KEEP_DAILY", 7, minimum=1)
BACKUP_KEEP_MONTHLY = env_int("XF_BACKUP_KEEP_MONTHLY", 12, minimum=0)
BACKUP_HOUR = env_int("XF_BACKUP_HOUR", 2, minimum=0)
# The county admins are told when the last successful backup is older than this.
BACKUP_OVERDUE_HOURS = env_int("XF_BACKUP_OVERDUE_HOURS", 26, minimum=1)

# --- metrics and logs (ops) ------------------------------------------------------------------
# /metrics answers only `Authorization: Bearer <XF_METRICS_TOKEN>` (404 without a token set).
METRICS_TOKEN = env_str("XF_METRICS_TOKEN", "")
# Counters of every web process meet here (prometheus_client's multiprocess files);
# `manage.py serve` empties it at start. Tests get a folder of their own per process.
METRICS_DIR = Path(env_str("XF_METRICS_DIR", str(VAR_DIR / "metrics")))
if TESTING and "XF_METRICS_DIR" not in os.environ:
    METRICS_DIR = Path(tempfile.mkdtemp(prefix="xf-metrics-"))
METRICS_DIR.mkdir(parents=True, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)
# /readyz fails when the oldest waiting job is older than this, or a disk has less free.
READY_QUEUE_MAX_SECONDS = env_int("XF_READY_QUEUE_MAX_SECONDS", 600, minimum=1)
READY_DISK_MIN_MB = env_int("XF_READY_DISK_MIN_MB", 1024, minimum=0)
# json: one JSON object per line (production); text: readable lines (development).
LOG_FORMAT = env_choice("XF_LOG_FORMAT", "text", ("text", "json"))
# Errors to Sentry (or a compatible service such as GlitchTip) when a DSN is given; phone
# and ID numbers are masked before anything is sent (ops/sentry.py).
SENTRY_DSN = env_str("XF_SENTRY_DSN", "")
SENTRY_ENVIRONMENT = env_str("XF_SENTRY_ENVIRONMENT", "production")
if SENTRY_DSN and not TESTING:
    from xianfeng.ops.sentry import init as _sentry_init

    _sentry_init(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT)

# --- logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "xianfeng.ops.logs.ContextFilter"}},
    "formatters": {
        "plain": {
            "()": "xianfeng.ops.logs.TextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "xianfeng.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("XF_LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
