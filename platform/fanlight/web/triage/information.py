"""Asking the referrer for more information through the portal, instead of the phone (issue 9, item 6).

    ask(referral, by, question, sections, template)   the front door asks: awaiting_information, an email
    open_request(referral)                            the request still waiting for its answer, if any
    amend(request, referral, section, answers)        the referrer amends a section they were allowed to
    answer(request, referral, reply, by)              the referrer answers: back to triage, flagged
    record_arrived(referral, by, note)                it came another way: the officer records it

The referral's own answers are never changed. An amendment is kept on its request, section by
section, beside them (`amended_answers` lays the requests' amendments over what was sent); it is
checked against the same form version the referral was sent on. Each move goes through the
workflow (its compare-and-set and its event, in one transaction with the request and the email).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app, render_template
from sqlalchemy import select

from fanlight.engine import CompiledForm, Message, evaluate
from fanlight.engine.definitions import model as m

from .. import clock, db, extensions, mail
from ..access import policies
from ..access.permissions import API_CLIENT
from ..models import ReferralStatus, Submission, SubmissionEvent, User
from ..models.information import InformationRequest
from . import workflow

TEMPLATES = "information-requests"  # the option list of templated requests (definitions/options)
MAX_QUESTION = 4000
MAX_REPLY = 10000


class Incomplete(ValueError):
    """What was sent is not enough (no question, no answer): the page says why; nothing was saved."""


def templates() -> tuple[m.Option, ...]:
    """The templated requests the definitions offer (label: its name, hint: the text sent)."""
    found = extensions.catalogue().definitions.option_lists.get(TEMPLATES)
    return found.options if found is not None else ()


def template_text(value: str) -> str:
    return next(((o.hint or o.label).strip() for o in templates() if o.value == value), "")


def amendable(compiled: CompiledForm) -> list[m.Section]:
    """The sections a referrer may be asked to amend: those with a question they can answer again
    (files are sent with the referral, not amended)."""
    return [s for s in compiled.form.sections
            if any(f.answerable and f.type != "file" for f in s.fields)]


def referrer_can_answer(referral: Submission) -> bool:
    """Whether the referrer can answer in Fanlight: they have an account that signs in (a referral sent
    by another system through the API cannot be answered here; the officer records what they learn)."""
    referrer = db.session().get(User, referral.owner_id)
    return referrer is not None and referrer.active and referrer.role != API_CLIENT


def ask(referral: Submission, by: User, question: str, sections: Iterable[str] = (),
        template: str | None = None) -> InformationRequest:
    """Ask the referrer; the referral waits for their answer (its clock does not stop)."""
    _may_move(referral, by, ReferralStatus.AWAITING_INFORMATION)  # before anything is added to the session
    question = question.strip()[:MAX_QUESTION]
    if not question:
        raise Incomplete("Write what you need to know, or choose a request to start from")
    if not referrer_can_answer(referral):
        raise workflow.IllegalMove("The referrer cannot answer in Fanlight (it was sent by another system, or their "
                                   "account is closed): contact them another way, and record what they tell you.")
    from ..referrals.context import form_of  # noqa: PLC0415  (the referral journey's, at call time)
    allowed = {s.id for s in amendable(form_of(referral))}
    chosen = [s for s in dict.fromkeys(sections) if s in allowed]
    request = InformationRequest(submission_id=referral.id, asked_by_id=by.id, asked_at=clock.now(),
                                 question=question, template=template or None, sections=chosen, amendments={})
    s = db.session()
    s.add(request)
    s.flush()  # its id, for the event
    referral.information_received_at = None  # asked again: no longer flagged, once the move is written
    referral.information_requested = True  # the dashboards' referral quality: it needed asking
    _tell_referrer(referral)
    _move(referral, ReferralStatus.AWAITING_INFORMATION, by, question,
          {"request_id": request.id, "sections": chosen})
    return request


def open_request(referral: Submission) -> InformationRequest | None:
    """The request the referral is waiting on (only while it is awaiting information)."""
    if referral.status != ReferralStatus.AWAITING_INFORMATION:
        return None
    found: InformationRequest | None = db.session().scalar(
        select(InformationRequest).where(InformationRequest.submission_id == referral.id,
                                         InformationRequest.answered_at.is_(None))
        .order_by(InformationRequest.asked_at.desc()).limit(1))
    return found


def requests_of(referral: Submission) -> list[InformationRequest]:
    """Every request made of a referral, oldest first."""
    return list(db.session().scalars(select(InformationRequest)
                                     .where(InformationRequest.submission_id == referral.id)
                                     .order_by(InformationRequest.asked_at, InformationRequest.id)))


def sent_by_referrer(request: InformationRequest, referral: Submission) -> bool:
    """An answer the referrer sent (not a request the front door closed, nor one still open): only
    then are its amendments part of the referral."""
    return request.answered_at is not None and request.answered_by_id == referral.owner_id


def amended_answers(referral: Submission, *, unsent: InformationRequest | None = None) -> dict[str, Any]:
    """What was sent, with every amendment the referrer sent laid over it in the order they were made
    (and, for the referrer's own pages, the changes of the request they are answering)."""
    answers = dict(referral.answers)
    for request in requests_of(referral):
        if sent_by_referrer(request, referral) or (unsent is not None and request.id == unsent.id):
            for changed in (request.amendments or {}).values():
                answers.update(changed)
    return answers


def problems_of(referral: Submission, request: InformationRequest, answers: dict[str, Any],
                section: m.Section | None = None) -> list[Message]:
    """What is wrong with amended answers: the errors of `section` (the one being changed), and any
    error the changes brought about elsewhere (a rule across sections, a question they made
    required). Errors the referral was sent with are the front door's to weigh, not the referrer's."""
    from ..referrals.context import form_of  # noqa: PLC0415
    from ..referrals.journey import field_section  # noqa: PLC0415
    compiled = form_of(referral)
    now = clock.now()
    before = {(e.field, e.code) for e in evaluate(compiled, referral.answers, now=now).errors}
    owner = field_section(compiled)
    found = []
    for error in evaluate(compiled, answers, now=now).errors:
        where = owner.get((error.field or "").split("[", 1)[0].split(".", 1)[0])
        if (section is not None and where == section.id) or (error.field, error.code) not in before:
            found.append(error)
    return found


def amend(request: InformationRequest, referral: Submission, section: m.Section, answers: dict[str, Any]) -> None:
    """Keep the referrer's changes to one section on the request: the evaluator's cleaned answers of
    its questions (a question the changes hid is kept as unanswered). The caller has checked them
    (problems_of). The request is locked while it is changed, so two tabs never lose each other's."""
    from ..referrals.context import form_of  # noqa: PLC0415
    s = db.session()
    locked = s.get(InformationRequest, request.id, with_for_update=True, populate_existing=True)
    if (locked is None or section.id not in locked.sections or locked.answered_at is not None
            or referral.status != ReferralStatus.AWAITING_INFORMATION):
        s.rollback()
        raise workflow.IllegalMove("This section cannot be changed now.")
    cleaned = evaluate(form_of(referral), answers, now=clock.now()).answers
    changed = {f.id: cleaned.get(f.id) for f in section.fields if f.answerable and f.type != "file"}
    locked.amendments = {**(locked.amendments or {}), section.id: changed}
    s.commit()


def answer(request: InformationRequest, referral: Submission, reply: str, by: User) -> SubmissionEvent:
    """The referrer's answer: the request is closed, and the referral goes back to the front door's
    queue flagged "information received", in one transaction. Amendments that, together, leave an
    error the referral was not sent with are refused (Incomplete, naming the questions)."""
    _may_move(referral, by, ReferralStatus.IN_TRIAGE)
    reply = reply.strip()[:MAX_REPLY]
    if not reply:
        raise Incomplete("Write your answer to the front door's request")
    if request.answered_at is not None or referral.status != ReferralStatus.AWAITING_INFORMATION:
        raise workflow.IllegalMove("This request has been answered already, or is no longer open.")
    wrong = problems_of(referral, request, amended_answers(referral, unsent=request)) if request.amendments else []
    if wrong:
        raise Incomplete("Your changes need more: " + "; ".join(e.message for e in wrong[:3]))
    now = clock.now()
    request.reply, request.answered_at, request.answered_by_id = reply, now, by.id
    referral.information_received_at = now
    amended = sorted(request.amendments or {})
    return _move(referral, ReferralStatus.IN_TRIAGE, by, reply,
                 {"answered": True, "request_id": request.id, "amended_sections": amended})


def record_arrived(referral: Submission, by: User, note: str) -> SubmissionEvent:
    """The information came another way (a call, a meeting): the officer records it, and the request
    is closed with it (its unsent changes are never part of the referral), in one transaction."""
    _may_move(referral, by, ReferralStatus.IN_TRIAGE)
    asked = open_request(referral)
    if asked is not None:
        asked.answered_at, asked.answered_by_id = clock.now(), by.id
    return _move(referral, ReferralStatus.IN_TRIAGE, by, note,
                 {"request_id": asked.id if asked is not None else None})


def _may_move(referral: Submission, by: User, to: ReferralStatus) -> None:
    """Refused (NotAllowed, audited) before anything is written: a refusal commits its audit row."""
    policies.require(by, policies.can_see_referral(by, referral) and policies.can_move(by, referral, to),
                     f"referral {referral.id}: {referral.status} to {to}")


def _move(referral: Submission, to: ReferralStatus, by: User, reason: str, detail: dict[str, Any]) -> SubmissionEvent:
    """The workflow's move, whose transaction carries what was added to the session before it
    (the request, the flag, the email): a move refused or lost takes them back with it."""
    try:
        return workflow.move(referral, to, by, reason, detail=detail)
    except BaseException:
        db.session().rollback()
        raise


def _tell_referrer(referral: Submission) -> None:
    """An email with a link to the request; never the question (it may name the child) nor any answer."""
    referrer = db.session().get(User, referral.owner_id)
    if referrer is None or not referrer.email:
        return
    body = render_template("mail/information_requested.txt", user=referrer, submission=referral,
                           phone=current_app.config["FANLIGHT_FRONT_DOOR_PHONE"],
                           link=mail.external_url("referrals.more_information", submission_id=referral.id))
    mail.send(referrer.email, f"Referral {referral.reference}: the Family Front Door needs more information", body)
