"""Settings, read from the environment.

Defaults are safe for development only. In production (``PORTAL_ENV=production``) the app refuses
to start without a real ``SECRET_KEY`` and a ``DATABASE_URL``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEV_SECRET = "development-only-secret-key-do-not-use-in-production"
SHIPPED_LOCALES = ("en", "es", "ar")


class ConfigError(RuntimeError):
    """The environment does not describe a configuration the portal can run with."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


# Every environment variable the portal reads, with its default. The README's table is checked
# against this list by the tests.
SETTINGS = (
    Setting("PORTAL_ENV", "development", "development, testing or production"),
    Setting("SECRET_KEY", "(a fixed development key)", "signs sessions and CSRF tokens; required in production"),
    Setting("DATABASE_URL", "sqlite:///<instance>/portal.db", "SQLAlchemy URL; postgresql+psycopg://… in production"),
    Setting("INSTANCE_PATH", "./instance", "folder for the SQLite database and local files"),
    Setting("CATALOG_DIR", "(the demo city's catalog)", "folder of service definition files"),
    Setting("CATALOG_CHECK_DIR", "(none)", "folder where service designers put changed definition files to check and preview before publishing (they may also upload one)"),
    Setting("RATELIMIT_STORAGE_URI", "memory://", "Flask-Limiter storage; redis://… when running several processes"),
    Setting("TRACK_RATE_LIMIT", "10 per minute;60 per hour", "attempts at /track per client address"),
    Setting("API_RATE_LIMIT", "300 per minute", "case API requests per API client"),
    Setting("API_TOKEN_RATE_LIMIT", "30 per minute", "case API token and revocation requests per client address"),
    Setting("API_FEED_SETTLE_SECONDS", "5", "PostgreSQL: how old a case event must be before the API's change feed "
            "passes it (so no event still being committed is stepped over)"),
    Setting("COOKIE_SECURE", "true in production, false otherwise", "send cookies only over HTTPS"),
    Setting("TRUSTED_PROXIES", "0", "how many reverse proxies set X-Forwarded-For/-Proto in front of the app"),
    Setting("MAX_CONTENT_LENGTH", "1048576", "largest request body accepted, in bytes (file question pages: see UPLOAD_MAX_CASE_MB)"),
    Setting("UPLOAD_DIR", "<instance>/uploads", "where uploaded documents are kept (outside the web root)"),
    Setting("UPLOAD_MAX_FILE_MB", "10", "largest document or photo a resident may upload, in MB"),
    Setting("UPLOAD_MAX_CASE_MB", "50", "most the documents of one application may add up to, in MB"),
    Setting("UPLOAD_RATE_LIMIT", "30 per 10 minutes;100 per hour", "posts with files (file question pages, answers with documents) per client address"),
    Setting("CLAMAV_SOCKET", "(none)", "clamd's unix socket; uploads are scanned for viruses when set"),
    Setting("CLAMAV_HOST", "(none)", "clamd's host, to scan over TCP instead of a unix socket"),
    Setting("CLAMAV_PORT", "3310", "clamd's TCP port"),
    Setting("CLAMAV_TIMEOUT", "30", "seconds to wait for clamd before refusing the upload"),
    Setting("DEFAULT_LOCALE", "en", "language when the browser asks for none we ship"),
    Setting("TIMEZONE", "America/New_York", "the agency's time zone, for dates shown and due dates"),
    Setting("PUBLIC_BASE_URL", "http://127.0.0.1:5000", "the portal's public address: every full link in pages and messages starts with it, and in production the portal answers only requests for its host name"),
    Setting("EXTRA_HOSTS", "(none)", "in production, more host names the portal answers to besides PUBLIC_BASE_URL's, comma-separated (for example the address a load balancer's health check uses)"),
    Setting("SMTP_HOST", "127.0.0.1", "mail server for outgoing email"),
    Setting("SMTP_PORT", "1025", "mail server port"),
    Setting("SMTP_USERNAME", "(none)", "mail server user name, if it needs one"),
    Setting("SMTP_PASSWORD", "(none)", "mail server password, if it needs one"),
    Setting("SMTP_STARTTLS", "true in production, false otherwise", "upgrade the mail connection with STARTTLS"),
    Setting("SMTP_TIMEOUT", "10", "seconds to wait for the mail server"),
    Setting("MAIL_FROM", "Civic Portal <no-reply@riverton.example>", "sender of outgoing email"),
    Setting("SMS_TRANSPORT", "log", "text message provider: log (writes to the log; development)"),
    Setting("MAILROOM_DIR", "<instance>/mailroom", "where printable letters and call sheets are queued"),
    Setting("NOTIFY_MAX_ATTEMPTS", "8", "delivery tries before a message is marked failed"),
    Setting("WEBHOOK_TIMEOUT", "10", "seconds to wait for a webhook receiver to connect, and again to answer"),
    Setting("WEBHOOK_ALLOW_HTTP", "false in production, true otherwise", "let API clients subscribe plain http://127.0.0.1 (or localhost) addresses; https only when false"),
    Setting("OIDC_ISSUER", "(none: sign-in with a provider is off)", "OpenID Connect issuer URL, e.g. Login.gov"),
    Setting("OIDC_CLIENT_ID", "(none)", "client id registered with the provider"),
    Setting("OIDC_CLIENT_SECRET", "(none)", "client secret registered with the provider"),
    Setting("OIDC_NAME", "Login.gov", "the provider's name on the sign-in page"),
    Setting("STAFF_OIDC_ISSUER", "(none: staff sign in with a password and code only)",
            "the agency's own OpenID Connect provider, for staff sign-in (a client of its own)"),
    Setting("STAFF_OIDC_CLIENT_ID", "(none)", "the staff client's id at the agency's provider"),
    Setting("STAFF_OIDC_CLIENT_SECRET", "(none)", "the staff client's secret at the agency's provider"),
    Setting("STAFF_OIDC_NAME", "your agency account", "how the staff sign-in page names the agency's provider"),
    Setting("HELP_PHONE", "311", "phone number shown under Help and contact"),
    Setting("HELP_EMAIL", "help@riverton.example", "email address shown under Help and contact"),
    Setting("PORT", "5000", "port for make run (127.0.0.1 only)"),
)


