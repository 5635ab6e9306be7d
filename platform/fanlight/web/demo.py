"""Demo accounts for a development database (never created when FANLIGHT_DEMO_ACCOUNTS=0)."""

from __future__ import annotations

from sqlalchemy import select

from . import db
from .auth import create_user
from .models import User

DEMO_ACCOUNTS = [
    ("teacher@demo-school.example", "Sam Teacher", "professional", "Demo Primary School"),
    ("gp@demo-surgery.example", "Dr Alex Patel", "professional", "Demo Surgery"),
    ("officer@demo-council.example", "Jo Officer", "front_door_officer", "Family Front Door"),
]


def seed_demo_accounts(password: str) -> list[tuple[str, str]]:
    s = db.session()
    created = []
    for email, name, role, agency in DEMO_ACCOUNTS:
        if s.scalar(select(User).where(User.email == email)) is None:
            create_user(email, name, role, password, agency)
        created.append((email, role))
    s.commit()
    return created
