"""The workbench pages. Every rule of the workflow lives in fanlight.web.changes, not here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_from_directory, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from fanlight.engine import DefinitionSet, evaluate
from fanlight.engine.problems import Problem
from fanlight.engine.testing import run_suites
from fanlight.web import changes, db, registry
from fanlight.web.auth import audit
from fanlight.web.models import (
    Change,
    ChangeComment,
    ChangeItem,
    DefinitionEvent,
    DefinitionVersion,
    Publication,
    User,
)
from fanlight.web.permissions import allowed, requires
from fanlight.web.security import error_page

from . import review
from .quickedit import Document, Edit, OptionValue, QuickEditError, Target, normal

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
ASSETS = Path(__file__).resolve().parent / "static"
STATE_NAMES = {"draft": "Draft", "in_review": "In review", "approved": "Approved", "published": "Published",
               "rejected": "Rejected", "withdrawn": "Withdrawn"}
NEW_OPTION_ROWS = 3
OPTION_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
Page = str | tuple[str, int] | Response


@bp.app_context_processor
def _names() -> dict[str, Any]:
    return {"state_names": STATE_NAMES}


@bp.context_processor
def _workbench() -> dict[str, Any]:
    user = g.get("user")
    role = user.role if user is not None else ""
    return {"may_edit": allowed(role, "edit_definitions"), "may_review": allowed(role, "review_definitions")}


def _change(change_id: int) -> Change:
    change = db.session().get(Change, change_id)
    if change is None:
        abort(404)
    return change


def _refused(error: changes.NotAllowed, change: Change | None) -> Page:
    """A refused action changes nothing. Refused for who is asking: 403, and an audit row.
    Refused for the change's state (a second click, a stale page): back to the change, saying why."""
    s = db.session()
    s.rollback()
    if isinstance(error, changes.Forbidden):
        audit("access_denied", f"{request.method} {request.path}: {error}")
        s.commit()
        return error_page(403, "You cannot do that", str(error))
    flash(str(error), "error")
    return redirect(url_for("admin.change", change_id=change.id) if change is not None else url_for("admin.index"))


@bp.route("/assets/<asset>")
@requires("workbench")
def asset(asset: str) -> Response:
    """The workbench's own stylesheet and script (only workbench users load them)."""
    if asset not in ("workbench.css", "workbench.mjs"):
        abort(404)
    return send_from_directory(ASSETS, asset, max_age=300)


# The workbench's front page, definitions and history ---------------------------------------------


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


