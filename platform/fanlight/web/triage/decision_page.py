"""The decision page (issue 9, item 7): the front door's decision form, rendered with the same
field components and read with the same codec as a professional's section, checked by the same
evaluator. Only the referral's owner or a manager sees it; a decision the form's rules refuse is
shown again with its errors (422), a recorded one goes back to the referral with a banner.

As on a professional's section, htmx sends the answers as they change (`decision_live`) and swaps
in what the rules now show (questions, warnings, errors once shown); it saves nothing, and with
JavaScript off the page's own post does everything.

A decision the rules send to a manager (decisions.needs_approval) is proposed, not recorded; the
manager approves or returns it from the referral page (`approve_decision`, `return_decision`).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from fanlight.engine import Evaluation, Message
from fanlight.renderers import html_form

from ..access.guard import signed_in_user
from ..access.permissions import requires
from ..models import Submission
from . import blueprint as bp
from . import decisions, workflow
from .referral_page import MAX_REASON, referral_by


def _context(referral: Submission, answers: dict[str, Any], evaluation: Evaluation,
             errors: list[Message]) -> dict[str, Any]:
    given = decisions.given(referral)
    return {
        "referral": referral, "compiled": decisions.form(), "answers": answers, "evaluation": evaluation,
        "errors": errors, "error_for": {e.field: e.message for e in errors},
        "visible": set(evaluation.visible_fields) - set(given), "warnings": evaluation.warnings,
        "rag": decisions.label("rag", given["rag"]) if given["rag"] else "Not rated",
        "source": given["cin_referral_source"] or "Not known",
    }


def _page(referral: Submission, answers: dict[str, Any], evaluation: Evaluation, errors: list[Message],
          status: int = 200) -> tuple[str, int]:
    return render_template("pages/triage/decision.html", **_context(referral, answers, evaluation, errors)), status


def _posted(referral: Submission) -> dict[str, Any]:
    """The decision's answers as the form sent them (never the values the referral gives)."""
    answers: dict[str, Any] = {}
    for section in decisions.form().form.sections:
        typed, _ = html_form.read_section(section, request.form, {})  # too long: kept, for the evaluator's error
        answers.update(typed)
    for name in decisions.given(referral):
        answers.pop(name, None)
    return answers


@bp.route("/referrals/<reference>/decision")
@requires("triage")
def decision(reference: str) -> tuple[str, int]:
    referral = referral_by(reference)
    decisions.may_decide(referral, signed_in_user())
    return _page(referral, {}, decisions.check(referral, {}), [])


@bp.route("/referrals/<reference>/decision", methods=["POST"])
@requires("triage")
def decide(reference: str) -> tuple[str, int] | Response:
    referral, user = referral_by(reference), signed_in_user()
    decisions.may_decide(referral, user)
    answers = _posted(referral)
    evaluation = decisions.decide(referral, answers, user)
    if evaluation.errors or not evaluation.complete:
        return _page(referral, answers, evaluation, evaluation.errors, 422)
    outcome = decisions.label("outcome", evaluation.answers.get("outcome")).lower()
    if decisions.needs_approval(evaluation, user):
        flash(f"Your decision on {referral.reference} ({outcome}) was sent to a manager for approval. "
              "The referrer will be told once a manager approves it.", "success")
    else:
        flash(f"You recorded the decision on {referral.reference}: {outcome}. The referrer has been told.", "success")
    return _back(referral)


@bp.route("/referrals/<reference>/decision/live", methods=["POST"])
@requires("triage")
def decision_live(reference: str) -> tuple[str, int]:
    """htmx: what the rules show for the answers so far (nothing is saved). Errors only once the
    page has shown them (a refused post), as on a professional's section."""
    referral = referral_by(reference)
    decisions.may_decide(referral, signed_in_user())
    answers = _posted(referral)
    evaluation = decisions.check(referral, answers)
    errors = evaluation.errors if request.form.get("show_errors") == "1" else []
    return render_template("pages/triage/_decision_live.html",
                           **_context(referral, answers, evaluation, errors)), 200


@bp.route("/referrals/<reference>/decision/approve", methods=["POST"])
@requires("triage")
def approve_decision(reference: str) -> Response:
    """A manager approves the proposed decision the page showed (a 409 if it no longer stands)."""
    referral = referral_by(reference)
    decided = decisions.approve(referral, _proposal(), signed_in_user()).detail["decision"]
    outcome = decisions.label("outcome", decided.get("outcome")).lower()
    flash(f"You approved the decision on {referral.reference}: {outcome}. The referrer has been told.", "success")
    return _back(referral)


@bp.route("/referrals/<reference>/decision/return", methods=["POST"])
@requires("triage")
def return_decision(reference: str) -> Response:
    """A manager returns the proposed decision to the officer, saying why (a 409 if it no longer stands)."""
    referral = referral_by(reference)
    try:
        decisions.return_to_officer(referral, _proposal(), request.form.get("reason", "")[:MAX_REASON],
                                    signed_in_user())
    except workflow.ReasonRequired as missing:
        flash(str(missing), "important")
    else:
        flash(f"You returned the proposed decision on {referral.reference}.", "success")
    return _back(referral)


def _proposal() -> int:
    """The proposal the page showed (its event's id)."""
    posted = request.form.get("proposal", "")
    if not (posted.isascii() and posted.isdigit() and len(posted) < 12):
        abort(400)
    return int(posted)


def _back(referral: Submission) -> Response:
    return redirect(url_for("triage.referral", reference=referral.reference), code=303)
