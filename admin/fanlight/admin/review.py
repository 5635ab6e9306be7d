"""What a reviewer sees beside a change: the semantic diff, the line diff and the impact."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fanlight.engine import DefinitionSet, load_texts
from fanlight.engine.diff import Change as DiffChange
from fanlight.engine.diff import Reference, diff_definitions, referencing
from fanlight.web import registry
from fanlight.web.changes import Checks, items_of
from fanlight.web.models import Change, Draft

FIELD_KINDS = {"field_removed", "type_changed", "options_removed", "field_moved", "condition_changed",
               "required_changed", "constraint_changed", "options_added", "option_label_changed", "label_changed",
               "hint_changed", "message_changed"}


@dataclass
class FileDiff:
    path: str
    lines: list[str]


@dataclass
class Review:
    semantic: list[DiffChange]
    files: list[FileDiff]
    references: list[Reference] = field(default_factory=list)
    drafts_by_version: dict[str, int] = field(default_factory=dict)  # "form-id v3" -> drafts in progress


def build(s: Session, change: Change, checks: Checks) -> Review:
    live_texts = registry.texts_of(s, change.base_publication_id or registry.live_id(s) or 0)
    before = load_texts(live_texts)
    after = checks.definitions
    semantic = diff_definitions(before, after) if not before.problems and not after.problems else []
    files = [FileDiff(path, _line_diff(live_texts.get(path, ""), text, path)) for path, text in sorted(items_of(s, change).items())]
    return Review(semantic, files, _references(after, semantic), _drafts(s, semantic))


def _line_diff(old: str, new: str, path: str) -> list[str]:
    return list(difflib.unified_diff(old.splitlines(), new.splitlines(), f"live/{path}", f"proposed/{path}", lineterm="", n=2))


def _changed_fields(semantic: list[DiffChange]) -> dict[str, set[str]]:
    """Field ids each form's changes touch (the last id-like segment of each field path)."""
    found: dict[str, set[str]] = {}
    for c in semantic:
        if c.kind in FIELD_KINDS and c.path.count("/") >= 1:
            # "<section>/<field>[/<sub-field>][/<attribute>]": an attribute name in the set is harmless
            found.setdefault(c.definition, set()).update(c.path.split("/")[1:])
    return found


def _references(after: DefinitionSet, semantic: list[DiffChange]) -> list[Reference]:
    refs: list[Reference] = []
    for form_id, fields in _changed_fields(semantic).items():
        compiled = after.compiled.get(form_id)
        if compiled is not None:
            refs.extend(referencing(compiled, sorted(fields)))
    return refs


def _drafts(s: Session, semantic: list[DiffChange]) -> dict[str, int]:
    forms = sorted({c.definition for c in semantic})
    if not forms:
        return {}
    rows = s.execute(
        select(Draft.form_id, Draft.form_version, func.count())
        .where(Draft.status == "draft", Draft.form_id.in_(forms))
        .group_by(Draft.form_id, Draft.form_version)
    )
    return {f"{form_id} version {version}": count for form_id, version, count in rows}