def _names_of(ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    return {u.id: u.name for u in db.session().scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}


@bp.route("/definitions/<path:path>")
@requires("workbench")
def definition(path: str) -> str:
    """One definition file: its live version, every version, open changes to it and its history."""
    s = db.session()
    rows = list(s.scalars(select(DefinitionVersion).where(DefinitionVersion.path == path).order_by(DefinitionVersion.version.desc())))
    if not rows:
        abort(404)
    live = {v.path: v for v in registry.versions_of(s, registry.live_id(s) or 0)}.get(path)
    touching = set(s.scalars(select(ChangeItem.change_id).where(ChangeItem.path == path)))
    change_ids = touching | {r.change_id for r in rows if r.change_id}
    events = list(s.scalars(select(DefinitionEvent).where(DefinitionEvent.change_id.in_(change_ids))
                            .order_by(DefinitionEvent.at.desc(), DefinitionEvent.id.desc()))) if change_ids else []
    open_changes = list(s.scalars(select(Change).where(Change.id.in_(touching), Change.state.in_(changes.OPEN))
                                  .order_by(Change.id))) if touching else []
    titles = {c.id: c.title for c in s.scalars(select(Change).where(Change.id.in_(change_ids)))} if change_ids else {}
    return render_template("admin/definition.html", path=path, versions=rows, live=live, events=events,
                           actors=_names_of({e.actor_id for e in events}), open_changes=open_changes, titles=titles)


@bp.route("/history")
@requires("workbench")
def history() -> str:
    s = db.session()
    events = list(s.scalars(select(DefinitionEvent).order_by(DefinitionEvent.at.desc(), DefinitionEvent.id.desc()).limit(200)))
    return render_template("admin/history.html", events=events, actors=_names_of({e.actor_id for e in events}))


# Changes ------------------------------------------------------------------------------------------


@bp.route("/changes", methods=["POST"])
@requires("edit_definitions")
def new_change() -> Page:
    """Start a change; with a file named, go straight to editing it (nothing is saved until then)."""
    s = db.session()
    path = request.form.get("path", "")
    if path and path not in registry.texts_of(s, registry.live_id(s) or 0):
        abort(404)
    try:
        change = changes.create(s, g.user, request.form.get("title", "") or (f"Change {path}" if path else ""))
    except changes.NotAllowed as error:
        return _refused(error, None)
    s.commit()
    if path:
        return redirect(url_for("admin.quick_edit_list", change_id=change.id, path=path))
    return redirect(url_for("admin.change", change_id=change.id))


@bp.route("/changes/<int:change_id>")
@requires("workbench")
def change(change_id: int) -> str:
    s = db.session()
    item = _change(change_id)
    checks = changes.check(s, item)
    comments = list(s.scalars(select(ChangeComment).where(ChangeComment.change_id == item.id).order_by(ChangeComment.created_at, ChangeComment.id)))
    events = list(s.scalars(select(DefinitionEvent).where(DefinitionEvent.change_id == item.id).order_by(DefinitionEvent.at, DefinitionEvent.id)))
    people = {u.id: u for u in s.scalars(select(User).where(User.id.in_(
        {item.author_id, *(c.author_id for c in comments), *(e.actor_id for e in events if e.actor_id)})))}
    is_author = g.user.id == item.author_id
    live_paths = sorted(registry.texts_of(s, registry.live_id(s) or 0)) if is_author and item.state == "draft" else []
    return render_template(
        "admin/change.html", change=item, checks=checks, review=review.build(s, item, checks), comments=comments,
        events=events, people=people, items=changes.items_of(s, item), stale=changes.stale_paths(s, item),
        can_review=allowed(g.user.role, "review_definitions") and not is_author,
        is_author=is_author, forms=sorted(checks.definitions.compiled), live_paths=live_paths,
    )


def _action(change_id: int, act: Any, message: str) -> Page:
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
def submit(change_id: int) -> Page:
    return _action(change_id, lambda s, c: changes.submit(s, c, g.user), "The change is now in review.")


@bp.route("/changes/<int:change_id>/return", methods=["POST"])
@requires("edit_definitions")
def return_to_draft(change_id: int) -> Page:
    return _action(change_id, lambda s, c: changes.return_to_draft(s, c, g.user), "The change is a draft again.")


@bp.route("/changes/<int:change_id>/withdraw", methods=["POST"])
@requires("edit_definitions")
def withdraw(change_id: int) -> Page:
    return _action(change_id, lambda s, c: changes.withdraw(s, c, g.user), "The change has been withdrawn.")


@bp.route("/changes/<int:change_id>/comment", methods=["POST"])
@requires("workbench")
def comment(change_id: int) -> Page:
    body = request.form.get("body", "")
    return _action(change_id, lambda s, c: changes.comment(s, c, g.user, body), "Your comment has been added.")


@bp.route("/changes/<int:change_id>/approve", methods=["POST"])
@requires("review_definitions")
def approve(change_id: int) -> Page:
    return _action(change_id, lambda s, c: changes.approve(s, c, g.user), "The change is approved.")


@bp.route("/changes/<int:change_id>/reject", methods=["POST"])
@requires("review_definitions")
def reject(change_id: int) -> Page:
    reason = request.form.get("reason", "")
    return _action(change_id, lambda s, c: changes.reject(s, c, g.user, reason), "The change has been rejected.")


@bp.route("/changes/<int:change_id>/publish", methods=["POST"])
@requires("review_definitions")
def publish(change_id: int) -> Page:
    return _action(change_id, lambda s, c: changes.publish(s, c, g.user),
                   "Published. Every server serves the new version within a second.")


@bp.route("/publications/<int:publication_id>/rollback", methods=["POST"])
@requires("review_definitions")
def rollback(publication_id: int) -> Page:
    s = db.session()
    try:
        new_id = changes.rollback(s, g.user, publication_id)
    except changes.NotAllowed as error:
        return _refused(error, None)
    s.commit()
    flash(f"Rolled back: publication {new_id} serves the definitions of publication {publication_id} again.", "success")
    return redirect(url_for("admin.index"))


# Editing: the YAML editor -------------------------------------------------------------------------


def _text_of(s: Any, item: Change, path: str) -> str:
    """What the file says in this change: the change's own text, or the live text."""
    if not path:
        abort(404)
    text = changes.items_of(s, item).get(path)
    if text is None:
        text = registry.texts_of(s, registry.live_id(s) or 0).get(path, "")
    return text


def _problems_for(s: Any, item: Change, path: str, text: str) -> tuple[DefinitionSet, list[Problem]]:
    texts = changes.proposed_texts(s, item)
    texts[path] = text
    loaded = registry.load(texts)
    return loaded, list(loaded.problems)


def _tests_summary(loaded: DefinitionSet, problems: list[Problem]) -> str:
    if problems:
        return f"{len(problems)} problem(s): the definition tests run once they are fixed."
    results = run_suites(loaded)
    failed = sum(1 for r in results if not r.passed)
    return f"Definition tests: {len(results) - failed} passed, {failed} failed."


@bp.route("/changes/<int:change_id>/edit", methods=["GET", "POST"])
@requires("edit_definitions")
def edit(change_id: int) -> Page:
    s = db.session()
    item = _change(change_id)
    path = request.values.get("path", "")
    if request.method == "POST":
        text = request.form.get("text", "").replace("\r\n", "\n")
        try:
            changes.save_item(s, item, g.user, path, text)
        except changes.NotAllowed as error:
            return _refused(error, item)
        s.commit()
        loaded, problems = _problems_for(s, item, path, text)
        flash(f"Saved {path}. {_tests_summary(loaded, problems)}", "success" if not problems else "error")
        return redirect(url_for("admin.edit", change_id=item.id, path=path))
    text = _text_of(s, item, path)
    _, problems = _problems_for(s, item, path, text)
    return render_template("admin/edit.html", change=item, path=path, text=text, problems=problems,
                           checks=changes.check(s, item), editable=item.state == "draft" and item.author_id == g.user.id)


@bp.route("/changes/<int:change_id>/validate", methods=["POST"])
@requires("edit_definitions")
def validate(change_id: int) -> str:
    """htmx: the problems of the text being typed, as the author types it (nothing is saved)."""
    s = db.session()
    item = _change(change_id)
    path = request.form.get("path", "")
    _, problems = _problems_for(s, item, path, request.form.get("text", "").replace("\r\n", "\n"))
    return render_template("admin/_problems.html", problems=problems, path=path)


# Editing: the structured quick edit ---------------------------------------------------------------


def _document(s: Any, item: Change, path: str) -> Document | None:
    try:
        return Document.parse(_text_of(s, item, path))
    except QuickEditError:
        return None


@bp.route("/changes/<int:change_id>/quick-edit")
@requires("edit_definitions")
def quick_edit_list(change_id: int) -> Page:
    """What in a file the quick edit can change: its questions, rules or indicators."""
    s = db.session()
    item = _change(change_id)
    path = request.args.get("path", "")
    text = _text_of(s, item, path)
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
                           kind=document.kind if document else "", checks=changes.check(s, item),
                           editable=item.state == "draft" and item.author_id == g.user.id)


