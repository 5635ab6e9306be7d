"""What a reviewer sees beside a change: the semantic diff, the line diff and the impact."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fanlight.admin.set_cache import SetCache
from fanlight.admin.workflow import Checks, items_of
from fanlight.engine import DefinitionSet
from fanlight.engine.definitions import model as m
from fanlight.engine.diff import CONDITIONS, CONSTRAINTS, Reference, diff_definitions, referencing
from fanlight.engine.diff import Change as DiffChange
from fanlight.web.definitions import registry
from fanlight.web.definitions.catalogue import compiled_set
from fanlight.web.models import Change, Draft, DraftStatus

# Changes that can alter what an expression reads: the field is gone, moved (perhaps into a
# hidden section), holds another type or other values, or is shown or required differently.
# A label, hint, message or option label is what a person reads: no expression reads it, so
# rewording a question changes no rule, condition or threshold.
VALUE_KINDS = {"field_removed", "field_moved", "type_changed", "required_changed", "condition_changed",
               "constraint_changed", "options_added", "options_removed"}
# The last segment of a field path that names an attribute rather than a field.
ATTRIBUTES = {*CONDITIONS, *CONSTRAINTS, "text", "item_label"}
# Semantic diffs by the two compiled sets they compare: the diff walks every field of every
# form, the longest step of the change page (about 0.2 s at 100 definitions).
_DIFFS: SetCache[list[DiffChange]] = SetCache(size=16)


@dataclass
class FileDiff:
    path: str
    lines: list[str]


@dataclass
class Review:
    semantic: list[DiffChange]
    files: list[FileDiff]
    references: list[Reference] = field(default_factory=list)
    drafts_by_version: dict[str, int] = field(default_factory=dict)  # "form-id version 3" -> drafts in progress

    @property
    def drafts(self) -> int:
        return sum(self.drafts_by_version.values())


def build(s: Session, change: Change, checks: Checks) -> Review:
    base_texts = registry.texts_of(s, change.base_publication_id or registry.live_id(s) or 0)
    before = compiled_set(base_texts)  # the same files each time: compiled once
    after = checks.definitions
    semantic = (_DIFFS.get((before, after), lambda: diff_definitions(before, after))
                if not before.problems and not after.problems else [])
    files = [FileDiff(path, _line_diff(base_texts.get(path, ""), text, path))
             for path, text in sorted(items_of(s, change).items())]
    return Review(semantic, files, references(before, after, semantic), _drafts(s, affected_forms(before, after, semantic)))


def between(before_texts: dict[str, str], after_texts: dict[str, str], old: str = "live",
            new: str = "proposed") -> tuple[list[DiffChange], list[FileDiff]]:
    """What serving `after_texts` instead of `before_texts` would change: its semantic diff and line diffs."""
    before, after = compiled_set(before_texts), compiled_set(after_texts)
    semantic = (_DIFFS.get((before, after), lambda: diff_definitions(before, after))
                if not before.problems and not after.problems else [])
    files = [FileDiff(path, list(difflib.unified_diff(before_texts.get(path, "").splitlines(),
                                                      after_texts.get(path, "").splitlines(),
                                                      f"{old}/{path}", f"{new}/{path}", lineterm="", n=2)))
             for path in sorted(set(before_texts) | set(after_texts)) if before_texts.get(path) != after_texts.get(path)]
    return semantic, files


def _line_diff(old: str, new: str, path: str) -> list[str]:
    return list(difflib.unified_diff(old.splitlines(), new.splitlines(), f"live/{path}", f"proposed/{path}", lineterm="", n=2))


def changed_fields(before: DefinitionSet, after: DefinitionSet, semantic: list[DiffChange]) -> dict[str, set[str]]:
    """{form id: ids of its fields whose values an expression could now see differently}."""
    found: dict[str, set[str]] = {}
    for c in semantic:
        if c.kind not in VALUE_KINDS:
            continue
        if c.definition in after.forms or c.definition in before.forms:
            forms = [f for f in (before.forms.get(c.definition), after.forms.get(c.definition)) if f is not None]
            found.setdefault(c.definition, set()).update(_fields_at(c, forms))
        elif c.definition in after.option_lists or c.definition in before.option_lists:
            for form in (*before.forms.values(), *after.forms.values()):
                ids = {f.id for f in _all_fields(form) if f.options_ref == c.definition}
                if ids:
                    found.setdefault(form.id, set()).update(ids)
    return {form: ids for form, ids in found.items() if ids}


def _fields_at(c: DiffChange, forms: list[m.Form]) -> set[str]:
    segments = c.path.split("/")
    for marker in ("options", "messages"):
        if marker in segments[1:]:
            segments = segments[: segments.index(marker, 1)]
    if len(segments) > 1 and segments[-1] in ATTRIBUTES:
        segments = segments[:-1]
    if len(segments) == 1:  # the section itself: its condition decides whether all its fields are seen
        if c.kind != "condition_changed":
            return set()
        return {f.id for form in forms for sec in form.sections if sec.id == segments[0] for f in _fields_of(sec.fields)}
    return set(segments[1:])  # the field and, inside a repeat, the repeat's own id too


def _fields_of(fields: list[m.Field]) -> list[m.Field]:
    return [x for f in fields for x in (f, *_fields_of(f.fields))]


def _all_fields(form: m.Form) -> list[m.Field]:
    return [f for sec in form.sections for f in _fields_of(sec.fields)]


def references(before: DefinitionSet, after: DefinitionSet, semantic: list[DiffChange]) -> list[Reference]:
    refs: list[Reference] = []
    for form_id, fields in sorted(changed_fields(before, after, semantic).items()):
        compiled = after.compiled.get(form_id)
        if compiled is not None:
            refs.extend(referencing(compiled, sorted(fields)))
    return refs


def affected_forms(before: DefinitionSet, after: DefinitionSet, semantic: list[DiffChange]) -> list[str]:
    """The forms the change alters: changed themselves, or using a changed ruleset, thresholds or option list."""
    changed = {c.definition for c in semantic}
    found: set[str] = set()
    for form in (*before.forms.values(), *after.forms.values()):
        uses = {*form.rulesets, *([form.thresholds] if form.thresholds else []),
                *(f.options_ref for f in _all_fields(form) if f.options_ref)}
        if form.id in changed or uses & changed:
            found.add(form.id)
    return sorted(found)


def _drafts(s: Session, forms: list[str]) -> dict[str, int]:
    if not forms:
        return {}
    rows = s.execute(
        select(Draft.form_id, Draft.form_version, func.count())
        .where(Draft.status == DraftStatus.DRAFT, Draft.form_id.in_(forms))
        .group_by(Draft.form_id, Draft.form_version)
        .order_by(Draft.form_id, Draft.form_version)
    )
    return {f"{form_id} version {version}": count for form_id, version, count in rows}
