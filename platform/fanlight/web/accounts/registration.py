"""Creating an account, confirming its email address, resetting a password, and your account page.

Only staff of approved agencies may register: the email address's domain must be one an
agency definition lists (an exact match). Nothing here tells anyone whether an address has
an account: registering an address that has one, and asking to reset a password for an
address that has none, answer exactly as the other case does; the mailbox's owner is told.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from . import agencies, db, lockout, mail, passwords, tokens
from .auth import audit, create_user, email_field, send_verification, set_password
from .models import User
from .permissions import ROLE_NAMES, public, requires

bp = Blueprint("accounts", __name__)


class EmailForm(FlaskForm):  # type: ignore[misc]
    email = email_field()


class DetailsForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Full name", validators=[DataRequired("Enter your full name"),
                                                Length(max=200, message="Your name must be 200 characters or fewer")])
    password = PasswordField("Create a password", validators=[DataRequired("Enter a password"), Length(max=1000)])
    confirm = PasswordField("Confirm your password", validators=[
        DataRequired("Enter your password again"), EqualTo("password", message="The passwords do not match")])


class ConfirmForm(FlaskForm):  # type: ignore[misc]
    """Just the CSRF token: confirming an address is a button press, not opening a link."""


class NewPasswordForm(FlaskForm):  # type: ignore[misc]
    password = PasswordField("New password", validators=[DataRequired("Enter a new password"), Length(max=1000)])
    confirm = PasswordField("Confirm your new password", validators=[
        DataRequired("Enter your new password again"), EqualTo("password", message="The passwords do not match")])


def _errors(form: FlaskForm) -> list[dict[str, str]]:
    """The error summary's entries: each message, linking to its field."""
    found = [{"href": f"#{field.id}", "message": message} for field in form for message in field.errors]
    first = next((f.id for f in form if f.type != "CSRFTokenField"), "main-content")
    return found + [{"href": f"#{first}", "message": m} for m in form.form_errors]


# Registering ----------------------------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@public
def register() -> Any:
    form = EmailForm()
    if not form.validate_on_submit():
        if request.method == "GET" and isinstance(session.get("registering"), str):
            form.email.data = form.email.data or session["registering"]
        return render_template("pages/register.html", form=form, errors=_errors(form)), (
            422 if request.method == "POST" else 200)
    email = form.email.data.strip().lower()
    if agencies.for_email(email) is None:
        audit("registration_refused", f"domain {agencies.domain_of(email)} is not an approved agency's", email=email)
        db.session().commit()
        return render_template("pages/register_refused.html", domain=agencies.domain_of(email)), 403
    session["registering"] = email
    return redirect(url_for("accounts.register_details"))


@bp.route("/register/your-details", methods=["GET", "POST"])
@public
def register_details() -> Any:
    email = session.get("registering")
    if not isinstance(email, str) or not email:
        return redirect(url_for("accounts.register"))
    agency = agencies.for_email(email)  # the domain's agency: the person's organisation, not a question
    if agency is None:  # withdrawn since the first page
        return redirect(url_for("accounts.register"))
    form = DetailsForm()
    if form.validate_on_submit():
        problem = passwords.problem(form.password.data, email, form.name.data)
        if problem:
            form.password.errors.append(problem)
        else:
            _register(email, form.name.data.strip(), agency, form.password.data)
            return redirect(url_for("accounts.check_email"))
    status = 422 if request.method == "POST" else 200
    return render_template("pages/register_details.html", form=form, email=email, agency=agency,
                           errors=_errors(form)), status


def _register(email: str, name: str, agency: Any, password: str) -> None:
    """Make the account (unconfirmed) and send the link, in one transaction. An address that has
    an account already is only sent an email: the page says the same either way."""
    s = db.session()
    existing = s.scalar(select(User).where(User.email == email))
    if existing is None:
        user = create_user(email, name, "professional", password, agency.title, agency_id=agency.id, verified=False)
        s.flush()
        send_verification(user)
        audit("registration", f"{agency.id}", user=user)
    elif not existing.verified and existing.active:
        send_verification(existing)  # registering again is how a lost link is replaced
        audit("registration_repeated", "a new confirmation link", user=existing)
    else:
        mail.send(email, "You already have an account", render_template(
            "mail/already_registered.txt", user=existing, sign_in=mail.external_url("auth.sign_in"),
            reset=mail.external_url("accounts.forgot_password")))
        audit("registration_repeated", "already has an account", user=existing)
    s.commit()


