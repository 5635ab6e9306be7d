"""Signing in and out, and the check every request passes through."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Blueprint, Flask, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length, Regexp

from . import db
from .models import AuditEvent, User
from .permissions import PUBLIC, allowed, permission_of, public

bp = Blueprint("auth", __name__)
hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 60 * 60
_DUMMY_HASH = hasher.hash("not-a-real-password-used-to-even-out-timing")


class SignInForm(FlaskForm):  # type: ignore[misc]
    email = EmailField("Email address", validators=[
        DataRequired("Enter your email address"), Length(max=254, message="Enter an email address in the right format"),
        # No control characters: NUL in particular cannot even be looked up in PostgreSQL.
        Regexp(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$",
               message="Enter an email address in the right format")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=1000)])


def audit(event: str, target: str = "", user: User | None = None, email: str = "") -> None:
    """One append-only row per security event. Never answer values or passwords."""
    actor = user or g.get("user")
    db.session().add(AuditEvent(
        actor_id=actor.id if actor else None, actor_email=(actor.email if actor else email)[:254],
        event=event, target=target[:500], remote_addr=(request.remote_addr or "")[:64],
    ))


def current_user() -> User | None:
    user: User | None = g.get("user")
    return user


def _load_user() -> User | None:
    user_id, nonce = session.get("user_id"), session.get("nonce")
    if not user_id or not nonce:
        return None
    now = time.time()
    if now - session.get("signed_in_at", 0) > ABSOLUTE_SECONDS or now - session.get("seen_at", 0) > IDLE_SECONDS:
        session.clear()
        return None
    user = db.session().get(User, user_id)
    if user is None or not user.active or not secrets.compare_digest(user.session_nonce, nonce):
        session.clear()
        return None
    session["seen_at"] = now
    return user


def check_request() -> Response | None:
    """Runs before every request: who is this, and may they use this endpoint?"""
    g.user = _load_user()
    if request.endpoint is None:  # 404s are answered by the error handler
        return None
    view = current_app.view_functions.get(request.endpoint)
    permission = permission_of(view)
    if permission == PUBLIC or request.endpoint == "static":
        return None
    if g.user is None:
        if request.headers.get("HX-Request"):
            abort(401)
        return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
    if permission is None or not allowed(g.user.role, permission):
        audit("access_denied", f"{request.method} {request.path}")
        db.session().commit()
        abort(403)
    return None


def init_app(app: Flask) -> None:
    app.before_request(check_request)

    @app.context_processor
    def _user() -> dict[str, Any]:
        return {"current_user": g.get("user")}


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> Any:
    form = SignInForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session().scalar(select(User).where(User.email == email))
        if user is not None and user.active and _password_ok(user, form.password.data):
            return _start_session(user)
        if user is None:
            _password_ok(None, form.password.data)  # same work either way: no account enumeration by timing
        audit("sign_in_failed", email=email, target=email)
        db.session().commit()
        form.form_errors.append("Enter a correct email address and password")
        return render_template("pages/sign_in.html", form=form), 401
    status = 422 if request.method == "POST" else 200
    return render_template("pages/sign_in.html", form=form), status


def _password_ok(user: User | None, password: str) -> bool:
    try:
        return hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False


def _start_session(user: User) -> Response:
    session.clear()  # a fresh session at every sign-in
    user.session_nonce = secrets.token_hex(32)
    now = time.time()
    session.update(user_id=user.id, nonce=user.session_nonce, signed_in_at=now, seen_at=now)
    session.permanent = True
    audit("sign_in", user=user)
    db.session().commit()
    return redirect(_safe_next(request.args.get("next")) or url_for("portal.your_forms"))


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") else None


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out() -> Response:
    user = current_user()
    if user is not None:
        user.session_nonce = secrets.token_hex(32)  # every copy of the old cookie stops working
        audit("sign_out", user=user)
        db.session().commit()
    session.clear()
    return redirect(url_for("auth.signed_out"))


@bp.route("/signed-out")
@public
def signed_out() -> str:
    return render_template("pages/signed_out.html")


def create_user(email: str, name: str, role: str, password: str, agency: str = "") -> User:
    user = User(email=email.strip().lower(), name=name, role=role, agency=agency, password_hash=hasher.hash(password))
    db.session().add(user)
    return user
