"""The one settings module. Every option comes from the environment (see ``longarm.env``)."""

from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from longarm.core.static_headers import static_file_headers
from longarm.env import (
    env_bool,
    env_bucket_url,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_path,
    env_str,
)

DATA_DIR = env_path("LONGARM_DATA_DIR", Path.cwd() / "var")
KEYS_DIR = env_path("LONGARM_KEYS_DIR", DATA_DIR / "keys")
STORAGE_DIR = env_path("LONGARM_STORAGE_DIR", DATA_DIR / "storage")
# Encrypted evidence in an S3-compatible bucket instead of STORAGE_DIR (longarm.evidence.object_store).
EVIDENCE_BUCKET = env_bucket_url("LONGARM_STORAGE_URL")
S3_ENDPOINT_URL = env_str("LONGARM_S3_ENDPOINT_URL", "")
S3_REGION = env_str("LONGARM_S3_REGION", "us-east-1")
S3_ACCESS_KEY_ID = env_str("LONGARM_S3_ACCESS_KEY_ID", "")
S3_SECRET_ACCESS_KEY = env_str("LONGARM_S3_SECRET_ACCESS_KEY", "")

DEBUG = env_bool("LONGARM_DEBUG", False)
# Behind TLS (or an onion service with TLS termination) in production: secure cookies, HSTS, redirects.
HTTPS = env_bool("LONGARM_HTTPS", False)


def _secret_key() -> str:
    explicit = env_str("LONGARM_SECRET_KEY", "")
    if explicit:
        return explicit
    generated = KEYS_DIR / "django-secret.key"
    # Before `longarm init` the file does not exist; Django then refuses any use of SECRET_KEY loudly.
    return generated.read_text(encoding="utf-8").strip() if generated.exists() else ""


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("LONGARM_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
# `longarm serve`: the address gunicorn listens on, and the proxies whose X-Forwarded-* headers it believes.
LONGARM_BIND = env_str("LONGARM_BIND", "127.0.0.1:8000")
LONGARM_FORWARDED_ALLOW_IPS = env_list("LONGARM_FORWARDED_ALLOW_IPS", ["127.0.0.1"])
# `longarm serve`: a gunicorn worker is replaced after about this many requests (give or take a tenth, so that
# the workers do not all restart together); 0, the default: never. Defence in depth against memory a worker
# keeps; what it costs is in the README ("Memory").
LONGARM_MAX_REQUESTS = env_int("LONGARM_MAX_REQUESTS", 0)
CSRF_TRUSTED_ORIGINS = env_list("LONGARM_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "django_tasks_db",
    "longarm.core",
    "longarm.gate",
    "longarm.taxonomy",
    "longarm.audit",
    "longarm.accounts",
    "longarm.intake",
    "longarm.guidance",
    "longarm.cases",
    "longarm.api",
    "longarm.retention",
    "longarm.evidence",
    "longarm.analytics",
    "longarm.analytics.publication",
    "longarm.analytics.surveys",
    "longarm.linking",
    "longarm.federation",
    "longarm.operations",
    "longarm.notifications",
    "longarm.backup",
    "longarm.recovery",
]

MIDDLEWARE = [
    "longarm.operations.middleware.RequestMetricsMiddleware",
    "longarm.core.middleware.PermissionsPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "longarm.core.csrf.NoReferrerCsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "longarm.core.middleware.NoStoreMiddleware",
    "longarm.core.middleware.MethodNotAllowedPageMiddleware",
    "longarm.core.middleware.IntegrityErrorMiddleware",
    "longarm.core.session_vault.SessionVaultMiddleware",
]

ROOT_URLCONF = "longarm.urls"
WSGI_APPLICATION = "longarm.wsgi.application"
# Widgets through Jinja2, pages through Django's templates (core.form_rendering: the questionnaire's cost).
FORM_RENDERER = "longarm.core.form_rendering.FormRenderer"

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
                "longarm.core.context_processors.reporter_safety",
                "longarm.accounts.context_processors.pending_approvals",
            ],
        },
    },
]

