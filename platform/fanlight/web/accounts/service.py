"""Making accounts and changing passwords: the rules, not the pages."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, render_template

from .. import clock, db, mail
from ..models import User
from . import tokens

DEFAULT_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
HASHER = "fanlight.password_hasher"


def hasher() -> PasswordHasher:
    """The app's password hasher (the tests give theirs cheaper parameters)."""
    found: PasswordHasher = current_app.extensions.get(HASHER, DEFAULT_HASHER)
    return found


def _dummy_hash() -> str:
    """A hash to verify against when there is no account, so both cases cost the same."""
    key = HASHER + ".dummy"
    if key not in current_app.extensions:
        current_app.extensions[key] = hasher().hash("not-a-real-password-used-to-even-out-timing")
    found: str = current_app.extensions[key]
    return found


def password_ok(user: User | None, password: str) -> bool:
    """The same work whether or not there is an account: no account enumeration by timing."""
    try:
        return hasher().verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(email: str, name: str, role: str, password: str, agency: str = "", *, agency_id: str = "",
                verified: bool = True) -> User:
    """An account. Made by an administrator, the `fanlight users create` command or the demo data,
    it is verified; self-registration makes it unverified until the emailed link is followed."""
    user = User(email=email.strip().lower(), name=name, role=role, agency=agency, agency_id=agency_id,
                password_hash=hasher().hash(password), active=True,
                email_verified_at=clock.now() if verified else None)
    db.session().add(user)
    return user


def set_password(user: User, password: str) -> None:
    """A new password: every session of this person ends, and every reset link stops working."""
    user.password_hash = hasher().hash(password)
    user.session_nonce = secrets.token_hex(32)
    tokens.withdraw_all(db.session(), user, tokens.RESET)


def send_verification(user: User) -> None:
    """Queue a new link to confirm this person's address (the caller commits)."""
    token = tokens.issue(db.session(), user, tokens.VERIFY)
    mail.send(user.email, "Confirm your email address", render_template(
        "mail/verify.txt", user=user, link=mail.external_url("accounts.verify", token=token),
        lasts=clock.duration(tokens.lifetime(tokens.VERIFY))))
