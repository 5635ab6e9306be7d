"""A change: its page (checks, review, comments, history) and the workflow's actions on it."""

from __future__ import annotations

import os
from collections.abc import Callable

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from fanlight.admin import review, wording, workflow
from fanlight.web import db, extensions
from fanlight.web.access.guard import signed_in_user
from fanlight.web.access.permissions import allowed, requires
from fanlight.web.definitions import registry
from fanlight.web.errors import FormError
from fanlight.web.models import Change, ChangeComment, ChangeState, DefinitionEvent, Publication, User

from . import Page, bp, find_change, refused

SECOND_PERSON = "FANLIGHT_ROLLBACK_NEEDS_SECOND_PERSON"
NO_TITLE = "Enter a title for the change, for example “Clearer consent question”"
NO_REASON = "Say why this change is needed, for example “the wording generates chase-up calls”"
NO_ROLLBACK_REASON = "Say why you are rolling back, for example “calls to the front door doubled overnight”"


def rollback_needs_second_person() -> bool:
    """The council's setting: FANLIGHT_ROLLBACK_NEEDS_SECOND_PERSON=1 (in the app's config or the environment)."""
    value = current_app.config.get(SECOND_PERSON)
    if value is None:
        value = os.environ.get(SECOND_PERSON, "")
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def is_default_title(change: Change, paths: list[str]) -> bool:
    """A title nobody chose: the one a change gets when it is begun from a file, or none at all."""
    return change.title in ("Untitled change", *(f"Change {p}" for p in paths))


@bp.route("/changes", methods=["POST"])
@requires("edit_definitions")
def new_change() -> Page:
    """Start a change; with a file named, go straight to editing it (nothing is saved until then)."""
    s = db.session()
    path = request.form.get("path", "")
    if path and path not in registry.texts_of(s, registry.live_id(s) or 0):
        abort(404)
    try:
        change = workflow.create(s, signed_in_user(), request.form.get("title", "") or (f"Change {path}" if path else ""),
                                 request.form.get("reason", "").strip()[:5000])
    except workflow.NotAllowed as error:
        return refused(error, None)
    s.commit()
    if path:
        return redirect(url_for("workbench.quick_edit_list", change_id=change.id, path=path))
    return redirect(url_for("workbench.change", change_id=change.id))


@bp.route("/changes/<int:change_id>")
@requires("workbench")
def change(change_id: int) -> str:
    return _change_page(find_change(change_id))


def _change_page(item: Change, errors: list[FormError] | None = None, values: dict[str, str] | None = None) -> str:
    s = db.session()
    checks = workflow.check(s, item)  # once: the review below diffs against the same compiled set
    comments = list(s.scalars(select(ChangeComment).where(ChangeComment.change_id == item.id).order_by(ChangeComment.created_at, ChangeComment.id)))
    events = list(s.scalars(select(DefinitionEvent).where(DefinitionEvent.change_id == item.id).order_by(DefinitionEvent.at, DefinitionEvent.id)))
    people = {u.id: u for u in s.scalars(select(User).where(User.id.in_(
        {item.author_id, *(c.author_id for c in comments), *(e.actor_id for e in events if e.actor_id)})))}
    is_author = signed_in_user().id == item.author_id
    live_paths = sorted(registry.texts_of(s, registry.live_id(s) or 0)) if is_author and item.state == ChangeState.DRAFT else []
    found = review.build(s, item, checks)
    items = workflow.items_of(s, item)
    errors = errors or []
    if values is None:
        suggested = wording.title_for(found.semantic) if is_default_title(item, sorted(items)) else ""
        values = {"title": suggested or item.title, "reason": item.description}
    target = workflow.rollback_target(s, item)
    html = render_template(
        "admin/change.html", change=item, checks=checks, review=found, comments=comments,
        events=events, people=people, items=items, stale=workflow.stale_paths(s, item),
        can_review=allowed(signed_in_user().role, "review_definitions") and not is_author,
        is_author=is_author, forms=sorted(checks.definitions.compiled), live_paths=live_paths,
        errors=errors, error_for={e.field: e.message for e in reversed(errors)}, values=values,
        rollback_to=target.id if target is not None else None,
    )
    return html


