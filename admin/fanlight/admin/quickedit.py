"""The structured quick edit: the everyday changes, written back into the YAML as its author left it.

A service lead rewords a question, changes its hint, options or whether it must be
answered, a rule's message, or a threshold indicator's text or level, in a small form. The
file is read and written with ruamel.yaml's round trip, so every comment, blank line, key
order, quoting and block style that the edit does not touch stays byte for byte, and the
reviewer's line diff shows exactly the lines that changed.

    doc = Document.parse(text)             # QuickEditError if the layout cannot be kept
    doc.targets()                          # what can be quick-edited, in document order
    doc.apply(node, Edit(label="..."))     # the new text (QuickEditError: nothing written)

Nodes are named the way the semantic diff names paths: `<section>/<field>`,
`<section>/<repeat>/<field>`, `rules/<id>`, `indicators/<id>`, and `options` for a shared
option list.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)
from ruamel.yaml.util import load_yaml_guess_indent

# Keys a field's `required` follows, nearest first, when it is added to a field without one.
REQUIRED_AFTER = ("required_if", "show_if", "hint", "label", "type", "id")
HINT_AFTER = ("label", "type", "id")
_ISSUES_IN_PLAIN = re.compile(r"^[-?:,\[\]{}#&*!|>'\"%@`]|: | #|:$|^\s|\s$")


class QuickEditError(ValueError):
    """The edit cannot be written back safely; the message says why, in plain words."""


@dataclass(frozen=True)
class OptionValue:
    value: str
    label: str


@dataclass
class Target:
    """One thing the quick edit can change, with what it says now."""

    node: str
    kind: str  # "field", "rule", "indicator" or "options"
    group: str  # the section title, "Rules", the indicator's level name, or the list's title
    title: str  # how it is listed: the question, the rule's message, the indicator's text
    label: str = ""
    hint: str = ""
    required: bool = False
    required_if: str = ""
    field_type: str = ""
    options: list[OptionValue] = field(default_factory=list)
    options_ref: str = ""  # the shared option list a field's options come from
    message: str = ""
    severity: str = ""
    when: str = ""
    text: str = ""
    level: int | None = None
    levels: list[tuple[int, str]] = field(default_factory=list)  # a thresholds file's levels: (number, name)
    domain: str = ""

    @property
    def has_options(self) -> bool:
        return self.kind == "options" or (self.kind == "field" and bool(self.options))


@dataclass
class Edit:
    """What the form asked for. None: leave that attribute as it is."""

    label: str | None = None
    hint: str | None = None
    required: bool | None = None
    relabel: dict[str, str] = field(default_factory=dict)  # option value -> new label
    remove: set[str] = field(default_factory=set)  # option values to remove
    add: list[OptionValue] = field(default_factory=list)
    message: str | None = None
    text: str | None = None
    level: int | None = None


def _yaml(mapping: int = 2, sequence: int = 4, offset: int = 2) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 100_000  # never re-wrap a long line
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


class Document:
    """One definition file, parsed for a round trip."""

    def __init__(self, text: str, data: CommentedMap, y: YAML) -> None:
        self.text = text
        self.data = data
        self.yaml = y

    @classmethod
    def parse(cls, text: str) -> Document:
        text = text.replace("\r\n", "\n")
        try:
            y = _yaml()  # the bundled files' layout: mappings by 2, list items by 4 with the dash at 2
            data = y.load(text)
            if isinstance(data, CommentedMap) and yaml_text(y, data) == text:
                return cls(text, data, y)
            _, indent, block_seq_indent = load_yaml_guess_indent(text)
            y = _yaml(indent or 2, (indent or 2) + (block_seq_indent or 0), block_seq_indent or 0)
            data = y.load(text)
            if isinstance(data, CommentedMap) and yaml_text(y, data) == text:
                return cls(text, data, y)
        except (YAMLError, ValueError, TypeError) as error:
            raise QuickEditError(f"The file cannot be read as YAML: {error}. Use the YAML editor.") from None
        raise QuickEditError("The quick edit cannot keep this file's layout exactly (its indentation or line "
                             "breaks are unusual). Use the YAML editor.")

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    # Reading ------------------------------------------------------------------------------

    def targets(self) -> list[Target]:
        if self.kind == "form":
            return [t for sec, prefix, f in self._fields() if (t := self._field_target(sec, prefix, f)) is not None]
        if self.kind == "ruleset":
            return [self._rule_target(r) for r in as_list(self.data.get("rules")) if isinstance(r, CommentedMap)
                    and "message" in r]
        if self.kind == "thresholds":
            levels = self._levels()
            return [self._indicator_target(i, levels) for i in as_list(self.data.get("indicators"))
                    if isinstance(i, CommentedMap)]
        if self.kind == "options":
            return [Target("options", "options", str(self.data.get("title", "")), str(self.data.get("title", "")),
                           options=_options_of(self.data.get("options")))]
        return []

    def target(self, node: str) -> Target:
        for t in self.targets():
            if t.node == node:
                return t
        raise QuickEditError("There is no such question, rule or indicator in this file.")

    def _fields(self) -> list[tuple[CommentedMap, str, CommentedMap]]:
        found: list[tuple[CommentedMap, str, CommentedMap]] = []

        def walk(sec: CommentedMap, prefix: str, fields: Any) -> None:
            for f in as_list(fields):
                if isinstance(f, CommentedMap) and isinstance(f.get("id"), str):
                    found.append((sec, prefix, f))
                    if isinstance(f.get("fields"), CommentedSeq):
                        walk(sec, f"{prefix}/{f['id']}", f["fields"])

        for sec in as_list(self.data.get("sections")):
            if isinstance(sec, CommentedMap) and isinstance(sec.get("id"), str):
                walk(sec, str(sec["id"]), sec.get("fields"))
        return found

    def _field_target(self, sec: CommentedMap, prefix: str, f: CommentedMap) -> Target | None:
        if f.get("type") == "content" or "label" not in f:
            return None  # not a question: nothing to answer
        options = f.get("options")
        return Target(
            f"{prefix}/{f['id']}", "field", str(sec.get("title", sec["id"])), _one_line(f.get("label")),
            label=as_text(f.get("label")), hint=as_text(f.get("hint")), required=f.get("required") is True,
            required_if=as_text(f.get("required_if")), field_type=as_text(f.get("type")),
            options=_options_of(options), options_ref=options if isinstance(options, str) else "",
        )

    def _rule_target(self, r: CommentedMap) -> Target:
        return Target(f"rules/{r.get('id')}", "rule", "Rules", _one_line(r.get("message")),
                      message=as_text(r.get("message")), severity=as_text(r.get("severity")),
                      when=as_text(r.get("when")))

    def _levels(self) -> list[tuple[int, str]]:
        return [(lv["level"], as_text(lv.get("name"))) for lv in as_list(self.data.get("levels"))
                if isinstance(lv, CommentedMap) and isinstance(lv.get("level"), int)]

    def _indicator_target(self, i: CommentedMap, levels: list[tuple[int, str]]) -> Target:
        level = i.get("level") if isinstance(i.get("level"), int) else None
        name = dict(levels).get(level, "") if level is not None else ""
        return Target(f"indicators/{i.get('id')}", "indicator", f"Level {level}: {name}" if name else f"Level {level}",
                      _one_line(i.get("text")), text=as_text(i.get("text")), level=level, levels=levels,
                      domain=as_text(i.get("domain")), when=as_text(i.get("when")))

    def _node(self, node: str) -> CommentedMap:
        if self.kind == "form":
            for _, prefix, f in self._fields():
                if f"{prefix}/{f['id']}" == node:
                    return f
        elif self.kind in ("ruleset", "thresholds"):
            group, _, ident = node.partition("/")
            container = {"ruleset": "rules", "thresholds": "indicators"}[self.kind]
            if group == container:
                for item in as_list(self.data.get(container)):
                    if isinstance(item, CommentedMap) and str(item.get("id")) == ident:
                        return item
        elif self.kind == "options" and node == "options":
            return self.data
        raise QuickEditError("There is no such question, rule or indicator in this file.")

    # Writing ------------------------------------------------------------------------------

    def apply(self, node: str, edit: Edit) -> str:
        """The file's text with the edit made; everything the edit does not touch is kept."""
        self.change(node, edit)
        return self.render()

    def render(self) -> str:
        """The text now, after the edits made; refused if any comment of the file would be lost."""
        result = yaml_text(self.yaml, self.data)
        lost = comment_lines(self.text) - comment_lines(result)
        if lost:
            raise QuickEditError("The quick edit would lose a comment of this file "
                                 f"({next(iter(lost)).strip()[:60]}). Make this change in the YAML editor.")
        return result

    def change(self, node: str, edit: Edit) -> None:
        """Make the edit in the parsed document."""
        target = self.target(node)
        item = self._node(node)
        if target.kind == "field":
            _edit_field(item, target, edit)
        elif target.kind == "rule":
            if edit.message is not None:
                set_key(item, "message", edit.message, after=("severity", "when", "id"))
        elif target.kind == "indicator":
            _edit_indicator(item, target, edit)
        elif target.kind == "options":
            _edit_options(item["options"], edit)


