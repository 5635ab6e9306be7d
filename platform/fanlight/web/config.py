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
        "PERMANENT_SESSION_LIFETIME": 12 * 60 * 60,  # the absolute limit of a signed-in session
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "WTF_CSRF_SSL_STRICT": True,
        "FANLIGHT_DEMO_ACCOUNTS": os.environ.get("FANLIGHT_DEMO_ACCOUNTS", "1") == "1",
        "FANLIGHT_COUNCIL_NAME": os.environ.get("FANLIGHT_COUNCIL_NAME", "Fanlight County Council"),
        "FANLIGHT_FRONT_DOOR_PHONE": os.environ.get("FANLIGHT_FRONT_DOOR_PHONE", "01234 567890"),
    }


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
