"""Configuration: sensible embedded defaults, overridden by FANLIGHT_* environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

MiB = 1024 * 1024


def default_config(instance_path: str) -> dict[str, Any]:
    instance = Path(instance_path)
    return {
        # SQLite is the embedded default; production sets DATABASE_URL to PostgreSQL.
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'fanlight.sqlite'}",
        "DEFINITIONS_PATH": os.environ.get("FANLIGHT_DEFINITIONS", "definitions"),
        "UPLOAD_FOLDER": os.environ.get("FANLIGHT_UPLOADS", str(instance / "uploads")),
        "SECRET_KEY": os.environ.get("FANLIGHT_SECRET_KEY") or _instance_secret(instance),
        # The largest request the server reads; per-field limits in definitions are smaller.
        "MAX_CONTENT_LENGTH": int(os.environ.get("FANLIGHT_MAX_REQUEST_BYTES", 12 * MiB)),
        "MAX_FORM_MEMORY_SIZE": 2 * MiB,
        "MAX_FORM_PARTS": 2000,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("FANLIGHT_INSECURE_COOKIES") != "1" and not _is_local(),
        "PERMANENT_SESSION_LIFETIME": 12 * 60 * 60,  # the cookie's life: at least the absolute limit below
        # Sessions end after this long without a request, and this long after signing in whatever
        # happens; the timeout warning appears this long before the idle limit (QUALITY §3, §15).
        "FANLIGHT_SESSION_IDLE_SECONDS": _int("FANLIGHT_SESSION_IDLE_SECONDS", 30 * 60),
        "FANLIGHT_SESSION_ABSOLUTE_SECONDS": _int("FANLIGHT_SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60),
        "FANLIGHT_SESSION_WARNING_SECONDS": _int("FANLIGHT_SESSION_WARNING_SECONDS", 5 * 60),
        "FANLIGHT_ENV": os.environ.get("FANLIGHT_ENV", "development"),
        # Behind a reverse proxy (HTTPS termination, load balancer): how many proxies' X-Forwarded-*
        # headers to believe, so rate limits and the audit see the real client address.
        "FANLIGHT_TRUSTED_PROXIES": _int("FANLIGHT_TRUSTED_PROXIES", 0),
        # Accounts: links in emails are built on this address (never on the request's Host header).
        "FANLIGHT_BASE_URL": os.environ.get("FANLIGHT_BASE_URL", ""),
        "FANLIGHT_SMTP_URL": os.environ.get("FANLIGHT_SMTP_URL", ""),
        "FANLIGHT_MAIL_FROM": os.environ.get("FANLIGHT_MAIL_FROM", "Family Front Door <no-reply@fanlight.invalid>"),
        "FANLIGHT_VERIFY_LINK_SECONDS": _int("FANLIGHT_VERIFY_LINK_SECONDS", 24 * 60 * 60),
        "FANLIGHT_RESET_LINK_SECONDS": _int("FANLIGHT_RESET_LINK_SECONDS", 60 * 60),
        # Failed sign-ins for one address: after SLOW_AFTER, each next try waits (doubling from
        # SLOW_SECONDS); after LOCK_AFTER, no sign-in for LOCK_SECONDS (a password reset unlocks).
        "FANLIGHT_LOCKOUT_SLOW_AFTER": _int("FANLIGHT_LOCKOUT_SLOW_AFTER", 3),
        "FANLIGHT_LOCKOUT_SLOW_SECONDS": _int("FANLIGHT_LOCKOUT_SLOW_SECONDS", 5),
        "FANLIGHT_LOCKOUT_AFTER": _int("FANLIGHT_LOCKOUT_AFTER", 10),
        "FANLIGHT_LOCKOUT_SECONDS": _int("FANLIGHT_LOCKOUT_SECONDS", 30 * 60),
        # Rate limits per client address (Flask-Limiter): in memory in one process by default;
        # FANLIGHT_RATELIMIT_STORAGE=redis://host:6379 shares them between workers and servers.
        "RATELIMIT_STORAGE_URI": os.environ.get("FANLIGHT_RATELIMIT_STORAGE", "memory://"),
        "FANLIGHT_RATELIMIT_SIGN_IN": os.environ.get("FANLIGHT_RATELIMIT_SIGN_IN", "30 per minute;300 per hour"),
        "FANLIGHT_RATELIMIT_REGISTER": os.environ.get("FANLIGHT_RATELIMIT_REGISTER", "20 per minute;100 per hour"),
        "FANLIGHT_RATELIMIT_RESET": os.environ.get("FANLIGHT_RATELIMIT_RESET", "20 per minute;100 per hour"),
        # Emails to any one address (registration, reset): nobody's inbox can be flooded.
        "FANLIGHT_RATELIMIT_MAIL_TO": os.environ.get("FANLIGHT_RATELIMIT_MAIL_TO", "5 per hour"),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "WTF_CSRF_SSL_STRICT": True,
        "FANLIGHT_DEMO_ACCOUNTS": os.environ.get("FANLIGHT_DEMO_ACCOUNTS", "1") == "1",
        "FANLIGHT_COUNCIL_NAME": os.environ.get("FANLIGHT_COUNCIL_NAME", "Fanlight County Council"),
        "FANLIGHT_FRONT_DOOR_PHONE": os.environ.get("FANLIGHT_FRONT_DOOR_PHONE", "01234 567890"),
    }


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _is_local() -> bool:
    return os.environ.get("FANLIGHT_ENV", "development") == "development"


def _instance_secret(instance: Path) -> str:
    """A per-installation secret kept in the instance folder, so sessions survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
