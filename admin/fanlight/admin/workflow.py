"""Definition changes: draft -> in review -> approved -> published (or rejected / withdrawn).

Every rule is enforced here, on the server, whatever page or request asks: only service
leads draft changes, only IT reviewers approve and publish, nobody approves their own
change, and nothing is published while its definitions have problems or its tests fail.
Every action writes one DefinitionEvent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fanlight.admin import wording
from fanlight.admin.set_cache import SetCache
from fanlight.engine import DefinitionSet
from fanlight.engine.diff import diff_definitions
from fanlight.engine.problems import Problem
from fanlight.engine.testing import ScenarioResult, run_suites
from fanlight.web import clock
from fanlight.web.access import policies
from fanlight.web.access.permissions import allowed
from fanlight.web.definitions import registry
from fanlight.web.definitions.catalogue import compiled_set
from fanlight.web.models import Change, ChangeComment, ChangeItem, ChangeState, DefinitionEvent, Publication, User

OPEN = ChangeState.open()
MAX_TEXT = 500_000  # characters in one definition file: the largest bundled one is ~40,000
# Definition-test results by the compiled set they ran on. With the day: a scenario without its
# own `today` is evaluated on today's date.
_RESULTS: SetCache[list[ScenarioResult]] = SetCache(size=16)


class NotAllowed(Exception):
    """A workflow rule refused the action; the message says why, in plain words."""


class Forbidden(NotAllowed):
    """Refused because of who is asking (their role, or whose change it is), not the change's state."""



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