# A connection is kept for the thread's next request rather than opened for every one: opening it (SQLite's
# pragmas and functions, PostgreSQL's handshake and backend) and closing it (SQLite's checkpoint when the last
# connection goes) cost about 2.5 ms of CPU a request, a tenth of what a reporter's visit costs besides its
# Argon2id derivations (issue 13, benchmarks/intake_cpu.py). A kept connection is checked before a request
# reuses it, so that one broken by a database restart is replaced rather than failing the request.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'longarm.sqlite3'}"),
        conn_max_age=env_int("LONGARM_DB_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while one of them writes; every commit is synced (FULL:
    # a report acknowledged survives a power cut); secure_delete overwrites freed pages so deleted
    # ciphertext and keys do not linger in the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; "
            "PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.StaffUser"

# Argon2id at the staff private-key lock's cost (LONGARM_STAFF_ARGON2_OPS / _MEM): see the class.
PASSWORD_HASHERS = [
    "longarm.accounts.hashers.StaffArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "cases:home"

# Database sessions that mint a new vault key on every key change and keep a coarse reporter expiry.
SESSION_ENGINE = "longarm.core.sessions"
# Under HTTPS every cookie carries the __Host- prefix: browsers then refuse one set by a sibling host name or
# over plain HTTP, so nobody can plant a session, CSRF, language or vault cookie in a visitor's browser.
_COOKIE_PREFIX = "__Host-" if HTTPS else ""
SESSION_COOKIE_NAME = _COOKIE_PREFIX + "sessionid"
CSRF_COOKIE_NAME = _COOKIE_PREFIX + "csrftoken"
LANGUAGE_COOKIE_NAME = _COOKIE_PREFIX + "django_language"
LONGARM_VAULT_COOKIE_NAME = _COOKIE_PREFIX + "longarm_vault"
SESSION_COOKIE_AGE = env_int("LONGARM_SESSION_SECONDS", 60 * 60 * 4, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_SECURE = HTTPS
# Until the browser closes, like the session (Django's default is a year): a shared device keeps nothing.
CSRF_COOKIE_AGE = None
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SECURE = HTTPS
CSRF_FAILURE_VIEW = "longarm.core.views.csrf_failure"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# The language cookie holds only a language code, and lasts until the browser closes: on a shared device the
# next person should not find the page in, say, Uyghur without having chosen it.
LANGUAGE_COOKIE_AGE = None
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Strict"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = HTTPS and env_bool("LONGARM_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 63072000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("LONGARM_BEHIND_PROXY", False) else None
)
# No third-party source and no inline script or style, anywhere.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "media-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "connect-src": [CSP.SELF],
}

LANGUAGE_CODE = "en"
# Each language is named in its own script (an autonym), so that a reporter who reads none of the others can
# still find theirs in the switcher. Uyghur is written in Arabic script, right to left (Django's
# LANGUAGES_BIDI lists "ug"); Mongolian in Cyrillic; Tibetan has no catalogue in Django itself, only ours.
LANGUAGES = [
    ("en", "English"),
    ("ja", "日本語"),
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("ug", "ئۇيغۇرچە"),
    ("bo", "བོད་ཡིག"),
    ("mn", "Монгол"),
    ("tr", "Türkçe"),
]
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
# Dates and times are ISO 8601 in every language (longarm/core/formats).
FORMAT_MODULE_PATH = ["longarm.core.formats"]
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": STORAGE_DIR},
    },
    "staticfiles": {"BACKEND": "longarm.core.static_storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
# Cache-Control: no-store on every static file, instead of WhiteNoise's ten years (see the function).
WHITENOISE_ADD_HEADERS_FUNCTION = static_file_headers
# No other site needs to read our assets.
WHITENOISE_ALLOW_ALL_ORIGINS = False

TASKS_URL = env_str("LONGARM_TASKS_URL", "")
if TASKS_URL.startswith("redis://"):
    # django-tasks-rq queues through django-rq, whose app must be installed too (its system check says so).
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": TASKS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Full-text search (issue 21): each logged-in reader's decrypted index lives in the memory of the process that
# serves them, at most this many per process (least recently used dropped first), and is dropped after this
# long unused or at log-out.
LONGARM_SEARCH_INDEXES = env_int("LONGARM_SEARCH_INDEXES", 8, minimum=1)
LONGARM_SEARCH_INDEX_IDLE_SECONDS = env_int("LONGARM_SEARCH_INDEX_IDLE_SECONDS", 1800, minimum=60)
# A console search decrypts at most this long for the reader's index before answering with a progress page
# that reloads itself and goes on (a first index over thousands of cases takes longer than a request should).
LONGARM_SEARCH_BUILD_SECONDS = env_int("LONGARM_SEARCH_BUILD_SECONDS", 3, minimum=1)

# Evidence (issue 3). Uploads are encrypted as they stream in; no view but the evidence upload views may
# receive files at all, so Django's default handlers never write a plaintext upload to a temporary file.
FILE_UPLOAD_HANDLERS = ["longarm.evidence.uploads.DiscardingUploadHandler"]
LONGARM_MAX_UPLOAD_BYTES = env_int("LONGARM_MAX_UPLOAD_BYTES", 1024**3, minimum=1)
LONGARM_MAX_FILES_PER_REPORT = env_int("LONGARM_MAX_FILES_PER_REPORT", 50, minimum=1)
DATA_UPLOAD_MAX_NUMBER_FILES = LONGARM_MAX_FILES_PER_REPORT
# All the files of one request together; nothing past it is written (issue 11 item 4).
LONGARM_MAX_REQUEST_UPLOAD_BYTES = env_int("LONGARM_MAX_REQUEST_UPLOAD_BYTES", 1024**3, minimum=1)
# What reporters' uploads may keep on disk, site-wide, per window: no IP tells one visitor from another, so
# the budget is shared (evidence.budget). Staff uploads do not count.
LONGARM_UPLOAD_BUDGET_BYTES = env_int("LONGARM_UPLOAD_BUDGET_BYTES", 4 * 1024**3, minimum=1024**2)
LONGARM_UPLOAD_BUDGET_WINDOW_SECONDS = env_int("LONGARM_UPLOAD_BUDGET_WINDOW_SECONDS", 3600, minimum=60)
# Files kept from a questionnaire sent back with errors (evidence.pending): how long, how many and how much
# per browser session, and how much for all sessions together per budget window.
LONGARM_PENDING_UPLOAD_SECONDS = env_int("LONGARM_PENDING_UPLOAD_SECONDS", 3600, minimum=60)
LONGARM_PENDING_FILES_PER_SESSION = env_int("LONGARM_PENDING_FILES_PER_SESSION", 10, minimum=0)
LONGARM_PENDING_BYTES_PER_SESSION = env_int("LONGARM_PENDING_BYTES_PER_SESSION", 256 * 1024**2, minimum=0)
LONGARM_PENDING_BYTES_PER_WINDOW = env_int("LONGARM_PENDING_BYTES_PER_WINDOW", 1024**3, minimum=0)
# Plaintext during processing lives in anonymous memory (memfd); a directory here must be memory-backed.
LONGARM_WORKSPACE_DIR = env_str("LONGARM_WORKSPACE_DIR", "")
LONGARM_FFMPEG = env_str("LONGARM_FFMPEG", "")
LONGARM_EVIDENCE_MAX_PIXELS = env_int("LONGARM_EVIDENCE_MAX_PIXELS", 120_000_000, minimum=1)
LONGARM_EVIDENCE_ZIP_MAX_BYTES = env_int("LONGARM_EVIDENCE_ZIP_MAX_BYTES", 2 * 1024**3, minimum=1)
LONGARM_EVIDENCE_ZIP_MAX_ENTRIES = env_int("LONGARM_EVIDENCE_ZIP_MAX_ENTRIES", 10_000, minimum=1)
LONGARM_EVIDENCE_ZIP_MAX_RATIO = env_int("LONGARM_EVIDENCE_ZIP_MAX_RATIO", 200, minimum=1)
LONGARM_EVIDENCE_MEDIA_SECONDS = env_int("LONGARM_EVIDENCE_MEDIA_SECONDS", 600, minimum=1)
# Every child process that parses a file (ffmpeg, the document renderer, LibreOffice, Tesseract) runs with
# this much address space at most, and documents are rendered at this resolution.
LONGARM_EVIDENCE_CHILD_MEMORY_MB = env_int("LONGARM_EVIDENCE_CHILD_MEMORY_MB", 2048, minimum=256)
LONGARM_EVIDENCE_DOCUMENT_DPI = env_int("LONGARM_EVIDENCE_DOCUMENT_DPI", 150, minimum=50)
LONGARM_EVIDENCE_MAX_PAGES = env_int("LONGARM_EVIDENCE_MAX_PAGES", 1000, minimum=1)
# A text layer read off each page by Tesseract, so copies of documents stay searchable; off, pages are images.
LONGARM_EVIDENCE_OCR = env_bool("LONGARM_EVIDENCE_OCR", True)
# Fair share of the evidence queue: at most this many items of one report are queued or being processed at
# a time; the next is queued when one finishes, so fifty files from one report cannot starve the others.
LONGARM_EVIDENCE_QUEUED_PER_REPORT = env_int("LONGARM_EVIDENCE_QUEUED_PER_REPORT", 2, minimum=1)
# A task still unfinished this long after it started is taken to have lost its worker, and is queued again.
LONGARM_EVIDENCE_LEASE_SECONDS = env_int("LONGARM_EVIDENCE_LEASE_SECONDS", 3600, minimum=1)
# Every this many seconds each worker queues again what a killed worker held past its lease and what a task
# queue that was down refused (evidence waiting, outbox events undelivered): ``operations.redelivery``.
LONGARM_REDELIVER_SECONDS = env_int("LONGARM_REDELIVER_SECONDS", 60, minimum=1)

# Argon2id costs (libsodium opslimit, memlimit). Receipts are derived twice per submission and per mailbox
# login; staff keys once per login.
LONGARM_RECEIPT_ARGON2 = (
    env_int("LONGARM_RECEIPT_ARGON2_OPS", 2, minimum=1),
    env_int("LONGARM_RECEIPT_ARGON2_MEM", 64 * 1024 * 1024, minimum=8192),
)
LONGARM_STAFF_ARGON2 = (
    env_int("LONGARM_STAFF_ARGON2_OPS", 3, minimum=1),
    env_int("LONGARM_STAFF_ARGON2_MEM", 256 * 1024 * 1024, minimum=8192),
)
# Each recovery key share is locked under its holder's passphrase at this cost, recorded in the share file;
# unlocked only at a key ceremony, so at libsodium's "moderate" work (256 MiB, 3 passes), which the server
# that combines them can spare, against a thief of a share file who guesses its passphrase offline.
LONGARM_SHARE_ARGON2 = (
    env_int("LONGARM_SHARE_ARGON2_OPS", 3, minimum=1),
    env_int("LONGARM_SHARE_ARGON2_MEM", 256 * 1024 * 1024, minimum=8192),
)
# Wrong receipts per browser session: a nuisance limit only (a new session starts afresh). There is no
# site-wide lock-out: every anonymous attempt pays the gate instead (``longarm.gate``).
LONGARM_RECEIPT_ATTEMPTS_PER_SESSION = env_int("LONGARM_RECEIPT_ATTEMPTS_PER_SESSION", 5, minimum=1)
LONGARM_RECEIPT_WINDOW_SECONDS = env_int("LONGARM_RECEIPT_WINDOW_SECONDS", 15 * 60, minimum=1)
# The gate (``longarm.gate``): each anonymous receipt, questionnaire, attestation check and staff log-in costs
# the client a proof of work (JavaScript on: the secret counter of an ALTCHA challenge lies below WORK, so a
# solver tries WORK/2 PBKDF2 derivations on average) or a wait (JavaScript off: a signed time-lock token valid
# DELAY seconds after the page was served). Both double for every PRESSURE_STEP attempts of that kind made
# site-wide in the current WINDOW, up to WORK_MAX and DELAY_MAX_SECONDS; they are counted, never refused.
LONGARM_GATE_WORK = env_int("LONGARM_GATE_WORK", 4000, minimum=1)
LONGARM_GATE_WORK_MAX = env_int("LONGARM_GATE_WORK_MAX", 64000, minimum=1)
LONGARM_GATE_DELAY_SECONDS = env_int("LONGARM_GATE_DELAY_SECONDS", 10)
LONGARM_GATE_DELAY_MAX_SECONDS = env_int("LONGARM_GATE_DELAY_MAX_SECONDS", 120)
LONGARM_GATE_PRESSURE_STEP = env_int("LONGARM_GATE_PRESSURE_STEP", 100, minimum=1)
LONGARM_GATE_WINDOW_SECONDS = env_int("LONGARM_GATE_WINDOW_SECONDS", 10 * 60, minimum=1)
# How long a challenge or a time-lock token stays usable: long enough to fill in the questionnaire.
LONGARM_GATE_TTL_SECONDS = env_int("LONGARM_GATE_TTL_SECONDS", 4 * 60 * 60, minimum=60)
LONGARM_QUICK_EXIT_URL = env_str("LONGARM_QUICK_EXIT_URL", "https://www.wikipedia.org/")
# The organisation running this deployment: authenticator apps list staff accounts under it (the TOTP issuer).
LONGARM_ORGANISATION_NAME = env_str("LONGARM_ORGANISATION_NAME", "Longarm")
OTP_TOTP_ISSUER = LONGARM_ORGANISATION_NAME
# Passkeys and security keys (issue 18): a second factor beside the password, never instead of it (the
# password unlocks the staff private key). The relying party is this site: by default the host the console
# is reached at (checked against ALLOWED_HOSTS), and the only origin accepted is that of the request itself
# (longarm.accounts.passkeys). Set LONGARM_WEBAUTHN_RP_ID to share passkeys across subdomains.
LONGARM_WEBAUTHN_RP_ID = env_str("LONGARM_WEBAUTHN_RP_ID", "")
OTP_WEBAUTHN_RP_ID_CALLABLE = "longarm.accounts.passkeys.relying_party_id"
OTP_WEBAUTHN_RP_NAME = LONGARM_ORGANISATION_NAME
OTP_WEBAUTHN_HELPER_CLASS = "longarm.accounts.passkeys.PasskeyHelper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = ""
# The library's own check wants a fixed list of origins; ours come from the request (see above).
SILENCED_SYSTEM_CHECKS = ["otp_webauthn.E030"]

# Two-person rule (threat model §6.3, §9 item 4): granting or changing a role, adding a member, changing
# new-report routing, offboarding, and a custodian's approval of an identity disclosure take effect only when
# a second administrator (or custodian) approves. An environment option, not a console setting: the rule
# guards against one console administrator, so nothing one administrator can change in the console turns it
# off; whoever sets the environment already controls the host. Single-administrator deployments set it false.
LONGARM_TWO_PERSON_RULE = env_bool("LONGARM_TWO_PERSON_RULE", True)
# Federated linking (issue 19): how far a partner's clock may be from ours before a signed request is stale
# (its nonce is remembered that long), how long we wait for a partner, and whether a partner's endpoint may
# be plain http:// (only for tests and a loopback; partners are reached over https:// or an onion address).
LONGARM_FEDERATION_CLOCK_SKEW_SECONDS = env_int("LONGARM_FEDERATION_CLOCK_SKEW_SECONDS", 300, minimum=10)
LONGARM_FEDERATION_TIMEOUT_SECONDS = env_int("LONGARM_FEDERATION_TIMEOUT_SECONDS", 300, minimum=1)
# A partner's run is answered by the task worker; the answer waits this long to be fetched, then is deleted
# and the run expires.
LONGARM_FEDERATION_ANSWER_TTL_SECONDS = env_int("LONGARM_FEDERATION_ANSWER_TTL_SECONDS", 3600, minimum=60)
# "Contact the partner" messages per partnership and direction in any 24 hours: sending more is refused, and
# so is receiving more (both audited).
LONGARM_FEDERATION_MESSAGES_PER_DAY = env_int("LONGARM_FEDERATION_MESSAGES_PER_DAY", 20, minimum=1)
LONGARM_FEDERATION_ALLOW_PLAIN_HTTP = env_bool("LONGARM_FEDERATION_ALLOW_PLAIN_HTTP", False)
# Partners at onion addresses are reached through this proxy (Tor's HTTP tunnel port, e.g.
# http://127.0.0.1:9080); empty: onion endpoints cannot be reached.
LONGARM_FEDERATION_ONION_PROXY = env_str("LONGARM_FEDERATION_ONION_PROXY", "")
# How long a proposal waits for the second person before it lapses.
LONGARM_PROPOSAL_HOURS = env_int("LONGARM_PROPOSAL_HOURS", 72, minimum=1)
# How long the one-time enrolment link of a new member, or of a second-factor reset, stays usable.
LONGARM_ENROLMENT_HOURS = env_int("LONGARM_ENROLMENT_HOURS", 72, minimum=1)

# Logs carry no request details: no IP, no user agent, no query strings, no bodies.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LONGARM_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.security": {"level": "ERROR"},
        "django.server": {"handlers": [], "propagate": False},
        # Pillow logs EXIF values (camera, owner, GPS) at DEBUG while parsing evidence: never let it.
        "PIL": {"level": "WARNING"},
        # Task runners log each task's start and end at INFO, with its arguments (an evidence item's id) and
        # the time to the second: that would date a reporter's upload, which is kept to the day.
        "django.tasks": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
        "django_tasks_rq": {"level": "WARNING"},
        "rq.worker": {"level": "WARNING"},
    },
}

