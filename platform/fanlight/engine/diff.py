"""The semantic diff of two definition sets: each change named the way a reviewer thinks of it.

`diff_definitions(old, new)` lists the changes as `Change(kind, definition, path, before,
after)`, ordered by definition id, then in document order. `referencing(compiled, ids)`
lists the expressions of a compiled form that read some fields: the impact of a change.

Nodes are matched by id, never by position: a field is the same field wherever it sits in
its form, so one that moves is `field_moved`, not removed and added; a section that moves is
`section_moved`. A section added or removed is one change: its fields come and go with it. Paths
(docs/definition-language.md, "Reviewing a change: the semantic diff"):

    ""                              the definition itself (its title and description)
    <section>                       a section of a form
    <section>/<field>               a field
    <section>/<repeat>/<field>      a field inside a repeat
    rules/<rule>                    a rule of a ruleset
    levels/<n>  domains/<id>  indicators/<id>      parts of a thresholds definition
    timezone  working_days  opens  closes  bank_holidays  closures/<date>    a calendar's keys
    form  destination  decision_form  when  payload/<key>/...               a mapping's keys and payload
    .../options/<value>             an option of a field, or of a shared option list

When the kind alone does not say which attribute changed, the attribute is the last
segment (`about-the-child/children/child_dob/max`, `rules/x/severity`); each kind always
either has that segment or never has it, so a path reads back unambiguously.
"""

from __future__ import annotations

import datetime
import json
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar

from .definitions import model as m
from .problems import Where

if TYPE_CHECKING:
    from .definitions.loader import DefinitionSet
    from .evaluation.compiled import CompiledForm, FieldPlan, SectionPlan
    from .expressions import CompiledExpression

KINDS = (
    "section_added",
    "section_removed",
    "section_moved",
    "field_added",
    "field_removed",
    "field_moved",
    "type_changed",
    "label_changed",
    "hint_changed",
    "required_changed",
    "condition_changed",
    "options_added",
    "options_removed",
    "option_label_changed",
    "constraint_changed",
    "message_changed",
    "rule_added",
    "rule_removed",
    "rule_changed",
    "indicator_added",
    "indicator_removed",
    "indicator_level_changed",
    "level_changed",
    "mapping_changed",
    "payload_added",
    "payload_removed",
    "payload_changed",
)
CONDITIONS = ("show_if", "required_if", "calculate")
CONSTRAINTS = (
    "min",
    "max",
    "integer",
    "min_length",
    "max_length",
    "pattern",
    "min_items",
    "max_items",
    "accept",
    "max_size",
    "prefill",
)


@dataclass(frozen=True, slots=True)
class Change:
    """One change. `before` and `after` are JSON values; `null` means "not there"."""

    kind: str
    definition: str
    path: str
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "definition": self.definition,
            "path": self.path,
            "before": self.before,
            "after": self.after,
        }

    def line(self) -> str:
        """`KIND DEFINITION PATH: BEFORE -> AFTER`, values as JSON (so always one line)."""
        path = f" {self.path}" if self.path else ""
        return f"{self.kind} {self.definition}{path}: {_show(self.before)} -> {_show(self.after)}"


@dataclass(frozen=True, slots=True)
class Reference:
    """An expression that reads some of the fields asked about."""

    definition: str  # the form, ruleset or thresholds the expression is written in
    path: str  # its node and attribute, in the diff's scheme: "about/episodes/show_if", "rules/x/when"
    where: Where
    text: str
    fields: tuple[str, ...]  # which of the fields asked about it reads, sorted

    @property
    def location(self) -> str:
        return str(self.where)

    def to_json(self) -> dict[str, Any]:
        return {
            "definition": self.definition,
            "path": self.path,
            "location": self.location,
            "text": self.text,
            "fields": list(self.fields),
        }


