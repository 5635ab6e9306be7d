"""The referrer answers the front door's request for more information, in the portal (issue 9, item 6).

    /submissions/<id>/more-information                      the request, the reply, the sections they may amend
    /submissions/<id>/more-information/sections/<section>   amend one of those sections

An amended section is checked against the form version the referral was sent on, with the same
components and evaluator as the form itself, and kept on the request beside what was sent. Only
the referrer sees these pages, and only while the request is open; an answered or withdrawn one
leads back to the referral.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from fanlight.engine.definitions import model as m
from fanlight.renderers import html_form

from .. import errors
from ..access import policies
from ..access.guard import signed_in_user
from ..access.permissions import requires
from ..models import Submission
from ..models.information import InformationRequest
from ..triage import information, workflow
from . import blueprint as bp
from .context import evaluate_now, form_of


def _open(submission_id: str) -> tuple[Submission, InformationRequest]:
    """The referrer's own referral and the request it waits on (else back to the referral). A post
    names the request its page showed: one since closed, or replaced by a new question, is refused,
    so an answer is never attached to a question the referrer has not read."""
    referral = policies.own_submission(submission_id)
    asked = information.open_request(referral)
    posted = request.form.get("request_id") if request.method == "POST" else None
    if asked is None or (posted is not None and posted != asked.id):
        flash("There is no request for more information waiting for your answer"
              + (", or it has changed: read it again." if asked is not None else "."), "important")
        to = "referrals.more_information" if asked is not None else "referrals.confirmation"
        abort(redirect(url_for(to, submission_id=referral.id), code=303))
    return referral, asked


def _section(asked: InformationRequest, referral: Submission, section_id: str) -> m.Section:
    found = next((s for s in information.amendable(form_of(referral)) if s.id == section_id), None)
    if found is None or section_id not in asked.sections:
        abort(404)
    return found


def _answer_page(referral: Submission, asked: InformationRequest, reply: str = "", error: str = "",
                 status: int = 200) -> tuple[str, int]:
    compiled = form_of(referral)
    sections = [s for s in information.amendable(compiled) if s.id in asked.sections]
    return render_template("pages/referrals/more_information.html", referral=referral, asked=asked,
                           sections=sections, reply=reply, error=error,
                           errors=[{"href": "#reply", "message": error}] if error else []), status


@bp.route("/submissions/<submission_id>/more-information")
@requires("refer")
def more_information(submission_id: str) -> tuple[str, int]:
    referral, asked = _open(submission_id)
    return _answer_page(referral, asked)


@bp.route("/submissions/<submission_id>/more-information", methods=["POST"])
@requires("refer")
def answer(submission_id: str) -> Response | tuple[str, int]:
    referral, asked = _open(submission_id)
    reply = request.form.get("reply", "")
    if len(reply) > information.MAX_REPLY:
        return _answer_page(referral, asked, reply[:information.MAX_REPLY],
                            f"Your answer must be {information.MAX_REPLY:,} characters or fewer", 422)
    try:
        information.answer(asked, referral, reply, signed_in_user())
    except information.Incomplete as missing:
        return _answer_page(referral, asked, reply, str(missing), 422)
    except workflow.Taken:  # its message names front-door staff: the referrer is told what happened, not who
        flash("The Family Front Door has already acted on this referral. Nothing you sent was saved.", "important")
    except errors.Conflict as conflict:
        flash(conflict.message, "important")
    else:
        flash(f"Your answer has been sent to the Family Front Door. They will look at {referral.reference} again.",
              "success")
    return redirect(url_for("referrals.confirmation", submission_id=referral.id), code=303)


def _amend_page(referral: Submission, asked: InformationRequest, sec: m.Section, answers: dict[str, Any],
                found: list[Any] | None = None, status: int = 200) -> tuple[str, int]:
    compiled = form_of(referral)
    evaluation = evaluate_now(compiled, answers)
    shown = found or []
    return render_template("pages/referrals/amend_section.html", referral=referral, asked=asked, section=sec,
                           compiled=compiled, answers=answers, evaluation=evaluation,
                           errors=shown, error_for={e.field: e.message for e in shown},
                           visible=set(evaluation.visible_fields)), status


@bp.route("/submissions/<submission_id>/more-information/sections/<section_id>")
@requires("refer")
def amend_section(submission_id: str, section_id: str) -> tuple[str, int]:
    referral, asked = _open(submission_id)
    sec = _section(asked, referral, section_id)
    return _amend_page(referral, asked, sec, information.amended_answers(referral, unsent=asked))


@bp.route("/submissions/<submission_id>/more-information/sections/<section_id>", methods=["POST"])
@requires("refer")
def save_amendment(submission_id: str, section_id: str) -> Response | tuple[str, int]:
    referral, asked = _open(submission_id)
    sec = _section(asked, referral, section_id)
    before = information.amended_answers(referral, unsent=asked)
    changes, overlong = html_form.read_section(sec, request.form, before)
    answers = {**before, **changes}
    if overlong:
        return _amend_page(referral, asked, sec, answers, list(overlong), 422)
    action = request.form.get("action", "continue")
    if action.startswith(("add:", "remove:")):  # a list's "Add another" or "Remove": the page again, unsaved
        changed = html_form.apply_action(sec, action, answers)
        if changed is None:
            abort(400)
        return _amend_page(referral, asked, sec, {**answers, **changed})
    found = information.problems_of(referral, asked, answers, sec)
    if found:
        return _amend_page(referral, asked, sec, answers, found, 422)
    try:
        information.amend(asked, referral, sec, answers)
    except errors.Conflict as conflict:
        flash(conflict.message, "important")
        return redirect(url_for("referrals.confirmation", submission_id=referral.id), code=303)
    flash(f"Your changes to “{sec.title}” are saved. Send your answer when you are ready.", "success")
    return redirect(url_for("referrals.more_information", submission_id=referral.id), code=303)
