"""The security audit trail: one append-only row per security event.

Who, what, when, from where; never an answer value or a password. Usable in a request
(the actor and address come from it) or outside one (a command names its own address).
The caller commits, with the change the event records where there is one.
"""

from __future__ import annotations

from flask import g, has_app_context, has_request_context, request
from sqlalchemy.orm import Session

from .. import db
from ..models import AuditEvent, User


def audit(event: str, target: str = "", user: User | None = None, email: str = "", *,
          s: Session | None = None, remote_addr: str | None = None) -> None:
    actor = user or (g.get("user") if has_app_context() else None)
    if remote_addr is None:
        remote_addr = (request.remote_addr or "") if has_request_context() else "command line"
    (s or db.session()).add(AuditEvent(
        actor_id=actor.id if actor else None, actor_email=(actor.email if actor else email)[:254],
        event=event, target=target[:500], remote_addr=remote_addr[:64],
    ))


def denied(target: str) -> None:
    """Record a refused request (the request is refused by the caller): committed at once, since
    the refusal rolls nothing else back."""
    audit("access_denied", target)
    db.session().commit()
