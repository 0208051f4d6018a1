"""Settings per environment, read from the process environment."""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    """Settings shared by every environment."""

    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'ethics.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    DATABASE_CONNECT_TIMEOUT = _env_int("DATABASE_CONNECT_TIMEOUT", 10)  # seconds (PostgreSQL)
    # PostgreSQL settings of every connection the app opens (app/__init__.py says why)
    DATABASE_SESSION_OPTIONS = os.environ.get(
        "DATABASE_SESSION_OPTIONS", "-c jit=off -c max_parallel_workers_per_gather=0")
    BODY_NAME = os.environ.get(
        "BODY_NAME", "Committee on Ethics and Professional Conduct"
    )

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    HSTS_SECONDS = 0  # Strict-Transport-Security, sent only when set (production)
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 8
    # Server-side sessions (app/accounts/sessions.py): staff are signed out after this
    # long without a request, everyone this long after signing in
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 30)
    SESSION_MAX_HOURS = _env_int("SESSION_MAX_HOURS", 12)
    # Roles that must sign in with a second factor (TOTP); anyone else may opt in
    MFA_REQUIRED_ROLES = os.environ.get("MFA_REQUIRED_ROLES", "admin,chair,member")
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 8

    # Passwords (Argon2id); tests lower the cost
    PASSWORD_MIN_LENGTH = 12
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 2

    # Signed links
    EMAIL_TOKEN_MAX_AGE = _env_int("EMAIL_TOKEN_MAX_AGE", 60 * 60 * 48)
    RESET_TOKEN_MAX_AGE = _env_int("RESET_TOKEN_MAX_AGE", 60 * 60)

    # Throttling (app/accounts/throttle.py): counters in Redis when REDIS_URL is set
    # (production requires it, so every worker counts together), else in memory
    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    # failed sign-ins from one address, and against one account from one address: refused past
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes")
    LOGIN_LIMIT_PER_ACCOUNT_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS",
                                                     "5 per 15 minutes")
    # failed sign-ins against one account from anywhere: past this, every attempt on the
    # account waits (doubling, capped) but is never refused, so the owner still gets in
    LOGIN_SLOWDOWN = os.environ.get("LOGIN_SLOWDOWN", "10 per 15 minutes")
    LOGIN_DELAY_MAX_SECONDS = float(os.environ.get("LOGIN_DELAY_MAX_SECONDS", 4))
    # registration, password reset and verification links: per address and per target email
    MAIL_LIMIT_PER_ADDRESS = os.environ.get("MAIL_LIMIT_PER_ADDRESS", "10 per hour")
    MAIL_LIMIT_PER_EMAIL = os.environ.get("MAIL_LIMIT_PER_EMAIL", "3 per hour")

    # Mail: "console" logs and keeps the message in the outbox; "smtp" delivers
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "console")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "ethics@example.org")
    MAIL_DELIVER_AFTER_COMMIT = True
    # Seconds to connect to the SMTP server and to wait for each of its answers
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", 10))
    OUTBOX_MAX_ATTEMPTS = 8
    OUTBOX_RETRY_BASE_SECONDS = 60
    # How long a sender holds a claimed message; it must outlast one SMTP exchange
    # (a few MAIL_TIMEOUTs). A sender that dies leaves the message to others after it.
    OUTBOX_LEASE_SECONDS = float(os.environ.get("OUTBOX_LEASE_SECONDS", 300))

    # Background jobs (app/jobs/): Celery workers when a broker is set (Redis in
    # production), otherwise in-process after commit
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL
    JOBS_SYNC = False  # in-process jobs run inside the request, after commit (tests)
    JOBS_THREADS = _env_int("JOBS_THREADS", 2)
    OUTBOX_BATCH = _env_int("OUTBOX_BATCH", 100)
    OUTBOX_DRAIN_SECONDS = _env_int("OUTBOX_DRAIN_SECONDS", 60)
    SWEEP_AT = os.environ.get("SWEEP_AT", "03:00")  # daily, UTC (Celery beat)
    SWEEP_EVERY_SECONDS = os.environ.get("SWEEP_EVERY_SECONDS")  # an interval instead

    # Links in emails and documents are built on this address, never the request's Host.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    # The committee's time zone: pages show times in it, with the zone named; hearing
    # times are typed in it. (Stored times are UTC.)
    TIMEZONE = os.environ.get("TIMEZONE", "UTC")

    # Proceedings (calendar days; a deadline on a weekend moves to the next weekday)
    RESPONSE_DAYS = _env_int("RESPONSE_DAYS", 30)
    INFO_DAYS = _env_int("INFO_DAYS", 30)
    COMPLAINT_TIME_LIMIT_YEARS = _env_int("COMPLAINT_TIME_LIMIT_YEARS", 5)
    REMINDER_DAYS_BEFORE = (7, 1)
    COMMITTEE_QUORUM = _env_int("COMMITTEE_QUORUM", 3)  # eligible members who must vote
    HEARING_NOTICE_DAYS = _env_int("HEARING_NOTICE_DAYS", 30)
    APPEAL_DAYS = _env_int("APPEAL_DAYS", 30)
    # the committee office (app/office): small cells suppressed below this count (annual
    # report, research extract); intake flags a complainant dismissed this many times
    RESEARCH_MIN_CELL = _env_int("RESEARCH_MIN_CELL", 5)
    # How long each process answers /healthz from its last look (0: look every time)
    HEALTH_CHECK_SECONDS = float(os.environ.get("HEALTH_CHECK_SECONDS", 1))
    # How long a viewer's statistics are kept before they are counted again
    STATISTICS_CACHE_SECONDS = _env_int("STATISTICS_CACHE_SECONDS", 300)
    REPEAT_DISMISSALS = _env_int("REPEAT_DISMISSALS", 2)
    # Committee members' disclosures (S7): the parties may object within this many days
    COI_OBJECTION_DAYS = _env_int("COI_OBJECTION_DAYS", 10)
    # A party's request for an adjustment or a document in another format: the office
    # answers within this many days
    ADJUSTMENT_DAYS = _env_int("ADJUSTMENT_DAYS", 10)

    # Records (S20, app/records): years a closed case keeps its full file, per outcome
    # (administrators edit them at /admin/records/schedule; these are version 0); the
    # administrators' warning before disposal; whether a warned batch is disposed without
    # confirmation once the warning period has run
    RETENTION_YEARS = {
        "withdrawn_abandoned": 2, "dismissed_intake": 3, "dismissed_review": 5,
        "no_violation": 5, "consent": 7, "self_report": 7,
        "sanction_caution": 5, "sanction_corrective": 7, "sanction_private_reprimand": 7,
        "sanction_public_reprimand": 10, "sanction_probation": 10, "sanction_suspension": 15,
        "sanction_revocation": 25, "sanction_denial": 10,
    }
    RETENTION_WARNING_DAYS = _env_int("RETENTION_WARNING_DAYS", 30)
    RETENTION_AUTO_DISPOSE = os.environ.get("RETENTION_AUTO_DISPOSE", "") == "1"
    # the respondent has what the panel will see at least this many days before a hearing
    DISCLOSURE_DAYS = _env_int("DISCLOSURE_DAYS", 14)

    # Certificants' practice disclosures (S7, S22): how long a party's personal link
    # works, and how long the certificant has to withdraw after an objection
    PRACTICE_DISCLOSURE_LINK_DAYS = _env_int("PRACTICE_DISCLOSURE_LINK_DAYS", 30)
    PRACTICE_DISCLOSURE_WITHDRAWAL_DAYS = _env_int("PRACTICE_DISCLOSURE_WITHDRAWAL_DAYS", 14)

    # Evidence uploads: stored under random names outside the web root (app/cases/uploads.py)
    UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", INSTANCE_DIR / "evidence"))
    UPLOAD_MAX_BYTES = _env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
    UPLOAD_MAX_FILES = _env_int("UPLOAD_MAX_FILES", 10)  # per submission
    UPLOAD_MAX_FILES_PER_CASE = _env_int("UPLOAD_MAX_FILES_PER_CASE", 100)
    UPLOAD_MAX_BYTES_PER_CASE = _env_int("UPLOAD_MAX_BYTES_PER_CASE", 500 * 1024 * 1024)

    # Issued documents (PDF/A), stored once and never changed (app/documents/)
    DOCUMENT_DIR = Path(os.environ.get("DOCUMENT_DIR", INSTANCE_DIR / "documents"))
    DOCUMENT_SIGNATORY_TITLE = os.environ.get(
        "DOCUMENT_SIGNATORY_TITLE", "for the Committee on Ethics and Professional Conduct")
    VERIFY_MAX_BYTES = _env_int("VERIFY_MAX_BYTES", 25 * 1024 * 1024)

    # Exports (app/exports/): record ZIPs and own-data ZIPs, outside the web root, kept
    # this many days for their requester, then deleted
    EXPORT_DIR = Path(os.environ.get("EXPORT_DIR", INSTANCE_DIR / "exports"))
    EXPORT_DAYS = _env_int("EXPORT_DAYS", 7)

    # Largest request body (any form, including the registry import): a full batch of
    # evidence plus 1 MiB for the other fields and the multipart framing
    MAX_CONTENT_LENGTH = _env_int(
        "MAX_CONTENT_LENGTH", UPLOAD_MAX_FILES * UPLOAD_MAX_BYTES + 1024 * 1024
    )

    # Audit trail (app/audit/): entries are chained with HMAC-SHA256 under AUDIT_KEY, which
    # never goes into the database; signed checkpoints of the chain's head are appended to
    # a file outside it (and mailed, if an address is given) every so many entries.
    AUDIT_KEY: str | None = os.environ.get("AUDIT_KEY")
    AUDIT_CHECKPOINT_DIR = Path(os.environ.get("AUDIT_CHECKPOINT_DIR", INSTANCE_DIR / "audit"))
    AUDIT_CHECKPOINT_EVERY = _env_int("AUDIT_CHECKPOINT_EVERY", 1000)  # 0: only on command
    AUDIT_CHECKPOINT_EMAIL = os.environ.get("AUDIT_CHECKPOINT_EMAIL")
    AUDIT_SEAL_AFTER_REQUEST = os.environ.get("AUDIT_SEAL_AFTER_REQUEST", "1") == "1"
    AUDIT_SEAL_BATCH = _env_int("AUDIT_SEAL_BATCH", 1000)  # most entries one seal job chains
    AUDIT_SEAL_SECONDS = _env_int("AUDIT_SEAL_SECONDS", 30)  # the beat's seal, for stragglers
    # With a broker, a web process queues one seal for the commits of this many ms, not
    # one per request (app/jobs/tasks.seal_after_commit); 0: one per request
    AUDIT_SEAL_WINDOW_MS = _env_int("AUDIT_SEAL_WINDOW_MS", 200)

    # Public pages (the register, its JSON, document verification) are cached
    # (app/public_cache.py): in Redis when REDIS_URL is set, so every worker shares one
    # cache and one invalidation, else in the process. Entries also expire after this long.
    CACHE_TYPE = "RedisCache" if REDIS_URL else "SimpleCache"
    CACHE_REDIS_URL = REDIS_URL
    CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "ethics:")
    CACHE_DEFAULT_TIMEOUT = _env_int("CACHE_DEFAULT_TIMEOUT", 600)
    # How long a browser or proxy may reuse a public page before asking again (ETag)
    PUBLIC_MAX_AGE = _env_int("PUBLIC_MAX_AGE", 60)


