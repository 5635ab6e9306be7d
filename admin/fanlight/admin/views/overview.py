"""The workbench's front page, one definition file, the history, and the workbench's own assets."""

from __future__ import annotations

from pathlib import Path

from flask import abort, render_template, send_from_directory
from sqlalchemy import select
from werkzeug.wrappers import Response

from fanlight.admin import workflow
from fanlight.web import db
from fanlight.web.access.permissions import landing, requires
from fanlight.web.definitions import registry
from fanlight.web.models import Change, ChangeItem, DefinitionEvent, DefinitionVersion, Publication, User

from . import bp

ASSETS = Path(__file__).resolve().parents[1] / "static"


@bp.route("/assets/<asset>")
@requires("workbench")
def asset(asset: str) -> Response:
    """The workbench's own stylesheet and script (only workbench users load them)."""
    if asset not in ("workbench.css", "workbench.mjs"):
        abort(404)
    return send_from_directory(ASSETS, asset, max_age=300)


@bp.route("/")
@requires("workbench")
@landing(20)
def index() -> str:
    s = db.session()
    live = registry.live_id(s)
    versions = registry.versions_of(s, live) if live else []
    open_changes = list(s.scalars(select(Change).where(Change.state.in_(workflow.OPEN)).order_by(Change.updated_at.desc())))
    closed = list(s.scalars(select(Change).where(Change.state.not_in(workflow.OPEN)).order_by(Change.updated_at.desc()).limit(20)))
    publications = list(s.scalars(select(Publication).order_by(Publication.id.desc()).limit(10)))
    return render_template("admin/index.html", versions=versions, open_changes=open_changes, closed=closed,
                           publications=publications, live=live, published_changes=_changes_of({p.change_id for p in publications}),
                           users=_names_of({x for c in open_changes + closed for x in (c.author_id, c.reviewer_id)}
                                           | {p.published_by for p in publications}))


def _changes_of(ids: set[int | None]) -> dict[int, Change]:
    wanted = {i for i in ids if i}
    return {c.id: c for c in db.session().scalars(select(Change).where(Change.id.in_(wanted)))} if wanted else {}


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
    open_changes = list(s.scalars(select(Change).where(Change.id.in_(touching), Change.state.in_(workflow.OPEN))
                                  .order_by(Change.id))) if touching else []
    titles = {c.id: c.title for c in s.scalars(select(Change).where(Change.id.in_(change_ids)))} if change_ids else {}
    changes = _changes_of({r.change_id for r in rows})
    return render_template("admin/definition.html", path=path, versions=rows, live=live, events=events,
                           actors=_names_of({e.actor_id for e in events}), open_changes=open_changes, titles=titles,
                           version_changes=changes)


@bp.route("/history")
@requires("workbench")
def history() -> str:
    s = db.session()
    events = list(s.scalars(select(DefinitionEvent).order_by(DefinitionEvent.at.desc(), DefinitionEvent.id.desc()).limit(200)))
    return render_template("admin/history.html", events=events, actors=_names_of({e.actor_id for e in events}),
                           changes=_changes_of({e.change_id for e in events}))
