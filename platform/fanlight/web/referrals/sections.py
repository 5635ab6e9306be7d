"""The professional's pages: start a form, fill its sections, check, submit, confirmation."""

from __future__ import annotations

import datetime
import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import NotFound

from fanlight.engine import CompiledForm, Evaluation, evaluate
from fanlight.engine.definitions import model as m
from fanlight.renderers import casenote

from . import agencies, db, journey, store
from . import answers as posted
from .auth import audit, landing_for
from .catalogue import Catalogue
from .models import Draft, Submission
from .permissions import requires
from .security import error_page

bp = Blueprint("portal", __name__)


def catalogue() -> Catalogue:
    cat: Catalogue = current_app.extensions["fanlight.catalogue"]
    return cat


def _own_draft(draft_id: str) -> Draft:
    draft = store.get_draft(draft_id)
    if draft is None or draft.owner_id != g.user.id:
        if draft is not None:  # someone else's: say nothing about it, but record the attempt
            audit("access_denied", f"draft {draft_id}")
            db.session().commit()
        abort(404)
    return draft


def _own_submission(submission_id: str) -> Submission:
    submission = store.get_submission(submission_id)
    if submission is None or submission.owner_id != g.user.id:
        if submission is not None:
            audit("access_denied", f"submission {submission_id}")
            db.session().commit()
        abort(404)
    return submission


def _form_of(draft: Draft | Submission) -> CompiledForm:
    compiled = catalogue().form_for(db.session(), draft)
    if compiled is None:
        abort(410)
    return compiled


def _section(compiled: CompiledForm, section_id: str) -> m.Section:
    section = next((s for s in compiled.form.sections if s.id == section_id), None)
    if section is None:
        abort(404)
    return section


def _evaluate(compiled: CompiledForm, answers: dict[str, Any]) -> Evaluation:
    return evaluate(compiled, answers)


# Your forms and starting one --------------------------------------------------------------


def _offered(form_id: str) -> CompiledForm:
    """A live form this person's agency lets them use (its definition says which)."""
    compiled = catalogue().current(form_id)
    if compiled is None:
        abort(404)
    if not agencies.may_use(g.user, form_id):
        audit("access_denied", f"form {form_id} is not used by agency {g.user.agency_id}")
        db.session().commit()
        abort(403)
    return compiled


@bp.route("/")
@requires("account")
def home() -> Response:
    """Each role's own first page (a professional's is "Your forms")."""
    return redirect(landing_for(g.user))


@bp.route("/your-forms")
@requires("refer")
def your_forms() -> str:
    drafts, submissions = store.forms_of(g.user)
    titles = {c.id: c.form.title for c in catalogue().forms()}
    offered = [c for c in catalogue().forms() if agencies.may_use(g.user, c.id)]
    return render_template("pages/your_forms.html", drafts=drafts, submissions=submissions, titles=titles,
                           forms=offered)


@bp.route("/forms/<form_id>")
@requires("refer")
def start(form_id: str) -> str:
    compiled = _offered(form_id)
    return render_template("pages/start.html", compiled=compiled)


@bp.route("/forms/<form_id>/drafts", methods=["POST"])
@requires("refer")
def new_draft(form_id: str) -> Response:
    compiled = _offered(form_id)
    draft = store.new_draft(g.user, compiled, catalogue().live)
    first = compiled.form.sections[0].id
    return redirect(url_for("portal.section", draft_id=draft.id, section_id=first))


# The task list and sections -----------------------------------------------------------------


@bp.route("/drafts/<draft_id>")
@requires("refer")
def task_list(draft_id: str) -> Response | str:
    draft = _own_draft(draft_id)
    if draft.status != "draft":
        return _to_submission(draft)
    compiled = _form_of(draft)
    evaluation = _evaluate(compiled, draft.answers)
    sections = journey.statuses(compiled, evaluation, draft.answers, draft.visited)
    return render_template("pages/task_list.html", compiled=compiled, draft=draft, evaluation=evaluation,
                           sections=sections, newer=_newer_version(draft, compiled),
                           new_questions=session.pop("new_questions", None))


def _newer_version(draft: Draft, compiled: CompiledForm) -> CompiledForm | None:
    """The live version of this draft's form, if it differs from the one the draft is on."""
    live = catalogue().current(draft.form_id)
    if live is None or live.form.content_hash == compiled.form.content_hash:
        return None
    return live


@bp.route("/drafts/<draft_id>/carry-forward", methods=["POST"])
@requires("refer")
def carry_forward(draft_id: str) -> Response:
    """Move a draft to the newest version of its form, keeping every answer whose question remains."""
    draft = _own_draft(draft_id)
    if draft.status != "draft":
        return _to_submission(draft)
    older = _form_of(draft)
    newer = _newer_version(draft, older)
    live = catalogue().live
    if newer is None or live is None:
        return redirect(url_for("portal.task_list", draft_id=draft.id))
    try:
        session["new_questions"] = store.carry_forward(draft, _revision(), older, newer, live)
    except store.Conflict:
        abort(409)
    return redirect(url_for("portal.task_list", draft_id=draft.id))