# Messages a reporter may write to one report per day (UTC): a receipt, paid for once, must not buy unbounded
# storage and a flooded staff inbox.
LONGARM_REPORTER_MESSAGES_PER_DAY = env_int("LONGARM_REPORTER_MESSAGES_PER_DAY", 30, minimum=1)

# Identifiers a staff member may add (issue 11 item 5): adding a value to one's own case tells whether a case
# one does not hold contains it, so adding is limited per person per hour and per day; beyond this many it is
# refused and administrators are alerted. An alert is also raised when this many identifiers a day match
# (strongly, or through a confirmed link) a case the person does not hold: the pattern of probing.
LONGARM_IDENTIFIERS_PER_HOUR = env_int("LONGARM_IDENTIFIERS_PER_HOUR", 40, minimum=1)
LONGARM_IDENTIFIERS_PER_DAY = env_int("LONGARM_IDENTIFIERS_PER_DAY", 150, minimum=1)
LONGARM_LINKING_PROBE_ALERT = env_int("LONGARM_LINKING_PROBE_ALERT", 5, minimum=1)

# Staff API tokens (issue 4): days until a token expires; a new one is made in the console.
LONGARM_API_TOKEN_DAYS = env_int("LONGARM_API_TOKEN_DAYS", 90, minimum=1)
# The audit chain gets a signed checkpoint about every this many events (and on `longarm audit checkpoint`).
LONGARM_AUDIT_CHECKPOINT_EVERY = env_int("LONGARM_AUDIT_CHECKPOINT_EVERY", 1000, minimum=1)
# Anonymous attempts (attestation checks, receipt log-ins, mailbox visits, files kept from a form) are counted
# per window of this many seconds and written to the audit chain as one event per action and window.
# A day by default, like every other date kept of a reporter's acts: a shorter window holding one count (the
# only mailbox message of a day) would date that act to the window.
LONGARM_AUDIT_TALLY_SECONDS = env_int("LONGARM_AUDIT_TALLY_SECONDS", 86400, minimum=60)
# Retention: days a report (counted from its arrival) or a case (from its last status change) may stay in a
# status before `longarm retention apply` crypto-shreds it. 0, the default, keeps it for ever.
LONGARM_RETENTION_DAYS = {
    "report": {
        status: env_int(f"LONGARM_RETENTION_DAYS_REPORT_{status.upper()}", 0)
        for status in ("received", "read", "answered", "closed")
    },
    "case": {
        status: env_int(f"LONGARM_RETENTION_DAYS_CASE_{status.upper()}", 0)
        for status in ("new", "triage", "active", "referred", "monitoring", "closed")
    },
}
# Days a shredded report's receipt is still recognised, so its reporter reads "removed under the retention
# policy" instead of "wrong receipt" (0: not kept). Only the receipt's keyed lookup hash and the month remain.
LONGARM_RETENTION_NOTICE_DAYS = env_int("LONGARM_RETENTION_NOTICE_DAYS", 365, minimum=0)
# The furthest ahead a staff member may postpone a shredding date at once (a hold can be renewed).
LONGARM_RETENTION_HOLD_MAX_DAYS = env_int("LONGARM_RETENTION_HOLD_MAX_DAYS", 730, minimum=1)

