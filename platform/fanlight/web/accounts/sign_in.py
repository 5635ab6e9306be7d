"""Signing in and out, sessions and their time limits, and the check every request passes through."""

from __future__ import annotations

import datetime
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import delete, select
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length, Regexp

from . import db, lockout, mail, tokens
from .models import AuditEvent, HeldAnswers, User
from .permissions import PUBLIC, allowed, permission_of, public, requires

bp = Blueprint("auth", __name__)
hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
IDLE_SECONDS = 30 * 60  # the defaults of FANLIGHT_SESSION_IDLE_SECONDS and _ABSOLUTE_SECONDS
ABSOLUTE_SECONDS = 12 * 60 * 60
_DUMMY_HASH = hasher.hash("not-a-real-password-used-to-even-out-timing")

# Pages whose posted answers are kept when they arrive after the session ended (JavaScript
# off: nothing warned the person), and saved once they sign in again and confirm.
HOLDABLE = {"portal.save_section"}
HELD_FOR = datetime.timedelta(days=1)
EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$"


def email_field(label: str = "Email address") -> EmailField:
    return EmailField(label, validators=[
        DataRequired("Enter your email address"), Length(max=254, message="Enter an email address in the right format"),
        # No control characters: NUL in particular cannot even be looked up in PostgreSQL.
        Regexp(EMAIL_PATTERN, message="Enter an email address in the right format, like name@example.org")])


class SignInForm(FlaskForm):  # type: ignore[misc]
    email = email_field()
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=1000)])


def audit(event: str, target: str = "", user: User | None = None, email: str = "") -> None:
    """One append-only row per security event: who, what, when, from where. Never answer values
    or passwords. The caller commits (with the change the event records, where there is one)."""
    actor = user or g.get("user")
    db.session().add(AuditEvent(
        actor_id=actor.id if actor else None, actor_email=(actor.email if actor else email)[:254],
        event=event, target=target[:500], remote_addr=(request.remote_addr or "")[:64],
    ))


def current_user() -> User | None:
    user: User | None = g.get("user")
    return user


def idle_seconds() -> int:
    return int(current_app.config.get("FANLIGHT_SESSION_IDLE_SECONDS", IDLE_SECONDS))


def _load_user() -> tuple[User | None, int | None, str]:
    """(the signed-in person, None, ""); or (None, their id, why) when their session has just ended."""
    user_id, nonce = session.get("user_id"), session.get("nonce")
    if not user_id or not nonce:
        return None, None, ""
    now = time.time()
    absolute = int(current_app.config.get("FANLIGHT_SESSION_ABSOLUTE_SECONDS", ABSOLUTE_SECONDS))
    ended = ("absolute" if now - session.get("signed_in_at", 0) > absolute
             else "idle" if now - session.get("seen_at", 0) > idle_seconds() else "")
    if ended:
        session.clear()
        return None, user_id if isinstance(user_id, int) else None, ended
    user = db.session().get(User, user_id)
    if user is None or not user.active or not secrets.compare_digest(user.session_nonce, nonce):
        session.clear()
        return None, None, ""
    session["seen_at"] = now
    return user, None, ""


def _ended_message(why: str) -> str:
    if why == "absolute":
        absolute = int(current_app.config.get("FANLIGHT_SESSION_ABSOLUTE_SECONDS", ABSOLUTE_SECONDS))
        return f"You were signed out because you had been signed in for {lockout.minutes(absolute)}."
    return (f"You were signed out because you had not done anything for {lockout.minutes(idle_seconds())}.")


def _wants_fragment() -> bool:
    """htmx and script requests get a status (401), not a redirect to the sign-in page."""
    return bool(request.headers.get("HX-Request")) or request.accept_mimetypes.best == "application/json"


def check_request() -> Response | None:
    """Runs before every request: who is this, and may they use this endpoint?"""
    g.user, ended, why = _load_user()
    if request.endpoint is None:  # 404s are answered by the error handler
        return None
    view = current_app.view_functions.get(request.endpoint)
    permission = permission_of(view)
    if permission == PUBLIC or request.endpoint == "static":
        return None
    if g.user is None:
        if _wants_fragment():
            abort(401)
        if ended is not None:
            if request.method == "POST" and request.endpoint in HOLDABLE:
                return _hold_answers(ended, why)
            flash(f"{_ended_message(why)} Sign in to carry on.", "info")
        return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
    if permission is None or not allowed(g.user.role, permission):
        audit("access_denied", f"{request.method} {request.path}")
        db.session().commit()
        abort(403)
    return None


