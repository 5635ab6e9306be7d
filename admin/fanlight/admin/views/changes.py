"""A change: its page (checks, review, comments, history) and the workflow's actions on it."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from fanlight.admin import review, workflow
from fanlight.web import db, extensions
from fanlight.web.access.guard import signed_in_user
from fanlight.web.access.permissions import allowed, requires
from fanlight.web.definitions import registry
from fanlight.web.models import Change, ChangeComment, ChangeState, DefinitionEvent, User

from . import Page, bp, find_change, refused


@bp.route("/changes", methods=["POST"])
@requires("edit_definitions")
def new_change() -> Page:
    """Start a change; with a file named, go straight to editing it (nothing is saved until then)."""
    s = db.session()
    path = request.form.get("path", "")
    if path and path not in registry.texts_of(s, registry.live_id(s) or 0):
        abort(404)
    try:
        change = workflow.create(s, signed_in_user(), request.form.get("title", "") or (f"Change {path}" if path else ""))
    except workflow.NotAllowed as error:
        return refused(error, None)
    s.commit()
    if path:
        return redirect(url_for("workbench.quick_edit_list", change_id=change.id, path=path))
    return redirect(url_for("workbench.change", change_id=change.id))


@bp.route("/changes/<int:change_id>")
@requires("workbench")
def change(change_id: int) -> str:
    s = db.session()
    item = find_change(change_id)
    checks = workflow.check(s, item)  # once: the review below diffs against the same compiled set
    comments = list(s.scalars(select(ChangeComment).where(ChangeComment.change_id == item.id).order_by(ChangeComment.created_at, ChangeComment.id)))
    events = list(s.scalars(select(DefinitionEvent).where(DefinitionEvent.change_id == item.id).order_by(DefinitionEvent.at, DefinitionEvent.id)))
    people = {u.id: u for u in s.scalars(select(User).where(User.id.in_(
        {item.author_id, *(c.author_id for c in comments), *(e.actor_id for e in events if e.actor_id)})))}
    is_author = signed_in_user().id == item.author_id
    live_paths = sorted(registry.texts_of(s, registry.live_id(s) or 0)) if is_author and item.state == ChangeState.DRAFT else []
    return render_template(
        "admin/change.html", change=item, checks=checks, review=review.build(s, item, checks), comments=comments,
        events=events, people=people, items=workflow.items_of(s, item), stale=workflow.stale_paths(s, item),
        can_review=allowed(signed_in_user().role, "review_definitions") and not is_author,
        is_author=is_author, forms=sorted(checks.definitions.compiled), live_paths=live_paths,
    )


def _action(change_id: int, act: Callable[[Session, Change], object], message: str) -> Page:
    s = db.session()
    item = find_change(change_id)
    try:
        act(s, item)
    except workflow.NotAllowed as error:
        return refused(error, item)
    s.commit()
    flash(message, "success")
    return redirect(url_for("workbench.change", change_id=item.id))


@bp.route("/changes/<int:change_id>/submit", methods=["POST"])
@requires("edit_definitions")
def submit(change_id: int) -> Page:
    return _action(change_id, lambda s, c: workflow.submit(s, c, signed_in_user()), "The change is now in review.")


@bp.route("/changes/<int:change_id>/return", methods=["POST"])
@requires("edit_definitions")
def return_to_draft(change_id: int) -> Page:
    return _action(change_id, lambda s, c: workflow.return_to_draft(s, c, signed_in_user()), "The change is a draft again.")


@bp.route("/changes/<int:change_id>/withdraw", methods=["POST"])
@requires("edit_definitions")
def withdraw(change_id: int) -> Page:
    return _action(change_id, lambda s, c: workflow.withdraw(s, c, signed_in_user()), "The change has been withdrawn.")


@bp.route("/changes/<int:change_id>/comment", methods=["POST"])
@requires("workbench")
def comment(change_id: int) -> Page:
    body = request.form.get("body", "")
    return _action(change_id, lambda s, c: workflow.comment(s, c, signed_in_user(), body), "Your comment has been added.")


@bp.route("/changes/<int:change_id>/approve", methods=["POST"])
@requires("review_definitions")
def approve(change_id: int) -> Page:
    return _action(change_id, lambda s, c: workflow.approve(s, c, signed_in_user()), "The change is approved.")


@bp.route("/changes/<int:change_id>/reject", methods=["POST"])
@requires("review_definitions")
def reject(change_id: int) -> Page:
    reason = request.form.get("reason", "")
    return _action(change_id, lambda s, c: workflow.reject(s, c, signed_in_user(), reason), "The change has been rejected.")


@bp.route("/changes/<int:change_id>/publish", methods=["POST"])
@requires("review_definitions")
def publish(change_id: int) -> Page:
    page = _action(change_id, lambda s, c: workflow.publish(s, c, signed_in_user()),
                   "Published. Every server serves the new version within a second.")
    _serve_the_newest()
    return page


def _serve_the_newest() -> None:
    """This worker serves a new publication from the reviewer's next page: it compiles it now, in
    the reviewer's request, so none of the professionals' requests waits for it. Other workers
    and servers follow within a second, compiling in the background."""
    extensions.catalogue().refresh(db.session(), force=True)


@bp.route("/publications/<int:publication_id>/rollback", methods=["POST"])
@requires("review_definitions")
def rollback(publication_id: int) -> Page:
    s = db.session()
    try:
        new_id = workflow.rollback(s, signed_in_user(), publication_id)
    except workflow.NotAllowed as error:
        return refused(error, None)
    s.commit()
    _serve_the_newest()
    flash(f"Rolled back: publication {new_id} serves the definitions of publication {publication_id} again.", "success")
    return redirect(url_for("workbench.index"))
