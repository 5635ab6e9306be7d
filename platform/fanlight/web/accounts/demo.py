"""Demo accounts for a development database; production refuses to create them or to run with them.

Their password is printed by `fanlight serve` and written in the README: in production they would
be an administrator's account anyone can sign in to.
"""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import inspect, select

from .. import db, extensions
from ..access.audit import audit
from ..definitions import agencies
from ..models import User
from .service import create_user

# (email, name, role, agency definition id): each agency is one of definitions/agencies/.
DEMO_ACCOUNTS = [
    ("teacher@demo-school.example", "Sam Teacher", "professional", "demo-primary-school"),
    ("gp@demo-surgery.example", "Dr Alex Patel", "professional", "demo-surgery"),
    ("officer@demo-council.example", "Jo Officer", "front_door_officer", "family-front-door"),
    # The dashboards' downloads and approving decisions are a manager's.
    ("manager@demo-council.example", "Ann Manager", "manager", "family-front-door"),
    # Changing a form in the workbench takes two people: one drafts, another reviews and publishes.
    ("lead@demo-council.example", "Lou Lead", "service_lead", "family-front-door"),
    ("reviewer@demo-council.example", "Kit Reviewer", "it_reviewer", "family-front-door"),
    ("admin@demo-council.example", "Ali Administrator", "administrator", "family-front-door"),
]
EMAILS = [email for email, *_ in DEMO_ACCOUNTS]


def seed_demo_accounts(password: str) -> list[tuple[str, str]]:
    if current_app.config["FANLIGHT_ENV"] == "production":
        raise RuntimeError("demo accounts are never created in production")
    s = db.session()
    created = []
    for email, name, role, agency_id in DEMO_ACCOUNTS:
        if s.scalar(select(User).where(User.email == email)) is None:
            agency = agencies.get(agency_id)
            create_user(email, name, role, password, agency.title if agency else "", agency_id=agency_id if agency else "")
        created.append((email, role))
    s.commit()
    return created


def active_demo_accounts() -> list[str]:
    """The demo accounts that can still sign in here (none on a database not yet migrated)."""
    if not inspect(extensions.db_engine()).has_table("users"):
        return []
    found = db.session().scalars(select(User.email).where(User.email.in_(EMAILS), User.active.is_(True)))
    return sorted(found)


def retire_demo_accounts() -> list[str]:
    """Switch the demo accounts off for good: no sign-in, no password that was ever published.

    The rows stay, so the audit and any records they made still say who did what.
    """
    s = db.session()
    retired = []
    for user in s.scalars(select(User).where(User.email.in_(EMAILS), User.active.is_(True))):
        user.active = False
        user.password_hash = f"!retired {secrets.token_hex(16)}"  # no argon2 hash: no password matches
        user.session_nonce = ""
        audit("user_deactivated", target=f"user {user.id} ({user.email}): a demo account, retired for production")
        retired.append(user.email)
    s.commit()
    return sorted(retired)
