"""Accounts: signing in and out, sessions, registering, confirming an address, resetting a password.

Two blueprints: "auth" (the way in and out) and "accounts" (registration, reset, your account).
"""

from __future__ import annotations

from flask import Blueprint, Flask

auth_blueprint = Blueprint("auth", __name__)
accounts_blueprint = Blueprint("accounts", __name__)


def register(app: Flask) -> None:
    from . import account, password_reset, registration, sign_in  # noqa: F401, PLC0415  (their routes)

    app.register_blueprint(auth_blueprint)
    app.register_blueprint(accounts_blueprint)