def _default_instance() -> Path:
    return Path(os.environ.get("INSTANCE_PATH") or Path.cwd() / "instance").resolve()


def load(overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment (and test overrides)."""
    env = os.environ
    overrides = dict(overrides or {})
    portal_env = overrides.get("PORTAL_ENV") or env.get("PORTAL_ENV", "development")
    if portal_env not in {"development", "testing", "production"}:
        raise ConfigError(f"PORTAL_ENV must be development, testing or production, not {portal_env!r}.")
    production = portal_env == "production"
    instance = Path(overrides.get("INSTANCE_PATH") or _default_instance())

    secret = overrides.get("SECRET_KEY") or env.get("SECRET_KEY") or ""
    if production and (len(secret) < 32 or secret == DEV_SECRET):
        raise ConfigError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    database_url = overrides.get("DATABASE_URL") or env.get("DATABASE_URL") or ""
    if production and not database_url:
        raise ConfigError("DATABASE_URL must be set in production (postgresql+psycopg://user@host/db).")
    if not database_url:
        database_url = f"sqlite:///{instance / 'portal.db'}"

    secure = _flag(env.get("COOKIE_SECURE"), production)
    cfg = {
        "PORTAL_ENV": portal_env,
        "TESTING": portal_env == "testing",
        "SECRET_KEY": secret or DEV_SECRET,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "CATALOG_DIR": env.get("CATALOG_DIR") or str(Path(__file__).parent / "catalog" / "services"),
        "CATALOG_CHECK_DIR": env.get("CATALOG_CHECK_DIR") or None,
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH") or 1024 * 1024),
        # Form fields stay small; file question pages take larger bodies (see portal/web/uploads.py).
        "MAX_FORM_MEMORY_SIZE": 256 * 1024,
        "MAX_FORM_PARTS": 200,
        "SESSION_COOKIE_NAME": "__Host-session" if secure else "session",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 12 * 60 * 60,
        "LOCALE_COOKIE_NAME": "__Host-locale" if secure else "locale",
        # Forms stay usable for a day: longer than the 20 hours after which WCAG 2.2.1 no longer
        # asks for a warning, so a guest filling a form slowly is never timed out without one.
        "WTF_CSRF_TIME_LIMIT": 24 * 60 * 60,
        "WTF_CSRF_SSL_STRICT": True,
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or "memory://",
        # Said every time: the limiter is shared by every app in a process and keeps the last app's.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": False,
        "TRACK_RATE_LIMIT": _rate(env, "TRACK_RATE_LIMIT", "10 per minute;60 per hour"),
        "API_RATE_LIMIT": _rate(env, "API_RATE_LIMIT", "300 per minute"),
        "API_TOKEN_RATE_LIMIT": _rate(env, "API_TOKEN_RATE_LIMIT", "30 per minute"),
        "API_FEED_SETTLE_SECONDS": _positive(env, "API_FEED_SETTLE_SECONDS", 5),
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES") or 0),
        "UPLOAD_DIR": env.get("UPLOAD_DIR") or str(instance / "uploads"),
        "UPLOAD_MAX_FILE_MB": _positive(env, "UPLOAD_MAX_FILE_MB", 10),
        "UPLOAD_MAX_CASE_MB": _positive(env, "UPLOAD_MAX_CASE_MB", 50),
        "UPLOAD_RATE_LIMIT": _rate(env, "UPLOAD_RATE_LIMIT", "30 per 10 minutes;100 per hour"),
        "CLAMAV_SOCKET": env.get("CLAMAV_SOCKET") or None,
        "CLAMAV_HOST": env.get("CLAMAV_HOST") or None,
        "CLAMAV_PORT": _positive(env, "CLAMAV_PORT", 3310),
        "CLAMAV_TIMEOUT": float(env.get("CLAMAV_TIMEOUT") or 30),
        "BABEL_DEFAULT_LOCALE": env.get("DEFAULT_LOCALE") or "en",
        "BABEL_DEFAULT_TIMEZONE": env.get("TIMEZONE") or "America/New_York",
        "SHIPPED_LOCALES": SHIPPED_LOCALES,
        # Compress static text assets only: pages carry CSRF tokens and personal data, and
        # compressing them alongside reflected input would open them to BREACH-style attacks.
        "COMPRESS_MIMETYPES": ["text/css", "text/javascript", "application/javascript", "image/svg+xml"],
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_MIN_SIZE": 512,
        "PUBLIC_BASE_URL": (env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "EXTRA_HOSTS": env.get("EXTRA_HOSTS") or "",
        "SMTP_HOST": env.get("SMTP_HOST") or "127.0.0.1",
        "SMTP_PORT": int(env.get("SMTP_PORT") or 1025),
        "SMTP_USERNAME": env.get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _flag(env.get("SMTP_STARTTLS"), production),
        "SMTP_TIMEOUT": float(env.get("SMTP_TIMEOUT") or 10),
        "MAIL_FROM": env.get("MAIL_FROM") or "Civic Portal <no-reply@riverton.example>",
        "SMS_TRANSPORT": env.get("SMS_TRANSPORT") or "log",
        "MAILROOM_DIR": env.get("MAILROOM_DIR") or str(instance / "mailroom"),
        "NOTIFY_MAX_ATTEMPTS": int(env.get("NOTIFY_MAX_ATTEMPTS") or 8),
        "WEBHOOK_TIMEOUT": float(env.get("WEBHOOK_TIMEOUT") or 10),
        "WEBHOOK_ALLOW_HTTP": _flag(env.get("WEBHOOK_ALLOW_HTTP"), not production),
        "OIDC_ISSUER": (env.get("OIDC_ISSUER") or "").rstrip("/") or None,
        "OIDC_CLIENT_ID": env.get("OIDC_CLIENT_ID") or None,
        "OIDC_CLIENT_SECRET": env.get("OIDC_CLIENT_SECRET") or None,
        "OIDC_NAME": env.get("OIDC_NAME") or "Login.gov",
        "STAFF_OIDC_ISSUER": (env.get("STAFF_OIDC_ISSUER") or "").rstrip("/") or None,
        "STAFF_OIDC_CLIENT_ID": env.get("STAFF_OIDC_CLIENT_ID") or None,
        "STAFF_OIDC_CLIENT_SECRET": env.get("STAFF_OIDC_CLIENT_SECRET") or None,
        "STAFF_OIDC_NAME": env.get("STAFF_OIDC_NAME") or "your agency account",
        "HELP_PHONE": env.get("HELP_PHONE") or "311",
        "HELP_EMAIL": env.get("HELP_EMAIL") or "help@riverton.example",
    }
    cfg.update(overrides)
    try:
        ZoneInfo(cfg["BABEL_DEFAULT_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE {cfg['BABEL_DEFAULT_TIMEZONE']!r} is not a known time zone, like America/Chicago.") from None
    if cfg["BABEL_DEFAULT_LOCALE"] not in SHIPPED_LOCALES:
        raise ConfigError(f"DEFAULT_LOCALE must be one of {', '.join(SHIPPED_LOCALES)}.")
    _check_oidc(cfg, production)
    _check_oidc(cfg, production, "STAFF_")
    if "ALLOWED_HOSTS" not in overrides:
        cfg["ALLOWED_HOSTS"] = _allowed_hosts(cfg) if production else None
    if cfg["UPLOAD_MAX_FILE_MB"] > cfg["UPLOAD_MAX_CASE_MB"]:
        raise ConfigError("UPLOAD_MAX_FILE_MB cannot be larger than UPLOAD_MAX_CASE_MB.")
    return cfg


def _allowed_hosts(cfg: dict) -> list[str]:
    """The host names requests may be for: PUBLIC_BASE_URL's, then EXTRA_HOSTS (ports are ignored)."""
    public = urlsplit(cfg["PUBLIC_BASE_URL"])
    if public.scheme not in {"http", "https"} or not public.hostname:
        raise ConfigError(f"PUBLIC_BASE_URL must be a full address like https://portal.example.gov, "
                          f"not {cfg['PUBLIC_BASE_URL']!r}.")
    extra = cfg.get("EXTRA_HOSTS") or []
    if isinstance(extra, str):
        extra = extra.split(",")
    return [public.hostname] + [name.strip().lower() for name in extra if name.strip()]


def _rate(env, name: str, default: str) -> str:
    """Rate limits as Flask-Limiter reads them; one it cannot read would silently limit nothing."""
    from limits import parse_many

    value = env.get(name) or default
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{name} must be rate limits like {default!r}, not {value!r}.") from None
    return value


def _positive(env, name: str, default: int) -> int:
    raw = env.get(name) or ""
    if not raw:
        return default
    if not raw.strip().isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a whole number of 1 or more, not {raw!r}.")
    return int(raw)


OIDC_KEYS = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")


def oidc_configured(cfg, prefix: str = "") -> bool:
    """Sign-in with a provider is on: its issuer, client id and client secret are all set
    (``prefix`` "STAFF_": the agency's provider, for staff)."""
    return all(cfg.get(prefix + key) for key in OIDC_KEYS)


def _check_oidc(cfg: dict, production: bool, prefix: str = "") -> None:
    keys = [prefix + key for key in OIDC_KEYS]
    issuer = keys[0]
    if cfg.get(issuer):
        cfg[issuer] = cfg[issuer].rstrip("/")
    given = [key for key in keys if cfg.get(key)]
    if given and len(given) != len(keys):
        missing = ", ".join(key for key in keys if key not in given)
        raise ConfigError(f"Sign-in with a provider needs {', '.join(keys[:2])} and {keys[2]} together; "
                          f"{missing} is not set.")
    if given and production and not cfg[issuer].startswith("https://"):
        raise ConfigError(f"{issuer} must be an https:// address in production.")
