"""Who is signed in, and for how long: session limits, and answers held when a session ended.

A session ends 30 minutes after its last request or 12 hours after signing in (both
configurable); a page's own background refresh is not a request that counts. A section posted
after its session ended (JavaScript off: nothing warned the person) is kept, and saved once they
sign in again and confirm.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from flask import Flask, current_app, flash, redirect, request, session, url_for
from sqlalchemy import delete
from werkzeug.wrappers import Response

from .. import clock, db
from ..access.guard import current_user
from ..access.permissions import allowed
from ..models import HeldAnswers, User

HELD_FOR = datetime.timedelta(days=1)
# Sent by a page's own polling (the holding area refreshing its table): such a request is not
# somebody doing something, so it does not restart the idle clock; an unattended screen still signs out.
BACKGROUND = "Fanlight-Background"


def idle_seconds() -> int:
    return int(current_app.config["FANLIGHT_SESSION_IDLE_SECONDS"])


def absolute_seconds() -> int:
    return int(current_app.config["FANLIGHT_SESSION_ABSOLUTE_SECONDS"])


def identify() -> tuple[User | None, int | None, str]:
    """(the signed-in person, None, ""); or (None, their id, why) when their session has just ended."""
    user_id, nonce = session.get("user_id"), session.get("nonce")
    if not user_id or not nonce:
        return None, None, ""
    now = clock.current().timestamp()
    ended = ("absolute" if now - session.get("signed_in_at", 0) > absolute_seconds()
             else "idle" if now - session.get("seen_at", 0) > idle_seconds() else "")
    if ended:
        session.clear()
        return None, user_id if isinstance(user_id, int) else None, ended
    user = db.session().get(User, user_id)
    if user is None or not user.active or not secrets.compare_digest(user.session_nonce, nonce):
        session.clear()
        return None, None, ""
    if request.headers.get(BACKGROUND) != "1":
        session["seen_at"] = now
    return user, None, ""


def start(user: User, *, remember: bool = False) -> str | None:
    """A fresh session for this person (nothing of the signed-out one carries over); returns the
    id of answers they had held on this browser before signing in, if any.

    The cookie ends when the browser closes (a shared computer in a school office) unless the
    person chose to stay signed in on this device; the idle and absolute limits hold either way.
    """
    held = session.get("held")
    session.clear()
    user.session_nonce = secrets.token_hex(32)
    now = clock.current().timestamp()
    session.update(user_id=user.id, nonce=user.session_nonce, signed_in_at=now, seen_at=now)
    session.permanent = remember
    return held if isinstance(held, str) else None


def ended_message(why: str) -> str:
    if why == "absolute":
        return f"You were signed out because you had been signed in for {clock.duration(absolute_seconds())}."
    return f"You were signed out because you had not done anything for {clock.duration(idle_seconds())}."


def hold_answers(user_id: int, why: str) -> Response:
    """Keep the answers of a section posted after its session ended, for after signing in."""
    s = db.session()
    if s.get(User, user_id) is None:
        return redirect(url_for("auth.sign_in"))
    fields = [[name, value] for name, value in request.form.items(multi=True) if name != "csrf_token"]
    query = request.query_string.decode("latin-1")
    held = HeldAnswers(user_id=user_id, path=(request.path + (f"?{query}" if query else ""))[:500], fields=fields)
    s.execute(delete(HeldAnswers).where(HeldAnswers.created_at < clock.now() - HELD_FOR))
    s.add(held)
    s.commit()
    session["held"] = held.id
    flash(f"{ended_message(why)} The answers you sent have not been saved yet, but they have not been lost: "
          "sign in again to save them.", "info")
    return redirect(url_for("auth.sign_in"))


def held(user: User) -> HeldAnswers | None:
    """This person's held answers on this browser, if any."""
    held_id = session.get("held")
    row = db.session().get(HeldAnswers, held_id) if isinstance(held_id, str) else None
    return row if row is not None and row.user_id == user.id else None


def init_app(app: Flask) -> None:
    @app.context_processor
    def _user() -> dict[str, Any]:
        user = current_user()
        return {
            "current_user": user,
            "can": lambda permission: user is not None and allowed(user.role, permission),
            "session_timeout": {"idle": idle_seconds(), "warning": int(app.config["FANLIGHT_SESSION_WARNING_SECONDS"])},
        }