# Analytics publication (issue 7). Cells counting fewer than this many units (but more than none) are
# suppressed, with complements, in every table that leaves the analyst role.
LONGARM_DISCLOSURE_THRESHOLD = env_int("LONGARM_DISCLOSURE_THRESHOLD", 5, minimum=1)
# The public statistics page shows admin-approved releases; off unless an operator decides to publish.
LONGARM_PUBLIC_STATISTICS = env_bool("LONGARM_PUBLIC_STATISTICS", False)
# Differential privacy: total epsilon (and delta, for Gaussian noise) one dataset scope may spend over all
# its releases; a release that would exceed it is refused.
LONGARM_DP_EPSILON_BUDGET = env_float("LONGARM_DP_EPSILON_BUDGET", 1.0)
LONGARM_DP_DELTA_BUDGET = env_float("LONGARM_DP_DELTA_BUDGET", 1e-6)

# Operations (issue 16): /healthz, /readyz and /metrics answer only these addresses or networks (CIDR); the
# readiness probe fails when the oldest runnable background task has waited longer than the limit.
LONGARM_METRICS_ALLOWED = env_networks("LONGARM_METRICS_ALLOWED", ["127.0.0.1/32", "::1/128"])
LONGARM_QUEUE_LAG_LIMIT = env_int("LONGARM_QUEUE_LAG_LIMIT", 300, minimum=1)
# Set by the `longarm` script for `longarm serve`: gunicorn's workers and the task worker count into it.
METRICS_MULTIPROCESS_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", "") or None
# `longarm serve` refuses to start with the keyring on the SQLite database's filesystem unless this is true
# (`dev/serve` sets it for a trial on one disk): one stolen disk or backup would hold both.
LONGARM_KEYS_ON_DATABASE_DISK = env_bool("LONGARM_KEYS_ON_DATABASE_DISK", False)

