"""Signing in and out, staying signed in, and saving answers held when a session ended."""

from __future__ import annotations

import math
import secrets
from typing import Any

from flask import Flask, current_app, g, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import clock, db
from ..access.audit import audit
from ..access.guard import current_user, landing_for, signed_in_user
from ..access.permissions import public, requires
from ..models import HeldAnswers, User
from ..security import same_site_path
from . import auth_blueprint as bp
from . import lockout, sessions
from .forms import SignInForm, text
from .service import password_ok, send_verification


def init_app(app: Flask) -> None:
    app.after_request(_retry_after)


def _retry_after(response: Response) -> Response:
    """A slowed or locked sign-in says when to try again. (Registered before the rate limiter's
    own after-request function, so it runs after it: the limiter's Retry-After is about its
    own window, not this lock.)"""
    seconds = g.get("retry_after")
    if seconds:
        response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> Any:
    form = SignInForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("pages/accounts/sign_in.html", form=form), status
    s = db.session()
    email = text(form.email).strip().lower()
    before = lockout.state(s, email)
    if before.refused:
        return _refused(form, email, before)
    user = s.scalar(select(User).where(User.email == email))
    if user is not None and user.active and password_ok(user, text(form.password)):
        lockout.clear(s, email)
        if not user.verified:
            return _unverified(form, user)
        return _start_session(user, remember=bool(form.remember.data))
    if user is None:
        password_ok(None, text(form.password))  # same work either way: no account enumeration by timing
    after = lockout.failed(s, email)
    audit("sign_in_failed", email=email, target=email)
    if after.locked_seconds:
        audit("account_locked", email=email, target=f"{email} after {after.failures} failed sign-ins")
    s.commit()
    form.form_errors.append("Enter a correct email address and password")
    if after.locked_seconds:
        return _refused(form, email, after, audited=True)
    if after.wait_seconds:
        form.form_errors.append(
            f"You have tried {after.failures} times. Wait {clock.duration(after.wait_seconds)} before you try again. "
            f"After {after.tries_before_lock} more failed {'try' if after.tries_before_lock == 1 else 'tries'}, "
            f"you will not be able to sign in for {clock.duration(int(current_app.config['FANLIGHT_LOCKOUT_SECONDS']))}.")
    return render_template("pages/accounts/sign_in.html", form=form), 401


def _refused(form: SignInForm, email: str, state: lockout.State, *, audited: bool = False) -> tuple[str, int]:
    """Slowed or locked: the password is not even checked."""
    if not audited:
        audit("sign_in_locked" if state.locked_seconds else "sign_in_slowed", email=email, target=email)
        db.session().commit()
    seconds = state.locked_seconds or state.wait_seconds
    if state.locked_seconds:
        # A lock is told in whole minutes, rounded up: "59 seconds" is the clock ticking, not news.
        form.form_errors.append(
            f"You cannot sign in for {clock.duration(60 * math.ceil(seconds / 60))} because of too many failed tries. "
            "Reset your password to sign in now.")
    else:
        form.form_errors.append(f"You have tried to sign in too many times. Wait {clock.duration(seconds)}, "
                                "then try again.")
    g.retry_after = seconds
    return render_template("pages/accounts/sign_in.html", form=form, locked=bool(state.locked_seconds)), 429


def _unverified(form: SignInForm, user: User) -> tuple[str, int]:
    """The right password, but the address has not been confirmed: send a new link."""
    send_verification(user)
    audit("sign_in_unverified", user=user)
    db.session().commit()
    form.form_errors.append(f"Confirm your email address before you sign in. We have sent a new link to {user.email}: "
                            "select it, then sign in.")
    return render_template("pages/accounts/sign_in.html", form=form), 403


def _start_session(user: User, *, remember: bool) -> Response:
    held = sessions.start(user, remember=remember)
    audit("sign_in", user=user)
    target = _safe_next(request.args.get("next")) or landing_for(user)
    if held is not None:
        row = db.session().get(HeldAnswers, held)
        if row is not None and row.user_id == user.id:
            session["held"] = row.id
            target = url_for("auth.held_answers")
        elif row is not None:
            db.session().delete(row)  # somebody else's, on a shared computer: nobody will save them now
    db.session().commit()
    return redirect(target)


def _safe_next(target: str | None) -> str | None:
    return same_site_path(target)


# Signing out, and staying signed in --------------------------------------------------------------


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out() -> Response:
    user = current_user()
    timed_out = request.form.get("reason") == "timeout"
    if user is not None:
        user.session_nonce = secrets.token_hex(32)  # every copy of the old cookie stops working
        audit("sign_out", "after the session timeout warning" if timed_out else "", user=user)
        db.session().commit()
    session.clear()
    return redirect(url_for("auth.signed_out", reason="timeout") if timed_out else url_for("auth.signed_out"))


@bp.route("/signed-out")
@public
def signed_out() -> str:
    if request.args.get("reason") == "timeout":
        return render_template("pages/accounts/timed_out.html")
    return render_template("pages/accounts/signed_out.html")


@bp.route("/session/keep-alive", methods=["POST"])
@requires("account")
def keep_alive() -> Response:
    """"Stay signed in" on the timeout warning: this request has restarted the idle clock."""
    return jsonify(idle_seconds=sessions.idle_seconds(),
                   warning_seconds=current_app.config["FANLIGHT_SESSION_WARNING_SECONDS"])


@bp.route("/held-answers")
@requires("account")
def held_answers() -> Response | str:
    held = sessions.held(signed_in_user())
    if held is None:
        return redirect(landing_for(signed_in_user()))
    return render_template("pages/accounts/held_answers.html", held=held)


@bp.route("/held-answers", methods=["POST"])
@requires("account")
def save_held_answers() -> Response:
    """Send the held answers on, as they were posted (307 keeps the method and body), once."""
    user = signed_in_user()
    held = sessions.held(user)
    session.pop("held", None)
    if held is None:
        return redirect(landing_for(user))
    path = held.path
    db.session().delete(held)
    db.session().commit()
    if request.form.get("fanlight-held") == "discard":
        return redirect(landing_for(user))
    return redirect(path, code=307)