@bp.route("/register/check-your-email")
@public
def check_email() -> str:
    email = session.get("registering")
    return render_template("pages/check_email.html", email=email if isinstance(email, str) else None,
                           lasts=lockout.minutes(tokens.lifetime(tokens.VERIFY)))


@bp.route("/confirm-email/<token>", methods=["GET", "POST"])
@public
def verify(token: str) -> Any:
    s = db.session()
    form = ConfirmForm()
    if tokens.holder(s, token, tokens.VERIFY) is None:
        return render_template("pages/link_expired.html", what="confirm your email address"), 410
    if not form.validate_on_submit():
        return render_template("pages/confirm_email.html", form=form)
    user = tokens.use(s, token, tokens.VERIFY)
    if user is None:
        return render_template("pages/link_expired.html", what="confirm your email address"), 410
    if user.email_verified_at is None:
        user.email_verified_at = lockout.now()
    audit("email_verified", user=user)
    s.commit()
    session.pop("registering", None)
    flash("Your email address is confirmed. Sign in to make a referral.", "success")
    return redirect(url_for("auth.sign_in"))


# Resetting a password -----------------------------------------------------------------------------


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
def forgot_password() -> Any:
    form = EmailForm()
    if not form.validate_on_submit():
        return render_template("pages/forgot_password.html", form=form, errors=_errors(form)), (
            422 if request.method == "POST" else 200)
    s = db.session()
    email = form.email.data.strip().lower()
    user = s.scalar(select(User).where(User.email == email))
    if user is not None and user.active:
        token = tokens.issue(s, user, tokens.RESET)
        mail.send(email, "Reset your password", render_template(
            "mail/reset.txt", user=user, link=mail.external_url("accounts.reset_password", token=token),
            lasts=lockout.minutes(tokens.lifetime(tokens.RESET))))
        audit("password_reset_requested", user=user)
    else:
        audit("password_reset_requested", "no active account has this address", email=email)
    s.commit()
    # The same page whether or not the address has an account.
    return render_template("pages/reset_sent.html", email=email, lasts=lockout.minutes(tokens.lifetime(tokens.RESET)))


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> Any:
    s = db.session()
    user = tokens.holder(s, token, tokens.RESET)
    if user is None:
        return render_template("pages/link_expired.html", what="reset your password"), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        problem = passwords.problem(form.password.data, user.email, user.name)
        if problem:
            form.password.errors.append(problem)
        elif tokens.use(s, token, tokens.RESET) is None:
            return render_template("pages/link_expired.html", what="reset your password"), 410
        else:
            set_password(user, form.password.data)
            if user.email_verified_at is None:
                user.email_verified_at = lockout.now()  # the link proves the mailbox as well as confirming would
            lockout.clear(s, user.email)
            mail.send(user.email, "Your password has been changed", render_template(
                "mail/password_changed.txt", user=user, reset=mail.external_url("accounts.forgot_password"),
                phone=current_app.config["FANLIGHT_FRONT_DOOR_PHONE"]))
            audit("password_reset_completed", user=user)
            s.commit()
            flash("Your password has been changed. Sign in with your new password.", "success")
            return redirect(url_for("auth.sign_in"))
    status = 422 if request.method == "POST" else 200
    return render_template("pages/reset_password.html", form=form, errors=_errors(form)), status


# Your account --------------------------------------------------------------------------------------


@bp.route("/account")
@requires("account")
def account() -> str:
    agency = agencies.get(g.user.agency_id)
    return render_template("pages/account.html", user=g.user, agency=agency, role_name=ROLE_NAMES.get(g.user.role, g.user.role))
