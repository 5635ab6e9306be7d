"""Check answers, submit, and what was sent: confirmation, print view, case note and JSON."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as Redirect  # what redirect() returns

from fanlight.engine.definitions.model import EARLIER_REFERRAL
from fanlight.renderers import casenote, html_form

from .. import clock, extensions
from ..access import policies
from ..access.guard import signed_in_user
from ..access.permissions import requires
from ..errors import Conflict
from ..models import ReferralStatus, Submission
from ..triage import decisions, history, information, workflow
from . import blueprint as bp
from . import drafts, journey, submissions
from .context import DraftPage, as_sent, form_of, open_draft
from .context import recent as recent_evaluations
from .start import offered, start_draft

MAX_WITHDRAW_REASON = 2000


def _check_answers_page(page: DraftPage, *, show_errors: bool = False, ticked: frozenset[str] = frozenset()) -> str:
    evaluation, compiled = page.evaluation, page.compiled
    owner = journey.field_section(compiled)
    notes = [{"message": w.message, "code": w.code, "acknowledge": w.acknowledge,
              "question": journey.question_label(compiled, w.field or ""),
              "href": _question_href(page, owner, w.field or "")} for w in evaluation.warnings]
    to_tick = journey.to_acknowledge(evaluation)
    unticked = [w for w in to_tick if w.code not in ticked] if show_errors else []
    return render_template("pages/referrals/check_answers.html", compiled=compiled, draft=page.draft,
                           evaluation=evaluation, sections=page.statuses(), answers=evaluation.answers,
                           owner=owner, show_errors=show_errors, notes=notes, to_tick=to_tick, ticked=ticked,
                           unticked=unticked, question_label=lambda path: journey.question_label(compiled, path),
                           item_title=journey.item_title)


def _question_href(page: DraftPage, owner: dict[str, str], path: str) -> str:
    """A link to the question an answer path names, on its section's page, coming back here after."""
    sid = owner.get(path.split("[", 1)[0].split(".", 1)[0])
    if sid is None:
        return "#"
    sec = page.section(sid)
    values: dict[str, Any] = {"draft_id": page.draft.id, "section_id": sid, "return": "check"}
    return url_for("referrals.section", **values) + "#" + html_form.first_input(path, sec.fields, page.evaluation.answers)


@bp.route("/drafts/<draft_id>/check")
@requires("refer")
def check_answers(draft_id: str) -> str:
    return _check_answers_page(open_draft(draft_id))


@bp.route("/drafts/<draft_id>/submit", methods=["POST"])
@requires("refer")
def submit(draft_id: str) -> Redirect | tuple[str, int]:
    """Send a complete draft. A warning its ruleset marks `acknowledge: true` must be ticked
    ("acknowledge" = the rule's id) first: without the tick nothing is sent, and the page says why."""
    page = open_draft(draft_id)  # a sent draft (a double click, a replay) leads to its one submission
    ticked = frozenset(request.form.getlist("acknowledge"))
    to_tick = [w.code for w in journey.to_acknowledge(page.evaluation)]
    if not page.evaluation.complete or any(code not in ticked for code in to_tick):
        return _check_answers_page(page, show_errors=True, ticked=ticked), 422
    try:
        submission = submissions.submit(page.draft, signed_in_user(), page.evaluation, acknowledged=to_tick)
        recent_evaluations.forget(page.draft.id)  # its answers live with the referral now
    except drafts.StaleRevision:
        raise Conflict("Your form has not been sent", "It was changed in another tab or window while you were "
                       "sending it. Nothing has been lost: check your answers again, then send it.") from None
    return redirect(url_for("referrals.confirmation", submission_id=submission.id))


@bp.route("/submissions/<submission_id>")
@requires("refer")
def confirmation(submission_id: str) -> str:
    submission = policies.own_submission(submission_id)
    told = history.for_referrer(history.events_of(submission.id), lambda outcome: decisions.label("outcome", outcome))
    return render_template("pages/referrals/confirmation.html", submission=submission, compiled=form_of(submission),
                           history=told, asked=information.open_request(submission),
                           may_withdraw=submission.status in ReferralStatus.open(),
                           copies=_copied_questions(submission))