def diff_definitions(old: DefinitionSet, new: DefinitionSet) -> list[Change]:
    """Every semantic change from `old` to `new`: by definition id, then in document order.

    A definition on one side only is compared with an empty one of its kind (a new form is
    its title and its `section_added`s). Definition tests are not diffed; neither are
    version numbers, which every change bumps. Either side may have problems (see `diffable`).
    """
    groups = [
        *_group(old.forms, new.forms, _form, 0),
        *_group(old.rulesets, new.rulesets, _ruleset, 1),
        *_group(old.thresholds, new.thresholds, _thresholds, 2),
        *_group(old.option_lists, new.option_lists, _option_list, 3),
        *_group(old.calendars, new.calendars, _calendar, 4),
        *_group(old.mappings, new.mappings, _mapping, 5),
    ]
    return [change for _, changes in sorted(groups, key=lambda g: g[0]) for change in changes]


def diffable(definitions: DefinitionSet) -> bool:
    """Whether `definitions` can be diffed: every file was read as YAML and became a definition.

    Problems that leave each definition in place (an unknown ruleset, a broken expression) do
    not stop a diff, so a reviewer sees what a broken change would do beside its problems. A
    file that could not be read would show as every definition in it removed: no diff then.
    """
    unreadable = any(p.code.startswith("YAML") for p in definitions.problems)
    return not unreadable and len(definitions.all()) == definitions.files


def referencing(compiled: CompiledForm, field_ids: Iterable[str]) -> list[Reference]:
    """The expressions of `compiled` that read any of `field_ids`, in document order.

    Covers section and field `show_if`, `required_if` and `calculate` (inside repeats too),
    then rule `when`s and indicator `when`s. A name is what an expression reads: `consent`
    for `consent.given`, `children` for `children.length`, and a repeat sub-field's own id
    inside that repeat.
    """
    return _Finder(compiled, frozenset(field_ids)).find()


# The diff ------------------------------------------------------------------------------

D = TypeVar("D", bound=m.Definition)
T = TypeVar("T", str, int)


class _Diff:
    """Collects the changes of one definition."""

    def __init__(self, definition: str) -> None:
        self.definition = definition
        self.changes: list[Change] = []

    def emit(self, kind: str, path: str, before: Any, after: Any) -> None:
        before, after = _json(before), _json(after)
        if not _same(before, after):
            self.changes.append(Change(kind, self.definition, path, before, after))

    def condition(
        self, path: str, before: m.Expression | None, after: m.Expression | None, kind: str = "condition_changed"
    ) -> None:
        if _normal(_text(before)) != _normal(_text(after)):
            self.changes.append(Change(kind, self.definition, path, _text(before), _text(after)))


def _group(
    old: Mapping[str, D], new: Mapping[str, D], differ: Callable[[_Diff, D | None, D | None], None], rank: int
) -> list[tuple[tuple[str, int], list[Change]]]:
    found: list[tuple[tuple[str, int], list[Change]]] = []
    for definition in old.keys() | new.keys():
        diff = _Diff(definition)
        differ(diff, old.get(definition), new.get(definition))
        found.append(((definition, rank), diff.changes))
    return found


def _header(diff: _Diff, old: m.Definition | None, new: m.Definition | None) -> None:
    diff.emit("label_changed", "", old.title if old else None, new.title if new else None)
    diff.emit("hint_changed", "", old.description if old else None, new.description if new else None)


# forms

