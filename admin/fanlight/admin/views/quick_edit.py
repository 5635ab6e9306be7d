"""The structured quick edit: what in a file it can change, and the small form for one of them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from fanlight.admin import workflow
from fanlight.admin.quick_edit_input import NEW_OPTION_ROWS, QuickEditInput, first_input, values_of
from fanlight.admin.quickedit import Document, QuickEditError, Target
from fanlight.engine import DefinitionSet
from fanlight.web import db
from fanlight.web.access.guard import signed_in_user
from fanlight.web.access.permissions import requires
from fanlight.web.definitions import registry
from fanlight.web.errors import FormError
from fanlight.web.models import Change

from . import Page, bp, editable_by_me, find_change, problems_for, refused, tests_summary, text_of


def _document(s: Session, item: Change, path: str) -> Document | None:
    try:
        return Document.parse(text_of(s, item, path))
    except QuickEditError:
        return None


@bp.route("/changes/<int:change_id>/quick-edit")
@requires("edit_definitions")
def quick_edit_list(change_id: int) -> Page:
    """What in a file the quick edit can change: its questions, rules or indicators."""
    s = db.session()
    item = find_change(change_id)
    path = request.args.get("path", "")
    text = text_of(s, item, path)
    if not text:
        abort(404)
    try:
        document: Document | None = Document.parse(text)
        reason = ""
    except QuickEditError as error:
        document, reason = None, str(error)
    groups: dict[str, list[Target]] = {}
    for target in document.targets() if document else []:
        groups.setdefault(target.group, []).append(target)
    return render_template("admin/quick_list.html", change=item, path=path, groups=groups, reason=reason,
                           kind=document.kind if document else "", checks=workflow.check(s, item),
                           editable=editable_by_me(item))


@bp.route("/changes/<int:change_id>/quick-edit/item", methods=["GET", "POST"])
@requires("edit_definitions")
def quick_edit(change_id: int) -> Page:
    """The small form for one question, rule or indicator; saving writes the YAML back into the change."""
    s = db.session()
    item = find_change(change_id)
    path, node = request.values.get("path", ""), request.values.get("node", "")
    document = _document(s, item, path)
    if document is None:
        abort(404)
    try:
        target = document.target(node)
    except QuickEditError:
        abort(404)
    shared = _shared_list(s, item, target)
    if request.method == "GET":
        return render_template("admin/quick_edit.html", change=item, path=path, target=target, errors=[], error_for={},
                               values=values_of(target), shared=shared, new_rows=NEW_OPTION_ROWS)
    try:
        workflow.ensure_editable(item, signed_in_user())
    except workflow.NotAllowed as error:
        return refused(error, item)
    posted = QuickEditInput.read(request.form, target)
    text, loaded = _written(s, item, path, document, target, posted)
    if posted.errors or loaded is None:
        return render_template("admin/quick_edit.html", change=item, path=path, target=target, errors=posted.errors,
                               error_for={e.field: e.message for e in reversed(posted.errors)}, values=posted.values, shared=shared,
                               new_rows=NEW_OPTION_ROWS), 422
    try:
        workflow.save_item(s, item, signed_in_user(), path, text)
    except workflow.NotAllowed as error:
        return refused(error, item)
    s.commit()
    flash(f"Saved “{_new_title(text, target)}” in {path}. {tests_summary(loaded, [])}", "success")
    return redirect(url_for("workbench.quick_edit_list", change_id=item.id, path=path))


def _new_title(text: str, target: Target) -> str:
    """What the saved item is called now (a reworded question: its new wording)."""
    try:
        return Document.parse(text).target(target.node).title or target.node
    except QuickEditError:
        return target.title


def _written(s: Session, item: Change, path: str, document: Document, target: Target,
             posted: QuickEditInput) -> tuple[str, DefinitionSet | None]:
    """The file with the edit written back, and the change's whole set with it; or errors (added to `posted`), and None."""
    errors = posted.errors
    if errors:
        return "", None
    try:
        text = document.apply(target.node, posted.edit)
    except QuickEditError as error:
        errors.append(FormError("quick-edit", str(error)))
        return "", None
    if text == document.text:
        errors.append(FormError(first_input(target), "You have not changed anything. Change something, or go back to the change."))
        return "", None
    loaded, problems = problems_for(s, item, path, text)
    errors.extend(FormError(first_input(target), f"This would make the definitions invalid: {p.code} {p.message} "
                   f"({p.where.file}, line {p.where.line})") for p in problems[:10])
    return text, None if problems else loaded


def _shared_list(s: Session, item: Change, target: Target) -> str:
    """The path of the shared option list a question's options come from, in this change's set."""
    if not target.options_ref:
        return ""
    for path, text in workflow.proposed_texts(s, item).items():
        if registry.identity(text) == ("options", target.options_ref):
            return path
    return ""
