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
    shown = set(evaluation.visible_sections)
    result = []
    for section in compiled.form.sections:
        if section.id not in shown:
            result.append(SectionStatus(section, False, NOT_NEEDED))
            continue
        answered = any(answers.get(f.id) not in (None, "", [], {}) for f in section.fields)
        errors = errors_in(section, evaluation, compiled)
        if section.id in visited and not errors:
            status = COMPLETED
        elif section.id in visited or answered:
            status = IN_PROGRESS
        else:
            status = NOT_STARTED
        result.append(SectionStatus(section, True, status))
    return result


def next_section(compiled: CompiledForm, evaluation: Evaluation, after: str) -> str | None:
    shown = [s.id for s in compiled.form.sections if s.id in set(evaluation.visible_sections)]
    ids = [s.id for s in compiled.form.sections]
    later = ids[ids.index(after) + 1:] if after in ids else []
    return next((sid for sid in later if sid in shown), None)