_NO_FORM = m.Form(kind="form", id="", version=0, title="", path="", content_hash="")


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a field (or section) is: its path and its 1-based position among its siblings."""

    path: str
    position: int
    field: m.Field | None = None

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "position": self.position}


_Places = Mapping[str, _Place]


def _form(diff: _Diff, old: m.Form | None, new: m.Form | None) -> None:
    _header(diff, old, new)
    before, after = old or _NO_FORM, new or _NO_FORM
    diff.emit("rule_changed", "rulesets", before.rulesets, after.rulesets)
    diff.emit("rule_changed", "thresholds", before.thresholds, after.thresholds)
    diff.emit("constraint_changed", "retention", before.retention.to_json(), after.retention.to_json())
    old_sections = {s.id: s for s in reversed(before.sections)}
    new_sections = {s.id: s for s in reversed(after.sections)}
    section_places = (_places("", before.sections), _places("", after.sections))
    moved_sections = _moved([("", [s.id for s in before.sections])], [("", [s.id for s in after.sections])])
    field_places = (_field_places(before.sections), _field_places(after.sections))
    moved_fields = _moved(
        [(s.id, [f.id for f in s.fields]) for s in before.sections],
        [(s.id, [f.id for f in s.fields]) for s in after.sections],
    )
    for sid in _merge([s.id for s in before.sections], [s.id for s in after.sections]):
        was, now = old_sections.get(sid), new_sections.get(sid)
        if was is not None and now is not None:
            if sid in moved_sections:
                diff.emit("section_moved", sid, section_places[0][sid].to_json(), section_places[1][sid].to_json())
            diff.emit("label_changed", sid, was.title, now.title)
            diff.emit("hint_changed", sid, was.description, now.description)
            diff.condition(f"{sid}/show_if", was.show_if, now.show_if)
        elif now is not None:
            diff.emit("section_added", sid, None, _section_summary(now))
        elif was is not None:
            diff.emit("section_removed", sid, _section_summary(was), None)
        # A section added or removed brings or takes its fields: only those that moved in or out are reported.
        _fields(
            diff,
            sid,
            (was.fields if was else [], now.fields if now else []),
            field_places,
            moved_fields,
            whole=was is None or now is None,
        )


def _places(prefix: str, nodes: Sequence[m.Section | m.Field]) -> dict[str, _Place]:
    found: dict[str, _Place] = {}
    for i, node in enumerate(nodes):
        path = f"{prefix}/{node.id}" if prefix else node.id
        found.setdefault(node.id, _Place(path, i + 1, node if isinstance(node, m.Field) else None))
    return found


def _field_places(sections: Sequence[m.Section]) -> dict[str, _Place]:
    found: dict[str, _Place] = {}
    for section in sections:
        for fid, place in _places(section.id, section.fields).items():
            found.setdefault(fid, place)
    return found


def _fields(
    diff: _Diff,
    prefix: str,
    lists: tuple[Sequence[m.Field], Sequence[m.Field]],
    places: tuple[_Places, _Places],
    moved: set[str],
    whole: bool = False,
) -> None:
    """The fields of one section (or repeat), in document order; removed ones where they were.

    `whole`: the section itself is added or removed, which says its fields are too.
    """
    old_places, new_places = places
    here = {f.id for f in lists[1]}
    for fid in _merge([f.id for f in lists[0]], [f.id for f in lists[1]]):
        path = f"{prefix}/{fid}"
        was, now = old_places.get(fid), new_places.get(fid)
        if fid not in here:
            if now is None and was is not None and was.field is not None and not whole:
                _whole_field(diff, "field_removed", path, was.field)
            continue  # otherwise it moved, and is reported where it is now
        if now is None or now.field is None:
            continue
        if was is None or was.field is None:
            if not whole:
                _whole_field(diff, "field_added", path, now.field)
            continue
        if fid in moved:
            diff.emit("field_moved", path, was.to_json(), now.to_json())
        _field(diff, path, (was.path, was.field), now.field)


def _whole_field(diff: _Diff, kind: str, path: str, f: m.Field) -> None:
    summary = _field_summary(f)
    diff.emit(kind, path, None if kind == "field_added" else summary, summary if kind == "field_added" else None)
    for sub in f.fields:
        _whole_field(diff, kind, f"{path}/{sub.id}", sub)


def _field(diff: _Diff, path: str, old: tuple[str, m.Field], new: m.Field) -> None:
    old_path, was = old
    diff.emit("type_changed", path, was.type, new.type)
    diff.emit("label_changed", path, was.label, new.label)
    diff.emit("hint_changed", path, was.hint, new.hint)
    diff.emit("label_changed", f"{path}/text", was.text, new.text)
    diff.emit("label_changed", f"{path}/item_label", was.item_label, new.item_label)
    diff.emit("required_changed", path, was.required, new.required)
    for attr in CONDITIONS:
        diff.condition(f"{path}/{attr}", getattr(was, attr), getattr(new, attr))
    for attr in CONSTRAINTS:
        diff.emit("constraint_changed", f"{path}/{attr}", getattr(was, attr), getattr(new, attr))
    _options(diff, f"{path}/options", was.options, new.options)
    for code in _merge(list(was.messages), list(new.messages)):
        diff.emit("message_changed", f"{path}/messages/{code}", was.messages.get(code), new.messages.get(code))
    if was.fields or new.fields:
        old_ids, new_ids = [f.id for f in was.fields], [f.id for f in new.fields]
        _fields(
            diff,
            path,
            (was.fields, new.fields),
            (_places(old_path, was.fields), _places(path, new.fields)),
            _moved([("", old_ids)], [("", new_ids)]),
        )


def _options(diff: _Diff, prefix: str, old: Sequence[m.Option], new: Sequence[m.Option]) -> None:
    old_by = {o.value: o for o in reversed(old)}
    new_by = {o.value: o for o in reversed(new)}
    for value in _merge([o.value for o in old], [o.value for o in new]):
        path = f"{prefix}/{value}"
        was, now = old_by.get(value), new_by.get(value)
        if was is not None and now is not None:
            diff.emit("option_label_changed", path, was.label, now.label)
            diff.emit("hint_changed", path, was.hint, now.hint)
            diff.emit("option_label_changed", f"{path}/code", was.code, now.code)
        elif now is not None:
            diff.emit("options_added", path, None, _option_summary(now))
        elif was is not None:
            diff.emit("options_removed", path, _option_summary(was), None)


# rulesets, thresholds, option lists


def _ruleset(diff: _Diff, old: m.Ruleset | None, new: m.Ruleset | None) -> None:
    _header(diff, old, new)
    before, after = (old.rules if old else []), (new.rules if new else [])
    old_by, new_by = {r.id: r for r in reversed(before)}, {r.id: r for r in reversed(after)}
    places = (_positions(before), _positions(after))
    moved = _moved([("", [r.id for r in before])], [("", [r.id for r in after])])
    for rid in _merge([r.id for r in before], [r.id for r in after]):
        path = f"rules/{rid}"
        was, now = old_by.get(rid), new_by.get(rid)
        if was is not None and now is not None:
            if rid in moved:  # order matters: when two rules set the same name, the later one wins
                diff.emit("rule_changed", f"{path}/position", places[0][rid], places[1][rid])
            _rule(diff, path, was, now)
        elif now is not None:
            diff.emit("rule_added", path, None, _rule_summary(now))
        elif was is not None:
            diff.emit("rule_removed", path, _rule_summary(was), None)


def _positions(rules: Sequence[m.Rule]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, rule in enumerate(rules):
        found.setdefault(rule.id, i + 1)
    return found


def _rule(diff: _Diff, path: str, was: m.Rule, now: m.Rule) -> None:
    diff.condition(f"{path}/when", was.when, now.when, kind="rule_changed")
    for attr in ("severity", "field", "for_each", "acknowledge"):
        diff.emit("rule_changed", f"{path}/{attr}", getattr(was, attr), getattr(now, attr))
    diff.emit("message_changed", f"{path}/message", was.message, now.message)
    diff.emit("message_changed", f"{path}/acknowledge_label", was.acknowledge_label, now.acknowledge_label)
    for name in _merge(list(was.set), list(now.set)):
        diff.emit("rule_changed", f"{path}/set/{name}", was.set.get(name), now.set.get(name))


def _thresholds(diff: _Diff, old: m.Thresholds | None, new: m.Thresholds | None) -> None:
    _header(diff, old, new)
    empty = m.Thresholds(kind="thresholds", id="", version=0, title="", path="", content_hash="")
    before, after = old or empty, new or empty
    old_levels, new_levels = {lv.level: lv for lv in before.levels}, {lv.level: lv for lv in after.levels}
    for number in _merge([lv.level for lv in before.levels], [lv.level for lv in after.levels]):
        was, now = old_levels.get(number), new_levels.get(number)
        if was is not None and now is not None:
            for attr in ("name", "summary", "description"):
                diff.emit("level_changed", f"levels/{number}/{attr}", getattr(was, attr), getattr(now, attr))
        else:
            diff.emit("level_changed", f"levels/{number}", _level_summary(was), _level_summary(now))
    old_domains, new_domains = {d.id: d for d in before.domains}, {d.id: d for d in after.domains}
    for did in _merge([d.id for d in before.domains], [d.id for d in after.domains]):
        was_d, now_d = old_domains.get(did), new_domains.get(did)
        diff.emit("label_changed", f"domains/{did}", was_d.name if was_d else None, now_d.name if now_d else None)
        diff.emit(
            "hint_changed",
            f"domains/{did}",
            was_d.description if was_d else None,
            now_d.description if now_d else None,
        )
    _indicators(diff, before.indicators, after.indicators)


def _indicators(diff: _Diff, before: Sequence[m.Indicator], after: Sequence[m.Indicator]) -> None:
    old_by, new_by = {i.id: i for i in reversed(before)}, {i.id: i for i in reversed(after)}
    for iid in _merge([i.id for i in before], [i.id for i in after]):
        path = f"indicators/{iid}"
        was, now = old_by.get(iid), new_by.get(iid)
        if was is not None and now is not None:
            diff.emit("indicator_level_changed", path, was.level, now.level)
            diff.emit("label_changed", path, was.text, now.text)
            diff.emit("label_changed", f"{path}/domain", was.domain, now.domain)
            diff.condition(f"{path}/when", was.when, now.when)
        elif now is not None:
            diff.emit("indicator_added", path, None, _indicator_summary(now))
        elif was is not None:
            diff.emit("indicator_removed", path, _indicator_summary(was), None)


def _option_list(diff: _Diff, old: m.OptionList | None, new: m.OptionList | None) -> None:
    _header(diff, old, new)
    _options(diff, "options", old.options if old else (), new.options if new else ())


def _calendar(diff: _Diff, old: m.Calendar | None, new: m.Calendar | None) -> None:
    """Each key as the file says it (`opens`, `working_days`...), and each closure by its date."""
    _header(diff, old, new)
    before, after = _calendar_keys(old), _calendar_keys(new)
    for key in ("timezone", "working_days", "opens", "closes", "bank_holidays"):
        diff.emit("constraint_changed", key, before.get(key), after.get(key))
    was, now = (c.closures if c else {} for c in (old, new))
    for day in sorted(was.keys() | now.keys()):
        diff.emit("constraint_changed", f"closures/{day.isoformat()}", was.get(day), now.get(day))


def _calendar_keys(c: m.Calendar | None) -> dict[str, Any]:
    if c is None:
        return {}
    return {
        "timezone": c.timezone,
        "working_days": [m.WEEKDAYS[d] for d in sorted(c.working_days)],
        "opens": f"{c.opens:%H:%M}",
        "closes": f"{c.closes:%H:%M}",
        "bank_holidays": c.bank_holidays,
    }


def _mapping(diff: _Diff, old: m.Mapping | None, new: m.Mapping | None) -> None:
    """Its keys, then its payload node by node, each at its path as the file writes it
    (`payload/children/item/forename`; list elements by index, `payload/names/0`)."""
    _header(diff, old, new)
    for key in ("form", "destination", "decision_form"):
        diff.emit("mapping_changed", key, getattr(old, key) if old else None, getattr(new, key) if new else None)
    diff.condition("when", old.when if old else None, new.when if new else None, kind="mapping_changed")
    # A mapping added or removed is compared with an empty payload: each of its keys is added or removed.
    empty = m.PayloadNode("object", Where(""))
    _payload(diff, "payload", (old.payload if old else None) or empty, (new.payload if new else None) or empty)


def _payload(diff: _Diff, path: str, was: m.PayloadNode | None, now: m.PayloadNode | None) -> None:
    if was is None or now is None:
        if was is not None or now is not None:
            kind = "payload_added" if was is None else "payload_removed"
            diff.emit(kind, path, _node_summary(was), _node_summary(now))
        return
    if was.kind != now.kind or was.kind == "literal":
        diff.emit("payload_changed", path, _node_summary(was), _node_summary(now))
    elif was.kind == "expression":
        diff.condition(path, was.expression, now.expression, kind="payload_changed")
    elif was.kind == "object":
        for key in _merge(list(was.keys), list(now.keys)):
            _payload(diff, f"{path}/{key}", was.keys.get(key), now.keys.get(key))
    elif was.kind == "list":
        for i in range(max(len(was.items), len(now.items))):
            _payload(diff, f"{path}/{i}", _at(was.items, i), _at(now.items, i))
    else:  # each
        diff.emit("payload_changed", f"{path}/each", was.each, now.each)
        _payload(diff, f"{path}/item", was.item, now.item)


def _at(items: Sequence[m.PayloadNode], i: int) -> m.PayloadNode | None:
    return items[i] if i < len(items) else None


def _node_summary(node: m.PayloadNode | None) -> Any:
    """A payload node as the file writes it: an expression's text, `{"value": ...}` for a literal."""
    if node is None:
        return None
    if node.kind == "expression":
        return _text(node.expression)
    if node.kind == "literal":
        return {"value": node.literal} if not isinstance(node.literal, (bool, int, float)) else node.literal
    if node.kind == "object":
        return {key: _node_summary(child) for key, child in node.keys.items()}
    if node.kind == "list":
        return [_node_summary(child) for child in node.items]
    return {"each": node.each, "item": _node_summary(node.item)}