class DevelopmentConfig(Config):
    """Local development: SQLite under instance/, mail printed to the console."""

    DEBUG = False
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    AUDIT_KEY = os.environ.get("AUDIT_KEY") or "dev-only-audit-key-not-secret"
    # The demo logins work with a password alone; set MFA_REQUIRED_ROLES to try MFA
    MFA_REQUIRED_ROLES = os.environ.get("MFA_REQUIRED_ROLES", "")


class TestingConfig(Config):
    """The test suite: cheap hashing, an isolated database, no throttling by default."""

    TESTING = True
    SECRET_KEY = "testing-only-not-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "TEST_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'test.sqlite3'}"
    )
    WTF_CSRF_ENABLED = False
    HEALTH_CHECK_SECONDS = 0  # the health tests change the database and broker between calls
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    RATELIMIT_STORAGE_URI = "memory://"
    # Throttling stays on; tests that exercise it lower these.
    LOGIN_LIMIT_PER_ACCOUNT_ADDRESS = "10000 per minute"
    LOGIN_LIMIT_PER_ADDRESS = "10000 per minute"
    LOGIN_SLOWDOWN = "10000 per minute"
    LOGIN_DELAY_MAX_SECONDS = 0.2
    MAIL_LIMIT_PER_ADDRESS = "10000 per minute"
    MAIL_LIMIT_PER_EMAIL = "10000 per minute"
    # A second factor is optional here; the MFA tests require it for staff
    MFA_REQUIRED_ROLES = ""
    # Tests move the clock on by days and years with people signed in; the session tests
    # set production's limits
    SESSION_IDLE_MINUTES = 100 * 365 * 24 * 60
    SESSION_MAX_HOURS = 100 * 365 * 24
    MAIL_TRANSPORT = "smtp"
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = _env_int("TEST_MAIL_PORT", 0)  # set per test by the SMTP fixture
    PUBLIC_BASE_URL = "http://localhost"
    MAIL_SUPPRESS_SEND = False  # tests talk to a real SMTP server on loopback
    MAIL_DELIVER_AFTER_COMMIT = False
    JOBS_SYNC = True  # so a test reads what a request sent; test_jobs.py checks the other way
    # Tests that start a real worker set both the worker's and this app's broker.
    CELERY_BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL")
    # Evidence uploads: tests/conftest.py points this at a temporary directory
    UPLOAD_DIR = INSTANCE_DIR / "test-evidence"
    DOCUMENT_DIR = INSTANCE_DIR / "test-documents"
    EXPORT_DIR = INSTANCE_DIR / "test-exports"
    AUDIT_KEY = "testing-only-audit-key-not-secret"
    # The suite empties the tables between tests, so automatic checkpoints would outlive
    # the entries they describe; audit tests write them explicitly, in a temporary folder.
    AUDIT_CHECKPOINT_DIR = INSTANCE_DIR / "test-audit"
    AUDIT_CHECKPOINT_EVERY = 0
    # The suite empties tables behind the app's back; tests of the cache turn it on.
    CACHE_TYPE = "NullCache"
    CACHE_NO_NULL_WARNING = True


class ProductionConfig(Config):
    """Production: secrets and the database must come from the environment."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 60 * 60)
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "smtp")

    @classmethod
    def check(cls) -> None:
        """Refuse to start without a secret key, a real database and a shared Redis."""
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production")
        url = os.environ.get("DATABASE_URL", "")
        if not url or url.startswith("sqlite"):
            raise RuntimeError("DATABASE_URL must name a PostgreSQL database in production")
        if len(os.environ.get("AUDIT_KEY", "")) < 32:
            raise RuntimeError("AUDIT_KEY (32 characters or more) must be set in production")
        if not os.environ.get("REDIS_URL"):
            raise RuntimeError("REDIS_URL must be set in production: it carries the jobs "
                               "(Celery) and the sign-in limits shared by every worker")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
