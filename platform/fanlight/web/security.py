"""Security headers and CSRF protection: every response, every request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# No inline script anywhere: the CSP is the second line of defence against any text in a
# definition or an answer that slipped past escaping.
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.after_request(_headers)


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    view = current_app.view_functions.get(request.endpoint or "")
    cacheable = getattr(view, "fanlight_cacheable", False) and g.get("user") is None
    if request.endpoint != "static" and not cacheable:
        # Referrals are sensitive: never keep a private page in a shared computer's cache.
        headers["Cache-Control"] = "no-store"
    return response


F = TypeVar("F", bound=Callable[..., Any])


def cacheable(view: F) -> F:
    """Mark a public page that holds nothing private (threshold guidance): a browser may keep it
    when nobody is signed in (a signed-in person's copy carries their session's CSRF token)."""
    view.fanlight_cacheable = True  # type: ignore[attr-defined]
    return view

