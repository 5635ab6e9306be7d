"""Definition changes: draft -> in review -> approved -> published (or rejected / withdrawn).

Every rule is enforced here, on the server, whatever page or request asks: only service
leads draft changes, only IT reviewers approve and publish, nobody approves their own
change, and nothing is published while its definitions have problems or its tests fail.
Every action writes one DefinitionEvent.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanlight.engine import DefinitionSet, load_texts
from fanlight.engine.problems import Problem
from fanlight.engine.testing import ScenarioResult, run_suites

from . import registry
from .models import Change, ChangeComment, ChangeItem, DefinitionEvent, User
from .permissions import allowed

EDITABLE = ("draft",)
OPEN = ("draft", "in_review", "approved")


class NotAllowed(Exception):
    """A workflow rule refused the action; the message says why, in plain words."""


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass
class Checks:
    """What a change would do to the live set: its problems and its definition tests."""

    definitions: DefinitionSet
    problems: list[Problem] = field(default_factory=list)
    tests: list[ScenarioResult] = field(default_factory=list)

    @property
    def failing_tests(self) -> list[ScenarioResult]:
        return [t for t in self.tests if not t.passed]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.failing_tests


def _event(s: Session, actor: User | None, action: str, change: Change | None, **detail: Any) -> None:
    s.add(DefinitionEvent(actor_id=actor.id if actor else None, action=action,
                          change_id=change.id if change else None, detail=detail))


def _require(user: User, permission: str, doing: str) -> None:
    if not allowed(user.role, permission):
        raise NotAllowed(f"Your role cannot {doing}.")


def items_of(s: Session, change: Change) -> dict[str, str]:
    return {i.path: i.content for i in s.scalars(select(ChangeItem).where(ChangeItem.change_id == change.id))}


def proposed_texts(s: Session, change: Change) -> dict[str, str]:
    """The live set with this change applied (an item with empty text removes its file)."""
    base = registry.texts_of(s, registry.live_id(s) or 0)
    for path, text in items_of(s, change).items():
        if text.strip():
            base[path] = text
        else:
            base.pop(path, None)
    return base


def check(s: Session, change: Change) -> Checks:
    loaded = load_texts(proposed_texts(s, change))
    return Checks(loaded, list(loaded.problems), run_suites(loaded) if not loaded.problems else [])


def create(s: Session, author: User, title: str, description: str = "") -> Change:
    _require(author, "edit_definitions", "draft definition changes")
    change = Change(title=title.strip()[:200] or "Untitled change", description=description, author_id=author.id,
                    base_publication_id=registry.live_id(s))
    s.add(change)
    s.flush()
    _event(s, author, "create", change, title=change.title)
    return change


def save_item(s: Session, change: Change, author: User, path: str, text: str) -> None:
    if change.author_id != author.id:
        raise NotAllowed("Only the author of a change can edit it.")
    if change.state not in EDITABLE:
        raise NotAllowed("This change is no longer a draft. Return it to draft to edit it.")
    if not _safe_path(path):
        raise NotAllowed("A definition file's name must be a relative path ending .yaml.")
    item = s.scalar(select(ChangeItem).where(ChangeItem.change_id == change.id, ChangeItem.path == path))
    if item is None:
        s.add(ChangeItem(change_id=change.id, path=path, content=text))
    else:
        item.content = text
    change.updated_at = now()
    _event(s, author, "edit", change, path=path)


def _safe_path(path: str) -> bool:
    parts = path.split("/")
    return path.endswith((".yaml", ".yml")) and not path.startswith("/") and ".." not in parts and all(parts)


def submit(s: Session, change: Change, author: User) -> Checks:
    if change.author_id != author.id:
        raise NotAllowed("Only the author of a change can submit it for review.")
    if change.state != "draft":
        raise NotAllowed("Only a draft can be submitted for review.")
    if not items_of(s, change):
        raise NotAllowed("The change has no edits yet.")
    checks = check(s, change)
    if checks.problems:
        raise NotAllowed(f"The definitions have {len(checks.problems)} problem(s). Fix them before review.")
    change.state = "in_review"
    change.updated_at = now()
    _event(s, author, "submit", change)
    return checks


def comment(s: Session, change: Change, user: User, body: str) -> None:
    if not (user.id == change.author_id or allowed(user.role, "review_definitions")):
        raise NotAllowed("Only the author and IT reviewers can comment on a change.")
    if not body.strip():
        raise NotAllowed("Enter a comment.")
    s.add(ChangeComment(change_id=change.id, author_id=user.id, body=body.strip()[:5000]))
    _event(s, user, "comment", change)


def _review(change: Change, reviewer: User, doing: str) -> None:
    _require(reviewer, "review_definitions", doing)
    if change.author_id == reviewer.id:
        raise NotAllowed("You cannot approve, reject or publish your own change.")


def approve(s: Session, change: Change, reviewer: User) -> None:
    _review(change, reviewer, "approve definition changes")
    if change.state != "in_review":
        raise NotAllowed("Only a change in review can be approved.")
    change.state, change.reviewer_id, change.updated_at = "approved", reviewer.id, now()
    _event(s, reviewer, "approve", change)


def reject(s: Session, change: Change, reviewer: User, reason: str) -> None:
    _review(change, reviewer, "reject definition changes")
    if change.state not in ("in_review", "approved"):
        raise NotAllowed("Only a change in review or approved can be rejected.")
    if not reason.strip():
        raise NotAllowed("Say why the change is rejected.")
    s.add(ChangeComment(change_id=change.id, author_id=reviewer.id, body=reason.strip()[:5000]))
    change.state, change.reviewer_id, change.updated_at = "rejected", reviewer.id, now()
    _event(s, reviewer, "reject", change)


def withdraw(s: Session, change: Change, author: User) -> None:
    if change.author_id != author.id:
        raise NotAllowed("Only the author of a change can withdraw it.")
    if change.state not in OPEN:
        raise NotAllowed("This change is already closed.")
    change.state, change.updated_at = "withdrawn", now()
    _event(s, author, "withdraw", change)


def return_to_draft(s: Session, change: Change, author: User) -> None:
    if change.author_id != author.id or change.state not in ("in_review", "approved"):
        raise NotAllowed("Only the author can return a change in review to draft.")
    change.state, change.reviewer_id, change.updated_at = "draft", None, now()
    _event(s, author, "return_to_draft", change)


def publish(s: Session, change: Change, reviewer: User) -> int:
    """Publish an approved change atomically; returns the new live publication id."""
    _review(change, reviewer, "publish definition changes")
    if change.state != "approved":
        raise NotAllowed("Only an approved change can be published.")
    stale = stale_paths(s, change)
    if stale:
        raise NotAllowed("Publishing is refused: since this change began, another change published "
                         f"{', '.join(stale)}. Start a new change from the live version.")
    checks = check(s, change)
    if checks.problems:
        raise NotAllowed(f"Publishing is refused: the definitions have {len(checks.problems)} problem(s).")
    if checks.failing_tests:
        raise NotAllowed(f"Publishing is refused: {len(checks.failing_tests)} definition test(s) fail.")
    publication = registry.publish_texts(s, proposed_texts(s, change), change_id=change.id, user_id=reviewer.id,
                                         note=change.title)
    change.state, change.publication_id, change.updated_at = "published", publication.id, now()
    _event(s, reviewer, "publish", change, publication=publication.id)
    return publication.id


def stale_paths(s: Session, change: Change) -> list[str]:
    """Files this change edits that another change has published since it began (a lost update)."""
    base = registry.texts_of(s, change.base_publication_id or 0)
    live = registry.texts_of(s, registry.live_id(s) or 0)
    return sorted(path for path in items_of(s, change) if base.get(path) != live.get(path))


def rollback(s: Session, reviewer: User, to_publication: int) -> int:
    """Republish an earlier publication's definitions as a new change and publication."""
    _require(reviewer, "review_definitions", "roll back definitions")
    target = registry.texts_of(s, to_publication)
    if not target:
        raise NotAllowed("There is no such publication to roll back to.")
    live = registry.live_id(s)
    change = Change(title=f"Roll back to publication {to_publication}", author_id=reviewer.id,
                    base_publication_id=live, reviewer_id=reviewer.id, state="published")
    s.add(change)
    s.flush()
    current = registry.texts_of(s, live or 0)
    for path in sorted(set(target) | set(current)):
        if target.get(path) != current.get(path):
            s.add(ChangeItem(change_id=change.id, path=path, content=target.get(path, "")))
    publication = registry.publish_texts(s, target, change_id=change.id, user_id=reviewer.id, note=change.title)
    change.publication_id = publication.id
    _event(s, reviewer, "rollback", change, to_publication=to_publication, publication=publication.id)
    return publication.id


def import_folder(s: Session, author: User, texts: dict[str, str], title: str) -> Change | None:
    """A folder of definitions (e.g. from git) becomes a change in review; None if nothing differs."""
    live = registry.texts_of(s, registry.live_id(s) or 0)
    differing = {path: text for path, text in texts.items() if live.get(path) != text}
    if not differing:
        return None
    change = create(s, author, title)
    for path, text in differing.items():
        s.add(ChangeItem(change_id=change.id, path=path, content=text))
    s.flush()
    _event(s, author, "import", change, files=sorted(differing))
    checks = check(s, change)
    if not checks.problems:
        change.state = "in_review"
        _event(s, author, "submit", change)
    return change
