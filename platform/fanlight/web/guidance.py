"""Public threshold guidance pages, rendered from the thresholds definition."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response

from .catalogue import Catalogue
from .permissions import public

bp = Blueprint("guidance", __name__, url_prefix="/guidance")


def _catalogue() -> Catalogue:
    cat: Catalogue = current_app.extensions["fanlight.catalogue"]
    return cat


@bp.route("/")
@public
def index() -> Response:
    first = next(iter(sorted(_catalogue().definitions.thresholds)), None)
    if first is None:
        abort(404)
    return redirect(url_for("guidance.thresholds", thresholds_id=first))


@bp.route("/<thresholds_id>")
@public
def thresholds(thresholds_id: str) -> str:
    t = _catalogue().thresholds(thresholds_id) or abort(404)
    return render_template("pages/guidance/thresholds.html", thresholds=t)


@bp.route("/<thresholds_id>/level-<int:level>")
@public
def level(thresholds_id: str, level: int) -> str:
    t = _catalogue().thresholds(thresholds_id) or abort(404)
    chosen = t.level(level) or abort(404)
    return render_template("pages/guidance/level.html", thresholds=t, level=chosen)