def _edit_field(item: CommentedMap, target: Target, edit: Edit) -> None:
    if edit.label is not None:
        set_key(item, "label", edit.label, after=("type", "id"))
    if edit.hint is not None:
        _set_optional(item, "hint", edit.hint, after=HINT_AFTER)
    if edit.required is not None and edit.required != target.required:
        if edit.required:
            set_key(item, "required", True, after=REQUIRED_AFTER)
        else:
            delete_key(item, "required")
    if target.options and not target.options_ref:
        _edit_options(item["options"], edit)


def _edit_indicator(item: CommentedMap, target: Target, edit: Edit) -> None:
    if edit.text is not None:
        set_key(item, "text", edit.text, after=("domain", "level", "id"))
    if edit.level is not None and edit.level != target.level:
        if edit.level not in dict(target.levels):
            raise QuickEditError(f"There is no level {edit.level} in these thresholds.")
        item["level"] = edit.level


# Helpers -----------------------------------------------------------------------------------------
# Public because the structured pages (fanlight.admin.structure) make their edits with the same
# round trip: one way to write a key, drop a key and keep the comment lines after a block.


def yaml_text(y: YAML, data: Any) -> str:
    """The document's text as `y` writes it."""
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def comment_lines(text: str) -> Counter[str]:
    """The file's whole-line comments, counted, to tell whether an edit lost one."""
    return Counter(line.strip() for line in text.splitlines() if line.lstrip().startswith("#"))


