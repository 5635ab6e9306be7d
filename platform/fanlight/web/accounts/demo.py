"""Demo accounts for a development database (never created when FANLIGHT_DEMO_ACCOUNTS=0)."""

from __future__ import annotations

from sqlalchemy import select

from .. import db
from ..definitions import agencies
from ..models import User
from .service import create_user

# (email, name, role, agency definition id): each agency is one of definitions/agencies/.
DEMO_ACCOUNTS = [
    ("teacher@demo-school.example", "Sam Teacher", "professional", "demo-primary-school"),
    ("gp@demo-surgery.example", "Dr Alex Patel", "professional", "demo-surgery"),
    ("officer@demo-council.example", "Jo Officer", "front_door_officer", "family-front-door"),
    ("admin@demo-council.example", "Ali Administrator", "administrator", "family-front-door"),
]


def seed_demo_accounts(password: str) -> list[tuple[str, str]]:
    s = db.session()
    created = []
    for email, name, role, agency_id in DEMO_ACCOUNTS:
        if s.scalar(select(User).where(User.email == email)) is None:
            agency = agencies.get(agency_id)
            create_user(email, name, role, password, agency.title if agency else "", agency_id=agency_id if agency else "")
        created.append((email, role))
    s.commit()
    return created