@bp.route("/drafts/<draft_id>/resume")
@requires("refer")
def resume(draft_id: str) -> Response:
    draft = _own_draft(draft_id)
    if draft.status != "draft":
        return _to_submission(draft)
    return redirect(url_for("portal.task_list", draft_id=draft.id))


def _to_submission(draft: Draft) -> Response:
    submission = store.submission_for(draft.id) or abort(404)
    return redirect(url_for("portal.confirmation", submission_id=submission.id))


@bp.route("/drafts/<draft_id>/sections/<section_id>")
@requires("refer")
def section(draft_id: str, section_id: str) -> Response | str:
    draft = _own_draft(draft_id)
    if draft.status != "draft":
        return _to_submission(draft)
    compiled = _form_of(draft)
    sec = _section(compiled, section_id)
    return _section_page(compiled, draft, sec, draft.answers, show_errors=request.args.get("check") == "1")


def _section_page(
    compiled: CompiledForm, draft: Draft, sec: m.Section, answers: dict[str, Any], *, show_errors: bool,
    status: int = 200, conflict: bool = False, extra_errors: list[Any] | None = None,
) -> tuple[str, int]:
    evaluation = _evaluate(compiled, answers)
    errors = (journey.errors_in(sec, evaluation, compiled) if show_errors else []) + (extra_errors or [])
    sections = journey.statuses(compiled, evaluation, answers, draft.visited)
    context = _page_context(compiled, draft, sec, answers, evaluation, errors, sections)
    return render_template("pages/section.html", conflict=conflict, **context), status


def _page_context(
    compiled: CompiledForm, draft: Draft, sec: m.Section, answers: dict[str, Any], evaluation: Evaluation,
    errors: list[Any], sections: list[journey.SectionStatus],
) -> dict[str, Any]:
    return {
        "compiled": compiled, "draft": draft, "section": sec, "answers": answers, "evaluation": evaluation,
        "errors": errors, "error_for": {e.field: e.message for e in errors}, "sections": sections,
        "visible": set(evaluation.visible_fields), "return_to": request.args.get("return", ""),
        "thresholds": compiled.thresholds,
        "warnings": [w for w in evaluation.warnings], "infos": evaluation.infos,
    }


@bp.route("/drafts/<draft_id>/sections/<section_id>", methods=["POST"])
@requires("refer")
def save_section(draft_id: str, section_id: str) -> Response | tuple[str, int]:
    draft = _own_draft(draft_id)
    if draft.status != "draft":
        return _to_submission(draft)
    compiled = _form_of(draft)
    sec = _section(compiled, section_id)
    changes = posted.section_answers(sec, request.form, draft.answers)
    action = request.form.get("action", "continue")
    if action.startswith(("add:", "remove:")):
        changed = posted.apply_action(sec, action, {**draft.answers, **changes})
        if changed is None:
            abort(400)
        changes.update(changed)
    try:
        store.save_answers(draft, _revision(), changes, visited=section_id if action == "continue" else None)
    except store.Conflict:
        # Show what is saved now, from the other tab, with its revision: saving again from this
        # page can then never overwrite it with answers the person has not seen.
        db.session().refresh(draft)
        return _section_page(compiled, draft, sec, draft.answers, show_errors=False, status=409, conflict=True)
    if action.startswith(("add:", "remove:")):
        return redirect(url_for("portal.section", draft_id=draft.id, section_id=sec.id, **_return())
                        + f"#{_anchor_after(sec, action, draft.answers)}")
    if action == "later":
        return redirect(url_for("portal.your_forms", saved=draft.id))
    evaluation = _evaluate(compiled, draft.answers)
    if journey.errors_in(sec, evaluation, compiled):
        return _section_page(compiled, draft, sec, draft.answers, show_errors=True, status=422)
    return redirect(_after(compiled, draft, evaluation, sec.id))


def _anchor_after(sec: m.Section, action: str, answers: dict[str, Any]) -> str:
    """After "Add another", the new record's first question; after "Remove", the list itself."""
    repeat_id = action.split(":")[1]
    repeat = next((f for f in sec.fields if f.id == repeat_id), None)
    items = answers.get(repeat_id) or []
    first = next((sub.id for sub in repeat.fields if sub.answerable), None) if repeat else None
    if action.startswith("add:") and first and items:
        return f"{repeat_id}-{len(items) - 1}-{first}"
    return repeat_id


def _after(compiled: CompiledForm, draft: Draft, evaluation: Evaluation, section_id: str) -> str:
    if request.args.get("return") == "check":
        return url_for("portal.check_answers", draft_id=draft.id)
    following = journey.next_section(compiled, evaluation, section_id)
    if following is None:
        return url_for("portal.check_answers", draft_id=draft.id)
    return url_for("portal.section", draft_id=draft.id, section_id=following)


def _return() -> dict[str, str]:
    return {"return": "check"} if request.args.get("return") == "check" else {}


MAX_REVISION = 2**31 - 1  # the column is a 32-bit INTEGER on PostgreSQL and SQLite


