"""The check every request passes through: who is this, and may they use this endpoint?

Fail closed: an endpoint that declares no permission is refused (a test walks the URL map so
that can never ship). Who is signed in is the accounts feature's to say; the app gives this
guard its `identify` and `hold` functions, so the shared layer imports no feature.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, abort, current_app, flash, g, redirect, request, url_for
from werkzeug.wrappers import Response

from ..models import User
from .audit import denied
from .permissions import BY_TOKEN, PUBLIC, allowed, is_holdable, landings, permission_of

Identify = Callable[[], tuple[User | None, int | None, str]]
Hold = Callable[[int, str], Response]
EndedMessage = Callable[[str], str]


def current_user() -> User | None:
    """The signed-in person, or None."""
    user: User | None = g.get("user")
    return user


def signed_in_user() -> User:
    """The signed-in person, in a view that needs a permission (so there always is one)."""
    user = current_user()
    if user is None:
        abort(401)
    return user


def init_app(app: Flask, identify: Identify, hold: Hold, ended_message: EndedMessage) -> None:
    app.before_request(lambda: check_request(identify, hold, ended_message))


def _wants_fragment() -> bool:
    """htmx and script requests get a status (401), not a redirect to the sign-in page."""
    return bool(request.headers.get("HX-Request")) or request.accept_mimetypes.best == "application/json"


def check_request(identify: Identify, hold: Hold, ended_message: EndedMessage) -> Response | None:
    g.user, ended, why = identify()
    if request.endpoint is None:  # 404s are answered by the error handler
        return None
    view = current_app.view_functions.get(request.endpoint)
    permission = permission_of(view)
    if permission in (PUBLIC, BY_TOKEN) or request.endpoint == "static":  # BY_TOKEN: the API checks its own
        return None
    if g.user is None:
        if _wants_fragment():
            abort(401)
        if ended is not None:
            if request.method == "POST" and is_holdable(view):
                return hold(ended, why)
            flash(f"{ended_message(why)} Sign in to carry on.", "info")
        return redirect(url_for("auth.sign_in", next=_here() if request.method == "GET" else None))
    if permission is None or not allowed(g.user.role, permission):
        denied(f"{request.method} {request.path}")
        abort(403)
    return None


def _here() -> str:
    """This page's path and query, to come back to after signing in."""
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def landing_for(user: User) -> str:
    """The first page for this person's role: the best-ranked landing page they may use."""
    for _, permission, endpoint in landings(current_app.view_functions):
        if allowed(user.role, permission):
            return url_for(endpoint)
    return url_for("accounts.account")