# summaries: what an added or removed node was (its attributes that are set, id aside)


def _field_summary(f: m.Field) -> dict[str, Any]:
    values: dict[str, Any] = {
        "type": f.type,
        "label": f.label,
        "hint": f.hint,
        "text": f.text,
        "item_label": f.item_label,
        "required": f.required,
        **{attr: _text(getattr(f, attr)) for attr in CONDITIONS},
        **{attr: getattr(f, attr) for attr in CONSTRAINTS},
        "options": [o.value for o in f.options],
        "fields": [sub.id for sub in f.fields],
        "messages": f.messages,
    }
    return _set_only(values)


def _section_summary(s: m.Section) -> dict[str, Any]:
    values = {"title": s.title, "description": s.description, "show_if": _text(s.show_if)}
    return _set_only({**values, "fields": [f.id for f in s.fields]})


def _rule_summary(r: m.Rule) -> dict[str, Any]:
    values = {"when": _text(r.when), "severity": r.severity, "field": r.field, "for_each": r.for_each,
              "acknowledge": r.acknowledge or None, "acknowledge_label": r.acknowledge_label}
    return _set_only({**values, "message": r.message, "set": r.set})


def _indicator_summary(i: m.Indicator) -> dict[str, Any]:
    return _set_only({"level": i.level, "domain": i.domain, "text": i.text, "when": _text(i.when)})