def as_list(value: Any) -> list[Any]:
    """A YAML list's items; nothing for anything else (a hand edit may have put a string there)."""
    return list(value) if isinstance(value, list) else []


def as_text(value: Any) -> str:
    """A YAML value as text; a missing one as ""."""
    return "" if value is None else str(value)


def _one_line(value: Any) -> str:
    text = " ".join(as_text(value).split())
    return text if len(text) <= 140 else text[:139] + "…"


def _options_of(value: Any) -> list[OptionValue]:
    return [OptionValue(as_text(o.get("value")), as_text(o.get("label")))
            for o in as_list(value) if isinstance(o, dict)]


def normal(text: str) -> str:
    """Text as the form posts it, compared with text as the file holds it: line endings and
    trailing spaces on lines and at the end do not count."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _plain_ok(text: str) -> bool:
    """Would `text` read back as exactly this string if written without quotes, under the engine's
    YAML 1.1 loader too (where yes, no, on and off are booleans)?"""
    if not text or "\n" in text or _ISSUES_IN_PLAIN.search(text):
        return False
    try:
        return bool(pyyaml.safe_load(f"k: {text}") == {"k": text})
    except pyyaml.YAMLError:
        return False


def styled_like(text: str, old: Any) -> Any:
    """The new text written the way the old one was (plain, quoted or a block), where it can be."""
    if "\n" in text:
        return LiteralScalarString(text + "\n")
    if isinstance(old, LiteralScalarString | FoldedScalarString):
        return type(old)(text + ("\n" if str(old).endswith("\n") else ""))
    if isinstance(old, SingleQuotedScalarString):
        return SingleQuotedScalarString(text)
    if isinstance(old, DoubleQuotedScalarString) or not _plain_ok(text):
        return DoubleQuotedScalarString(text)
    return text


def set_key(item: CommentedMap, key: str, value: Any, *, after: tuple[str, ...]) -> None:
    """Set a key, writing text in the style it had; a new key goes after the first of `after` present."""
    if isinstance(value, str):
        value = normal(value)
        if key in item and normal(as_text(item[key])) == value:
            return  # unchanged: leave the bytes alone
        value = styled_like(value, item.get(key))
    if key in item:
        was_block = isinstance(item[key], LiteralScalarString | FoldedScalarString)
        item[key] = value
        if isinstance(value, LiteralScalarString | FoldedScalarString) and not was_block:
            _after_block(item, key)
        return
    anchor = next((k for k in after if k in item), None)
    position = list(item).index(anchor) + 1 if anchor is not None else len(item)
    trailing = take_trailing_comments(item) if position == len(item) else None
    item.insert(position, key, value)
    give_trailing_comments(item, trailing)


def _after_block(item: CommentedMap, key: str) -> None:
    """A one-line value became a block: the block ends its own line, so what followed the old
    value's line (a blank line, comments) loses the line end that it carried."""
    entry = item.ca.items.get(key)
    token = entry[2] if entry is not None else None
    if token is not None and token.value.startswith("\n"):
        token.value = token.value[1:]
        if not token.value:
            entry[2] = None


