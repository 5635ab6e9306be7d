"""The front door's decision on a referral: a Fanlight form (definitions/forms/front-door-decision.yaml)
the owner or a manager fills in. Its rules, not this module, say what a decision needs; a complete
decision moves the referral to decided, keeps its answers on the event, and tells the referrer the
outcome in the same transaction (never the child's details).

When the rules derive `needs_manager_approval` (no further action on a referral rated red), an
officer's decision is a proposal: an event that changes nothing (`decision_proposed`). A manager
approves it (the referral is decided as proposed, and the referrer told) or returns it with a
reason (`decision_returned`). A proposal stands while it is the newest of the referral's proposals,
returns and moves; answering one that no longer stands is a conflict, and nothing is saved.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Any

from flask import abort, render_template
from sqlalchemy import or_, select, update

from fanlight.engine import CompiledForm, Evaluation, evaluate
from fanlight.engine.definitions.model import Field

from .. import clock, db, extensions, mail
from ..access import policies
from ..delivery import records
from ..errors import Conflict
from ..models import ReferralStatus, Submission, SubmissionEvent, User
from ..models.referrals import level_number
from . import history, workflow

FORM = "front-door-decision"
GIVEN = ("rag", "cin_referral_source")  # filled from the referral, never by the person deciding
PROPOSED, RETURNED = "decision_proposed", "decision_returned"
DECIDED = workflow.MOVES[(ReferralStatus.IN_TRIAGE, ReferralStatus.DECIDED)]


class StaleProposal(Conflict):
    """The proposal a manager answered no longer stands (returned, replaced, or the referral moved on)."""

    def __init__(self) -> None:
        super().__init__("This proposed decision has changed",
                         "Since you saw it, the proposed decision was returned or replaced, or the referral moved on. "
                         "Nothing was saved. Go back to the referral to see where it is now.")


def form() -> CompiledForm:
    """The live decision form (a 404 if the definitions have none)."""
    compiled = extensions.catalogue().current(FORM)
    if compiled is None:
        abort(404)
    return compiled


def given(referral: Submission) -> dict[str, Any]:
    """What the referral provides to the decision: its RAG rating and its census referral source."""
    return {"rag": referral.rag, "cin_referral_source": referral.cin_referral_source}


def may_decide(referral: Submission, by: User) -> None:
    """Refused (NotAllowed, audited) unless this person may decide the referral."""
    policies.require(by, policies.can_move(by, referral, ReferralStatus.DECIDED), f"referral {referral.id}: decide")


def check(referral: Submission, answers: dict[str, Any]) -> Evaluation:
    """The decision form evaluated on these answers, with the referral's own values."""
    return evaluate(form(), {**answers, **{k: v for k, v in given(referral).items() if v is not None}},
                    now=clock.now())


def needs_approval(evaluation: Evaluation, by: User) -> bool:
    """The rules want a manager's approval and this person is not one: the decision is a proposal."""
    return bool(evaluation.derived.get("needs_manager_approval")) and not policies.manages(by)


def decide(referral: Submission, answers: dict[str, Any], by: User) -> Evaluation:
    """Record the decision if the form's rules allow it (or, if they need a manager's approval, propose
    it); if not, its evaluation (nothing is saved). Only the referral's owner or a manager decides
    (policies.can_move: a 403, audited)."""
    may_decide(referral, by)
    evaluation = check(referral, answers)
    if evaluation.errors or not evaluation.complete:
        return evaluation
    if needs_approval(evaluation, by):
        propose(referral, evaluation, by)
        return evaluation
    decided = evaluation.answers
    _record(referral, by, str(decided.get("reasons") or ""), {"decision": decided, "derived": evaluation.derived})
    return evaluation


def propose(referral: Submission, evaluation: Evaluation, by: User) -> SubmissionEvent:
    """Keep a complete decision for a manager to approve: no state changes (IllegalMove unless the
    referral is in triage; NotAllowed unless this person owns it or manages)."""
    decided = evaluation.answers
    return workflow.note(referral, by, PROPOSED, policies.can_move(by, referral, ReferralStatus.DECIDED),
                         str(decided.get("reasons") or ""), detail={"decision": decided, "derived": evaluation.derived})


def pending(referral: Submission) -> SubmissionEvent | None:
    """The proposal waiting for a manager: the newest of the referral's proposals, returns and moves,
    if it is a proposal."""
    newest = _newest_step(referral)
    return newest if newest is not None and newest.kind == PROPOSED else None


def _newest_step(referral: Submission) -> SubmissionEvent | None:
    """The newest of the referral's proposals, returns and moves (a decision is a move)."""
    steps = or_(SubmissionEvent.kind.in_((PROPOSED, RETURNED, DECIDED)), SubmissionEvent.to_status.is_not(None))
    newest: SubmissionEvent | None = db.session().scalar(
        select(SubmissionEvent).where(SubmissionEvent.submission_id == referral.id, steps)
        .order_by(SubmissionEvent.id.desc()).limit(1))
    return newest


def approve(referral: Submission, proposal_id: int, by: User) -> SubmissionEvent:
    """A manager approves the proposal: the referral is decided as proposed and the referrer told, in
    one transaction. NotAllowed unless a manager; StaleProposal unless it still stands."""
    proposal = _standing(referral, proposal_id, by)
    detail = {"decision": proposal.detail.get("decision") or {}, "derived": proposal.detail.get("derived") or {},
              "approved": True, "proposed_by": proposal.actor_id, "proposal_event_id": proposal.id}
    return _record(referral, by, proposal.reason, detail)


