"""Who is signed in, and for how long: session limits, and answers held when a session ended.

A session ends 30 minutes after its last request or 12 hours after signing in (both
configurable); a page's own background refresh is not a request that counts. The time of the
last request is written into the cookie only when it has moved on by a step (1/120 of the idle
limit: 15 seconds of 30 minutes), and the idle limit is counted from it with that step added, so
a session never ends early and at most one step late, and pages read in quick succession (the
sections of a form, htmx updates) send no new cookie. It also ends when
the same person signs in or out somewhere else, or their password changes (the session nonce
moves on). A section posted after its session ended, for whichever reason, is kept, and saved
once they sign in again on the same browser and confirm.

When a session ends, the browser keeps a note of whose it was (`ended`: their id, why, when) and
its CSRF token, and nothing else: so a page opened before it ended still passes the CSRF check
(the token was this browser's own, never a forged page's), its section is held for that person,
and, if they sign in again on this browser, the token carries on, so the page still saves. The
note lasts as long as held answers do (HELD_FOR), and signing in or out replaces it.
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
ENDED = "ended"  # the session key of the note an ended session leaves: [user id, why, when]
CSRF = "csrf_token"  # Flask-WTF's session key (WTF_CSRF_FIELD_NAME) for the raw token
# Sent by a page's own polling (the holding area refreshing its table): such a request is not
# somebody doing something, so it does not restart the idle clock; an unattended screen still signs out.
BACKGROUND = "Fanlight-Background"


def idle_seconds() -> int:
    return int(current_app.config["FANLIGHT_SESSION_IDLE_SECONDS"])


def absolute_seconds() -> int:
    return int(current_app.config["FANLIGHT_SESSION_ABSOLUTE_SECONDS"])


def seen_step() -> float:
    """How far the last request's time moves on before the cookie is written again (see above)."""
    return idle_seconds() / 120


def identify() -> tuple[User | None, int | None, str]:
    """(the signed-in person, None, ""); or (None, their id, why) when their session has ended."""
    user_id, nonce = session.get("user_id"), session.get("nonce")
    if not user_id or not nonce:
        return _ended_before()
    now = clock.current().timestamp()
    seen = session.get("seen_at", 0)
    ended = ("absolute" if now - session.get("signed_in_at", 0) > absolute_seconds()
             else "idle" if now - seen > idle_seconds() + seen_step() else "")
    if ended:
        return _end(user_id, ended)
    user = db.session().get(User, user_id)
    if user is None or not user.active:
        session.clear()
        return None, None, ""
    if not secrets.compare_digest(user.session_nonce, str(nonce)):
        return _end(user_id, "elsewhere")  # signed in or out on another device, or a new password
    if request.headers.get(BACKGROUND) != "1" and now - seen >= seen_step():
        session["seen_at"] = now  # a changed session is a new cookie: only once a step (see above)
    return user, None, ""


def _end(user_id: object, why: str) -> tuple[None, int | None, str]:
    """Clear the session, leaving the note of whose it was and its CSRF token (see above)."""
    token, held_id = session.get(CSRF), session.get("held")
    session.clear()
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None, None, ""
    session[ENDED] = [user_id, why, clock.current().timestamp()]
    if isinstance(token, str):
        session[CSRF] = token
    if isinstance(held_id, str):
        session["held"] = held_id
    return None, user_id, why


def _ended_before() -> tuple[None, int | None, str]:
    """A session that ended on an earlier request: whose it was and why, for as long as answers are held."""
    note = session.get(ENDED)
    if not (isinstance(note, list) and len(note) == 3 and isinstance(note[0], int) and isinstance(note[1], str)
            and isinstance(note[2], (int, float))):
        return None, None, ""
    if clock.current().timestamp() - note[2] > HELD_FOR.total_seconds():
        session.pop(ENDED, None)
        session.pop(CSRF, None)
        return None, None, ""
    return None, note[0], note[1]


def start(user: User, *, remember: bool = False) -> str | None:
    """A fresh session for this person (nothing of the signed-out one carries over); returns the
    id of answers they had held on this browser before signing in, if any.

    The cookie ends when the browser closes (a shared computer in a school office) unless the
    person chose to stay signed in on this device; the idle and absolute limits hold either way.
    """
    held = session.get("held")
    note, token = session.get(ENDED), session.get(CSRF)
    session.clear()
    if isinstance(note, list) and note and note[0] == user.id and isinstance(token, str):
        # The same person again, on the browser whose session ended: the pages they had open
        # carry on saving. (Anyone else, or a browser that had no session of theirs: a new token.)
        session[CSRF] = token
    user.session_nonce = secrets.token_hex(32)
    now = clock.current().timestamp()
    session.update(user_id=user.id, nonce=user.session_nonce, signed_in_at=now, seen_at=now)
    session.permanent = remember
    return held if isinstance(held, str) else None


def ended_message(why: str) -> str:
    if why == "elsewhere":
        return "You were signed out because you signed in or out somewhere else, or your password was changed."
    if why == "absolute":
        return f"You were signed out because you had been signed in for {clock.duration(absolute_seconds())}."
    return f"You were signed out because you had not done anything for {clock.duration(idle_seconds())}."


def hold_answers(user_id: int, why: str) -> Response:
    """Keep the answers of a section posted after its session ended, for after signing in.

    Only this browser can offer them again (its session names them), only to the person whose
    session it was, and only once; the request has passed the CSRF check with this browser's own
    token. One set is kept per browser (a later post replaces it), for a day at most.
    """
    s = db.session()
    user = s.get(User, user_id)
    if user is None or not user.active:
        session.clear()
        return redirect(url_for("auth.sign_in"))
    fields = [[name, value] for name, value in request.form.items(multi=True) if name != "csrf_token"]
    query = request.query_string.decode("latin-1")
    held = HeldAnswers(user_id=user_id, path=(request.path + (f"?{query}" if query else ""))[:500], fields=fields)
    s.execute(delete(HeldAnswers).where(HeldAnswers.created_at < clock.now() - HELD_FOR))
    before = session.get("held")
    if isinstance(before, str):
        s.execute(delete(HeldAnswers).where(HeldAnswers.id == before, HeldAnswers.user_id == user_id))
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
