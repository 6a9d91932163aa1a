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
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MODERATOR_EMAILS",
    "HTPM_BASE_URL",
    "HTPM_RATELIMITS",
    "HTPM_IMPORT_MAX_BYTES",
    "HTPM_IMPORT_ALLOW_PRIVATE",
    "HTPM_REGISTRATION_RETENTION_DAYS",
)

INT_NAMES = {"MAIL_PORT", "HTPM_IMPORT_MAX_BYTES", "HTPM_REGISTRATION_RETENTION_DAYS"}


def defaults(instance_path: str) -> dict:
    return {
        "SECRET_KEY": None,
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'htpm.sqlite3'}",
        "REDIS_URL": None,
        "MAIL_SERVER": None,  # None: mail is written to instance/mail/ and the log
        "MAIL_PORT": 25,
        "MAIL_DEFAULT_SENDER": "HTPM Events Hub <no-reply@localhost>",
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_USE_TLS": False,
        "MODERATOR_EMAILS": "",
        "HTPM_BASE_URL": "http://127.0.0.1:5000",
        "HTPM_RATELIMITS": "on",
        "HTPM_IMPORT_MAX_BYTES": 10 * 1024 * 1024,
        "HTPM_IMPORT_ALLOW_PRIVATE": "0",
        "HTPM_REGISTRATION_RETENTION_DAYS": 30,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }


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
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
