"""Creating an account and confirming its email address.

Only staff of approved agencies may register: the email address's domain must be one an
agency definition lists (an exact match). Nothing here tells anyone whether an address has
an account: registering an address that has one answers exactly as for a new one; the
mailbox's owner is told.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from sqlalchemy import select

from fanlight.engine.definitions.model import Agency

from .. import clock, db, mail
from ..access.audit import audit
from ..access.permissions import public
from ..definitions import agencies
from ..models import User
from . import accounts_blueprint as bp
from . import passwords, tokens
from .forms import ConfirmForm, DetailsForm, EmailForm, add_error, errors, text
from .service import create_user, send_verification

# Registering ----------------------------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@public
def register() -> Any:
    form = EmailForm()
    if not form.validate_on_submit():
        if request.method == "GET" and isinstance(session.get("registering"), str):
            form.email.data = form.email.data or session["registering"]
        return render_template("pages/accounts/register.html", form=form, errors=errors(form)), (
            422 if request.method == "POST" else 200)
    email = text(form.email).strip().lower()
    if agencies.for_email(email) is None:
        audit("registration_refused", f"domain {agencies.domain_of(email)} is not an approved agency's", email=email)
        db.session().commit()
        return render_template("pages/accounts/register_refused.html", domain=agencies.domain_of(email)), 403
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
        problem = passwords.problem(text(form.password), email, text(form.name))
        if problem:
            add_error(form.password, problem)
        else:
            _register(email, text(form.name).strip(), agency, text(form.password))
            return redirect(url_for("accounts.check_email"))
    status = 422 if request.method == "POST" else 200
    return render_template("pages/accounts/register_details.html", form=form, email=email, agency=agency,
                           errors=errors(form)), status


def _register(email: str, name: str, agency: Agency, password: str) -> None:
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
    return render_template("pages/accounts/check_email.html", email=email if isinstance(email, str) else None,
                           lasts=clock.duration(tokens.lifetime(tokens.VERIFY)))


@bp.route("/confirm-email/<token>", methods=["GET", "POST"])
@public
def verify(token: str) -> Any:
    s = db.session()
    form = ConfirmForm()
    if tokens.holder(s, token, tokens.VERIFY) is None:
        return render_template("pages/accounts/link_expired.html", what="confirm your email address"), 410
    if not form.validate_on_submit():
        return render_template("pages/accounts/confirm_email.html", form=form)
    user = tokens.use(s, token, tokens.VERIFY)
    if user is None:
        return render_template("pages/accounts/link_expired.html", what="confirm your email address"), 410
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
    audit("email_verified", user=user)
    s.commit()
    session.pop("registering", None)
    flash("Your email address is confirmed. Sign in to make a referral.", "success")
    return redirect(url_for("auth.sign_in"))
