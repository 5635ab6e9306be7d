"""Configuration: sensible embedded defaults, overridden by FANLIGHT_* environment variables."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

KiB = 1024
MiB = 1024 * KiB


def default_config(instance_path: str) -> dict[str, Any]:
    instance = Path(instance_path)
    return {
        # SQLite is the embedded default; production sets DATABASE_URL to PostgreSQL.
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'fanlight.sqlite'}",
        "DEFINITIONS_PATH": os.environ.get("FANLIGHT_DEFINITIONS", "definitions"),
        "UPLOAD_FOLDER": os.environ.get("FANLIGHT_UPLOADS", str(instance / "uploads")),
        # Where attachments' bytes are kept: local (UPLOAD_FOLDER, one server only), database or
        # s3 (shared by every server; see files/storage.py).
        "FANLIGHT_ATTACHMENT_STORAGE": os.environ.get("FANLIGHT_ATTACHMENT_STORAGE", "local"),
        "FANLIGHT_S3_BUCKET": os.environ.get("FANLIGHT_S3_BUCKET", ""),
        "FANLIGHT_S3_ENDPOINT_URL": os.environ.get("FANLIGHT_S3_ENDPOINT_URL", ""),
        # What one person may hold in files across their unsent drafts.
        "FANLIGHT_UPLOADS_PER_PERSON": _int("FANLIGHT_UPLOADS_PER_PERSON", 50),
        "FANLIGHT_UPLOAD_BYTES_PER_PERSON": _int("FANLIGHT_UPLOAD_BYTES_PER_PERSON", 200 * MiB),
        # Production is given its key: a key generated on one server's disk would sign out anyone
        # whose next request reaches another server.
        "SECRET_KEY": os.environ.get("FANLIGHT_SECRET_KEY") or ("" if _is_production() else _instance_secret(instance)),
        # Every request body is bounded before it is read (security.bound_request): a multipart post
        # (files) to MAX_CONTENT_LENGTH, anything else (a form, JSON) to FANLIGHT_MAX_FORM_BYTES unless
        # its view allows more (security.allows_body: the definition editor). A form of the longest
        # answers is a few tens of KB; no text part of a multipart post is longer than a whole form.
        "MAX_CONTENT_LENGTH": _int("FANLIGHT_MAX_REQUEST_BYTES", 12 * MiB),
        "FANLIGHT_MAX_FORM_BYTES": _int("FANLIGHT_MAX_FORM_BYTES", 512 * KiB),
        "MAX_FORM_MEMORY_SIZE": _int("FANLIGHT_MAX_FORM_BYTES", 512 * KiB),
        "MAX_FORM_PARTS": 2000,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("FANLIGHT_INSECURE_COOKIES") != "1" and not _is_local(),
        "PERMANENT_SESSION_LIFETIME": 12 * 60 * 60,  # the cookie's life: at least the absolute limit below
        # A cookie that lasts as long as the absolute limit needs no new expiry on every request: it is
        # sent again only when the session changes (accounts/sessions.py).
        "SESSION_REFRESH_EACH_REQUEST": False,
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
        # A message the SMTP server did not take waits BACKOFF x 2^(attempt-1) seconds (with jitter,
        # at most MAX_BACKOFF) before it is tried again, and is given up after ATTEMPTS tries: the
        # defaults ride out an outage of two and a half hours at least (mail.py).
        "FANLIGHT_MAIL_ATTEMPTS": _int("FANLIGHT_MAIL_ATTEMPTS", 12),
        "FANLIGHT_MAIL_BACKOFF_SECONDS": _float("FANLIGHT_MAIL_BACKOFF_SECONDS", 30.0),
        "FANLIGHT_MAIL_MAX_BACKOFF_SECONDS": _float("FANLIGHT_MAIL_MAX_BACKOFF_SECONDS", 3600.0),
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
        # Keys in that store start with this: environments sharing one Redis (staging, production) count apart.
        "RATELIMIT_KEY_PREFIX": os.environ.get("FANLIGHT_RATELIMIT_PREFIX", "fanlight"),
        "FANLIGHT_RATELIMIT_SIGN_IN": os.environ.get("FANLIGHT_RATELIMIT_SIGN_IN", "30 per minute;300 per hour"),
        "FANLIGHT_RATELIMIT_REGISTER": os.environ.get("FANLIGHT_RATELIMIT_REGISTER", "20 per minute;100 per hour"),
        "FANLIGHT_RATELIMIT_RESET": os.environ.get("FANLIGHT_RATELIMIT_RESET", "20 per minute;100 per hour"),
        # Per API client (its token), over all of /api/v1: a system sending in bulk is slowed, not refused outright.
        "FANLIGHT_RATELIMIT_API": os.environ.get("FANLIGHT_RATELIMIT_API", "120 per minute;5000 per hour"),
        # API requests refused for want of a valid token or signature (401s), per client address.
        "FANLIGHT_RATELIMIT_API_REFUSED": os.environ.get("FANLIGHT_RATELIMIT_API_REFUSED", "20 per minute;100 per hour"),
        # Emails to any one address (registration, reset): nobody's inbox can be flooded.
        "FANLIGHT_RATELIMIT_MAIL_TO": os.environ.get("FANLIGHT_RATELIMIT_MAIL_TO", "5 per hour"),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "WTF_CSRF_SSL_STRICT": True,
        "FANLIGHT_DEMO_ACCOUNTS": os.environ.get("FANLIGHT_DEMO_ACCOUNTS", "1" if _is_local() else "0") == "1",
        # Forms one person may have in progress at once: starting one more asks them to send or delete one.
        "FANLIGHT_DRAFTS_PER_PERSON": _int("FANLIGHT_DRAFTS_PER_PERSON", 50),
        # Delivery to the case system (web/delivery): where each destination goes, and how hard to try.
        "FANLIGHT_DESTINATIONS": destinations_from_environment(),
        "FANLIGHT_DELIVERY_FOLDER": str(instance / "deliveries"),  # development's unconfigured destinations
        "FANLIGHT_DELIVERY_ATTEMPTS": _int("FANLIGHT_DELIVERY_ATTEMPTS", 10),
        "FANLIGHT_DELIVERY_BACKOFF_SECONDS": _float("FANLIGHT_DELIVERY_BACKOFF_SECONDS", 30.0),
        "FANLIGHT_DELIVERY_MAX_BACKOFF_SECONDS": _float("FANLIGHT_DELIVERY_MAX_BACKOFF_SECONDS", 3600.0),
        "FANLIGHT_DELIVERY_TIMEOUT_SECONDS": _float("FANLIGHT_DELIVERY_TIMEOUT_SECONDS", 30.0),
        # A worker that has held a delivery this long has died: it is due again. Longer than the timeout.
        "FANLIGHT_DELIVERY_LEASE_SECONDS": _float("FANLIGHT_DELIVERY_LEASE_SECONDS", 120.0),
        # The dashboards' queries (not the holding area's) read through a second engine on this URL,
        # a PostgreSQL read replica, so reporting never slows the front door; unset: the primary.
        "FANLIGHT_REPORTING_DATABASE_URL": os.environ.get("FANLIGHT_REPORTING_DATABASE_URL", "").strip(),
        # The dashboards' target for decisions within one working day of receipt, in per cent.
        "FANLIGHT_DECISION_TARGET_PERCENT": _int("FANLIGHT_DECISION_TARGET_PERCENT", 95),
        "FANLIGHT_COUNCIL_NAME": os.environ.get("FANLIGHT_COUNCIL_NAME", "Fanlight County Council"),
        "FANLIGHT_FRONT_DOOR_PHONE": os.environ.get("FANLIGHT_FRONT_DOOR_PHONE", "01234 567890"),
    }


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def _is_local() -> bool:
    return os.environ.get("FANLIGHT_ENV", "development") == "development"


def _is_production() -> bool:
    return os.environ.get("FANLIGHT_ENV", "development") == "production"


class UnsafeProduction(RuntimeError):
    """Production is configured in a way that would put referrals at risk: Fanlight will not start."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("refusing to start in production: " + "; ".join(problems))
        self.problems = problems