def _copied_questions(submission: Submission) -> list[str]:
    """What "Start a new referral from this one" copies (the labels of the live form's questions
    marked `prefill: earlier_referral`); empty when the form is no longer offered to this person."""
    live = extensions.catalogue().current(submission.form_id)
    if live is None or live.form.audience == "front_door" or not policies.can_use_form(signed_in_user(), live.id):
        return []
    return [f.label for f in live.form.prefilled(EARLIER_REFERRAL)]


@bp.route("/submissions/<submission_id>/start-again", methods=["POST"])
@requires("refer")
def start_again(submission_id: str) -> Redirect:
    """A new draft of the form's live version, starting from this referral's children, household and
    professionals (whatever the definition marks `prefill: earlier_referral`), never its concern."""
    submission = policies.own_submission(submission_id)  # anyone else's: not found
    compiled = offered(submission.form_id)
    draft = start_draft(compiled, earlier=submission)
    if draft is None:
        return redirect(url_for("referrals.your_forms"))
    # The task list shows no banners (yet): what was copied is seen in its sections, filled in.
    return redirect(url_for("referrals.task_list", draft_id=draft.id), code=303)


@bp.route("/submissions/<submission_id>/print")
@requires("refer")
def print_view(submission_id: str) -> str:
    submission = policies.own_submission(submission_id)
    return render_template("pages/referrals/print.html", submission=submission, compiled=form_of(submission),
                           evaluation=as_sent(submission), answers=submission.answers,
                           item_title=journey.item_title)


@bp.route("/submissions/<submission_id>/case-note.txt")
@requires("refer")
def case_note(submission_id: str) -> Response:
    submission = policies.own_submission(submission_id)
    text = casenote.render(form_of(submission), submission.answers, as_sent(submission), submission.reference,
                           clock.utc(submission.submitted_at))
    return Response(text, mimetype="text/plain", headers={"Content-Disposition": "inline"})


@bp.route("/submissions/<submission_id>.json")
@requires("refer")
def submission_json(submission_id: str) -> Response:
    submission = policies.own_submission(submission_id)
    body = {
        "reference": submission.reference, "form": submission.form_id, "version": submission.form_version,
        "content_hash": submission.form_hash, "submitted_at": clock.utc(submission.submitted_at).isoformat(),
        "status": submission.status, "answers": submission.answers, "evaluation": submission.evaluation,
    }
    return Response(json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/json")


@bp.route("/submissions/<submission_id>/withdraw")
@requires("refer")
def withdraw_page(submission_id: str) -> tuple[str, int]:
    return _withdraw_page(policies.own_submission(submission_id))


def _withdraw_page(submission: Submission, reason: str = "", error: str = "", status: int = 200) -> tuple[str, int]:
    if submission.status not in ReferralStatus.open():
        abort(redirect(url_for("referrals.confirmation", submission_id=submission.id), code=303))
    return render_template("pages/referrals/withdraw.html", submission=submission, reason=reason, error=error,
                           errors=[{"href": "#reason", "message": error}] if error else []), status


@bp.route("/submissions/<submission_id>/withdraw", methods=["POST"])
@requires("refer")
def withdraw(submission_id: str) -> Redirect | tuple[str, int]:
    """The referrer takes a referral back before the front door decides, saying why (the front door
    sees the reason on its timeline)."""
    submission = policies.own_submission(submission_id)
    reason = request.form.get("reason", "").strip()
    if not reason or len(reason) > MAX_WITHDRAW_REASON:
        error = ("Say why you are withdrawing this referral" if not reason
                 else f"Your reason must be {MAX_WITHDRAW_REASON:,} characters or fewer")
        return _withdraw_page(submission, reason[:MAX_WITHDRAW_REASON], error, 422)
    try:
        workflow.withdraw(submission, signed_in_user(), reason)
    except workflow.Taken:  # its message names front-door staff: the referrer is told what happened, not who
        flash("The Family Front Door acted on this referral first: it was not withdrawn.", "important")
    except Conflict as conflict:
        flash(conflict.message, "important")
    else:
        flash(f"You withdrew {submission.reference}. The Family Front Door will not act on it.", "success")
    return redirect(url_for("referrals.confirmation", submission_id=submission.id), code=303)