def _level_summary(lv: m.Level | None) -> dict[str, Any] | None:
    if lv is None:
        return None
    return _set_only({"name": lv.name, "summary": lv.summary, "description": lv.description})


def _option_summary(o: m.Option) -> dict[str, Any]:
    return _set_only({"value": o.value, "label": o.label, "hint": o.hint, "code": o.code})


def _set_only(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _json(v) for k, v in values.items() if not _unset(v)}


def _unset(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, (str, list, tuple, dict)) and not value)


# matching and ordering ------------------------------------------------------------------


def _merge(old: Sequence[T], new: Sequence[T]) -> list[T]:
    """`new`'s order, with each item only in `old` placed after its nearest predecessor that stayed."""
    staying = set(new)
    after: dict[T | None, list[T]] = {}
    anchor: T | None = None
    for item in old:
        if item in staying:
            anchor = item
        else:
            after.setdefault(anchor, []).append(item)
    merged = list(after.pop(None, []))
    for item in new:
        merged.append(item)
        merged.extend(after.pop(item, []))
    return list(dict.fromkeys(merged))


def _moved(old: Sequence[tuple[str, Sequence[str]]], new: Sequence[tuple[str, Sequence[str]]]) -> set[str]:
    """The ids that moved: to another group, or out of order within their group.

    Within a group the fewest possible items count as moved: those outside a longest run
    kept in the same relative order, so adding one field moves none of the others.
    """
    old_group = {item: group for group, items in reversed(old) for item in reversed(items)}
    new_group = {item: group for group, items in reversed(new) for item in reversed(items)}
    moved = {item for item, group in new_group.items() if old_group.get(item, group) != group}
    old_lists = dict(old)
    for group, items in new:
        before = list(dict.fromkeys(i for i in old_lists.get(group, ()) if new_group.get(i) == group))
        after = list(dict.fromkeys(i for i in items if old_group.get(i) == group))
        moved |= set(after) - _kept(before, after)
    return moved


