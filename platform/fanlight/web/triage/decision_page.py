"""The decision page (issue 9, item 7): the front door's decision form, rendered with the same
field components and read with the same codec as a professional's section, checked by the same
evaluator. Only the referral's owner or a manager sees it; a decision the form's rules refuse is
shown again with its errors (422), a recorded one goes back to the referral with a banner."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from fanlight.engine import Evaluation, Message
from fanlight.renderers import html_form

from ..access.guard import signed_in_user
from ..access.permissions import requires
from ..models import Submission
from . import blueprint as bp
from . import decisions
from .referral_page import referral_by


def _page(referral: Submission, answers: dict[str, Any], evaluation: Evaluation, errors: list[Message],
          status: int = 200) -> tuple[str, int]:
    compiled = decisions.form()
    given = decisions.given(referral)
    visible = set(evaluation.visible_fields) - set(given)
    return render_template(
        "pages/triage/decision.html", referral=referral, compiled=compiled, answers=answers, evaluation=evaluation,
        errors=errors, error_for={e.field: e.message for e in errors}, visible=visible,
        rag=decisions.label("rag", given["rag"]) if given["rag"] else "Not rated",
        source=given["cin_referral_source"] or "Not known",
        warnings=evaluation.warnings), status


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
    answers: dict[str, Any] = {}
    for section in decisions.form().form.sections:
        typed, _ = html_form.read_section(section, request.form, {})  # too long: kept, for the evaluator's error
        answers.update(typed)
    for name in decisions.given(referral):
        answers.pop(name, None)  # from the referral, never from the form
    evaluation = decisions.decide(referral, answers, user)
    if evaluation.errors or not evaluation.complete:
        return _page(referral, answers, evaluation, evaluation.errors, 422)
    flash(f"You recorded the decision on {referral.reference}: "
          f"{decisions.label('outcome', evaluation.answers.get('outcome')).lower()}. The referrer has been told.",
          "success")
    return redirect(url_for("triage.referral", reference=referral.reference), code=303)
