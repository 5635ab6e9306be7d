"""The workbench pages. Every rule of the workflow lives in fanlight.web.changes, not here."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from fanlight.engine import evaluate, load_texts
from fanlight.web import changes, db, registry
from fanlight.web.models import Change, ChangeComment, DefinitionEvent, DefinitionVersion, Publication, User
from fanlight.web.permissions import allowed, requires

from . import review

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
STATE_NAMES = {"draft": "Draft", "in_review": "In review", "approved": "Approved", "published": "Published",
               "rejected": "Rejected", "withdrawn": "Withdrawn"}


@bp.app_context_processor
def _names() -> dict[str, Any]:
    return {"state_names": STATE_NAMES}


def _change(change_id: int) -> Change:
    change = db.session().get(Change, change_id)
    if change is None:
        abort(404)
    return change


def _refused(error: changes.NotAllowed, change: Change) -> Response:
    db.session().rollback()
    flash(str(error), "error")
    return redirect(url_for("admin.change", change_id=change.id))


@bp.route("/")
@requires("workbench")
def index() -> str:
    s = db.session()
    live = registry.live_id(s)
    versions = registry.versions_of(s, live) if live else []
    open_changes = list(s.scalars(select(Change).where(Change.state.in_(changes.OPEN)).order_by(Change.updated_at.desc())))
    closed = list(s.scalars(select(Change).where(Change.state.not_in(changes.OPEN)).order_by(Change.updated_at.desc()).limit(20)))
    publications = list(s.scalars(select(Publication).order_by(Publication.id.desc()).limit(10)))
    return render_template("admin/index.html", versions=versions, open_changes=open_changes, closed=closed,
                           publications=publications, live=live, users=_users(open_changes + closed))


def _users(items: list[Change]) -> dict[int, str]:
    ids = {c.author_id for c in items} | {c.reviewer_id for c in items if c.reviewer_id}
    return {u.id: u.name for u in db.session().scalars(select(User).where(User.id.in_(ids)))} if ids else {}


@bp.route("/definitions/<path:path>")
@requires("workbench")
def definition(path: str) -> str:
    s = db.session()
    rows = list(s.scalars(select(DefinitionVersion).where(DefinitionVersion.path == path).order_by(DefinitionVersion.version.desc())))
    if not rows:
        abort(404)
    live = {v.path: v for v in registry.versions_of(s, registry.live_id(s) or 0)}.get(path)
    change_ids = {r.change_id for r in rows if r.change_id}
    events = list(s.scalars(select(DefinitionEvent).where(DefinitionEvent.change_id.in_(change_ids)).order_by(DefinitionEvent.at.desc()))) if change_ids else []
    actors = {u.id: u.name for u in s.scalars(select(User).where(User.id.in_({e.actor_id for e in events if e.actor_id})))} if events else {}
    return render_template("admin/definition.html", path=path, versions=rows, live=live, events=events, actors=actors)


@bp.route("/changes", methods=["POST"])
@requires("edit_definitions")
def new_change() -> Response:
    s = db.session()
    path = request.form.get("path", "")
    try:
        change = changes.create(s, g.user, request.form.get("title", ""))
        if path:
            text = registry.texts_of(s, registry.live_id(s) or 0).get(path)
            if text is None:
                abort(404)
            changes.save_item(s, change, g.user, path, text)
    except changes.NotAllowed as error:
        s.rollback()
        flash(str(error), "error")
        return redirect(url_for("admin.index"))
    s.commit()
    target = url_for("admin.edit", change_id=change.id, path=path) if path else url_for("admin.change", change_id=change.id)
    return redirect(target)


@bp.route("/changes/<int:change_id>")
@requires("workbench")
def change(change_id: int) -> str:
    s = db.session()
    item = _change(change_id)
    checks = changes.check(s, item)
    comments = list(s.scalars(select(ChangeComment).where(ChangeComment.change_id == item.id).order_by(ChangeComment.created_at)))
    events = list(s.scalars(select(DefinitionEvent).where(DefinitionEvent.change_id == item.id).order_by(DefinitionEvent.at)))
    people = {u.id: u for u in s.scalars(select(User).where(User.id.in_(
        {item.author_id, *(c.author_id for c in comments), *(e.actor_id for e in events if e.actor_id)})))}
    return render_template(
        "admin/change.html", change=item, checks=checks, review=review.build(s, item, checks), comments=comments,
        events=events, people=people, items=changes.items_of(s, item), stale=changes.stale_paths(s, item),
        can_review=allowed(g.user.role, "review_definitions") and g.user.id != item.author_id,
        is_author=g.user.id == item.author_id, forms=sorted(checks.definitions.compiled),
    )


@bp.route("/changes/<int:change_id>/edit", methods=["GET", "POST"])
@requires("edit_definitions")
def edit(change_id: int) -> Response | tuple[str, int] | str:
    s = db.session()
    item = _change(change_id)
    path = request.values.get("path", "")
    current = changes.items_of(s, item)
    if request.method == "POST":
        text = request.form.get("text", "")
        try:
            changes.save_item(s, item, g.user, path, text)
        except changes.NotAllowed as error:
            return _refused(error, item)
        s.commit()
        flash(f"Saved {path}.", "success")
        return redirect(url_for("admin.edit", change_id=item.id, path=path))
    if path not in current and path:
        live_text = registry.texts_of(s, registry.live_id(s) or 0).get(path, "")
        current[path] = live_text
    return render_template("admin/edit.html", change=item, path=path, text=current.get(path, ""),
                           problems=_problems_for(s, item, path, current.get(path, "")))


def _problems_for(s: Any, item: Change, path: str, text: str) -> list[Any]:
    texts = changes.proposed_texts(s, item)
    texts[path] = text
    return [p for p in load_texts(texts).problems]


@bp.route("/changes/<int:change_id>/validate", methods=["POST"])
@requires("edit_definitions")
def validate(change_id: int) -> str:
    """htmx: the problems of the text being typed, as the author types it."""
    s = db.session()
    item = _change(change_id)
    path = request.form.get("path", "")
    return render_template("admin/_problems.html", problems=_problems_for(s, item, path, request.form.get("text", "")),
                           path=path)


@bp.route("/changes/<int:change_id>/preview/<form_id>")
@requires("workbench")
def preview(change_id: int, form_id: str) -> str:
    s = db.session()
    item = _change(change_id)
    checks = changes.check(s, item)
    compiled = checks.definitions.compiled.get(form_id) or abort(404)
    answers = _sample_answers(checks, form_id)
    evaluation = evaluate(compiled, answers)
    return render_template("admin/preview.html", change=item, compiled=compiled, evaluation=evaluation, answers=answers)


def _sample_answers(checks: changes.Checks, form_id: str) -> dict[str, Any]:
    """The first complete scenario of the form's definition tests, if there is one."""
    for suite in checks.definitions.test_suites.values():
        if suite.form == form_id:
            for scenario in suite.scenarios:
                if scenario.expect.get("complete") is True:
                    return dict(scenario.answers)
    return {}


