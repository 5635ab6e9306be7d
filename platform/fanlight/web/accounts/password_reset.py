"""Resetting a forgotten password: the same answer whether or not the address has an account."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import clock, db, mail
from ..access.audit import audit
from ..access.permissions import public
from ..models import User
from . import accounts_blueprint as bp
from . import lockout, passwords, tokens
from .forms import EmailForm, NewPasswordForm, add_error, errors, text
from .service import set_password

# Resetting a password -----------------------------------------------------------------------------


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
def forgot_password() -> Any:
    form = EmailForm()
    if not form.validate_on_submit():
        return render_template("pages/accounts/forgot_password.html", form=form, errors=errors(form)), (
            422 if request.method == "POST" else 200)
    s = db.session()
    email = text(form.email).strip().lower()
    user = s.scalar(select(User).where(User.email == email))
    if user is not None and user.active:
        token = tokens.issue(s, user, tokens.RESET)
        mail.send(email, "Reset your password", render_template(
            "mail/reset.txt", user=user, link=mail.external_url("accounts.reset_password", token=token),
            lasts=clock.duration(tokens.lifetime(tokens.RESET))))
        audit("password_reset_requested", user=user)
    else:
        audit("password_reset_requested", "no active account has this address", email=email)
    s.commit()
    # The same page whether or not the address has an account.
    return render_template("pages/accounts/reset_sent.html", email=email, lasts=clock.duration(tokens.lifetime(tokens.RESET)))


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> Any:
    s = db.session()
    user = tokens.holder(s, token, tokens.RESET)
    if user is None:
        return render_template("pages/accounts/link_expired.html", what="reset your password"), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        problem = passwords.problem(text(form.password), user.email, user.name)
        if problem:
            add_error(form.password, problem)
        elif tokens.use(s, token, tokens.RESET) is None:
            return render_template("pages/accounts/link_expired.html", what="reset your password"), 410
        else:
            set_password(user, text(form.password))
            if user.email_verified_at is None:
                user.email_verified_at = clock.now()  # the link proves the mailbox as well as confirming would
            lockout.clear(s, user.email)
            mail.send(user.email, "Your password has been changed", render_template(
                "mail/password_changed.txt", user=user, reset=mail.external_url("accounts.forgot_password"),
                phone=current_app.config["FANLIGHT_FRONT_DOOR_PHONE"]))
            audit("password_reset_completed", user=user)
            s.commit()
            flash("Your password has been changed. Sign in with your new password.", "success")
            return redirect(url_for("auth.sign_in"))
    status = 422 if request.method == "POST" else 200
    return render_template("pages/accounts/reset_password.html", form=form, errors=errors(form)), status
