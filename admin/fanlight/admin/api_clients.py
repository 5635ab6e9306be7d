"""API clients for administrators (issue 14, item 1): the systems that send referrals through
/api/v1, the agency each sends for, its scopes and when it was last used; make one (its token is
shown once, on the page that made it) and revoke one. The same as `fanlight api-clients`."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from fanlight.web.access.permissions import requires
from fanlight.web.api.clients import SCOPES, ClientProblem, create, listed, revoke
from fanlight.web.definitions import agencies

bp = Blueprint("api_clients", __name__, url_prefix="/admin/api-clients", template_folder="templates")


def _page(name: str = "", agency: str = "", scopes: tuple[str, ...] = SCOPES, error: str = "",
          token: str = "", status: int = 200) -> tuple[str, int]:
    return render_template("admin/api_clients.html", clients=listed(), agencies=agencies.approved(),
                           scope_names=SCOPES, name=name, agency=agency, scopes=scopes, error=error,
                           token=token, errors=[{"href": "#name", "message": error}] if error else []), status


@bp.route("/")
@requires("manage_users")
def index() -> tuple[str, int]:
    return _page()


@bp.route("/", methods=["POST"])
@requires("manage_users")
def add() -> tuple[str, int]:
    form = request.form
    name, agency = form.get("name", "")[:200], form.get("agency", "")[:80]
    scopes = tuple(s for s in form.getlist("scopes")[:10] if s in SCOPES)
    if not scopes:
        return _page(name, agency, scopes, "Choose what the client may do", status=422)
    try:
        made = create(name, agency, list(scopes))
    except ClientProblem as problem:
        return _page(name, agency, scopes, str(problem).capitalize(), status=422)
    # Shown on this page, this once: it is not kept, and never sent by email or put in a URL.
    return _page(token=made.token, name=made.client.name, status=201)


@bp.route("/<int:client_id>/revoke", methods=["POST"])
@requires("manage_users")
def revoke_client(client_id: int) -> Response:
    found = next((c for c in listed() if c.id == client_id), None)
    if found is not None:
        revoke(found.name)
        flash(f"You revoked {found.name}: its token no longer works.", "success")
    return redirect(url_for("api_clients.index"), code=303)
