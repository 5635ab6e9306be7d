"""Security headers, CSRF and error pages: every response, every request."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

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
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not request.path.startswith("/static/") and not request.path.startswith("/guidance"):
        # Referrals are sensitive: never keep a private page in a shared computer's cache.
        headers["Cache-Control"] = "no-store"
    return response


def error_page(status: int, title: str, message: str, **extra: Any) -> tuple[str, int]:
    if request.headers.get("HX-Request"):
        return render_template("partials/error_fragment.html", title=title, message=message, **extra), status
    return render_template("pages/error.html", status=status, title=title, message=message, **extra), status


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return error_page(400, "Your request could not be checked",
                      "The page you used has expired or the request did not come from this service. "
                      "Go back, reload the page and try again. Nothing has been changed.")


_MESSAGES = {
    400: ("Something in the request was not right", "Go back and check what you entered. Nothing has been changed."),
    # Only htmx requests get a 401 (pages redirect to sign-in): say why the answers stopped saving.
    401: ("You have been signed out", "Sign in again to carry on. Answers you saved before then are kept."),
    403: ("You cannot see this page", "You do not have permission to see this. If you think you should, contact your administrator."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("That did not work", "This page cannot be used in that way. Go back and try again."),
    409: ("This was changed somewhere else", "Reload the page to see the latest version. Nothing has been lost."),
    410: ("This form is no longer available", "The version of the form this was started on has been withdrawn."),
    413: ("The file or form is too large", "Nothing was saved from that request. Try a smaller file."),
    422: ("There is a problem", "Check what you entered."),
    429: ("Too many attempts", "Wait a few minutes and try again."),
}


def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    status = error.code or 500
    if status < 400:
        return error
    title, message = _MESSAGES.get(status, ("Something went wrong", "Try again later."))
    if error.description and status in (400, 403, 404, 409, 410) and getattr(error, "fanlight_message", False):
        message = error.description
    return error_page(status, title, message)


def _unexpected(error: Exception) -> tuple[str, int]:
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return error_page(500, "Sorry, there is a problem with the service",
                      "Try again later. What you had already saved has not been lost.")
