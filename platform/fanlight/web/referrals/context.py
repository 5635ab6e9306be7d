"""What every page of a draft or a submission starts from: the record (the person's own), the
exact form version it is pinned to, and its evaluation on the app's clock."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask import abort, redirect, request, url_for
from werkzeug.wrappers import Response

from fanlight.engine import CompiledForm, Evaluation, evaluate
from fanlight.engine.definitions import model as m

from .. import clock, db, extensions
from ..access import policies
from ..models import Draft, DraftStatus, Submission
from . import journey
from .submissions import submission_for

MAX_REVISION = 2**31 - 1  # the column is a 32-bit INTEGER on PostgreSQL and SQLite


class Sent(Exception):
    """The draft has been sent: its pages now lead to its submission."""

    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        super().__init__(draft.id)


@dataclass
class DraftPage:
    """A draft still being filled in, with its form; its saved answers are evaluated when asked."""

    draft: Draft
    compiled: CompiledForm

    @cached_property
    def evaluation(self) -> Evaluation:
        return evaluate_draft(self.compiled, self.draft)

    @property
    def answers(self) -> dict[str, Any]:
        return self.draft.answers

    def statuses(self, answers: dict[str, Any] | None = None, evaluation: Evaluation | None = None,
                 ) -> list[journey.SectionStatus]:
        return journey.statuses(self.compiled, evaluation or self.evaluation, self.answers if answers is None else answers,
                                self.draft.visited)

    def section(self, section_id: str) -> m.Section:
        found = next((s for s in self.compiled.form.sections if s.id == section_id), None)
        if found is None:
            abort(404)
        return found


def evaluate_now(compiled: CompiledForm, answers: dict[str, Any]) -> Evaluation:
    """An evaluation as of the app's clock: its moment for `max: now` and its day for ages."""
    return evaluate(compiled, answers, now=clock.now())


class RecentEvaluations:
    """The latest evaluations of drafts' saved answers, kept in this worker and used again while
    the clock could not have changed them (Evaluation.holds_at). A page after a save, the task list
    and the section opened from it, check answers and the send from it: each evaluated the same
    answers again, about a quarter of a page's work. Keyed by the draft's revision, which every
    write of its answers (or its form version) moves on, and held only for the very compiled
    version it was made with."""

    def __init__(self, most: int = 256) -> None:
        self.most = most
        self.kept: OrderedDict[tuple[str, int, str], tuple[weakref.ref[CompiledForm], Evaluation]] = OrderedDict()
        self.lock = threading.Lock()

    def of(self, compiled: CompiledForm, draft: Draft) -> Evaluation:
        key, now = (draft.id, draft.revision, draft.form_hash), clock.now()
        with self.lock:
            hit = self.kept.get(key)
            if hit is not None:
                self.kept.move_to_end(key)  # the latest used are kept, not the latest made
        if hit is not None and hit[0]() is compiled and hit[1].holds_at(now):
            return hit[1]
        evaluation = evaluate(compiled, draft.answers, now=now)
        if evaluation.holds_at(now):  # else (it read `$now`) it could never be used again
            with self.lock:
                self.kept[key] = (weakref.ref(compiled), evaluation)
                self.kept.move_to_end(key)
                while len(self.kept) > self.most:
                    self.kept.popitem(last=False)
        return evaluation

    def forget(self, draft_id: str) -> None:
        """A draft sent or deleted: its answers are not kept here any longer (in this worker; the
        others' copies are never used again and go as newer ones come)."""
        with self.lock:
            for key in [k for k in self.kept if k[0] == draft_id]:
                del self.kept[key]


recent = RecentEvaluations()


def evaluate_draft(compiled: CompiledForm, draft: Draft) -> Evaluation:
    """The evaluation of a draft's saved answers now: shared, so never to be changed."""
    return recent.of(compiled, draft)


def as_sent(submission: Submission) -> Evaluation:
    """The evaluation as it was when the form was sent: ages and levels do not drift afterwards."""
    return evaluate(form_of(submission), submission.answers, now=clock.utc(submission.submitted_at))


def form_of(record: Draft | Submission) -> CompiledForm:
    """The exact form version a draft or submission was filled against (410 if it is gone)."""
    compiled = extensions.catalogue().form_for(db.session(), record)
    if compiled is None:
        abort(410)
    return compiled


def open_draft(draft_id: str) -> DraftPage:
    """The signed-in person's own draft, still a draft (else Sent), with the form it is pinned to."""
    draft = policies.own_draft(draft_id)
    if draft.status != DraftStatus.DRAFT:
        raise Sent(draft)
    return DraftPage(draft, form_of(draft))


def to_submission(draft: Draft) -> Response:
    """A sent draft's pages lead to its one submission."""
    submission = submission_for(draft.id) or abort(404)
    return redirect(url_for("referrals.confirmation", submission_id=submission.id))


def posted_revision() -> int:
    """The revision the posted page was showing; anything but a plain number in range is a bad request."""
    value = request.form.get("revision", "").strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 10 and int(value) <= MAX_REVISION):
        abort(400)
    return int(value)