def production_problems(config: dict[str, Any]) -> list[str]:
    """What production refuses to start with (README, "What production refuses"), each saying what to set."""
    environment = config.get("FANLIGHT_ENV", "development")
    if environment == "development":
        return []
    problems = destination_problems(config)  # TLS and a signing secret everywhere outside development
    if environment != "production":
        return problems
    if config.get("FANLIGHT_DEMO_ACCOUNTS"):
        problems.append("FANLIGHT_DEMO_ACCOUNTS=1: demo accounts, whose password is published, are never "
                        "created in production (unset it, or set it to 0)")
    if not config.get("SECRET_KEY"):
        problems.append("FANLIGHT_SECRET_KEY is not set: every server must sign sessions with the same, "
                        "stable key")
    if str(config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory"):
        problems.append("FANLIGHT_RATELIMIT_STORAGE is not a shared store: kept in memory, each worker counts "
                        "alone and the limits on sign-in and password reset do not hold (set redis://HOST:6379)")
    return problems


def _instance_secret(instance: Path) -> str:
    """A per-installation secret kept in the instance folder, so sessions survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


# Delivery destinations ----------------------------------------------------------------------------
# Where each destination named by a mapping goes: set by IT, never by a definition.
#
# A mapping says `destination: case-system`; the deployment says where that is:
#
#     FANLIGHT_DESTINATION_CASE_SYSTEM=https://case.council.example/fanlight/referrals
#     FANLIGHT_DESTINATION_CASE_SYSTEM_SECRET=...   # the HMAC-SHA256 key both ends hold
#
# An `http(s)://` address is signed HTTP JSON; a `file://` address or a plain path is a folder
# drop. Outside development an HTTP destination must use HTTPS and have a secret. In development
# a destination nobody configured drops into `instance/deliveries/<name>/`, so the demo works.

DESTINATION_PREFIX = "FANLIGHT_DESTINATION_"
SECRET_SUFFIX = "_SECRET"  # noqa: S105 (the suffix of a variable's name, not a secret)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Destination:
    name: str
    address: str  # an http(s) URL, or the folder's path
    secret: str = ""

    @property
    def is_http(self) -> bool:
        return self.address.startswith(("http://", "https://"))

    @property
    def folder(self) -> Path:
        return Path(unquote(urlsplit(self.address).path) if self.address.startswith("file://") else self.address)


def destination_variable(name: str) -> str:
    """The environment variable that says where destination `name` goes."""
    return DESTINATION_PREFIX + name.upper().replace("-", "_")


def destinations_from_environment(environ: Mapping[str, str] = os.environ) -> dict[str, dict[str, str]]:
    """Every destination the environment configures, by variable stem (for the app's config)."""
    found: dict[str, dict[str, str]] = {}
    for key, value in environ.items():
        if key.startswith(DESTINATION_PREFIX) and not key.endswith(SECRET_SUFFIX) and value.strip():
            found[key] = {"address": value.strip(), "secret": environ.get(key + SECRET_SUFFIX, "")}
    return found


def find_destination(name: str, config: Mapping[str, Any]) -> Destination | None:
    """Where destination `name` goes, or None if nobody said (outside development)."""
    configured = (config.get("FANLIGHT_DESTINATIONS") or {}).get(destination_variable(name))
    if configured:
        return Destination(name, configured["address"], configured.get("secret", ""))
    if config.get("FANLIGHT_ENV", "development") == "development":
        return Destination(name, str(Path(config.get("FANLIGHT_DELIVERY_FOLDER") or "instance/deliveries") / name))
    return None


def destination_problems(config: Mapping[str, Any]) -> list[str]:
    """What makes a configured destination unsafe outside development: plain HTTP, or no secret."""
    found = []
    for stem, settings in sorted((config.get("FANLIGHT_DESTINATIONS") or {}).items()):
        destination = Destination(stem, settings["address"], settings.get("secret", ""))
        if not destination.is_http:
            continue
        host = urlsplit(destination.address).hostname or ""
        if destination.address.startswith("http://") and host not in LOOPBACK_HOSTS:
            found.append(f"{stem} is plain HTTP: a referral is only ever sent over HTTPS")
        if not destination.secret:
            found.append(f"{stem}{SECRET_SUFFIX} is not set: the case system could not tell Fanlight's deliveries from "
                         "anyone else's")
    return found