def _set_optional(item: CommentedMap, key: str, value: str, *, after: tuple[str, ...]) -> None:
    if normal(value):
        set_key(item, key, value, after=after)
    elif key in item:
        delete_key(item, key)


def delete_key(item: CommentedMap, key: str) -> None:
    """Remove a key and its end-of-line comment; comment lines after the block stay where they were."""
    if key not in item:
        return
    trailing = take_trailing_comments(item) if list(item)[-1] == key else None
    item.ca.items.pop(key, None)  # its own end-of-line comment goes with it
    del item[key]
    give_trailing_comments(item, trailing)


# ruamel keeps the comment lines that follow a block (a separator before the next section, say)
# with the deepest last entry of that block. When an edit changes what is last, they move to
# whatever is last now, so they stay where they were in the file.


def _block(value: Any) -> bool:
    return isinstance(value, CommentedMap | CommentedSeq) and len(value) > 0 and not value.fa.flow_style()


def take_trailing_comments(node: CommentedMap | CommentedSeq) -> Any:
    """Detach the comment lines that follow a block (None if there are none)."""
    if not len(node):
        return None
    last: Any = list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1
    if _block(node[last]):
        found = take_trailing_comments(node[last])
        if found is not None:
            return found
    slot = 2 if isinstance(node, CommentedMap) else 0
    entry = node.ca.items.get(last)
    if entry is not None and entry[slot] is not None:
        token, entry[slot] = entry[slot], None
        return token
    return None


def give_trailing_comments(node: CommentedMap | CommentedSeq, token: Any) -> None:
    """Reattach them to whatever is last in the block now."""
    if token is None or not len(node):
        return
    last: Any = list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1
    if _block(node[last]):
        give_trailing_comments(node[last], token)
        return
    slot = 2 if isinstance(node, CommentedMap) else 0
    entry = node.ca.items.setdefault(last, [None, None, None, None])
    if entry[slot] is None:
        entry[slot] = token
    else:  # both had one: keep both, in order
        entry[slot].value = entry[slot].value.rstrip("\n") + "\n" + token.value.lstrip(" ")


def _edit_options(options: CommentedSeq, edit: Edit) -> None:
    """Relabel, remove and add options of an inline list, keeping each option's own style."""
    values = [as_text(o.get("value")) for o in options]
    unknown = (set(edit.relabel) | edit.remove) - set(values)
    if unknown:
        raise QuickEditError(f"There is no option {sorted(unknown)[0]!r} to change.")
    for option in options:
        new = edit.relabel.get(as_text(option.get("value")))
        if new is not None and as_text(option.get("value")) not in edit.remove:
            set_key(option, "label", new, after=("value",))
    trailing = take_trailing_comments(options)
    for index in reversed(range(len(options))):
        if values[index] in edit.remove:
            options.ca.items.pop(index, None)  # its own end-of-line comment goes with it
            del options[index]
    kept = {as_text(o.get("value")) for o in options}
    for new_option in edit.add:
        if new_option.value in kept:
            raise QuickEditError(f"There is already an option {new_option.value!r}.")
        kept.add(new_option.value)
        _append_option(options, new_option)
    if not options:
        raise QuickEditError("A question needs at least one option.")
    give_trailing_comments(options, trailing)


def _append_option(options: CommentedSeq, option: OptionValue) -> None:
    model = options[-1] if len(options) else None
    row = CommentedMap()
    # Written like the option before it; a value such as no or on is quoted, so it stays a word.
    row["value"] = styled_like(normal(option.value), model.get("value") if model is not None else None)
    row["label"] = styled_like(normal(option.label), model.get("label") if model is not None else None)
    if model is not None and model.fa.flow_style():
        row.fa.set_flow_style()
    options.append(row)
