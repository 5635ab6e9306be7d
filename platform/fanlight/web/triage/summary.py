"""A referral as the front door reads it at a glance: its children, concerns, what the referrer and
Fanlight suggest, its rating, owner and time left. Read from the stored answers and evaluation,
defensively: an answer that is missing (an older form version) reads "Not given"."""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fanlight.engine.definitions import model as m

from .. import clock, extensions
from ..models import Rag, ReferralStatus, Submission
from . import deadlines, history

NOT_GIVEN = "Not given"
FORM = "cause-for-concern"
CATEGORIES, REFERRERS_VIEW = "categories", "concern_level"
LEVEL_COLOURS = {1: "green", 2: "blue", 3: "orange", 4: "red"}
RAG_COLOURS = {Rag.RED.value: "red", Rag.AMBER.value: "orange", Rag.GREEN.value: "green"}


@dataclass(frozen=True)
class Child:
    name: str
    age: str


@dataclass(frozen=True)
class Clock:
    """Time left on the decision clock, in words, with a tag colour (the words carry it too)."""

    text: str
    colour: str
    overdue: bool = False


@dataclass(frozen=True)
class Summary:
    submission: Submission
    children: list[Child]
    categories: list[str]
    referrers_view: str
    level: int | None
    level_name: str
    matched: int
    priority: str
    owner: str
    clock: Clock | None

    @property
    def status(self) -> str:
        """Its state in words; back in triage after the referrer answered, flagged so."""
        said = ReferralStatus(self.submission.status).label
        if self.information_received:
            said += ": information received"
        return said

    @property
    def information_received(self) -> bool:
        return (self.submission.status == ReferralStatus.IN_TRIAGE
                and self.submission.information_received_at is not None)

    @property
    def rag(self) -> str:
        return self.submission.rag.capitalize() if self.submission.rag in RAG_COLOURS else "Not rated"

    @property
    def rag_colour(self) -> str:
        return RAG_COLOURS.get(self.submission.rag or "", "grey")

    @property
    def level_colour(self) -> str:
        return LEVEL_COLOURS.get(self.level or 0, "grey")


def _options(form_id: str, field_id: str) -> dict[str, str]:
    compiled = extensions.catalogue().current(form_id)
    found = field_of(compiled.form, field_id) if compiled is not None else None
    return {o.value: o.label for o in found.options} if found is not None else {}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def children_of(submission: Submission) -> list[Child]:
    items = submission.answers.get("children") if isinstance(submission.answers, dict) else None
    derived = (submission.evaluation or {}).get("derived") or {}
    found: list[Child] = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        name = " ".join(p for p in (_text(item.get("child_forename")), _text(item.get("child_surname"))) if p)
        age = derived.get(f"children[{i}].child_age") if isinstance(derived, dict) else None
        if item.get("unborn") is True:
            age_text = "Unborn"
        elif isinstance(age, int | float) and not isinstance(age, bool):
            age_text = f"{int(age)} year{'s' if int(age) != 1 else ''} old"
        else:
            age_text = "Age not given"
        found.append(Child(name or NOT_GIVEN, age_text))
    return found or [Child(NOT_GIVEN, "Age not given")]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _span(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if minutes >= 24 * 60:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes >= 60:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def time_left(submission: Submission, now: datetime.datetime) -> Clock | None:
    """None when nothing is owed (decided, withdrawn) or no due time was set (no calendar)."""
    if submission.status not in ReferralStatus.open() or submission.due_at is None:
        return None
    due = clock.utc(submission.due_at)
    seconds = (due - now).total_seconds()
    if seconds < 0:
        return Clock(f"Overdue by {_span(-seconds)}", "red", overdue=True)
    if deadlines.local(due).date() == deadlines.local(now).date():
        return Clock(f"Due today, in {_span(seconds)}", "orange")
    return Clock(f"Due in {_span(seconds)}", "blue")


def summaries(rows: Iterable[Submission], now: datetime.datetime | None = None) -> list[Summary]:
    rows = list(rows)
    now = now or clock.now()
    people = history.names(r.assignee_id for r in rows)
    categories, views = _options(FORM, CATEGORIES), _options(FORM, REFERRERS_VIEW)
    return [_summary(r, now, people, categories, views) for r in rows]


def _summary(r: Submission, now: datetime.datetime, people: Mapping[int, str], categories: Mapping[str, str],
             views: Mapping[str, str]) -> Summary:
    answers = _mapping(r.answers)
    evaluation = _mapping(r.evaluation)
    threshold, derived = _mapping(evaluation.get("threshold")), _mapping(evaluation.get("derived"))
    chosen = answers.get(CATEGORIES)
    view = answers.get(REFERRERS_VIEW)
    level = threshold.get("level") if isinstance(threshold.get("level"), int) else None
    priority = derived.get("suggested_priority")
    return Summary(
        submission=r, children=children_of(r),
        categories=[categories.get(c, str(c)) for c in chosen] if isinstance(chosen, list) else [],
        referrers_view=views.get(view, str(view)) if isinstance(view, str) else NOT_GIVEN,
        level=level, level_name=str(threshold.get("level_name") or ""),
        matched=len(threshold.get("matched") or []),
        priority=priority.capitalize() if isinstance(priority, str) and priority else NOT_GIVEN,
        owner=people.get(r.assignee_id, "Someone") if r.assignee_id is not None else "Nobody",
        clock=time_left(r, now),
    )


def field_of(form: m.Form, field_id: str) -> m.Field | None:
    for section in form.sections:
        for f in section.fields:
            if f.id == field_id:
                return f
    return None
