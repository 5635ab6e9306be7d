"""One error policy: every refusal and failure is answered the same way for each kind of client.

- A page gets the error page, with the status (a plain message, never a stack trace).
- An htmx request gets a fragment that the page swaps in (htmx 4 swaps 4xx/5xx responses).
- A client that asks for JSON (the API, to come) gets problem details (RFC 9457).
- A conflict (409: somebody changed the record since the page was shown) never overwrites. A
  page that can show what is saved now does so, with a banner (a section); an htmx save is
  retargeted to its page's conflict banner; anything else raises Conflict, answered as above
  with what happened and that nothing was lost.

Form errors have one shape, FormError(field, message), whichever feature produces them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, make_response, render_template, request
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


class Conflict(HTTPException):
    """The record changed since the page that sent this request was shown: nothing was saved."""

    code = 409

    def __init__(self, title: str = "", message: str = "") -> None:
        super().__init__(message or None)
        self.title, self.message = title, message


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(Conflict, _conflict)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def error_page(status: int, title: str, message: str, **extra: Any) -> Response:
    if request.accept_mimetypes.best == "application/json":
        problem = {"type": "about:blank", "title": title, "status": status, "detail": message}
        return Response(json.dumps(problem), status, mimetype="application/problem+json")
    if request.headers.get("HX-Request"):
        return make_response(render_template("partials/error_fragment.html", title=title, message=message, **extra),
                             status)
    return make_response(render_template("pages/error.html", status=status, title=title, message=message, **extra),
                         status)


def _conflict(error: Conflict) -> Response:
    default_title, default_message = _MESSAGES[409]
    return error_page(409, error.title or default_title, error.message or default_message)


def _csrf_error(error: CSRFError) -> Response:
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


def _http_error(error: HTTPException) -> Response | HTTPException:
    status = error.code or 500
    if status < 400:
        return error
    title, message = _MESSAGES.get(status, ("Something went wrong", "Try again later."))
    return error_page(status, title, message)


def _unexpected(error: Exception) -> Response:
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return error_page(500, "Sorry, there is a problem with the service",
                      "Try again later. What you had already saved has not been lost.")
