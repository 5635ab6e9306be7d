"""One referral at the front door: what was sent (on the form version it was sent on), the
threshold panel, its files, case note and timeline, and the actions on it (issue 9, items 3–5).

Every action is a plain POST form (JavaScript off works) that redirects back with a banner
(post/redirect/get). Each form carries the referral as the page showed it (its status, owner and
rating), so the workflow's compare-and-set refuses an action on a referral that changed since:
the person is told who changed it, and nothing they sent is saved.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.wrappers import Response as Redirect

from fanlight.engine import CompiledForm, Evaluation, evaluate
from fanlight.engine.definitions import model as m
from fanlight.renderers import casenote

from .. import clock, db, errors
from ..access import policies
from ..access.guard import signed_in_user
from ..access.permissions import requires
from ..files import uploads
from ..files.filetypes import EXTENSIONS, UNKNOWN
from ..files.names import with_extension
from ..models import Attachment, Rag, ReferralStatus, Submission, SubmissionEvent, User
from ..models.information import InformationRequest
from ..referrals.context import as_sent, form_of
from ..referrals.journey import item_title
from . import blueprint as bp
from . import deadlines, decisions, family, history, information, queue, summary, workflow

MAX_REASON = 2000
DOWNLOADED = "attachment_downloaded"


def referral_by(reference: str) -> Submission:
    """The referral with this reference, if the signed-in person may see it (else 404, audited)."""
    if not isinstance(reference, str) or len(reference) > 20:
        abort(404)
    found = db.session().scalar(select(Submission.id).where(Submission.reference == reference))
    if found is None:
        abort(404)
    return policies.visible_referral(found)


def _page(referral: Submission, *, rag_error: str = "", reason: str = "", chosen_rag: str = "",
          asking: Asking | None = None, status: int = 200) -> tuple[str, int]:
    user = signed_in_user()
    compiled = form_of(referral)
    evaluation = as_sent(referral)
    events = history.events_of(referral.id)
    people = history.people_in(events)
    timeline = [(history.describe(e, people), history.when(e.at), e.reason) for e in reversed(events)]
    files = list(db.session().scalars(select(Attachment).where(Attachment.draft_id == referral.draft_id)
                                      .order_by(Attachment.created_at)))
    staff = [(uid, name) for uid, name in queue.choices_for().staff if uid != str(referral.assignee_id)]
    may = {
        "claim": policies.can_claim(user, referral),
        "release": policies.can_release(user, referral),
        "assign": policies.can_triage(user) and referral.status in ReferralStatus.open()
                  and (referral.assignee_id in (None, user.id) or policies.manages(user)) and bool(staff),
        "rate": policies.can_rate(user, referral),
        "decide": referral.status == ReferralStatus.IN_TRIAGE
                  and policies.can_move(user, referral, ReferralStatus.DECIDED),
        "ask": referral.status == ReferralStatus.IN_TRIAGE
               and policies.can_move(user, referral, ReferralStatus.AWAITING_INFORMATION),
        "ask_in_fanlight": information.referrer_can_answer(referral),
        "record_received": referral.status == ReferralStatus.AWAITING_INFORMATION and policies.can_triage(user),
    }
    due = deadlines.due(clock.utc(referral.received_at))
    return render_template(
        "pages/triage/referral.html", referral=referral, at_a_glance=summary.summaries([referral])[0],
        compiled=compiled, evaluation=evaluation, answers=referral.answers, thresholds=compiled.thresholds,
        item_title=item_title, timeline=timeline, files=files, staff=staff, may=may, due=due, rags=list(Rag),
        waited=_waited(events),
        family=family.family_context(referral), asking=asking or Asking(), approval=decisions.approval(referral, user),
        requests=_requests(referral, compiled), templates=information.templates(),
        amendable=information.amendable(compiled),
        rag_error=rag_error, reason=reason, chosen_rag=chosen_rag,
        errors=[e for e in (rag_error, asking.error if asking else "") if e],
    ), status


@dataclass(frozen=True)
class Asking:
    """A request for more information as the officer wrote it, shown again when it is refused."""

    question: str = ""
    template: str = ""
    sections: tuple[str, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class Asked:
    """A request made of the referrer, and what came back: the reply, and each amended section
    with the answers after it (shown beside what was sent)."""

    request: InformationRequest
    asked_by: str
    answered_by: str
    amended: list[tuple[m.Section, dict[str, Any], Evaluation]]


def _waited(events: list[SubmissionEvent]) -> str:
    """Time spent waiting for the referrer, in words (empty if it never waited)."""
    waited = history.time_waiting(events, clock.now())
    return history.duration(waited) if waited else ""


def _requests(referral: Submission, compiled: CompiledForm) -> list[Asked]:
    made = information.requests_of(referral)
    people = history.names([r.asked_by_id for r in made] + [r.answered_by_id for r in made])
    found: list[Asked] = []
    answers = dict(referral.answers)
    for asked in made:
        sent = information.sent_by_referrer(asked, referral)  # a request the front door closed: its changes never sent
        for changed in (asked.amendments or {}).values() if sent else ():
            answers.update(changed)
        after = dict(answers)
        moment = clock.utc(asked.answered_at) if asked.answered_at else clock.now()
        evaluation = evaluate(compiled, after, now=moment)
        amended = [(sec, after, evaluation) for sec in compiled.form.sections
                   if sent and sec.id in (asked.amendments or {})]
        found.append(Asked(asked, people.get(asked.asked_by_id, "Someone"),
                           people.get(asked.answered_by_id or 0, ""), amended))
    return found


@bp.route("/referrals/<reference>")
@requires("triage")
def referral(reference: str) -> tuple[str, int]:
    return _page(referral_by(reference))


def _as_seen(referral: Submission) -> Submission:
    """The referral as the posted page showed it, so a change since is refused (not overwritten)."""
    form = request.form
    status, owner, rag = form.get("seen_status"), form.get("seen_owner"), form.get("seen_rag")
    if status in {s.value for s in ReferralStatus}:
        set_committed_value(referral, "status", status)
    if owner is not None and (owner == "" or (owner.isascii() and owner.isdigit() and len(owner) < 10)):
        set_committed_value(referral, "assignee_id", int(owner) if owner else None)
    if rag is not None and rag in {"", *(r.value for r in Rag)}:
        set_committed_value(referral, "rag", rag or None)
    return referral


def _back(referral: Submission) -> Redirect:
    return redirect(url_for("triage.referral", reference=referral.reference), code=303)


def _act(referral: Submission, action: Callable[[], object], done: str) -> Redirect:
    """Run an action; a conflict (someone else got there first) or a missing reason is a banner,
    and nothing is saved."""
    try:
        action()
    except errors.Conflict as conflict:
        flash(conflict.message, "important")
    except workflow.ReasonRequired as missing:
        flash(str(missing), "important")
    else:
        flash(done, "success")
    return _back(referral)


def _reason() -> str:
    return request.form.get("reason", "")[:MAX_REASON]


def _colleague() -> User:
    to = request.form.get("to", "")
    found = db.session().get(User, int(to)) if to.isascii() and to.isdigit() and len(to) < 10 else None
    if found is None:
        abort(400)
    return found


@bp.route("/referrals/<reference>/claim", methods=["POST"])
@requires("triage")
def claim(reference: str) -> Redirect:
    referral, user = _as_seen(referral_by(reference)), signed_in_user()
    return _act(referral, lambda: workflow.claim(referral, user), f"You claimed {referral.reference}.")


@bp.route("/referrals/<reference>/release", methods=["POST"])
@requires("triage")
def release(reference: str) -> Redirect:
    referral, user = _as_seen(referral_by(reference)), signed_in_user()
    return _act(referral, lambda: workflow.release(referral, user, _reason()),
                f"You released {referral.reference}: nobody has it now.")


@bp.route("/referrals/<reference>/assign", methods=["POST"])
@requires("triage")
def assign(reference: str) -> Redirect:
    referral, user, to = _as_seen(referral_by(reference)), signed_in_user(), _colleague()
    return _act(referral, lambda: workflow.assign(referral, to, user, _reason()),
                f"You assigned {referral.reference} to {to.name}.")


@bp.route("/referrals/<reference>/rating", methods=["POST"])
@requires("triage")
def rate(reference: str) -> Redirect | tuple[str, int]:
    referral = _as_seen(referral_by(reference))
    chosen, reason = request.form.get("rag", ""), request.form.get("reason", "").strip()[:MAX_REASON]
    if chosen not in {r.value for r in Rag}:
        return _page(referral, rag_error="Select a rating: red, amber or green", reason=reason, status=422)
    if not reason:
        return _page(referral, rag_error="Say why you rate this referral so", chosen_rag=chosen, status=422)
    user = signed_in_user()
    return _act(referral, lambda: workflow.set_rag(referral, Rag(chosen), reason, user),
                f"You rated {referral.reference} {chosen}.")


@bp.route("/referrals/<reference>/more-information", methods=["POST"])
@requires("triage")
def ask(reference: str) -> Redirect | tuple[str, int]:
    """Ask the referrer for more information: a templated request, or the officer's own words (a
    template chosen and nothing written sends the template's text)."""
    referral, user = _as_seen(referral_by(reference)), signed_in_user()
    form = request.form
    template = form.get("template", "")
    template = template if template in {o.value for o in information.templates()} else ""
    question = form.get("question", "")[:information.MAX_QUESTION]
    sections = tuple(form.getlist("sections")[:100])
    asked = question.strip() or information.template_text(template)
    try:
        return _act(referral, lambda: information.ask(referral, user, asked, sections, template or None),
                    f"You asked the referrer for more information about {referral.reference}. They have been emailed.")
    except information.Incomplete as missing:
        return _page(referral, asking=Asking(question, template, sections, str(missing)), status=422)


