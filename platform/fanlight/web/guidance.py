"""Public threshold guidance pages, rendered from the thresholds definition."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from werkzeug.wrappers import Response

from .access.permissions import public
from .extensions import catalogue
from .security import cacheable

bp = Blueprint("guidance", __name__, url_prefix="/guidance")


@bp.route("/")
@public
@cacheable
def index() -> Response:
    first = next(iter(sorted(catalogue().definitions.thresholds)), None)
    if first is None:
        abort(404)
    return redirect(url_for("guidance.thresholds", thresholds_id=first))


@bp.route("/<thresholds_id>")
@public
@cacheable
def thresholds(thresholds_id: str) -> str:
    t = catalogue().thresholds(thresholds_id) or abort(404)
    return render_template("pages/guidance/thresholds.html", thresholds=t)


@bp.route("/<thresholds_id>/level-<int:level>")
@public
@cacheable
def level(thresholds_id: str, level: int) -> str:
    t = catalogue().thresholds(thresholds_id) or abort(404)
    chosen = t.level(level) or abort(404)
    return render_template("pages/guidance/level.html", thresholds=t, level=chosen)