def _move(s: Session, change: Change, to: ChangeState, refusal: str, **values: Any) -> None:
    """Move the change to `to` from a state that may become it (ChangeState's moves), or refuse:
    a compare-and-set in the database, so two people acting on one change at the same moment
    cannot both succeed."""
    states = ChangeState.sources(to)
    if change.state not in states:
        raise NotAllowed(refusal)
    moved = s.execute(
        update(Change).where(Change.id == change.id, Change.state.in_(states))
        .values(state=to, updated_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        s.refresh(change)
        raise NotAllowed(f"{refusal} Someone else acted on it just now: it is now {ChangeState(change.state).label.lower()}.")
    s.refresh(change)


def _require(user: User, permission: str, doing: str) -> None:
    if not allowed(user.role, permission):
        raise Forbidden(f"Your role cannot {doing}.")


def items_of(s: Session, change: Change) -> dict[str, str]:
    return {i.path: i.content for i in s.scalars(select(ChangeItem).where(ChangeItem.change_id == change.id))}


def proposed_texts(s: Session, change: Change) -> dict[str, str]:
    """The whole set this change stands for (an item with empty text removes its file).

    An open change: the live set with the change applied, which is what publishing it would
    serve. A published change: exactly the set it published. A rejected or withdrawn change:
    the set it began from with the change applied, as it was reviewed.
    """
    if change.state == ChangeState.PUBLISHED and change.publication_id is not None:
        return registry.texts_of(s, change.publication_id)
    start = registry.live_id(s) if change.state in OPEN else change.base_publication_id
    base = registry.texts_of(s, start or 0)
    for path, text in items_of(s, change).items():
        if text.strip():
            base[path] = text
        else:
            base.pop(path, None)
    return base


def check(s: Session, change: Change) -> Checks:
    return checks_of(proposed_texts(s, change))


def checks_of(texts: dict[str, str]) -> Checks:
    """The problems and test results of these files: compiled and tested once per content, not per page."""
    loaded = compiled_set(texts)
    return Checks(loaded, list(loaded.problems), list(results_of(loaded)) if not loaded.problems else [])


def results_of(loaded: DefinitionSet) -> list[ScenarioResult]:
    now = clock.now()  # for scenarios that do not say which day they are written for
    return _RESULTS.get((loaded,), lambda: run_suites(loaded, now), now.date())


def create(s: Session, author: User, title: str, description: str = "") -> Change:
    _require(author, "edit_definitions", "draft definition changes")
    change = Change(title=title.strip()[:200] or "Untitled change", description=description, author_id=author.id,
                    base_publication_id=registry.live_id(s))
    s.add(change)
    s.flush()
    _event(s, author, "create", change, title=change.title)
    return change


def describe(s: Session, change: Change, author: User, title: str, reason: str) -> None:
    """The author says what the change is (its title) and why it is needed (its reason)."""
    ensure_editable(change, author)
    if not title.strip():
        raise NotAllowed("Enter a title for the change.")
    change.title, change.description = title.strip()[:200], reason.strip()[:5000]
    change.updated_at = clock.now()
    _event(s, author, "describe", change, title=change.title, reason=change.description)


def ensure_editable(change: Change, author: User) -> None:
    """Refuse unless `author` may edit this change now (before any work is done on an edit)."""
    _require(author, "edit_definitions", "edit definitions")
    if not policies.can_edit_change(author, change):
        raise Forbidden("Only the author of a change can edit it.")
    if change.state != ChangeState.DRAFT:
        raise NotAllowed("This change is no longer a draft. Return it to draft to edit it.")


def save_item(s: Session, change: Change, author: User, path: str, text: str) -> None:
    ensure_editable(change, author)
    if not _safe_path(path):
        raise NotAllowed("A definition file's name must be a relative path ending .yaml.")
    if len(text) > MAX_TEXT:
        raise NotAllowed(f"A definition file can be at most {MAX_TEXT:,} characters long.")
    before = proposed_texts(s, change)
    after = dict(before)
    if text.strip():
        after[path] = text
    else:
        after.pop(path, None)
    item = s.scalar(select(ChangeItem).where(ChangeItem.change_id == change.id, ChangeItem.path == path))
    if item is None:
        s.add(ChangeItem(change_id=change.id, path=path, content=text))
    else:
        item.content = text
    change.updated_at = clock.now()
    _event(s, author, "edit", change, path=path, summary=what_changed(before, after))


def what_changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The semantic diff between two sets, summed up for people (["changed the label of consent"])."""
    old, new = compiled_set(before), compiled_set(after)
    if new.problems:
        return [f"edited the YAML, leaving {wording.count(len(new.problems), 'problem')}: what it changes shows once they are fixed"]
    if old.problems:
        return ["fixed the definitions' problems"]
    return wording.summary(diff_definitions(old, new)) or ["changed only the layout or comments of the file"]


def _safe_path(path: str) -> bool:
    parts = path.split("/")
    return (path.endswith((".yaml", ".yml")) and not path.startswith("/") and ".." not in parts and all(parts)
            and "\\" not in path and len(path) <= 255)


def submit(s: Session, change: Change, author: User) -> Checks:
    _require(author, "edit_definitions", "submit definition changes")
    if not policies.can_edit_change(author, change):
        raise Forbidden("Only the author of a change can submit it for review.")
    if change.state != ChangeState.DRAFT:
        raise NotAllowed("Only a draft can be submitted for review.")
    if not items_of(s, change):
        raise NotAllowed("The change has no edits yet.")
    if not change.title.strip() or not change.description.strip():
        raise NotAllowed("Say why this change is needed before sending it for review.")
    checks = check(s, change)
    if checks.problems:
        raise NotAllowed(f"The definitions have {len(checks.problems)} problem(s). Fix them before review.")
    _move(s, change, ChangeState.IN_REVIEW, "Only a draft can be submitted for review.")
    _event(s, author, "submit", change)
    return checks


def comment(s: Session, change: Change, user: User, body: str) -> None:
    if not policies.can_comment_on_change(user, change):
        raise Forbidden("Only the author and IT reviewers can comment on a change.")
    if not body.strip():
        raise NotAllowed("Enter a comment.")
    s.add(ChangeComment(change_id=change.id, author_id=user.id, body=body.strip()[:5000]))
    _event(s, user, "comment", change)


def _review(change: Change, reviewer: User, doing: str) -> None:
    _require(reviewer, "review_definitions", doing)
    if not policies.can_review_change(reviewer, change):
        raise Forbidden("You cannot approve, reject or publish your own change.")


def approve(s: Session, change: Change, reviewer: User) -> None:
    _review(change, reviewer, "approve definition changes")
    _move(s, change, ChangeState.APPROVED, "Only a change in review can be approved.", reviewer_id=reviewer.id)
    _event(s, reviewer, "approve", change)


def reject(s: Session, change: Change, reviewer: User, reason: str) -> None:
    _review(change, reviewer, "reject definition changes")
    if change.state not in (ChangeState.IN_REVIEW, ChangeState.APPROVED):
        raise NotAllowed("Only a change in review or approved can be rejected.")
    if not reason.strip():
        raise NotAllowed("Say why the change is rejected.")
    _move(s, change, ChangeState.REJECTED, "Only a change in review or approved can be rejected.",
          reviewer_id=reviewer.id)
    s.add(ChangeComment(change_id=change.id, author_id=reviewer.id, body=reason.strip()[:5000]))
    _event(s, reviewer, "reject", change)


def withdraw(s: Session, change: Change, author: User) -> None:
    _require(author, "edit_definitions", "withdraw definition changes")
    if not policies.can_edit_change(author, change):
        raise Forbidden("Only the author of a change can withdraw it.")
    _move(s, change, ChangeState.WITHDRAWN, "This change is already closed.")
    _event(s, author, "withdraw", change)


def return_to_draft(s: Session, change: Change, author: User) -> None:
    _require(author, "edit_definitions", "edit definition changes")
    if not policies.can_edit_change(author, change):
        raise Forbidden("Only the author can return a change in review to draft.")
    _move(s, change, ChangeState.DRAFT, "Only a change in review or approved can return to draft.",
          reviewer_id=None)
    _event(s, author, "return_to_draft", change)


def publish(s: Session, change: Change, reviewer: User) -> int:
    """Publish an approved change atomically; returns the new live publication id.

    Every new version and the publication are written in the caller's transaction: if any
    part fails, the caller rolls back and nothing of it is live. Publishing holds the
    registry's publish lock, so the live set it starts from is the newest one.
    """
    _review(change, reviewer, "publish definition changes")
    registry.publish_lock(s)
    s.refresh(change)  # as it is now that nobody else can publish (a second click, another reviewer)
    if change.state != ChangeState.APPROVED:
        raise NotAllowed("This change has already been published." if change.state == ChangeState.PUBLISHED
                         else "Only an approved change can be published.")
    stale = stale_paths(s, change)
    if stale:
        raise NotAllowed("Publishing is refused: since this change began, another change published "
                         f"{', '.join(stale)}. Start a new change from the live version.")
    checks = check(s, change)
    if checks.problems:
        raise NotAllowed(f"Publishing is refused: the definitions have {len(checks.problems)} problem(s).")
    if checks.failing_tests:
        raise NotAllowed(f"Publishing is refused: {len(checks.failing_tests)} definition test(s) fail.")
    target = rollback_target(s, change)
    if target is not None:  # a rollback a second reviewer publishes: the very versions that were live then
        publication = registry.publish_versions(s, list(target.version_ids), change_id=change.id,
                                                user_id=reviewer.id, note=change.title)
    else:
        publication = registry.publish_texts(s, proposed_texts(s, change), change_id=change.id, user_id=reviewer.id,
                                             note=change.title)
    _move(s, change, ChangeState.PUBLISHED, "Only an approved change can be published.",
          publication_id=publication.id)
    _event(s, reviewer, "publish", change, publication=publication.id, title=change.title, reason=change.description,
           **({"to_publication": target.id} if target is not None else {}))
    return publication.id


def rollback_target(s: Session, change: Change) -> Publication | None:
    """The publication a change asking for a rollback (request_rollback) would serve again; None for other changes."""
    detail = s.scalar(select(DefinitionEvent.detail).where(DefinitionEvent.change_id == change.id,
                                                          DefinitionEvent.action == "request_rollback"))
    return s.get(Publication, int(detail["to_publication"])) if detail else None


def stale_paths(s: Session, change: Change) -> list[str]:
    """Files this change edits that another change has published since it began (a lost update)."""
    if change.state not in OPEN:
        return []
    base = registry.texts_of(s, change.base_publication_id or 0)
    live = registry.texts_of(s, registry.live_id(s) or 0)
    return sorted(path for path in items_of(s, change) if base.get(path) != live.get(path))


def rollback(s: Session, reviewer: User, to_publication: int, reason: str) -> int:
    """Republish an earlier publication's versions, exactly, as a new change and publication.

    The new publication points at the very versions that were live then (same version
    numbers, same content hashes), so what goes live is what was reviewed and published
    before, byte for byte. Like any publication it says who published it and why.
    """
    change, texts, current = _rollback_change(s, reviewer, to_publication, reason, ChangeState.PUBLISHED)
    change.reviewer_id = reviewer.id
    target = s.get(Publication, to_publication)
    assert target is not None  # _rollback_change refused otherwise
    publication = registry.publish_versions(s, list(target.version_ids), change_id=change.id, user_id=reviewer.id,
                                            note=change.title)
    change.publication_id = publication.id
    _event(s, reviewer, "rollback", change, to_publication=to_publication, publication=publication.id,
           reason=change.description, summary=what_changed(current, texts))
    return publication.id


def request_rollback(s: Session, reviewer: User, to_publication: int, reason: str) -> Change:
    """Where a council requires a second person for a rollback: the rollback becomes a change in
    review, which another IT reviewer approves and publishes (publishing it republishes the very
    versions of `to_publication`)."""
    change, texts, current = _rollback_change(s, reviewer, to_publication, reason, ChangeState.IN_REVIEW)
    _event(s, reviewer, "request_rollback", change, to_publication=to_publication, reason=change.description,
           summary=what_changed(current, texts))
    return change


def rollback_texts(s: Session, to_publication: int) -> tuple[dict[str, str], dict[str, str]]:
    """(what is live now, what rolling back to `to_publication` would serve)."""
    return registry.texts_of(s, registry.live_id(s) or 0), registry.texts_of(s, to_publication)


def _rollback_change(s: Session, reviewer: User, to_publication: int, reason: str,
                     state: ChangeState) -> tuple[Change, dict[str, str], dict[str, str]]:
    _require(reviewer, "review_definitions", "roll back definitions")
    registry.publish_lock(s)
    target = s.get(Publication, to_publication)
    if target is None:
        raise NotAllowed("There is no such publication to roll back to.")
    live = registry.live_id(s)
    if live == to_publication:
        raise NotAllowed(f"Publication {to_publication} is already live.")
    texts = registry.texts_of(s, to_publication)
    problems = compiled_set(texts).problems
    if problems:
        raise NotAllowed(f"Publication {to_publication} cannot be served again: its definitions have "
                         f"{wording.count(len(problems), 'problem')} with this version of Fanlight.")
    if not reason.strip():
        raise NotAllowed("Say why you are rolling back.")
    change = Change(title=f"Roll back to publication {to_publication}", description=reason.strip()[:5000],
                    author_id=reviewer.id, base_publication_id=live, state=state)
    s.add(change)
    s.flush()
    current = registry.texts_of(s, live or 0)
    for path in sorted(set(texts) | set(current)):
        if texts.get(path) != current.get(path):
            s.add(ChangeItem(change_id=change.id, path=path, content=texts.get(path, "")))
    s.flush()
    return change, texts, current


def import_folder(s: Session, author: User, texts: dict[str, str], title: str) -> Change | None:
    """A folder of definitions (e.g. from git) becomes a change; None if nothing differs.

    Files in the folder that differ from the live set become the change's items (a file the
    folder lacks is left as it is live). Without problems, the change goes straight to
    review; with problems it stays a draft for its author to fix. One `import` event.
    """
    _require(author, "edit_definitions", "import definitions")
    unsafe = sorted(path for path in texts if not _safe_path(path))
    if unsafe:
        raise NotAllowed(f"These files cannot be imported (a definition file's name must be a relative path "
                         f"ending .yaml): {', '.join(unsafe)}")
    too_long = sorted(path for path, text in texts.items() if len(text) > MAX_TEXT)
    if too_long:
        raise NotAllowed(f"These files are longer than {MAX_TEXT:,} characters: {', '.join(too_long)}")
    live = registry.texts_of(s, registry.live_id(s) or 0)
    differing = {path: text for path, text in texts.items() if live.get(path) != text}
    if not differing:
        return None
    change = Change(title=title.strip()[:200] or "Imported definitions", author_id=author.id,
                    description="Imported from a folder of definitions.", base_publication_id=registry.live_id(s))
    s.add(change)
    s.flush()
    for path, text in sorted(differing.items()):
        s.add(ChangeItem(change_id=change.id, path=path, content=text))
    s.flush()
    checks = check(s, change)
    if not checks.problems:
        change.state = ChangeState.IN_REVIEW
    _event(s, author, "import", change, files=sorted(differing), state=change.state)
    return change