@bp.route("/changes/<int:change_id>/quick-edit/item", methods=["GET", "POST"])
@requires("edit_definitions")
def quick_edit(change_id: int) -> Page:
    """The small form for one question, rule or indicator; saving writes the YAML back into the change."""
    s = db.session()
    item = _change(change_id)
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
                               values=_values_of(target), shared=shared, new_rows=NEW_OPTION_ROWS)
    try:
        changes.ensure_editable(item, g.user)
    except changes.NotAllowed as error:
        return _refused(error, item)
    edit, values, errors = _read_form(target)
    text, loaded = _written(s, item, path, document, target, edit, errors)
    if errors or loaded is None:
        return render_template("admin/quick_edit.html", change=item, path=path, target=target, errors=errors,
                               error_for=dict(reversed(errors)), values=values, shared=shared,
                               new_rows=NEW_OPTION_ROWS), 422
    try:
        changes.save_item(s, item, g.user, path, text)
    except changes.NotAllowed as error:
        return _refused(error, item)
    s.commit()
    flash(f"Saved “{target.title}” in {path}. {_tests_summary(loaded, [])}", "success")
    return redirect(url_for("admin.quick_edit_list", change_id=item.id, path=path))


def _written(s: Any, item: Change, path: str, document: Document, target: Target, edit: Edit,
             errors: list[tuple[str, str]]) -> tuple[str, DefinitionSet | None]:
    """The file with the edit written back, and the change's whole set with it; or errors, and None."""
    if errors:
        return "", None
    try:
        text = document.apply(target.node, edit)
    except QuickEditError as error:
        errors.append(("quick-edit", str(error)))
        return "", None
    if text == document.text:
        errors.append((_first_input(target), "You have not changed anything. Change something, or go back to the change."))
        return "", None
    loaded, problems = _problems_for(s, item, path, text)
    errors.extend((_first_input(target), f"This would make the definitions invalid: {p.code} {p.message} "
                   f"({p.where.file}, line {p.where.line})") for p in problems[:10])
    return text, None if problems else loaded