def _revision() -> int:
    """The revision the posted page was showing; anything but a plain number in range is a bad request."""
    value = request.form.get("revision", "").strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 10 and int(value) <= MAX_REVISION):
        abort(400)
    return int(value)


@bp.route("/drafts/<draft_id>/sections/<section_id>/live", methods=["POST"])
@requires("refer")
def live(draft_id: str, section_id: str) -> tuple[str, int, dict[str, str]] | tuple[str, int]:
    """htmx: save what was typed (autosave) and send back what is now shown."""
    draft = _own_draft(draft_id)
    if draft.status != "draft":
        abort(409)
    compiled = _form_of(draft)
    sec = _section(compiled, section_id)
    changes = posted.section_answers(sec, request.form, draft.answers)
    answers = {**draft.answers, **changes}
    try:
        store.save_answers(draft, _revision(), changes)
    except store.Conflict:
        html = render_template("partials/conflict.html", draft=draft, section=sec)
        return html, 409, {"HX-Retarget": "#conflict", "HX-Reswap": "innerHTML"}
    evaluation = _evaluate(compiled, answers)
    sections = journey.statuses(compiled, evaluation, answers, draft.visited)
    errors = journey.errors_in(sec, evaluation, compiled) if request.form.get("show_errors") == "1" else []
    context = _page_context(compiled, draft, sec, answers, evaluation, errors, sections)
    return render_template("partials/live.html", saved_at=datetime.datetime.now(datetime.UTC), **context), 200


# Check answers, submit, confirmation ------------------------------------------------------------


@bp.route("/drafts/<draft_id>/check")
@requires("refer")
def check_answers(draft_id: str) -> Response | str:
    draft = _own_draft(draft_id)
    if draft.status != "draft":
        return _to_submission(draft)
    compiled = _form_of(draft)
    evaluation = _evaluate(compiled, draft.answers)
    sections = journey.statuses(compiled, evaluation, draft.answers, draft.visited)
    return render_template("pages/check_answers.html", compiled=compiled, draft=draft, evaluation=evaluation,
                           sections=sections, answers=evaluation.answers, owner=journey.field_section(compiled))


@bp.route("/drafts/<draft_id>/submit", methods=["POST"])
@requires("refer")
def submit(draft_id: str) -> Response | tuple[str, int]:
    draft = _own_draft(draft_id)
    if draft.status != "draft":
        return _to_submission(draft)  # a double click or a replay: the one submission
    compiled = _form_of(draft)
    evaluation = _evaluate(compiled, draft.answers)
    if not evaluation.complete:
        sections = journey.statuses(compiled, evaluation, draft.answers, draft.visited)
        html = render_template("pages/check_answers.html", compiled=compiled, draft=draft, evaluation=evaluation,
                               sections=sections, answers=evaluation.answers, owner=journey.field_section(compiled),
                               show_errors=True)
        return html, 422
    try:
        submission = store.submit(draft, g.user, evaluation)
    except store.Conflict:
        return error_page(409, "Your form has not been sent",
                          "It was changed in another tab or window while you were sending it. "
                          "Nothing has been lost: check your answers again, then send it.")
    return redirect(url_for("portal.confirmation", submission_id=submission.id))


@bp.route("/submissions/<submission_id>")
@requires("refer")
def confirmation(submission_id: str) -> str:
    submission = _own_submission(submission_id)
    compiled = _form_of(submission)
    return render_template("pages/confirmation.html", submission=submission, compiled=compiled)


@bp.route("/submissions/<submission_id>/print")
@requires("refer")
def print_view(submission_id: str) -> str:
    submission = _own_submission(submission_id)
    compiled = _form_of(submission)
    evaluation = _as_sent(submission)
    return render_template("pages/print.html", submission=submission, compiled=compiled, evaluation=evaluation,
                           answers=submission.answers)


@bp.route("/submissions/<submission_id>/case-note.txt")
@requires("refer")
def case_note(submission_id: str) -> Response:
    submission = _own_submission(submission_id)
    compiled = _form_of(submission)
    text = casenote.render(compiled, submission.answers, _as_sent(submission), submission.reference,
                           db.utc(submission.submitted_at))
    return Response(text, mimetype="text/plain", headers={"Content-Disposition": "inline"})


@bp.route("/submissions/<submission_id>.json")
@requires("refer")
def submission_json(submission_id: str) -> Response:
    submission = _own_submission(submission_id)
    body = {
        "reference": submission.reference, "form": submission.form_id, "version": submission.form_version,
        "content_hash": submission.form_hash, "submitted_at": db.utc(submission.submitted_at).isoformat(),
        "status": submission.status, "answers": submission.answers, "evaluation": submission.evaluation,
    }
    return Response(json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/json")


def _as_sent(submission: Submission) -> Evaluation:
    """The evaluation as it was when the form was sent: ages and levels do not drift afterwards."""
    return evaluate(_form_of(submission), submission.answers, now=db.utc(submission.submitted_at))


@bp.app_errorhandler(NotFound)
def not_found(error: NotFound) -> tuple[str, int]:
    return error_page(404, "Page not found", "If you typed the web address, check it is correct.")