def _about_errors(title: str, reason: str, reason_required: bool) -> list[FormError]:
    errors = []
    if not title.strip():
        errors.append(FormError("title", NO_TITLE))
    if reason_required and not reason.strip():
        errors.append(FormError("reason", NO_REASON))
    return errors


@bp.route("/changes/<int:change_id>/about", methods=["POST"])
@requires("edit_definitions")
def about(change_id: int) -> Page:
    """The author gives the change its title and says why it is needed (from any page of the change)."""
    s = db.session()
    item = find_change(change_id)
    title, reason = request.form.get("title", ""), request.form.get("reason", "")
    try:
        workflow.ensure_editable(item, signed_in_user())
    except workflow.NotAllowed as error:
        return refused(error, item)
    errors = _about_errors(title, reason, reason_required=False)
    if errors:
        return _change_page(item, errors, {"title": title, "reason": reason}), 422
    try:
        workflow.describe(s, item, signed_in_user(), title, reason)
    except workflow.NotAllowed as error:
        return refused(error, item)
    s.commit()
    flash("Saved the change's title and reason.", "success")
    back = request.form.get("next", "")
    here = url_for("workbench.change", change_id=item.id)
    return redirect(back if back.startswith(here + "/") or back.startswith(here + "?") else here)


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
    """Send a draft for review; the form gives its title and reason, both required."""
    if "title" in request.form or "reason" in request.form:
        item = find_change(change_id)
        title, reason = request.form.get("title", ""), request.form.get("reason", "")
        errors = _about_errors(title, reason, reason_required=True)
        if errors and policies_allow_edit(item):
            return _change_page(item, errors, {"title": title, "reason": reason}), 422

        def describe_and_submit(s: Session, c: Change) -> None:
            if (title.strip(), reason.strip()) != (c.title, c.description):
                workflow.describe(s, c, signed_in_user(), title, reason)
            workflow.submit(s, c, signed_in_user())
        return _action(change_id, describe_and_submit, "The change is now in review.")
    return _action(change_id, lambda s, c: workflow.submit(s, c, signed_in_user()), "The change is now in review.")


def policies_allow_edit(item: Change) -> bool:
    """Whether the signed-in person may edit `item` now (otherwise the workflow says why not)."""
    try:
        workflow.ensure_editable(item, signed_in_user())
    except workflow.NotAllowed:
        return False
    return True


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


@bp.route("/publications/<int:publication_id>/rollback", methods=["GET", "POST"])
@requires("review_definitions")
def rollback(publication_id: int) -> Page:
    """Confirm a rollback: what it will change (its semantic diff), and why (required). With the
    council's setting, a rollback is a change in review that another reviewer publishes."""
    s = db.session()
    if s.get(Publication, publication_id) is None:
        abort(404)
    second = rollback_needs_second_person()
    reason = request.form.get("reason", "")
    if request.method == "POST" and reason.strip():
        try:
            if second:
                requested = workflow.request_rollback(s, signed_in_user(), publication_id, reason)
                s.commit()
                flash(f"Another IT reviewer can now approve and publish the rollback to Publication {publication_id}.",
                      "success")
                return redirect(url_for("workbench.change", change_id=requested.id))
            new_id = workflow.rollback(s, signed_in_user(), publication_id, reason)
        except workflow.NotAllowed as error:
            return refused(error, None)
        s.commit()
        _serve_the_newest()
        flash(f"Rolled back: Publication {new_id} serves the definitions of Publication {publication_id} again.",
              "success")
        return redirect(url_for("workbench.index"))
    errors = [FormError("reason", NO_ROLLBACK_REASON)] if request.method == "POST" else []
    live, texts = workflow.rollback_texts(s, publication_id)
    semantic, files = review.between(live, texts, "live", f"publication-{publication_id}")
    html = render_template("admin/rollback.html", publication=s.get(Publication, publication_id),
                           live=registry.live_id(s), semantic=semantic, files=files, second=second,
                           summary=wording.summary(semantic), errors=errors,
                           error_for={e.field: e.message for e in errors}, reason=reason)
    return (html, 422) if errors else html
