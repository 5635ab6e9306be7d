"""Links sent by email (confirm an address, reset a password): signed, expiring, single use.

The link carries a token signed with the app's secret (itsdangerous, with a salt per
purpose, and its own timestamp); the token names an `account_tokens` row, which holds when it
expires and whether it has been used. A newer link of the same purpose replaces older ones.
Opening a link only shows a page: the change happens when the person presses its button (a
POST), so mail scanners that open every link never use one up.
"""

from __future__ import annotations

import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.orm import Session

from .. import clock
from ..models import AccountToken, User

VERIFY, RESET = "verify", "reset"
_LIFETIME = {VERIFY: "FANLIGHT_VERIFY_LINK_SECONDS", RESET: "FANLIGHT_RESET_LINK_SECONDS"}


def lifetime(purpose: str) -> int:
    return int(current_app.config[_LIFETIME[purpose]])


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"fanlight-account-{purpose}")  # type: ignore[arg-type]


def issue(s: Session, user: User, purpose: str) -> str:
    """A new link token for this person (older unused ones of the same purpose stop working)."""
    at = clock.now()
    s.execute(update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
                                         AccountToken.used_at.is_(None)).values(used_at=at))
    row = AccountToken(user_id=user.id, purpose=purpose, created_at=at,
                       expires_at=at + datetime.timedelta(seconds=lifetime(purpose)))
    s.add(row)
    s.flush()
    token: str = _serializer(purpose).dumps({"t": row.id, "u": user.id})
    return token


def _row(s: Session, token: str, purpose: str) -> AccountToken | None:
    if not isinstance(token, str) or len(token) > 400:
        return None
    try:
        data: Any = _serializer(purpose).loads(token, max_age=lifetime(purpose))
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), str) or not isinstance(data.get("u"), int):
        return None
    row = s.get(AccountToken, data["t"])
    if row is None or row.purpose != purpose or row.user_id != data["u"] or row.used_at is not None:
        return None
    if clock.utc(row.expires_at) <= clock.now():
        return None
    return row


def _holder(s: Session, token: str, purpose: str) -> tuple[AccountToken, User] | None:
    row = _row(s, token, purpose)
    user = s.get(User, row.user_id) if row is not None else None
    return (row, user) if row is not None and user is not None and user.active else None


def holder(s: Session, token: str, purpose: str) -> User | None:
    """The person a still-usable token belongs to (nothing is used up)."""
    found = _holder(s, token, purpose)
    return found[1] if found else None


def use(s: Session, token: str, purpose: str) -> User | None:
    """Use the token up (at most once, even for two requests at the same moment); its person."""
    found = _holder(s, token, purpose)
    if found is None:
        return None
    row, user = found
    claimed = s.execute(update(AccountToken).where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
                        .values(used_at=clock.now()))
    return user if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


def withdraw_all(s: Session, user: User, purpose: str) -> None:
    s.execute(update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
                                         AccountToken.used_at.is_(None)).values(used_at=clock.now()))