def _kept(before: Sequence[str], after: Sequence[str]) -> set[str]:
    """A largest set of `after`'s items that keep their order from `before` (LCS, as a LIS)."""
    rank = {item: i for i, item in enumerate(before)}
    ranks = [(rank[item], item) for item in after if item in rank]
    tails: list[int] = []  # tails[k]: index in `ranks` ending the best increasing run of length k + 1
    tail_ranks: list[int] = []
    previous = [-1] * len(ranks)
    for i, (r, _) in enumerate(ranks):
        k = bisect_left(tail_ranks, r)
        if k:
            previous[i] = tails[k - 1]
        if k == len(tails):
            tails.append(i)
            tail_ranks.append(r)
        else:
            tails[k], tail_ranks[k] = i, r
    kept: set[str] = set()
    i = tails[-1] if tails else -1
    while i >= 0:
        kept.add(ranks[i][1])
        i = previous[i]
    return kept


# values ---------------------------------------------------------------------------------


def _json(value: Any) -> Any:
    """A JSON value: dates as ISO text, tuples as lists."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    return value


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values: `true` is not `1`, but `1` is `1.0`."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return a == b
    return type(a) is type(b) and bool(a == b)


def _text(expression: m.Expression | None) -> str | None:
    return expression.text.strip() if expression is not None else None


def _normal(text: str | None) -> str | None:
    """An expression with each run of whitespace outside its string literals read as one space."""
    if text is None:
        return None
    out: list[str] = []
    quote: str | None = None
    escaped = space = False
    for char in text:
        if quote is None and char.isspace():
            space = True
            continue
        if space:
            out.append(" ")
            space = False
        out.append(char)
        if quote is None:
            quote = char if char in "'\"" else None
        elif escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == quote:
            quote = None
    return "".join(out)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# impact ---------------------------------------------------------------------------------


def _is_field_plan(step: SectionPlan | FieldPlan) -> TypeGuard[FieldPlan]:
    return isinstance(getattr(step, "field", None), m.Field)


def _is_section_plan(step: SectionPlan | FieldPlan) -> TypeGuard[SectionPlan]:
    return isinstance(getattr(step, "section", None), m.Section)


class _Finder:
    def __init__(self, compiled: CompiledForm, wanted: frozenset[str]) -> None:
        self.compiled = compiled
        self.wanted = wanted
        self.found: list[Reference] = []

    def find(self) -> list[Reference]:
        form = self.compiled.form
        sections = {s.id: s for s in self.compiled.steps if _is_section_plan(s)}
        fields = {f.id: f for f in self.compiled.steps if _is_field_plan(f)}
        for section in form.sections:
            plan = sections.get(section.id)
            self.add(form.id, f"{section.id}/show_if", plan.show_if if plan else None)
            for f in section.fields:
                if f.id in fields:
                    self.field(f"{section.id}/{f.id}", fields[f.id])
        for rule in self.compiled.rules:
            self.add(rule.ruleset, f"rules/{rule.rule.id}/when", rule.when)
        thresholds = self.compiled.thresholds.id if self.compiled.thresholds else ""
        for indicator in self.compiled.indicators:
            self.add(thresholds, f"indicators/{indicator.indicator.id}/when", indicator.when)
        return self.found

    def field(self, path: str, plan: FieldPlan) -> None:
        form = self.compiled.form.id
        for attr, expression in (("show_if", plan.show_if), ("required_if", plan.required_if)):
            self.add(form, f"{path}/{attr}", expression)
        self.add(form, f"{path}/calculate", plan.calculate)
        items = {item.id: item for item in plan.items}
        for sub in plan.field.fields:
            if sub.id in items:
                self.field(f"{path}/{sub.id}", items[sub.id])

    def add(self, definition: str, path: str, expression: CompiledExpression | None) -> None:
        if expression is None:
            return
        reads = expression.symbols & self.wanted
        if reads:
            source = expression.source
            self.found.append(Reference(definition, path, source.where, source.text.strip(), tuple(sorted(reads))))