def _shared_list(s: Any, item: Change, target: Target) -> str:
    """The path of the shared option list a question's options come from, in this change's set."""
    if not target.options_ref:
        return ""
    for path, text in changes.proposed_texts(s, item).items():
        if registry.identity(text) == ("options", target.options_ref):
            return path
    return ""


def _first_input(target: Target) -> str:
    return {"field": "label", "rule": "message", "indicator": "text"}.get(target.kind, "option-0-label")


def _values_of(target: Target) -> dict[str, Any]:
    values: dict[str, Any] = {"label": target.label, "hint": normal(target.hint), "required": "yes" if target.required else "no",
                              "message": normal(target.message), "text": normal(target.text),
                              "level": str(target.level) if target.level is not None else ""}
    for i, option in enumerate(target.options if not target.options_ref else []):
        values[f"option-{i}-label"] = option.label
    return values


def _read_form(target: Target) -> tuple[Edit, dict[str, Any], list[tuple[str, str]]]:
    """The posted form as an Edit, the values to show again, and the errors (field id, message)."""
    form = request.form
    values: dict[str, Any] = {key: form.get(key, "") for key in form}
    errors: list[tuple[str, str]] = []
    edit = Edit()
    if target.kind == "field":
        edit.label = _text(form, "label", "Enter the question", 1000, errors)
        edit.hint = _text(form, "hint", "", 20000, errors)
        required = form.get("required")
        if required not in ("yes", "no"):
            errors.append(("required", "Select whether the question must be answered"))
        else:
            edit.required = required == "yes"
    elif target.kind == "rule":
        edit.message = _text(form, "message", "Enter the message", 1000, errors)
    elif target.kind == "indicator":
        edit.text = _text(form, "text", "Enter the indicator's text", 20000, errors)
        level = form.get("level", "")
        if level not in {str(n) for n, _ in target.levels}:
            errors.append(("level", "Select the level this indicator is at"))
        else:
            edit.level = int(level)
    if target.has_options and not target.options_ref:
        _read_options(target, edit, errors)
    return edit, values, errors


def _text(form: Any, name: str, missing: str, limit: int, errors: list[tuple[str, str]]) -> str | None:
    value = normal(form.get(name, ""))
    if missing and not value.strip():
        errors.append((name, missing))
        return None
    if len(value) > limit:
        errors.append((name, f"This must be {limit:,} characters or fewer"))
        return None
    return value


def _read_options(target: Target, edit: Edit, errors: list[tuple[str, str]]) -> None:
    form = request.form
    for i, option in enumerate(target.options):
        if form.get(f"option-{i}-remove") == "yes":
            edit.remove.add(option.value)
            continue
        label = normal(form.get(f"option-{i}-label", option.label))
        problem = _option_label_problem(label, f"Enter the label for the option ‘{option.value}’, or remove it")
        if problem:
            errors.append((f"option-{i}-label", problem))
        elif label != option.label:
            edit.relabel[option.value] = label
    existing = {o.value for o in target.options}
    for i in range(NEW_OPTION_ROWS):
        value, label = form.get(f"new-{i}-value", "").strip(), normal(form.get(f"new-{i}-label", ""))
        if not value and not label.strip():
            continue
        value_problem = _option_value_problem(value, existing)
        label_problem = _option_label_problem(label, "Enter a label for the new option")
        if value_problem:
            errors.append((f"new-{i}-value", value_problem))
        elif label_problem:
            errors.append((f"new-{i}-label", label_problem))
        else:
            existing.add(value)
            edit.add.append(OptionValue(value, label))
    if len(edit.remove) == len(target.options) and not edit.add:
        errors.append(("option-0-label", "Keep at least one option"))


def _option_label_problem(label: str, missing: str) -> str:
    if not label.strip():
        return missing
    return "An option's label must be 500 characters or fewer" if len(label) > 500 else ""


def _option_value_problem(value: str, existing: set[str]) -> str:
    if not value:
        return "Enter a value for the new option"
    if not OPTION_VALUE.match(value):
        return ("An option's value can only contain letters, numbers, underscores, hyphens and full stops, "
                "and must start with a letter or number")
    return f"There is already an option with the value ‘{value}’" if value in existing else ""


# Preview ------------------------------------------------------------------------------------------


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
