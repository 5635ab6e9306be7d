"""Your forms, and starting one."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from werkzeug.wrappers import Response

from fanlight.engine import CompiledForm

from .. import extensions
from ..access import policies
from ..access.guard import landing_for, signed_in_user
from ..access.permissions import landing, requires
from . import blueprint as bp
from . import drafts


def _offered(form_id: str) -> CompiledForm:
    """A live form this person's agency lets them use (its definition says which)."""
    compiled = extensions.catalogue().current(form_id)
    if compiled is None:
        abort(404)
    policies.require_form(form_id)
    return compiled


@bp.route("/")
@requires("account")
def home() -> Response:
    """Each role's own first page (a professional's is "Your forms")."""
    return redirect(landing_for(signed_in_user()))


@bp.route("/your-forms")
@requires("refer")
@landing(30)
def your_forms() -> str:
    user = signed_in_user()
    in_progress, sent = drafts.forms_of(user)
    catalogue = extensions.catalogue()
    titles = {c.id: c.form.title for c in catalogue.forms()}
    offered = [c for c in catalogue.forms() if policies.can_use_form(user, c.id)]
    return render_template("pages/referrals/your_forms.html", drafts=in_progress, submissions=sent, titles=titles,
                           forms=offered)


@bp.route("/forms/<form_id>")
@requires("refer")
def start(form_id: str) -> str:
    return render_template("pages/referrals/start.html", compiled=_offered(form_id))


@bp.route("/forms/<form_id>/drafts", methods=["POST"])
@requires("refer")
def new_draft(form_id: str) -> Response:
    compiled = _offered(form_id)
    draft = drafts.new_draft(signed_in_user(), compiled, extensions.catalogue().live)
    return redirect(url_for("referrals.section", draft_id=draft.id, section_id=compiled.form.sections[0].id))