def _action(change_id: int, act: Any, message: str) -> Response:
    s = db.session()
    item = _change(change_id)
    try:
        act(s, item)
    except changes.NotAllowed as error:
        return _refused(error, item)
    s.commit()
    flash(message, "success")
    return redirect(url_for("admin.change", change_id=item.id))


@bp.route("/changes/<int:change_id>/submit", methods=["POST"])
@requires("edit_definitions")
def submit(change_id: int) -> Response:
    return _action(change_id, lambda s, c: changes.submit(s, c, g.user), "The change is now in review.")


@bp.route("/changes/<int:change_id>/return", methods=["POST"])
@requires("edit_definitions")
def return_to_draft(change_id: int) -> Response:
    return _action(change_id, lambda s, c: changes.return_to_draft(s, c, g.user), "The change is a draft again.")


@bp.route("/changes/<int:change_id>/withdraw", methods=["POST"])
@requires("edit_definitions")
def withdraw(change_id: int) -> Response:
    return _action(change_id, lambda s, c: changes.withdraw(s, c, g.user), "The change has been withdrawn.")


@bp.route("/changes/<int:change_id>/comment", methods=["POST"])
@requires("workbench")
def comment(change_id: int) -> Response:
    body = request.form.get("body", "")
    return _action(change_id, lambda s, c: changes.comment(s, c, g.user, body), "Your comment has been added.")


@bp.route("/changes/<int:change_id>/approve", methods=["POST"])
@requires("review_definitions")
def approve(change_id: int) -> Response:
    return _action(change_id, lambda s, c: changes.approve(s, c, g.user), "The change is approved.")


@bp.route("/changes/<int:change_id>/reject", methods=["POST"])
@requires("review_definitions")
def reject(change_id: int) -> Response:
    reason = request.form.get("reason", "")
    return _action(change_id, lambda s, c: changes.reject(s, c, g.user, reason), "The change has been rejected.")


@bp.route("/changes/<int:change_id>/publish", methods=["POST"])
@requires("review_definitions")
def publish(change_id: int) -> Response:
    return _action(change_id, lambda s, c: changes.publish(s, c, g.user),
                   "Published. Every server serves the new version within a second.")


@bp.route("/publications/<int:publication_id>/rollback", methods=["POST"])
@requires("review_definitions")
def rollback(publication_id: int) -> Response:
    s = db.session()
    try:
        new_id = changes.rollback(s, g.user, publication_id)
    except changes.NotAllowed as error:
        s.rollback()
        flash(str(error), "error")
        return redirect(url_for("admin.index"))
    s.commit()
    flash(f"Rolled back: publication {new_id} restores the definitions of publication {publication_id}.", "success")
    return redirect(url_for("admin.index"))


@bp.route("/history")
@requires("workbench")
def history() -> str:
    s = db.session()
    events = list(s.scalars(select(DefinitionEvent).order_by(DefinitionEvent.at.desc()).limit(200)))
    actors = {u.id: u.name for u in s.scalars(select(User).where(User.id.in_({e.actor_id for e in events if e.actor_id})))} if events else {}
    return render_template("admin/history.html", events=events, actors=actors)
