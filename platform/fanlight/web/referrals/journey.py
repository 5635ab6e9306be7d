"""The professional's journey over an evaluation: section statuses, next section, errors per page.

No Flask here either: the referral pages turn these into pages, and tests can read them directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fanlight.engine import CompiledForm, Evaluation, Message
from fanlight.engine.definitions import model as m

NOT_STARTED, IN_PROGRESS, COMPLETED, NOT_NEEDED = "Not started", "In progress", "Completed", "Not needed"


@dataclass(frozen=True)
class SectionStatus:
    section: m.Section
    visible: bool
    status: str

    @property
    def id(self) -> str:
        return self.section.id


def field_section(compiled: CompiledForm) -> dict[str, str]:
    return {f.id: s.id for s in compiled.form.sections for f in s.fields}


def errors_in(section: m.Section, evaluation: Evaluation, compiled: CompiledForm) -> list[Message]:
    """This section's errors: its fields' checks, and rule errors reported on its fields."""
    owner = field_section(compiled)
    return [e for e in evaluation.errors if e.field is not None and owner.get(_top(e.field)) == section.id]


def _top(path: str) -> str:
    return path.split("[", 1)[0].split(".", 1)[0]


def statuses(compiled: CompiledForm, evaluation: Evaluation, answers: dict[str, Any], visited: list[str]) -> list[SectionStatus]:
    """Each section's status, as the task list shows it: a section the answers make unnecessary
    (a category not chosen) is "Not needed" and is not listed; one with no errors is completed
    once it was saved or every question in it is answered."""
    shown = set(evaluation.visible_sections)
    visible_fields = {_top(path) for path in evaluation.visible_fields}
    result = []
    for section in compiled.form.sections:
        if section.id not in shown:
            result.append(SectionStatus(section, False, NOT_NEEDED))
            continue
        questions = [f for f in section.fields if f.answerable and f.id in visible_fields]
        answered = [f for f in questions if _answered(answers.get(f.id))]
        errors = errors_in(section, evaluation, compiled)
        if not errors and (section.id in visited or (questions and len(answered) == len(questions))):
            status = COMPLETED
        elif section.id in visited or answered:
            status = IN_PROGRESS
        else:
            status = NOT_STARTED
        result.append(SectionStatus(section, True, status))
    return result


def _answered(value: Any) -> bool:
    return value not in (None, "", [], {})


def next_section(compiled: CompiledForm, evaluation: Evaluation, after: str) -> str | None:
    shown = [s.id for s in compiled.form.sections if s.id in set(evaluation.visible_sections)]
    ids = [s.id for s in compiled.form.sections]
    later = ids[ids.index(after) + 1:] if after in ids else []
    return next((sid for sid in later if sid in shown), None)
