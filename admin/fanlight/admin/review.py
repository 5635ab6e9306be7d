"""What a reviewer sees beside a change: the semantic diff, the line diff and the impact (the
expressions that read a changed question, the drafts in progress on each version of the forms
changed, and where the preview opens)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fanlight.admin.set_cache import SetCache
from fanlight.admin.workflow import Checks, items_of
from fanlight.engine import DefinitionSet
from fanlight.engine.definitions import model as m
from fanlight.engine.diff import CONDITIONS, CONSTRAINTS, Reference, diff_definitions, diffable, referencing
from fanlight.engine.diff import Change as DiffChange
from fanlight.web.definitions import registry
from fanlight.web.definitions.catalogue import compiled_set
from fanlight.web.models import Change, Draft, DraftStatus

# Changes to a section itself that bear on each of its questions: whether they are seen at all,
# or whether they are there. (A section's title, description or place changes none of them.)
SECTION_KINDS = {"condition_changed", "section_added", "section_removed"}
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
class FormDrafts:
    """The drafts in progress on one form: on its live version, and on each older version still in use."""

    form: str
    live_version: int | None  # None: the form is not live yet
    on_live: int = 0
    older: list[tuple[int, int]] = field(default_factory=list)  # (version, drafts), newest first


@dataclass
class Review:
    semantic: list[DiffChange]
    files: list[FileDiff]
    references: list[Reference] = field(default_factory=list)
    drafts_by_form: list[FormDrafts] = field(default_factory=list)
    # {form id: the section of the first changed question}: where the form's preview opens
    first_changed: dict[str, str] = field(default_factory=dict)

    @property
    def drafts(self) -> int:
        return sum(d.on_live + sum(n for _, n in d.older) for d in self.drafts_by_form)


def build(s: Session, change: Change, checks: Checks) -> Review:
    base_texts = registry.texts_of(s, change.base_publication_id or registry.live_id(s) or 0)
    before = compiled_set(base_texts)  # the same files each time: compiled once
    after = checks.definitions
    semantic = semantic_diff(before, after)
    files = [FileDiff(path, _line_diff(base_texts.get(path, ""), text, path))
             for path, text in sorted(items_of(s, change).items())]
    changed = changed_fields(before, after, semantic)
    drafts = _drafts(s, affected_forms(before, after, semantic), _live_versions(s))
    return Review(semantic, files, references(after, changed), drafts, first_changed(after, changed))


def base_of(s: Session, change: Change) -> DefinitionSet:
    """The definitions `change` began from (the live set, if it began from none)."""
    return compiled_set(registry.texts_of(s, change.base_publication_id or registry.live_id(s) or 0))


def semantic_diff(before: DefinitionSet, after: DefinitionSet) -> list[DiffChange]:
    """The semantic diff, also of definitions with problems (shown beside them), unless a file is unreadable."""
    if not diffable(before) or not diffable(after):
        return []
    return _DIFFS.get((before, after), lambda: diff_definitions(before, after))


def between(before_texts: dict[str, str], after_texts: dict[str, str], old: str = "live",
            new: str = "proposed") -> tuple[list[DiffChange], list[FileDiff]]:
    """What serving `after_texts` instead of `before_texts` would change: its semantic diff and line diffs."""
    before, after = compiled_set(before_texts), compiled_set(after_texts)
    semantic = semantic_diff(before, after)
    files = [FileDiff(path, list(difflib.unified_diff(before_texts.get(path, "").splitlines(),
                                                      after_texts.get(path, "").splitlines(),
                                                      f"{old}/{path}", f"{new}/{path}", lineterm="", n=2)))
             for path in sorted(set(before_texts) | set(after_texts)) if before_texts.get(path) != after_texts.get(path)]
    return semantic, files


def _line_diff(old: str, new: str, path: str) -> list[str]:
    return list(difflib.unified_diff(old.splitlines(), new.splitlines(), f"live/{path}", f"proposed/{path}", lineterm="", n=2))


def changed_fields(before: DefinitionSet, after: DefinitionSet, semantic: list[DiffChange]) -> dict[str, set[str]]:
    """{form id: ids of its questions the change adds, removes, moves or alters, wording too}.

    A rewording counts: the reviewer checks that the rules and conditions reading a question
    still fit its new words. A change to a shared option list changes each question using it.
    """
    found: dict[str, set[str]] = {}
    for c in semantic:
        if not c.path:  # a definition's own title or description
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
    if len(segments) == 1:  # the section itself, or a form's key (`rulesets`, `retention`)
        if c.kind not in SECTION_KINDS:
            return set()
        return {f.id for form in forms for sec in form.sections if sec.id == segments[0] for f in _fields_of(sec.fields)}
    return set(segments[1:])  # the field and, inside a repeat, the repeat's own id too


def _fields_of(fields: list[m.Field]) -> list[m.Field]:
    return [x for f in fields for x in (f, *_fields_of(f.fields))]


def _all_fields(form: m.Form) -> list[m.Field]:
    return [f for sec in form.sections for f in _fields_of(sec.fields)]


def references(after: DefinitionSet, changed: dict[str, set[str]]) -> list[Reference]:
    """The rules, indicators and conditions of `after` that read a changed question."""
    refs: list[Reference] = []
    for form_id, fields in sorted(changed.items()):
        compiled = after.compiled.get(form_id)
        if compiled is not None:
            refs.extend(referencing(compiled, sorted(fields)))
    return refs


def first_changed(after: DefinitionSet, changed: dict[str, set[str]]) -> dict[str, str]:
    """{form id: the first section, in the form's order, holding a changed question (or inside one of its repeats)}."""
    found: dict[str, str] = {}
    for form_id, fields in changed.items():
        form = after.forms.get(form_id)
        section = next((sec.id for sec in form.sections if {f.id for f in _fields_of(sec.fields)} & fields),
                       None) if form else None
        if section is not None:
            found[form_id] = section
    return found


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


def _live_versions(s: Session) -> dict[str, int]:
    """{form id: its version live now}, from the registry's rows (nothing to compile)."""
    rows = registry.versions_of(s, registry.live_id(s) or 0)
    return {row.definition_id: row.version for row in rows if row.kind == "form"}


def _drafts(s: Session, forms: list[str], live_versions: dict[str, int]) -> list[FormDrafts]:
    """Each form's drafts in progress: on its live version, then on each older one, newest first."""
    found = {form: FormDrafts(form, live_versions.get(form)) for form in forms}
    if not forms:
        return []
    rows = s.execute(
        select(Draft.form_id, Draft.form_version, func.count())
        .where(Draft.status == DraftStatus.DRAFT, Draft.form_id.in_(forms))
        .group_by(Draft.form_id, Draft.form_version)
        .order_by(Draft.form_id, Draft.form_version.desc())
    )
    for form_id, version, count in rows:
        drafts = found[form_id]
        if version == drafts.live_version:
            drafts.on_live = count
        else:
            drafts.older.append((version, count))
    return list(found.values())
