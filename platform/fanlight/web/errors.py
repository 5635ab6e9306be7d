"""One error policy: every refusal and failure is answered the same way for each kind of client.

- A page gets the error page, with the status (a plain message, never a stack trace).
- An htmx request gets a fragment that the page swaps in (htmx 4 swaps 4xx/5xx responses).
- A client that asks for JSON (the API, to come) gets problem details (RFC 9457).
- A conflict (409: somebody changed the record since the page was shown) never overwrites. A
  page that can show what is saved now does so, with a banner (a section); an htmx save is
  retargeted to its page's conflict banner; anything else raises Conflict, answered as above
  with what happened and that nothing was lost.

Form errors have one shape, FormError(field, message), whichever feature produces them.

The error page can never fail. Every handler is wrapped (`_never_fails`); an unexpected error
first rolls back what the request had begun, so a context processor that reads the signed-in
person finds a usable database session; and if the page still cannot be drawn (a template
error, a broken context processor, the database gone) a plain page made without templates,
context processors or the database is sent instead (`fallback_page`), with the same status and
message. Every error answer carries the security headers itself (security.secure): one made
after a failure may never reach the after_request functions.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, make_response, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import db, security


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


E = TypeVar("E", bound=Exception)


def _never_fails(handler: Callable[[E], Response | HTTPException]) -> Callable[[E], Response | HTTPException]:
    """An error handler that answers whatever happens inside it: if it raises, the plain page."""

    @functools.wraps(handler)
    def answer(error: E) -> Response | HTTPException:
        try:
            return handler(error)
        except Exception:  # noqa: BLE001 (the last answer there is: it must not raise)
            _log("the error handler failed")
            status = getattr(error, "code", None)
            status = status if isinstance(status, int) and status >= 400 else 500
            return fallback_page(status, *_MESSAGES.get(status, _MESSAGES[500]))

    return answer


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _never_fails(_csrf_error))
    app.register_error_handler(Conflict, _never_fails(_conflict))
    app.register_error_handler(HTTPException, _never_fails(_http_error))
    app.register_error_handler(Exception, _never_fails(_unexpected))


def error_page(status: int, title: str, message: str, **extra: Any) -> Response:
    """The error answer for this kind of client; the plain page if it cannot be drawn."""
    try:
        response = _drawn(status, title, message, **extra)
    except Exception:  # noqa: BLE001 (whatever broke the page, the person still gets an answer)
        _log(f"the {status} error page could not be drawn")
        return fallback_page(status, title, message)
    return security.secure(response)


def _drawn(status: int, title: str, message: str, **extra: Any) -> Response:
    if _wants_json():
        return _problem(status, title, message)
    if request.headers.get("HX-Request"):
        return make_response(render_template("partials/error_fragment.html", title=title, message=message, **extra),
                             status)
    return make_response(render_template("pages/error.html", status=status, title=title, message=message, **extra),
                         status)


def _wants_json() -> bool:
    """A script asking for JSON, or any request to the API (whatever it accepts): problem details."""
    return request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/")


def _problem(status: int, title: str, message: str) -> Response:
    problem = {"type": "about:blank", "title": title, "status": status, "detail": message}
    return Response(json.dumps(problem), status, mimetype="application/problem+json")


# The plain page: no template, no context processor, no database; everything written escaped.
_PLAIN_PAGE = """<!DOCTYPE html>
<html lang="en-GB" class="govuk-template">
<head>
  <meta charset="utf-8">
  <title>{title} – {council}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  {stylesheet}
</head>
<body class="govuk-template__body">
  <div class="govuk-width-container">
    <main class="govuk-main-wrapper" id="main-content">
      <h1 class="govuk-heading-l">{title}</h1>
      <p class="govuk-body">{message}</p>
      <p class="govuk-body"><a class="govuk-link" href="{home}">Go to the home page</a></p>
    </main>
  </div>
</body>
</html>
"""
_PLAIN_FRAGMENT = """<div class="govuk-error-summary" data-module="govuk-error-summary">
  <div role="alert">
    <h2 class="govuk-error-summary__title">{title}</h2>
    <div class="govuk-error-summary__body"><p class="govuk-body">{message}</p></div>
  </div>
</div>
"""


def fallback_page(status: int, title: str, message: str) -> Response:
    """The error answer when the real one cannot be made: the status and the message, for a page, an
    htmx swap or a JSON client, with every security header."""
    try:
        if _wants_json():
            return security.secure(_problem(status, title, message))
        fragment = bool(request.headers.get("HX-Request"))
        root = request.script_root
        council = str(current_app.config.get("FANLIGHT_COUNCIL_NAME") or "")
    except Exception:  # noqa: BLE001 (no request or app to ask: the page without them)
        fragment, root, council = False, "", ""
    text = {"title": html.escape(title), "message": html.escape(message)}
    if fragment:
        body = _PLAIN_FRAGMENT.format(**text)
    else:
        stylesheet = f'<link rel="stylesheet" href="{html.escape(root)}/static/vendor/fanlight.css">'
        body = _PLAIN_PAGE.format(**text, council=html.escape(council), stylesheet=stylesheet,
                                  home=html.escape(root or "/"))
    return security.secure(Response(body, status, mimetype="text/html"))


def _log(what: str) -> None:
    try:
        current_app.logger.exception("%s on %s %s: the plain error page was sent", what, request.method, request.path)
    except Exception:  # noqa: BLE001,S110 (logging must never stop the answer)
        pass


def _abandon_transaction() -> None:
    """Roll back what the failed request had begun: a context processor of the error page that reads
    the signed-in person then finds a usable session (after a failed flush, every read raised)."""
    try:
        db.session().rollback()
    except Exception:  # noqa: BLE001 (the database may be gone: the page is drawn, or falls back, without it)
        _log("rolling back the failed request")


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
    413: ("The form or file you sent is too large",
          "Nothing was saved from it. Choose a smaller file, or shorten what you typed (a long account can be "
          "attached as a document), then try again."),
    422: ("There is a problem", "Check what you entered."),
    429: ("Too many attempts", "Wait a few minutes and try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. What you had already saved has not been lost."),
}


def _http_error(error: HTTPException) -> Response | HTTPException:
    status = error.code or 500
    if status < 400:
        return error
    if status >= 500:  # an unhandled failure, answered by Flask as a 500 (or a 5xx raised on purpose)
        _abandon_transaction()
    title, message = _MESSAGES.get(status, ("Something went wrong", "Try again later."))
    if status == 401:
        return error_page(status, title, message, link=_sign_in_again())
    return error_page(status, title, message)


def _sign_in_again() -> dict[str, str]:
    """The 401's link to sign in again, and come back to the page the request came from (htmx
    names it in HX-Current-URL; only a page of this site, see security.same_site_path)."""
    current, here = urlsplit(request.headers.get("HX-Current-URL", "")), urlsplit(request.host_url)
    back = None
    if current.scheme in ("http", "https") and current.netloc == here.netloc:
        back = security.same_site_path(current.path + (f"?{current.query}" if current.query else ""))
    return {"href": url_for("auth.sign_in", next=back), "text": "Sign in again"}


def _unexpected(error: Exception) -> Response:
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    _abandon_transaction()
    return error_page(500, *_MESSAGES[500])
