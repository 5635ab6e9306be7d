"""The workbench pages (blueprint "workbench", at /admin), one module per screen.

Every rule of the workflow lives in fanlight.admin.workflow, not here: these modules read the
request, call the workflow and show what it says.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from fanlight.admin import wording, workflow
from fanlight.engine import DefinitionSet
from fanlight.engine.problems import Problem
from fanlight.web import db
from fanlight.web.access.audit import audit
from fanlight.web.access.guard import current_user, signed_in_user
from fanlight.web.access.permissions import allowed
from fanlight.web.definitions import registry
from fanlight.web.definitions.catalogue import compiled_set
from fanlight.web.errors import error_page
from fanlight.web.models import Change, ChangeState

bp = Blueprint("workbench", __name__, url_prefix="/admin", template_folder="../templates")
Page = str | tuple[str, int] | Response


@bp.context_processor
def _workbench() -> dict[str, Any]:
    user = current_user()
    role = user.role if user is not None else ""
    return {"ChangeState": ChangeState, "may_edit": allowed(role, "edit_definitions"),
            "may_review": allowed(role, "review_definitions"), "at": wording.at, "count": wording.count,
            "event_words": event_words}


EVENT_WORDS = {"create": "Began the change", "edit": "Edited", "describe": "Gave the title and reason",
               "submit": "Sent for review", "comment": "Commented", "approve": "Approved", "reject": "Rejected",
               "withdraw": "Withdrew the change", "return_to_draft": "Returned to draft", "publish": "Published",
               "rollback": "Rolled back", "request_rollback": "Asked for a rollback", "import": "Imported a folder"}


def event_words(action: str, detail: dict[str, Any] | None) -> str:
    """One line of history for people: 'Edited forms/x.yaml: changed the label of consent'."""
    detail = detail or {}
    words = EVENT_WORDS.get(action, action.replace("_", " ").capitalize())
    if action == "edit" and detail.get("path"):
        words += f" {detail['path']}"
    if action in ("publish", "rollback") and detail.get("publication"):
        words += f" as Publication {detail['publication']}"
    if detail.get("to_publication"):
        words += f", serving the definitions of Publication {detail['to_publication']} again"
    if detail.get("summary"):
        words += ": " + "; ".join(str(x) for x in detail["summary"])
    return words


def find_change(change_id: int) -> Change:
    change = db.session().get(Change, change_id)
    if change is None:
        abort(404)
    return change


def editable_by_me(change: Change) -> bool:
    """Whether the signed-in person may edit this change now: the rule workflow.ensure_editable
    enforces on every save, asked of a page before it offers the controls."""
    try:
        workflow.ensure_editable(change, signed_in_user())
    except workflow.NotAllowed:
        return False
    return True


def refused(error: workflow.NotAllowed, change: Change | None) -> Page:
    """A refused action changes nothing. Refused for who is asking: 403, and an audit row.
    Refused for the change's state (a second click, a stale page): back to the change, saying why."""
    s = db.session()
    s.rollback()
    if isinstance(error, workflow.Forbidden):
        audit("access_denied", f"{request.method} {request.path}: {error}")
        s.commit()
        return error_page(403, "You cannot do that", str(error))
    flash(str(error), "error")
    return redirect(url_for("workbench.change", change_id=change.id) if change is not None
                    else url_for("workbench.index"))


def text_of(s: Session, item: Change, path: str) -> str:
    """What the file says in this change: the change's own text, or the live text."""
    if not path:
        abort(404)
    text = workflow.items_of(s, item).get(path)
    if text is None:
        text = registry.texts_of(s, registry.live_id(s) or 0).get(path, "")
    return text


def problems_for(s: Session, item: Change, path: str, text: str) -> tuple[DefinitionSet, list[Problem]]:
    """The change's whole set with `text` as the file at `path`, and its problems (compiled once per content)."""
    texts = workflow.proposed_texts(s, item)
    texts[path] = text
    loaded = compiled_set(texts)
    return loaded, list(loaded.problems)


def tests_summary(loaded: DefinitionSet, problems: list[Problem]) -> str:
    if problems:
        return f"{wording.count(len(problems), 'problem')}: the definition tests run once they are fixed."
    results = workflow.results_of(loaded)
    failed = sum(1 for r in results if not r.passed)
    return f"Definition tests: {len(results) - failed} passed, {failed} failed."


# The screens add their routes to `bp` when imported, so importing this package is enough to serve them.
from . import changes, editor, overview, preview, quick_edit, search, structure  # noqa: E402,F401
