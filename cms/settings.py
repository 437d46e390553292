"""Gongyu settings: every knob is an environment variable with a safe default.

The defaults run everything on one machine with no services: SQLite in ``var/``, media files
in ``var/media``, background work in the database queue. See README.md, "Configuration", for
the list; production values are checked by ``manage.py check --deploy``.
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


# Runtime state (database, media, secret key, built site) lives here, never in the source tree.
VAR_DIR = Path(env("GONGYU_VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret_key():
    """A key generated once per machine and kept in var/, so sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("GONGYU_DEBUG", False)
SECRET_KEY = env("GONGYU_SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = env_list("GONGYU_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("GONGYU_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "cms.core",
    "cms.taxonomy",
    "cms.catalogue",
    "cms.topics",
    "cms.studios",
    "cms.publishing",
    "cms.dashboard",
    "cms.accounts",
    "transcoding",
    "curricula",
    "search",
    "engagement",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cms.studios.headers.ContentSecurityPolicy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cms.studios.middleware.PageChooserGuard",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A workflow approval says the parent site is behind, as a direct publish does (cms/core/middleware.py).
    "cms.core.middleware.WorkflowApprovalWarning",
    # A full disk during an upload: the form again with a Chinese message (cms/studios/disk_full.py).
    "cms.studios.disk_full.DiskFullMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Database: SQLite file by default, anything dj-database-url understands otherwise
# (DATABASE_URL=postgres://user:pass@host:5432/gongyu).
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'gongyu.sqlite3'}"),
        conn_max_age=int(env("GONGYU_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; a busy timeout instead of
    # "database is locked" when both write at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login rate limit (django-axes): after GONGYU_LOGIN_FAILURE_LIMIT wrong passwords for one user
# name from one address, that pair is locked out for GONGYU_LOGIN_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# One address is also locked after GONGYU_LOGIN_FAILURE_LIMIT_PER_ADDRESS failures across all
# user names (password spraying); see cms/studios/login_limits.py.
GONGYU_LOGIN_FAILURE_LIMIT = int(env("GONGYU_LOGIN_FAILURE_LIMIT", "5"))
GONGYU_LOGIN_FAILURE_LIMIT_PER_ADDRESS = int(env("GONGYU_LOGIN_FAILURE_LIMIT_PER_ADDRESS", "20"))
AXES_FAILURE_LIMIT = "cms.studios.login_limits.failure_limit"
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(env("GONGYU_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "studios/locked_out.html"
AXES_VERBOSE = False
# Behind a proxy (GONGYU_SECURE), the client address is the last hop it adds to X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = int(env("GONGYU_PROXY_COUNT", "1" if env_bool("GONGYU_SECURE", False) else "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if env_bool("GONGYU_SECURE", False) else ["REMOTE_ADDR"]
)

LANGUAGE_CODE = "zh-hans"
# Our catalogue fills the strings Wagtail's own zh_Hans translation lacks (cms/locale/update_catalog.py).
LOCALE_PATHS = [BASE_DIR / "cms" / "locale"]
LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("GONGYU_MEDIA_ROOT", str(VAR_DIR / "media"))).resolve()
# Serve uploaded media from Django itself (local storage on one machine). Turn off where a
# web server or S3 serves /media/.
SERVE_MEDIA = env_bool("GONGYU_SERVE_MEDIA", True)

# Storage: local files by default; GONGYU_STORAGE=s3 stores media in an S3 bucket.
STORAGE_BACKEND = env("GONGYU_STORAGE", "local")
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("GONGYU_S3_BUCKET", "gongyu-media"),
            "endpoint_url": env("GONGYU_S3_ENDPOINT_URL") or None,
            "region_name": env("GONGYU_S3_REGION", "us-east-1"),
            "access_key": env("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env("AWS_SECRET_ACCESS_KEY") or None,
            "custom_domain": env("GONGYU_S3_CUSTOM_DOMAIN") or None,
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": env_bool("GONGYU_S3_SIGNED_URLS", True),
        },
    }
else:
    # Django's FileSystemStorage that deletes a file it could not finish writing (disk full).
    _default_storage = {"BACKEND": "cms.studios.disk_full.LocalStorage"}
STORAGES = {
    "default": _default_storage,
    # Hashed, compressed files from `collectstatic`'s manifest; GONGYU_STATIC_MANIFEST=0 serves
    # plain names instead (a checkout run before collectstatic; the test suite's servers).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if env_bool("GONGYU_STATIC_MANIFEST", True)
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Background work: django-tasks with the database queue, run by `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": env("GONGYU_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Search (search/): "embedded" (SQLite FTS5 / PostgreSQL full text in this database, no server)
# or "elasticsearch" (an 8.x node or cluster at GONGYU_ELASTICSEARCH_URL, index behind an alias).
# GONGYU_ES_ANALYZER: "jieba" (stock node, no plugin), "smartcn" or "ik_max_word" (plugins).
SEARCH_BACKEND = env("GONGYU_SEARCH_BACKEND", "embedded")
ELASTICSEARCH_URL = env("GONGYU_ELASTICSEARCH_URL", "http://127.0.0.1:9200")
# A node is configured (even while the embedded index serves): publish_site --verify checks its index too.
ELASTICSEARCH_CONFIGURED = SEARCH_BACKEND == "elasticsearch" or bool(os.environ.get("GONGYU_ELASTICSEARCH_URL"))
ELASTICSEARCH_INDEX = env("GONGYU_ES_INDEX", "gongyu-entries")
ELASTICSEARCH_ANALYZER = env("GONGYU_ES_ANALYZER", "jieba")
# Wagtail's admin search: its database backend with jieba-segmented text (finds 沟通 in a sentence).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.admin_backend"}}

# The built parent site (static files) and where it is served.
# absolute(), not resolve(): the site folder is a symlink to the live release (cms.publishing).
SITE_OUTPUT_DIR = Path(env("GONGYU_SITE_DIR", str(VAR_DIR / "site"))).absolute()
PARENT_SITE_URL = env("GONGYU_PARENT_SITE_URL", "http://localhost:8001/")
# Publishing in the admin queues a site publish (cms.publishing); cms/test_settings.py turns it off.
SITE_AUTO_PUBLISH = env_bool("GONGYU_SITE_AUTO_PUBLISH", True)
# The worker's periodic jobs (cms.core.periodic): one tick every GONGYU_TICK_SECONDS runs
# scheduled go-live/expiry and publish retries; the site/search check runs every
# GONGYU_VERIFY_SECONDS. A failed publish is retried after 30 s, 60 s, … at most the max.
GONGYU_TICK_SECONDS = float(env("GONGYU_TICK_SECONDS", "15"))
GONGYU_VERIFY_SECONDS = float(env("GONGYU_VERIFY_SECONDS", "600"))
GONGYU_PUBLISH_RETRY_SECONDS = float(env("GONGYU_PUBLISH_RETRY_SECONDS", "30"))
GONGYU_PUBLISH_RETRY_MAX_SECONDS = float(env("GONGYU_PUBLISH_RETRY_MAX_SECONDS", "600"))
# A publish with at least GONGYU_PUBLISH_POOL_MIN files to render renders them in worker processes
# (GONGYU_PUBLISH_WORKERS, 0 = one per core); smaller ones render in the publishing process.
GONGYU_PUBLISH_WORKERS = int(env("GONGYU_PUBLISH_WORKERS", "0"))
GONGYU_PUBLISH_POOL_MIN = int(env("GONGYU_PUBLISH_POOL_MIN", "2000"))
# Files a render worker renders before it is replaced by a fresh one: a forked worker's memory
# grows with what of the site model it has touched (issue 17).
GONGYU_PUBLISH_WORKER_FILES = int(env("GONGYU_PUBLISH_WORKER_FILES", "5000"))

WAGTAIL_SITE_NAME = "共育 · 家长课程超市"
WAGTAILADMIN_BASE_URL = env("GONGYU_BASE_URL", "http://localhost:8000")
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No avatar from an outside host (gravatar is unreachable in China): Wagtail draws its own.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# No "What's new in Wagtail" banner (English, links to an outside site).
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False

# Mail (review notifications, claim changes): an SMTP server when GONGYU_EMAIL_HOST is set;
# otherwise every message is written as a file under var/mail/ (nothing is sent, nothing fails).
EMAIL_HOST = env("GONGYU_EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(env("GONGYU_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = env("GONGYU_EMAIL_USER")
    EMAIL_HOST_PASSWORD = env("GONGYU_EMAIL_PASSWORD")
    EMAIL_USE_SSL = env_bool("GONGYU_EMAIL_USE_SSL", False)
    EMAIL_USE_TLS = env_bool("GONGYU_EMAIL_USE_TLS", not EMAIL_USE_SSL)
    EMAIL_TIMEOUT = int(env("GONGYU_EMAIL_TIMEOUT", "20"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env("GONGYU_EMAIL_FROM", "共育 <gongyu@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = DEFAULT_FROM_EMAIL
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "odt", "txt", "xls", "xlsx", "ppt", "pptx"]
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]

# Uploads: size limits (bytes) for anything coming through a form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Uploads are cut off while they stream in once over the largest accepted file (cms/studios/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "cms.studios.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "cms.studios.disk_full.DiskSafeTemporaryFileUploadHandler",
]
GONGYU_MAX_VIDEO_BYTES = int(env("GONGYU_MAX_VIDEO_BYTES", str(2 * 1024**3)))
GONGYU_MAX_VIDEO_SECONDS = int(env("GONGYU_MAX_VIDEO_SECONDS", str(2 * 3600)))
# Picture limits checked at upload (decoding cost grows with them): 4K30 phone video fits, an
# 8192×8192 or 16000×16000 file is refused before anything decodes it.
GONGYU_VIDEO_MAX_SIDE = int(env("GONGYU_VIDEO_MAX_SIDE", "4096"))
GONGYU_VIDEO_MAX_PIXELS_PER_SECOND = int(env("GONGYU_VIDEO_MAX_PIXELS_PER_SECOND", str(3840 * 2160 * 30)))
GONGYU_MAX_MEDIA_FILE_BYTES = int(env("GONGYU_MAX_MEDIA_FILE_BYTES", str(2 * 1024**3)))
# Documents (handouts, claim reports) and images uploaded in the admin.
GONGYU_MAX_DOCUMENT_BYTES = int(env("GONGYU_MAX_DOCUMENT_BYTES", str(50 * 1024**2)))
WAGTAILDOCS_MAX_UPLOAD_SIZE = GONGYU_MAX_DOCUMENT_BYTES
WAGTAILIMAGES_MAX_UPLOAD_SIZE = int(env("GONGYU_MAX_IMAGE_BYTES", str(20 * 1024**2)))
# Picture size read from the header and refused before anything decodes it (cms/studios/image_limits.py).
WAGTAILIMAGES_MAX_IMAGE_PIXELS = int(env("GONGYU_MAX_IMAGE_PIXELS", str(40_000_000)))
WAGTAILIMAGES_IMAGE_FORM_BASE = "cms.studios.image_limits.ImageForm"

# Video pipeline (transcoding/). The HLS ladder, lowest rung first: a rung is named by the short
# side of its picture (portrait videos get the same ladder); rungs above the source's size are
# skipped and no rung gets more bits than the source has. Bitrates (kbps, capped-CRF maximum)
# follow Apple's HLS authoring spec at the top and Kolibri's weak-network guidance (300-450
# kbps for lecture video) at the bottom.
GONGYU_VIDEO_LADDER = [
    {"name": "240p", "short_side": 240, "video_kbps": 300},
    {"name": "360p", "short_side": 360, "video_kbps": 550},
    {"name": "540p", "short_side": 540, "video_kbps": 1000},
    {"name": "720p", "short_side": 720, "video_kbps": 1800},
    {"name": "1080p", "short_side": 1080, "video_kbps": 3500},
]
GONGYU_AUDIO_KBPS = int(env("GONGYU_AUDIO_KBPS", "64"))  # mono AAC-LC, shared by every rung and 听教育
GONGYU_HLS_SEGMENT_SECONDS = int(env("GONGYU_HLS_SEGMENT_SECONDS", "4"))
GONGYU_X264_PRESET = env("GONGYU_X264_PRESET", "veryfast")
GONGYU_X264_CRF = int(env("GONGYU_X264_CRF", "23"))
GONGYU_VIDEO_MAX_FPS = float(env("GONGYU_VIDEO_MAX_FPS", "30"))
# x264 speed/quality trades, each a setting with a measured default (bench/transcode.py; README):
# tune ("" = none, e.g. "film"/"animation"), threads per encoder (0 = x264's own choice), lookahead
# frames (0 = the preset's own).
GONGYU_X264_TUNE = env("GONGYU_X264_TUNE", "")
GONGYU_X264_THREADS = int(env("GONGYU_X264_THREADS", "0"))
GONGYU_X264_LOOKAHEAD = int(env("GONGYU_X264_LOOKAHEAD", "0"))
# Rungs encoded with another x264 preset than GONGYU_X264_PRESET ("" = none): superfast costs the
# two small rungs at most 0.001 SSIM and makes the video playable sooner (measured, docs/ARCHITECTURE.md).
GONGYU_X264_RUNG_PRESETS = env("GONGYU_X264_RUNG_PRESETS", "240p=superfast,360p=superfast")
# More x264 options for every rung, "key=value:key=value" ("" = none). subme=1:me=dia: ~20 % less CPU
# than plain veryfast for at most 0.0006 SSIM per rung (measured, docs/ARCHITECTURE.md).
GONGYU_X264_PARAMS = env("GONGYU_X264_PARAMS", "subme=1:me=dia")
# Ladders encoded at once on one machine, whatever number of workers run there (the others wait
# for a slot). 2 on 2 cores (measured, README): two uploads handed in together both become
# playable sooner than one after the other, for the same total CPU.
GONGYU_TRANSCODE_CONCURRENCY = int(env("GONGYU_TRANSCODE_CONCURRENCY", "2"))
# Address-space limit of each ffmpeg (a hostile file cannot take the machine's memory).
GONGYU_FFMPEG_MAX_MEMORY_MB = int(env("GONGYU_FFMPEG_MAX_MEMORY_MB", "3072"))
# A job is stopped after max(300 s, this × the video's duration).
GONGYU_TRANSCODE_TIMEOUT_FACTOR = float(env("GONGYU_TRANSCODE_TIMEOUT_FACTOR", "3"))
GONGYU_TRANSCODE_MAX_ATTEMPTS = int(env("GONGYU_TRANSCODE_MAX_ATTEMPTS", "3"))
# A 转码中 job whose worker has not reported for this long is treated as interrupted (retryable).
GONGYU_TRANSCODE_STALE_SECONDS = int(env("GONGYU_TRANSCODE_STALE_SECONDS", "120"))
GONGYU_MAX_CAPTION_BYTES = int(env("GONGYU_MAX_CAPTION_BYTES", str(2 * 1024**2)))
# Importing a curriculum package queues the transcoding of its new videos.
GONGYU_TRANSCODE_ON_IMPORT = env_bool("GONGYU_TRANSCODE_ON_IMPORT", True)

# Participation (engagement/): where the parent site sends its events (written into the built
# site), limits of the ingest, how long raw events are kept, how often the worker rolls them up.
GONGYU_ENGAGEMENT_URL = env("GONGYU_ENGAGEMENT_URL", WAGTAILADMIN_BASE_URL.rstrip("/") + "/api/engagement/events/")
GONGYU_ENGAGEMENT_MAX_BODY = int(env("GONGYU_ENGAGEMENT_MAX_BODY", str(64 * 1024)))
GONGYU_ENGAGEMENT_MAX_BATCH = int(env("GONGYU_ENGAGEMENT_MAX_BATCH", "100"))
GONGYU_ENGAGEMENT_MAX_TEXT = int(env("GONGYU_ENGAGEMENT_MAX_TEXT", "200"))
GONGYU_ENGAGEMENT_DEVICE_DAILY = int(env("GONGYU_ENGAGEMENT_DEVICE_DAILY", "500"))
GONGYU_ENGAGEMENT_ADDRESS_PER_MINUTE = int(env("GONGYU_ENGAGEMENT_ADDRESS_PER_MINUTE", "6000"))
GONGYU_ENGAGEMENT_RAW_DAYS = int(env("GONGYU_ENGAGEMENT_RAW_DAYS", "400"))
GONGYU_ENGAGEMENT_ROLLUP_SECONDS = int(env("GONGYU_ENGAGEMENT_ROLLUP_SECONDS", "60"))

# WeChat JS-SDK share card on the parent site (off by default): the 公众号's AppID and AppSecret
# turn on /api/wechat/signature/, and the pages (after `publish_site --full`) ask it for the
# wx.config signature inside WeChat only. GONGYU_WECHAT_API is WeChat's API host (tests point
# it at a local server); GONGYU_WECHAT_SIGNATURE_URL where the pages find the signing view.
GONGYU_WECHAT_APPID = env("GONGYU_WECHAT_APPID", "")
GONGYU_WECHAT_SECRET = env("GONGYU_WECHAT_SECRET", "")
GONGYU_WECHAT_API = env("GONGYU_WECHAT_API", "https://api.weixin.qq.com")
GONGYU_WECHAT_SIGNATURE_URL = env("GONGYU_WECHAT_SIGNATURE_URL", WAGTAILADMIN_BASE_URL.rstrip("/") + "/api/wechat/signature/"
                                  if GONGYU_WECHAT_APPID and GONGYU_WECHAT_SECRET else "")
GONGYU_WECHAT_SIGN_PER_MINUTE = int(env("GONGYU_WECHAT_SIGN_PER_MINUTE", "60"))
# /api/search/ and /api/search/suggest/ together, per client address and minute (per worker process).
GONGYU_SEARCH_PER_MINUTE = int(env("GONGYU_SEARCH_PER_MINUTE", "120"))

# Production hardening, switched on by GONGYU_SECURE=1 (HTTPS in front of the app).
if env_bool("GONGYU_SECURE", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("GONGYU_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("GONGYU_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"
# Wagtail's live preview shows the page being edited in a same-origin iframe, so frames stay
# SAMEORIGIN rather than DENY (the one `check --deploy` warning this silences).
SILENCED_SYSTEM_CHECKS = ["security.W019"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("GONGYU_LOG_LEVEL", "WARNING")},
    "loggers": {"gongyu": {"handlers": ["console"], "level": env("GONGYU_LOG_LEVEL", "INFO"), "propagate": False}},
}
