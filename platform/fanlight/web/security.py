"""Security headers and CSRF protection on every response and request, and what every request
passes before anything reads it: a bounded body, and no NUL byte.

- **Bounded bodies.** A request's body is bounded before it is parsed: a multipart post (files)
  to MAX_CONTENT_LENGTH, anything else (a form, JSON, any other type) to FANLIGHT_MAX_FORM_BYTES,
  unless its view allows more (`allows_body`: the definition editor posts whole files). The
  bound is Werkzeug's per-request `max_content_length`, so a body without a Content-Length
  (chunked) is refused at the same size as it is read, never passed on cut short. Over it: 413,
  with the error page.
- **No NUL.** PostgreSQL cannot store a NUL in text or JSONB, and no person means one: a NUL in
  a form value or name, a query argument, an uploaded file's name or any string of a JSON body
  is refused with 400 before a view, the guard or the CSRF check reads it (a NUL in the path
  names no page: 404). Other control characters are not refused: a bell or a vertical tab pasted
  from a word processor is dropped from an answer where answers are read (html_form.clean_text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, abort, current_app, g, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge

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

NUL = "\x00"
# A lone surrogate (JSON's "\ud800") is text no database encoding can hold.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def init_app(app: Flask) -> None:
    # First of every before_request function: the CSRF check (registered next) reads the form.
    app.before_request_funcs.setdefault(None, []).insert(0, screen_request)
    csrf.init_app(app)
    app.after_request(_headers)


# Every response ------------------------------------------------------------------------------------


def secure(response: Response, *, private: bool = True) -> Response:
    """Set every security header on this response. after_request does it for every response; an
    error page does it itself, since a response made after a failure may never reach after_request."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if private:
        # Referrals are sensitive: never keep a private page in a shared computer's cache.
        headers["Cache-Control"] = "no-store"
    return response


def _headers(response: Response) -> Response:
    view = current_app.view_functions.get(request.endpoint or "")
    cacheable = getattr(view, "fanlight_cacheable", False) and g.get("user") is None
    return secure(response, private=request.endpoint != "static" and not cacheable)


F = TypeVar("F", bound=Callable[..., Any])


def cacheable(view: F) -> F:
    """Mark a public page that holds nothing private (threshold guidance): a browser may keep it
    when nobody is signed in (a signed-in person's copy carries their session's CSRF token)."""
    view.fanlight_cacheable = True  # type: ignore[attr-defined]
    return view


def same_site_path(target: str | None) -> str | None:
    """`target` if it is a path on this site (to send a person back to after signing in), else None.

    Never an open redirect: no scheme or host, no `//` or `/\\` (a browser reads either as another
    host), no backslash or control character anywhere, even percent-encoded.
    """
    if not target or len(target) > 2000:
        return None
    decoded = unquote(target)
    if not target.startswith("/") or target.startswith("//") or decoded.startswith("//") or "\\" in decoded:
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in decoded):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


# Every request ---------------------------------------------------------------------------------------


def allows_body(limit: int) -> Callable[[F], F]:
    """Let one view take a body (not multipart) of up to `limit` bytes, more than a form's
    FANLIGHT_MAX_FORM_BYTES (never more than MAX_CONTENT_LENGTH)."""

    def mark(view: F) -> F:
        view.fanlight_max_body = limit  # type: ignore[attr-defined]
        return view

    return mark


def screen_request() -> None:
    bound_request()
    refuse_nul()


def body_limit() -> int:
    """The most this request's body may be, in bytes."""
    config = current_app.config
    most = config.get("MAX_CONTENT_LENGTH") or None
    if request.mimetype == "multipart/form-data":
        limit = most or config["FANLIGHT_MAX_FORM_BYTES"]
    else:
        view = current_app.view_functions.get(request.endpoint or "")
        limit = getattr(view, "fanlight_max_body", None) or config["FANLIGHT_MAX_FORM_BYTES"]
    return min(limit, most) if most else int(limit)


def bound_request() -> None:
    """Bound the body before anything reads it (Werkzeug enforces it on the stream as it is read)."""
    limit = body_limit()
    if request.content_length is not None:
        if request.content_length > limit:
            raise RequestEntityTooLarge()
        request.max_content_length = limit
        return
    # No length given (chunked): Werkzeug stops reading at the limit without a word, and a form cut
    # short would be read as if whole. Read one byte more than the limit: if it comes, refuse.
    request.max_content_length = limit + 1
    if len(request.get_data(cache=True)) > limit:
        raise RequestEntityTooLarge()


def refuse_nul() -> None:
    if NUL in request.path:
        abort(404)
    texts: list[Iterable[tuple[str, str]]] = [request.args.items(multi=True), request.form.items(multi=True),
                                              ((name, f.filename or "") for name, f in request.files.items(multi=True))]
    if any(NUL in name or NUL in value for pairs in texts for name, value in pairs):
        abort(400)
    if request.is_json and not storable_json(request.get_data(cache=True)):
        abort(400)


def storable_json(data: bytes) -> bool:
    """Whether a JSON body is well formed and holds only text a database can store, at any depth.
    (Walked without recursion: the body may be nested as deep as its size allows.)"""
    if not data:
        return True
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return False
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True
