"""The front door's decision on a referral: a Fanlight form (definitions/forms/front-door-decision.yaml)
the owner or a manager fills in. Its rules, not this module, say what a decision needs; a complete
decision moves the referral to decided, keeps its answers on the event, and tells the referrer the
outcome in the same transaction (never the child's details)."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template

from fanlight.engine import CompiledForm, Evaluation, evaluate
from fanlight.engine.definitions.model import Field

from .. import clock, db, extensions, mail
from ..access import policies
from ..errors import Conflict
from ..models import ReferralStatus, Submission, User
from . import workflow

FORM = "front-door-decision"
GIVEN = ("rag", "cin_referral_source")  # filled from the referral, never by the person deciding


class ManagerApprovalNeeded(Conflict):
    """The decision form's rules say a manager must make this decision (approval is not built yet)."""


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


def decide(referral: Submission, answers: dict[str, Any], by: User) -> Evaluation:
    """Record the decision if the form's rules allow it; if not, its evaluation (nothing is saved).
    Only the referral's owner or a manager decides (policies.can_move: a 403, audited)."""
    may_decide(referral, by)
    evaluation = check(referral, answers)
    if evaluation.errors or not evaluation.complete:
        return evaluation
    if evaluation.derived.get("needs_manager_approval") and not policies.manages(by):
        raise ManagerApprovalNeeded(
            "A manager must make this decision",
            "The decision rules say a manager must approve this decision. Ask a manager to record it.")
    decided = evaluation.answers
    _tell_referrer(referral, decided)  # in the move's transaction: rolled back with it if the move is lost
    try:
        workflow.move(referral, ReferralStatus.DECIDED, by, str(decided.get("reasons") or ""),
                      detail={"decision": decided, "derived": evaluation.derived})
    except BaseException:
        db.session().rollback()  # a move refused before its transaction began: the email goes with it
        raise
    return evaluation


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