@bp.route("/referrals/<reference>/information-received", methods=["POST"])
@requires("triage")
def record_received(reference: str) -> Redirect:
    """The information came another way (a call, a meeting): the officer records it, and how."""
    referral, user = _as_seen(referral_by(reference)), signed_in_user()
    reason = _reason().strip()
    if not reason:
        flash("Say how the information arrived and what it was.", "important")
        return _back(referral)
    return _act(referral, lambda: information.record_arrived(referral, user, reason),
                f"You recorded that the information about {referral.reference} arrived.")


@bp.route("/referrals/<reference>/files/<attachment_id>")
@requires("triage")
def download(reference: str, attachment_id: str) -> Response:
    """A file sent with the referral: always a download, and every download is an event of the referral."""
    referral = referral_by(reference)
    record = db.session().get(Attachment, attachment_id) if len(attachment_id) == policies.ID_LENGTH else None
    if record is None or record.draft_id != referral.draft_id:
        abort(404)
    data = uploads.read(record)
    if data is None:
        abort(404)
    s = db.session()
    s.add(SubmissionEvent(submission_id=referral.id, actor_id=signed_in_user().id, kind=DOWNLOADED,
                          detail={"attachment_id": record.id, "name": record.original_name}, at=clock.now()))
    s.commit()
    kind = record.media_type if record.media_type in EXTENSIONS else UNKNOWN
    return send_file(io.BytesIO(data), mimetype=kind, as_attachment=True,
                     download_name=with_extension(record.original_name, kind))


@bp.route("/referrals/<reference>/case-note.txt")
@requires("triage")
def case_note(reference: str) -> Response:
    referral = referral_by(reference)
    text = casenote.render(form_of(referral), referral.answers, as_sent(referral), referral.reference,
                           clock.utc(referral.submitted_at))
    return Response(text, mimetype="text/plain", headers={"Content-Disposition": "inline"})
