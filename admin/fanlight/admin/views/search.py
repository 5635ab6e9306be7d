"""Find what to change by what it says: a search of the live definitions that lands on the quick edit."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from fanlight.admin import workflow
from fanlight.admin.quickedit import Document, QuickEditError
from fanlight.admin.search import MAX_QUERY, Found, Index, QueryError, cached
from fanlight.web import db
from fanlight.web.access.guard import signed_in_user
from fanlight.web.access.permissions import allowed, requires
from fanlight.web.definitions import registry
from fanlight.web.errors import FormError
from fanlight.web.models import Change, ChangeItem, ChangeState, DefinitionVersion, Publication

from . import Page, bp, editable_by_me, refused


def live_index(s: Session) -> Index:
    """The search index of the live publication, built once for its files' contents."""
    publication = s.get(Publication, registry.live_id(s) or 0)
    if publication is None:
        return cached((), dict)
    ids = list(publication.version_ids)
    # The key is what the files hold, not the publication's number: a number is reused by a new database.
    key = tuple(sorted((path, digest) for path, digest in s.execute(
        select(DefinitionVersion.path, DefinitionVersion.content_hash).where(DefinitionVersion.id.in_(ids)))))
    return cached(key, lambda: registry.texts_of(s, publication.id))


@bp.route("/search")
@requires("workbench")
def search() -> Page:
    """Search the live definitions' form titles, questions, rules and indicators; without JavaScript too."""
    s = db.session()
    query = request.args.get("q", "")
    errors: list[FormError] = []
    found: Found | None = None
    if query.strip():
        try:
            found = live_index(s).find(query)
        except QueryError as error:
            errors.append(FormError("q", str(error)))
    status = 422 if errors else 200
    return render_template("admin/search.html", query=query[:MAX_QUERY * 2], found=found, errors=errors,
                           error_for={e.field: e.message for e in errors}, change=_own_draft(s),
                           may_change=allowed(signed_in_user().role, "edit_definitions")), status


def _own_draft(s: Session) -> Change | None:
    """The change a search was begun from (?change=): results land in it when it is the searcher's own draft."""
    change_id = request.args.get("change", "")
    change = s.get(Change, int(change_id)) if change_id.isdigit() and len(change_id) <= 9 else None
    if change is None or not editable_by_me(change):
        return None
    return change


@bp.route("/search/change", methods=["POST"])
@requires("edit_definitions")
def change_found() -> Page:
    """Start a change of the file a result is in and land on the quick edit of what was found
    (a form's title: the quick edit's list of that form). Nothing is saved until it is edited."""
    s = db.session()
    path, node = request.form.get("path", ""), request.form.get("node", "")
    text = registry.texts_of(s, registry.live_id(s) or 0).get(path)
    if text is None or (node and not _quick_editable(text, node)):
        abort(404)
    # Titled the way a change begun from a file is, so its page suggests a title from what it changes.
    title = f"Change {path}"
    change = _untouched(s, title)
    if change is None:
        try:
            change = workflow.create(s, signed_in_user(), title)
        except workflow.NotAllowed as error:
            return refused(error, None)
        s.commit()
    if node:
        return redirect(url_for("workbench.quick_edit", change_id=change.id, path=path, node=node))
    return redirect(url_for("workbench.quick_edit_list", change_id=change.id, path=path))


def _untouched(s: Session, title: str) -> Change | None:
    """The searcher's own change begun from this file and not yet edited or described, on the live
    publication: a second click (or a double click) lands there instead of starting another."""
    me = signed_in_user()
    found = s.scalars(select(Change).where(
        Change.author_id == me.id, Change.state == ChangeState.DRAFT, Change.title == title, Change.description == "",
        Change.base_publication_id == registry.live_id(s),
        ~select(ChangeItem.id).where(ChangeItem.change_id == Change.id).exists(),
    ).order_by(Change.id.desc()).limit(1)).first()
    return found if found is not None and editable_by_me(found) else None


def _quick_editable(text: str, node: str) -> bool:
    try:
        Document.parse(text).target(node)
    except QuickEditError:
        return False
    return True