def _hold_answers(user_id: int, why: str) -> Response:
    """Keep the answers of a section posted after its session ended, for after signing in."""
    s = db.session()
    if s.get(User, user_id) is None:
        return redirect(url_for("auth.sign_in"))
    fields = [[name, value] for name, value in request.form.items(multi=True) if name != "csrf_token"]
    query = request.query_string.decode("latin-1")
    held = HeldAnswers(user_id=user_id, path=(request.path + (f"?{query}" if query else ""))[:500], fields=fields)
    s.execute(delete(HeldAnswers).where(HeldAnswers.created_at < lockout.now() - HELD_FOR))
    s.add(held)
    s.commit()
    session["held"] = held.id
    flash(f"{_ended_message(why)} The answers you sent have not been saved yet, but they have not been lost: "
          "sign in again to save them.", "info")
    return redirect(url_for("auth.sign_in"))


def init_app(app: Flask) -> None:
    app.before_request(check_request)
    app.after_request(_retry_after)

    @app.context_processor
    def _user() -> dict[str, Any]:
        user = g.get("user")
        return {
            "current_user": user,
            "can": lambda permission: user is not None and allowed(user.role, permission),
            "session_timeout": {
                "idle": idle_seconds(),
                "warning": int(app.config.get("FANLIGHT_SESSION_WARNING_SECONDS", 300)),
            },
        }


def _retry_after(response: Response) -> Response:
    """A slowed or locked sign-in says when to try again. (Registered before the rate limiter's
    own after-request function, so it runs after it: the limiter's Retry-After is about its
    own window, not this lock.)"""
    seconds = g.get("retry_after")
    if seconds:
        response.headers["Retry-After"] = str(seconds)
    return response


def landing_for(user: User) -> str:
    """The first page for this person's role: one they may use."""
    if allowed(user.role, "manage_users"):
        return url_for("users.index")
    if allowed(user.role, "workbench") and "admin.index" in current_app.view_functions:
        return url_for("admin.index")
    if allowed(user.role, "refer"):
        return url_for("portal.your_forms")
    return url_for("accounts.account")


# Signing in ----------------------------------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> Any:
    form = SignInForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("pages/sign_in.html", form=form), status
    s = db.session()
    email = form.email.data.strip().lower()
    before = lockout.state(s, email)
    if before.refused:
        return _refused(form, email, before)
    user = s.scalar(select(User).where(User.email == email))
    if user is not None and user.active and _password_ok(user, form.password.data):
        lockout.clear(s, email)
        if not user.verified:
            return _unverified(form, user)
        return _start_session(user)
    if user is None:
        _password_ok(None, form.password.data)  # same work either way: no account enumeration by timing
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
            f"You have tried {after.failures} times. Wait {lockout.minutes(after.wait_seconds)} before you try again. "
            f"After {after.tries_before_lock} more failed {'try' if after.tries_before_lock == 1 else 'tries'}, "
            f"you will not be able to sign in for {lockout.minutes(int(current_app.config['FANLIGHT_LOCKOUT_SECONDS']))}.")
    return render_template("pages/sign_in.html", form=form), 401


def _refused(form: SignInForm, email: str, state: lockout.State, *, audited: bool = False) -> tuple[str, int]:
    """Slowed or locked: the password is not even checked."""
    if not audited:
        audit("sign_in_locked" if state.locked_seconds else "sign_in_slowed", email=email, target=email)
        db.session().commit()
    seconds = state.locked_seconds or state.wait_seconds
    if state.locked_seconds:
        form.form_errors.append(
            f"You cannot sign in for {lockout.minutes(seconds)} because of too many failed tries. "
            "Reset your password to sign in now.")
    else:
        form.form_errors.append(f"You have tried to sign in too many times. Wait {lockout.minutes(seconds)}, "
                                "then try again.")
    g.retry_after = seconds
    return render_template("pages/sign_in.html", form=form, locked=bool(state.locked_seconds)), 429