# Notifications (issue 16): a digest e-mail of counts only, on a fixed schedule (off, hourly or daily), over
# SMTP with STARTTLS by default (``tls``: TLS from the first byte, ``none``: plain, for a relay on loopback).
LONGARM_DIGEST = env_choice("LONGARM_DIGEST", "off", ("off", "hourly", "daily"))
_EMAIL_SECURITY = env_choice("LONGARM_EMAIL_SECURITY", "starttls", ("starttls", "tls", "none"))
MAILERS = {
    "default": {
        # Django's SMTP backend, greeting the server with the sender's domain rather than this host's name.
        "BACKEND": "longarm.notifications.mail.SenderDomainEmailBackend",
        "OPTIONS": {
            "host": env_str("LONGARM_EMAIL_HOST", "localhost"),
            "port": env_int("LONGARM_EMAIL_PORT", 587, minimum=1),
            "username": env_str("LONGARM_EMAIL_USER", ""),
            "password": env_str("LONGARM_EMAIL_PASSWORD", ""),
            "use_tls": _EMAIL_SECURITY == "starttls",
            "use_ssl": _EMAIL_SECURITY == "tls",
            "timeout": 30,
        },
    }
}
DEFAULT_FROM_EMAIL = env_str("LONGARM_EMAIL_FROM", "longarm@localhost")