def return_to_officer(referral: Submission, proposal_id: int, reason: str, by: User) -> SubmissionEvent:
    """A manager returns the proposal with a reason (ReasonRequired without one); no state changes."""
    proposal = _standing(referral, proposal_id, by)
    if not reason.strip():
        db.session().rollback()  # let go of the lock _standing took
        raise workflow.ReasonRequired("Say why you are returning the proposed decision.")
    return workflow.note(referral, by, RETURNED, True, reason,
                         detail={"proposal_event_id": proposal.id, "proposed_by": proposal.actor_id})


def _standing(referral: Submission, proposal_id: int, by: User) -> SubmissionEvent:
    """The proposal a manager answers, if it stands. The referral's row is locked first (PostgreSQL),
    so an approval, a return or a move under way finishes before this one looks."""
    policies.require(by, policies.can_approve(by, referral), f"referral {referral.id}: answer a proposed decision")
    s = db.session()
    s.execute(select(Submission.id).where(Submission.id == referral.id).with_for_update())
    proposal = pending(referral)
    if proposal is None or proposal.id != proposal_id:
        s.rollback()
        raise StaleProposal()
    return proposal


def _record(referral: Submission, by: User, reason: str, detail: dict[str, Any]) -> SubmissionEvent:
    """Decide the referral and tell the referrer, in one transaction."""
    _tell_referrer(referral, detail["decision"])  # in the move's transaction: rolled back with it if the move is lost
    try:
        # What follows joins the move's transaction once the move has won (a lost race must not
        # meet the winner's deliveries first).
        return workflow.move(referral, ReferralStatus.DECIDED, by, reason, detail=detail,
                             then=lambda event: _follows(referral, detail["decision"], event.at))
    except BaseException:
        db.session().rollback()  # a move refused before its transaction began: the email goes with it
        raise


def _follows(referral: Submission, decided: dict[str, Any], at: datetime.datetime) -> None:
    """What a decision sets beside its event: the dashboards' facts of it, and its deliveries."""
    db.session().execute(update(Submission).where(Submission.id == referral.id).values(
        decided_at=at, outcome=str(decided.get("outcome") or "")[:40] or None,
        level_applied=level_number(decided.get("level_applied"))).execution_options(synchronize_session=False))
    records.schedule(referral, decided, at)


@dataclass(frozen=True)
class Approval:
    """What the referral page says of a proposed decision: waiting for a manager, or returned."""

    proposal_id: int
    outcome: str
    level: str
    reasons: str
    proposed_by: str
    proposed_at: str
    returned_by: str = ""  # empty while it waits
    returned_at: str = ""
    return_reason: str = ""
    may_answer: bool = False  # this person may approve or return it

    @property
    def pending(self) -> bool:
        return not self.returned_by


def approval(referral: Submission, user: User) -> Approval | None:
    """The proposal waiting for a manager, or the one returned (until the next proposal or move)."""
    newest = _newest_step(referral)
    if newest is None or newest.kind not in (PROPOSED, RETURNED):
        return None
    returned = newest if newest.kind == RETURNED else None
    proposal_id = returned.detail.get("proposal_event_id") if returned is not None else newest.id
    proposal = db.session().get(SubmissionEvent, proposal_id) if isinstance(proposal_id, int) else None
    if proposal is None:
        return None
    people = history.people_in([e for e in (proposal, returned) if e is not None])
    decided = proposal.detail.get("decision") or {}
    said = Approval(proposal.id, label("outcome", decided.get("outcome")),
                    label("level_applied", decided.get("level_applied")), str(decided.get("reasons") or ""),
                    people.get(proposal.actor_id or 0, "Someone"), history.when(proposal.at),
                    may_answer=returned is None and policies.can_approve(user, referral))
    if returned is None:
        return said
    return replace(said, returned_by=people.get(returned.actor_id or 0, "Someone"),
                   returned_at=history.when(returned.at), return_reason=returned.reason)


def label(field_id: str, value: Any) -> str:
    """An answer in plain words: its option's label."""
    field = _field(field_id)
    for option in field.options if field is not None else ():
        if option.value == value:
            return option.label
    return str(value or "")


def _field(field_id: str) -> Field | None:
    return next((f for f in form().form.top_fields() if f.id == field_id), None)


def _tell_referrer(referral: Submission, decided: dict[str, Any]) -> None:
    referrer = db.session().get(User, referral.owner_id)
    if referrer is None or not referrer.email:
        return
    body = render_template("mail/referral_decided.txt", user=referrer, submission=referral,
                           outcome=label("outcome", decided.get("outcome")),
                           told=decided.get("reason_for_referrer"), guidance=_guidance(referral, decided))
    mail.send(referrer.email, f"Referral {referral.reference}: the Family Front Door's decision", body)


def _guidance(referral: Submission, decided: dict[str, Any]) -> str | None:
    """A link to the threshold guidance page of the level applied."""
    level = str(decided.get("level_applied") or "")
    catalogue = extensions.catalogue()
    referred_on = catalogue.current(referral.form_id)
    thresholds = referred_on.form.thresholds if referred_on is not None else None
    thresholds = thresholds or next(iter(sorted(catalogue.definitions.thresholds)), None)
    if not level.isdigit() or thresholds is None:
        return None
    return mail.external_url("guidance.level", thresholds_id=thresholds, level=int(level))