def send_verification(user: User) -> None:
    """Queue a new link to confirm this person's address (the caller commits)."""
    token = tokens.issue(db.session(), user, tokens.VERIFY)
    mail.send(user.email, "Confirm your email address", render_template(
        "mail/verify.txt", user=user, link=mail.external_url("accounts.verify", token=token),
        lasts=lockout.minutes(tokens.lifetime(tokens.VERIFY))))


def _unverified(form: SignInForm, user: User) -> tuple[str, int]:
    """The right password, but the address has not been confirmed: send a new link."""
    send_verification(user)
    audit("sign_in_unverified", user=user)
    db.session().commit()
    form.form_errors.append(f"Confirm your email address before you sign in. We have sent a new link to {user.email}: "
                            "select it, then sign in.")
    return render_template("pages/sign_in.html", form=form), 403


def _password_ok(user: User | None, password: str) -> bool:
    try:
        return hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False


def _start_session(user: User) -> Response:
    held = session.get("held")
    session.clear()  # a fresh session at every sign-in: nothing of the signed-out one carries over
    user.session_nonce = secrets.token_hex(32)
    now = time.time()
    session.update(user_id=user.id, nonce=user.session_nonce, signed_in_at=now, seen_at=now)
    session.permanent = True
    audit("sign_in", user=user)
    target = _safe_next(request.args.get("next")) or landing_for(user)
    if isinstance(held, str):
        row = db.session().get(HeldAnswers, held)
        if row is not None and row.user_id == user.id:
            session["held"] = row.id
            target = url_for("auth.held_answers")
        elif row is not None:
            db.session().delete(row)  # somebody else's, on a shared computer: nobody will save them now
    db.session().commit()
    return redirect(target)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") else None


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
        return render_template("pages/timed_out.html")
    return render_template("pages/signed_out.html")


@bp.route("/session/keep-alive", methods=["POST"])
@requires("account")
def keep_alive() -> Response:
    """"Stay signed in" on the timeout warning: this request has restarted the idle clock."""
    return jsonify(idle_seconds=idle_seconds(), warning_seconds=current_app.config["FANLIGHT_SESSION_WARNING_SECONDS"])


@bp.route("/held-answers")
@requires("account")
def held_answers() -> Response | str:
    held = _held()
    if held is None:
        return redirect(landing_for(g.user))
    return render_template("pages/held_answers.html", held=held)


@bp.route("/held-answers", methods=["POST"])
@requires("account")
def save_held_answers() -> Response:
    """Send the held answers on, as they were posted (307 keeps the method and body), once."""
    held = _held()
    session.pop("held", None)
    if held is None:
        return redirect(landing_for(g.user))
    path = held.path
    db.session().delete(held)
    db.session().commit()
    if request.form.get("fanlight-held") == "discard":
        return redirect(landing_for(g.user))
    return redirect(path, code=307)


def _held() -> HeldAnswers | None:
    held_id = session.get("held")
    row = db.session().get(HeldAnswers, held_id) if isinstance(held_id, str) else None
    if row is None or row.user_id != g.user.id:
        return None
    return row


# Accounts made by an administrator or the command line ---------------------------------------------


def create_user(email: str, name: str, role: str, password: str, agency: str = "", *, agency_id: str = "",
                verified: bool = True) -> User:
    """An account. Made by an administrator, the `fanlight users create` command or the demo data,
    it is verified; self-registration (accounts.py) makes it unverified until the link is followed."""
    user = User(email=email.strip().lower(), name=name, role=role, agency=agency, agency_id=agency_id,
                password_hash=hasher.hash(password), active=True,
                email_verified_at=datetime.datetime.now(datetime.UTC) if verified else None)
    db.session().add(user)
    return user


def set_password(user: User, password: str) -> None:
    """A new password: every session of this person ends, and every reset link stops working."""
    user.password_hash = hasher.hash(password)
    user.session_nonce = secrets.token_hex(32)
    tokens.withdraw_all(db.session(), user, tokens.RESET)

