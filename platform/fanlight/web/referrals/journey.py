"""The professional's journey over an evaluation: section statuses, next section, errors per page.

No Flask here either: the referral pages turn these into pages, and tests can read them directly.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from fanlight.engine import CompiledForm, Evaluation, Message
from fanlight.engine.definitions import model as m

T = TypeVar("T")
Owner = TypeVar("Owner")
NOT_STARTED, IN_PROGRESS, COMPLETED, NOT_NEEDED = "Not started", "In progress", "Completed", "Not needed"


@dataclass(frozen=True)
class SectionStatus:
    section: m.Section
    visible: bool
    status: str

    @property
    def id(self) -> str:
        return self.section.id


class KeptWith(Generic[Owner]):
    """Values worked out from an object that never changes (a compiled form version, an evaluation),
    kept as long as it lives, each under a key for whatever else went into it. Keyed by the object
    itself and dropped with it, so nothing made from one that went is served for another."""

    def __init__(self) -> None:
        self.found: dict[int, tuple[weakref.ref[Owner], dict[Hashable, Any]]] = {}
        self.lock = threading.RLock()  # re-entrant: an owner may be collected (and dropped) while it is held

    def get(self, owner: Owner, key: Hashable, build: Callable[[], T]) -> T:
        with self.lock:
            hit = self.found.get(id(owner))
            kept = hit[1] if hit is not None and hit[0]() is owner else None
            if kept is not None and key in kept:
                return cast(T, kept[key])
        value = build()
        with self.lock:
            hit = self.found.get(id(owner))
            if hit is None or hit[0]() is not owner:
                ident = id(owner)
                hit = (weakref.ref(owner, lambda _: self._drop(ident)), {})
                self.found[ident] = hit
            hit[1][key] = value
        return value

    def _drop(self, ident: int) -> None:
        with self.lock:
            hit = self.found.get(ident)
            if hit is not None and hit[0]() is None:
                del self.found[ident]


class PerVersion(KeptWith[CompiledForm], Generic[T]):
    """What a page works out from a compiled form version alone, worked out once per version (a new
    publication compiles new objects, so its structures are built afresh)."""

    def __init__(self, build: Callable[[CompiledForm], T]) -> None:
        super().__init__()
        self.build = build

    def __call__(self, compiled: CompiledForm) -> T:
        return self.get(compiled, None, lambda: self.build(compiled))


def _field_section(compiled: CompiledForm) -> dict[str, str]:
    return {f.id: s.id for s in compiled.form.sections for f in s.fields}


# Which section each top-level field is on: read for every message of every page.
field_section = PerVersion(_field_section)


def errors_in(section: m.Section, evaluation: Evaluation, compiled: CompiledForm) -> list[Message]:
    """This section's errors: its fields' checks, and rule errors reported on its fields."""
    owner = field_section(compiled)
    return [e for e in evaluation.errors if e.field is not None and owner.get(_top(e.field)) == section.id]


def warnings_in(section: m.Section, evaluation: Evaluation, compiled: CompiledForm) -> list[Message]:
    """This section's warnings: rule warnings reported on its fields (or on its lists' items)."""
    owner = field_section(compiled)
    return [w for w in evaluation.warnings if w.field is not None and owner.get(_top(w.field)) == section.id]


def infos_in(section: m.Section, evaluation: Evaluation, compiled: CompiledForm) -> list[Message]:
    owner = field_section(compiled)
    return [i for i in evaluation.infos if i.field is not None and owner.get(_top(i.field)) == section.id]


def warning_key(warning: Message) -> str:
    """What a page posts back to say a warning was shown: its rule and where it is."""
    return f"{warning.code}@{warning.field or ''}"


def to_acknowledge(evaluation: Evaluation) -> list[Message]:
    """The warnings the referrer must tick before sending: one per rule (a `for_each` rule may
    warn about several children, and is acknowledged once)."""
    seen: dict[str, Message] = {}
    for w in evaluation.warnings:
        if w.acknowledge:
            seen.setdefault(w.code, w)
    return list(seen.values())


def question_label(compiled: CompiledForm, path: str) -> str:
    """The label of the question an answer path names (`children[0].school_or_setting`: the
    item's own question), or the path itself when the form has no such question."""
    top = next((f for f in compiled.form.top_fields() if f.id == _top(path)), None)
    if top is None:
        return path
    sub = path.rsplit(".", 1)[1] if "[" in path and "." in path else None
    if sub is not None and top.type == "repeat":
        inner = next((f for f in top.fields if f.id == sub), None)
        return inner.label if inner is not None else top.label
    return top.label


def _is_name(field_id: str) -> bool:
    last = field_id.rsplit("_", 1)[-1]
    return last in ("name", "forename", "surname") or field_id in ("first_name", "last_name")


def item_title(repeat: m.Field, item: dict[str, Any], index: int, derived: dict[str, Any]) -> str:
    """A repeated item as its card's title: its name (the text questions named `…name`,
    `…forename`, `…surname`, at most two) and, for a calculated `…age`, its age: "Leo Smith, 8".
    Without a name: "Child 2" (the repeat's `item_label` and position)."""
    names = [str(item[f.id]).strip() for f in repeat.fields
             if f.type == "text" and not f.calculate and _is_name(f.id) and str(item.get(f.id) or "").strip()][:2]
    if not names:
        return f"{(repeat.item_label or 'item').capitalize()} {index + 1}"
    age = next((derived.get(f"{repeat.id}[{index}].{f.id}") for f in repeat.fields
                if f.calculate and f.type == "number" and f.id.rsplit("_", 1)[-1] == "age"), None)
    return " ".join(names) + (f", {age}" if age is not None else "")


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
