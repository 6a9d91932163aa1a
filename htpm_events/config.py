"""Configuration: defaults here, then ``instance/config.py``, then the environment (SPEC §9)."""

import os
import secrets
from pathlib import Path

#: Names read from the environment (and from instance/config.py), SPEC §9.
ENV_NAMES = (
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_DEFAULT_SENDER",
    "MAIL_REPLY_TO",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MODERATOR_EMAILS",
    "HTPM_BASE_URL",
    "HTPM_RATELIMITS",
    "HTPM_IMPORT_MAX_BYTES",
    "HTPM_IMPORT_ALLOW_PRIVATE",
    "HTPM_IMPORT_WORKERS",
    "HTPM_REGISTRATION_RETENTION_DAYS",
    "HTPM_PROXIES",
    "HTPM_QUEUE",
    "HTPM_MAIL_RETRY_SECONDS",
    "HTPM_MAIL_LEASE_SECONDS",
    "HTPM_FEED_CACHE_DIR",
    "HTPM_PAGE_CACHE_SECONDS",
)

INT_NAMES = {
    "MAIL_PORT",
    "HTPM_IMPORT_MAX_BYTES",
    "HTPM_REGISTRATION_RETENTION_DAYS",
    "HTPM_PROXIES",
    "HTPM_PAGE_CACHE_SECONDS",
}


def defaults(instance_path: str) -> dict:
    return {
        "SECRET_KEY": None,
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'htpm.sqlite3'}",
        "REDIS_URL": None,
        "MAIL_SERVER": None,  # None: mail is written to instance/mail/ and the log
        "MAIL_PORT": 25,
        "MAIL_DEFAULT_SENDER": "HTPM Events Hub <no-reply@localhost>",
        "MAIL_REPLY_TO": None,  # the moderators' address, for replies to decision e-mails
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_USE_TLS": False,
        "MODERATOR_EMAILS": "",
        "HTPM_BASE_URL": development_base_url(),
        "HTPM_RATELIMITS": "on",
        "HTPM_IMPORT_MAX_BYTES": 10 * 1024 * 1024,
        "HTPM_IMPORT_ALLOW_PRIVATE": "0",
        "HTPM_REGISTRATION_RETENTION_DAYS": 30,
        # Reverse proxies / load balancers in front of the app whose X-Forwarded-* headers
        # are trusted (0: none). Rate limits count per client address, so set this.
        "HTPM_PROXIES": 0,
        # The task queue: "" (a SQLite file in instance/, or Redis when REDIS_URL is set) or
        # "immediate" (jobs run at once in the process that asks: for tests only).
        "HTPM_QUEUE": "",
        # The first wait before mail that failed for now is tried again (then doubled).
        "HTPM_MAIL_RETRY_SECONDS": 60,
        # How long a worker's claim on a message holds: a worker killed while sending leaves
        # the message to another after this. Far above one SMTP conversation (30 s timeouts).
        "HTPM_MAIL_LEASE_SECONDS": 120,
        # This host's folder of built feed bodies (None: instance/feed-cache).
        "HTPM_FEED_CACHE_DIR": None,
        # How long an anonymous visitor's public page may be answered from the worker's
        # memory at most (a public change is seen at once); 0: always built.
        "HTPM_PAGE_CACHE_SECONDS": 60,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }


def development_base_url() -> str:
    """Where ``flask run`` (``make run HOST=… PORT=…``) serves, so that links in pages and
    e-mails work on a development machine without HTPM_BASE_URL."""
    host = os.environ.get("FLASK_RUN_HOST") or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{os.environ.get('FLASK_RUN_PORT') or 5000}"


def from_environment() -> dict:
    found = {}
    for name in ENV_NAMES:
        value = os.environ.get(name)
        if value is not None and value != "":
            found[name] = int(value) if name in INT_NAMES else value
    return found


def finish(config) -> None:
    """Derive the settings that follow from others, once every source is applied."""
    config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(config["DATABASE_URL"])
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = instance_secret(config)
    https = str(config["HTPM_BASE_URL"]).startswith("https://")
    config["SESSION_COOKIE_SECURE"] = https
    config["REMEMBER_COOKIE_SECURE"] = https
    config["PREFERRED_URL_SCHEME"] = "https" if https else "http"
    config["RATELIMIT_ENABLED"] = str(config["HTPM_RATELIMITS"]).lower() not in (
        "off",
        "0",
        "false",
    )
    config["RATELIMIT_STORAGE_URI"] = config.get("REDIS_URL") or "memory://"
    config["RATELIMIT_HEADERS_ENABLED"] = True
    if isinstance(config.get("MAIL_USE_TLS"), str):
        config["MAIL_USE_TLS"] = config["MAIL_USE_TLS"].lower() in ("1", "true", "yes", "on")


def normalize_database_url(url: str) -> str:
    # Heroku-style URLs and plain postgresql:// go through psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def instance_secret(config) -> str:
    """A secret key kept in ``instance/secret_key`` (created once) when none is configured."""
    path = Path(config["INSTANCE_PATH"]) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created private (never readable by others, not even until a chmod), then linked
        # into place, so that workers starting together all end up with the same key.
        temporary = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w") as file:
            file.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another worker was first: its key is the key
        finally:
            temporary.unlink()
    return path.read_text().strip()
