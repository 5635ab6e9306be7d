"""One error policy: every refusal and failure is answered the same way for each kind of client.

- A page gets the error page, with the status (a plain message, never a stack trace).
- An htmx request gets a fragment that the page swaps in (htmx 4 swaps 4xx/5xx responses).
- A conflict (409: somebody changed the record since this page was shown) never overwrites:
  a page is shown again with what is saved now and a banner; an htmx save is retargeted to the
  page's conflict banner; a JSON client (the API, to come) gets problem details.

Form errors have one shape, FormError(field, message), whichever feature produces them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


@dataclass(frozen=True)
class FormError:
    """One entry of an error summary: the field it is about (its input's id) and what to do."""

    field: str
    message: str

    @property
    def href(self) -> str:
        return f"#{self.field}"


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


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
    return error_page(status, title, message)


def _unexpected(error: Exception) -> tuple[str, int]:
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return error_page(500, "Sorry, there is a problem with the service",
                      "Try again later. What you had already saved has not been lost.")
