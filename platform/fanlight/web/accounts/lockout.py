"""Failed sign-ins for an email address: slowed, then locked for a period (OWASP ASVS 2.2.1).

Counted per address whether or not an account has it, so the answers never tell anyone
which addresses have accounts. After FANLIGHT_LOCKOUT_SLOW_AFTER failures each further try
must wait (FANLIGHT_LOCKOUT_SLOW_SECONDS, doubling, at most 5 minutes); a try made sooner is
refused without the password being checked. After FANLIGHT_LOCKOUT_AFTER failures, no
sign-in for FANLIGHT_LOCKOUT_SECONDS, not even with the right password; a password reset
(proof of the mailbox) unlocks at once. A successful sign-in clears the count, and a count
with no failure for a day is forgotten.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.orm import Session

from .. import clock
from ..models import SignInThrottle

FORGET_AFTER = datetime.timedelta(days=1)
LONGEST_WAIT = 5 * 60


@dataclass(frozen=True)
class State:
    failures: int = 0
    wait_seconds: int = 0  # before the next try may be checked (slowed)
    locked_seconds: int = 0  # before any try may be checked (locked)
    tries_before_lock: int = 0

    @property
    def refused(self) -> bool:
        return self.wait_seconds > 0 or self.locked_seconds > 0


def _settings() -> tuple[int, int, int, int]:
    c = current_app.config
    return (int(c["FANLIGHT_LOCKOUT_SLOW_AFTER"]), int(c["FANLIGHT_LOCKOUT_SLOW_SECONDS"]),
            int(c["FANLIGHT_LOCKOUT_AFTER"]), int(c["FANLIGHT_LOCKOUT_SECONDS"]))


def _seconds_until(moment: datetime.datetime | None, at: datetime.datetime) -> int:
    if moment is None:
        return 0
    return max(0, math.ceil((clock.utc(moment) - at).total_seconds()))


def _row(s: Session, email: str, at: datetime.datetime) -> SignInThrottle | None:
    row = s.get(SignInThrottle, email, with_for_update=True)
    if row is not None and at - clock.utc(row.last_failure_at) > FORGET_AFTER and not _seconds_until(row.locked_until, at):
        s.delete(row)
        s.flush()
        return None
    return row


def state(s: Session, email: str) -> State:
    """Whether a sign-in for this address may be checked now."""
    at = clock.now()
    row = _row(s, email, at)
    if row is None:
        return State()
    _, _, lock_after, _ = _settings()
    locked = _seconds_until(row.locked_until, at)
    if row.locked_until is not None and not locked:  # the lock has run out: start again
        s.delete(row)
        s.flush()
        return State()
    return State(row.failures, _seconds_until(row.next_attempt_at, at), locked, max(0, lock_after - row.failures))


def failed(s: Session, email: str) -> State:
    """Count one failed sign-in; the state after it (locked_seconds > 0: it has just locked)."""
    at = clock.now()
    slow_after, slow_seconds, lock_after, lock_seconds = _settings()
    row = _row(s, email, at)
    if row is None:
        row = SignInThrottle(email=email, failures=0, last_failure_at=at)
        s.add(row)
    row.failures = (row.failures or 0) + 1
    row.last_failure_at = at
    wait = locked = 0
    if row.failures >= lock_after:
        locked = lock_seconds
        row.locked_until = at + datetime.timedelta(seconds=lock_seconds)
        row.next_attempt_at = None
    elif row.failures >= slow_after:
        wait = min(LONGEST_WAIT, slow_seconds * 2 ** (row.failures - slow_after))
        row.next_attempt_at = at + datetime.timedelta(seconds=wait)
    s.execute(delete(SignInThrottle).where(SignInThrottle.last_failure_at < at - FORGET_AFTER,
                                           SignInThrottle.email != email))
    return State(row.failures, wait, locked, max(0, lock_after - row.failures))


def clear(s: Session, email: str) -> None:
    s.execute(delete(SignInThrottle).where(SignInThrottle.email == email))

