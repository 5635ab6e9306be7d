"""Your forms: starting one, and deleting a draft you no longer need."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from fanlight.engine import CompiledForm

from .. import db, extensions
from ..access import policies
from ..access.guard import landing_for, signed_in_user
from ..access.permissions import landing, requires
from ..errors import Conflict
from ..models import Attachment, Draft, DraftStatus, Submission
from . import blueprint as bp
from . import drafts, prefill


def _for_professionals(compiled: CompiledForm) -> bool:
    """Whether a form is one a referrer fills in: the front door's own (its decision) never is."""
    return compiled.form.audience != "front_door"


def offered(form_id: str) -> CompiledForm:
    """A live form this person's agency lets them use (its definition says which)."""
    compiled = extensions.catalogue().current(form_id)
    if compiled is None or not _for_professionals(compiled):
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
    offered = [c for c in catalogue.forms() if _for_professionals(c) and policies.can_use_form(user, c.id)]
    most = drafts.most_drafts()
    return render_template("pages/referrals/your_forms.html", drafts=in_progress, submissions=sent, titles=titles,
                           forms=offered, most_drafts=most, at_most=drafts.open_drafts(user) >= most)


@bp.route("/forms/<form_id>")
@requires("refer")
def start(form_id: str) -> str:
    return render_template("pages/referrals/start.html", compiled=offered(form_id))


@bp.route("/forms/<form_id>/drafts", methods=["POST"])
@requires("refer")
def new_draft(form_id: str) -> Response:
    compiled = offered(form_id)
    draft = start_draft(compiled)
    if draft is None:
        return redirect(url_for("referrals.your_forms"))
    return redirect(url_for("referrals.section", draft_id=draft.id, section_id=compiled.form.sections[0].id))


def start_draft(compiled: CompiledForm, earlier: Submission | None = None) -> Draft | None:
    """A new draft of `compiled` for the signed-in person, pre-filled from their account (and from
    `earlier`, a referral of theirs, when they start again from it); None, with a message, when
    they already have as many forms in progress as one person may."""
    user = signed_in_user()
    try:
        return drafts.new_draft(user, compiled, extensions.catalogue().live,
                                prefill.starting_answers(user, compiled, earlier))
    except drafts.TooManyDrafts as error:
        flash(f"You have {error.most} forms in progress, the most one person can have. Send or delete one of "
              "them, then start a new form.", "important")
        return None


def _title(draft: Draft) -> str:
    """The title of the form a draft was started on (even a version no longer served)."""
    catalogue = extensions.catalogue()
    compiled = catalogue.form_for(db.session(), draft) or catalogue.current(draft.form_id)
    return compiled.form.title if compiled is not None else draft.form_id


@bp.route("/drafts/<draft_id>/delete", methods=["GET", "POST"])
@requires("refer")
def delete_draft(draft_id: str) -> str | Response:
    """"Are you sure?", then the draft and its uploaded files are deleted (only its owner's, only unsent)."""
    draft = policies.own_draft(draft_id)
    sent = Conflict("This form has been sent", "A form you have sent cannot be deleted. It is kept by the Family "
                    "Front Door: find it under Submitted on Your forms.")
    if draft.status != DraftStatus.DRAFT:
        raise sent
    title = _title(draft)
    if request.method == "GET":
        files = db.session().scalar(select(func.count()).select_from(Attachment)
                                    .where(Attachment.draft_id == draft.id)) or 0
        return render_template("pages/referrals/delete_draft.html", draft=draft, title=title, files=files)
    if drafts.delete(draft, "deleted by its owner") is None:
        raise sent  # sent from another tab since this page was shown
    flash(f"Your {title.lower()} form has been deleted, with any files you uploaded to it.", "success")
    return redirect(url_for("referrals.your_forms"))
