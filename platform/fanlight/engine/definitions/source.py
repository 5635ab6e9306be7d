"""Strict YAML reading with positions.

PyYAML implements YAML 1.1: duplicate keys silently keep the last value, `no` becomes
False and `12:30` becomes 750. Each of those has hidden a real bug in someone's form, so
this loader turns them into coded problems. It keeps the composed node tree so that any
later check can point at the exact line and column of the value it complains about.

Before anything is built, `_screen` reads libyaml's event stream once, in linear time and
without recursion, and refuses what could exhaust a worker: anchors and aliases (a
477-byte "billion laughs" file expands to 387 million nodes; definitions never need
them), nesting deeper than MAX_NESTING and more than MAX_NODES nodes. With the 1 MB size
limit, any text is checked in well under a second (tests/property/test_hostile_yaml.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..problems import Problems, Where

MAX_FILE_BYTES = 1_000_000  # a form is a few tens of KB; a megabyte is a mistake or an attack
# The largest bundled definition (cause-for-concern, 39 KB) has 2,229 nodes nested 9 deep; the
# 1,000-field form of the scaling benchmark (bench/synthetic_forms.py) has 16,761 nodes.
MAX_NESTING = 64  # 7 times the deepest real definition, and far below Python's recursion limit
MAX_NODES = 20_000  # 0.6-0.9 s of CPU to check 20,000 nodes of form fields on a busy 2-core machine

# libyaml (the C parser PyYAML ships with) reads a 1 MB file about ten times faster than the
# pure-Python parser; the pure-Python one is the fallback where libyaml is missing.
if TYPE_CHECKING:
    _Base = yaml.SafeLoader  # the C loader has the same interface
else:
    _Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_BOOLEANS = {"true", "false"}
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")


@dataclass
class SourceDocument:
    """One parsed file: its data and the node tree the data came from."""

    path: str
    data: Any
    root: Node | None
    problems: Problems = field(default_factory=Problems)
    text: str = ""  # the text parsed (marks' indexes are offsets into it)

    _keys: dict[int, dict[Any, tuple[Node, Node]]] = field(default_factory=dict, repr=False, compare=False)

    def where(self, path: Sequence[str | int] = ()) -> Where:
        """Where the value at `path` (keys and indices from the root) starts."""
        node = self.node(path)
        if node is None:
            return Where(self.path)
        mark = node.start_mark
        return Where(self.path, mark.line + 1, mark.column + 1)

    def key_where(self, path: Sequence[str | int]) -> Where:
        """Where the *key* of the last step of `path` is (for 'unknown key' problems)."""
        parent = self.node(path[:-1])
        if isinstance(parent, MappingNode):
            pair = self._index(parent).get(path[-1])
            if pair is not None:
                key = pair[0]
                return Where(self.path, key.start_mark.line + 1, key.start_mark.column + 1)
        return self.where(path)

    def node(self, path: Sequence[str | int]) -> Node | None:
        node = self.root
        for step in path:
            if isinstance(node, MappingNode):
                pair = self._index(node).get(step)
                node = pair[1] if pair is not None else None
            elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                node = node.value[step]
            else:
                return None
        return node

    def _index(self, node: MappingNode) -> dict[Any, tuple[Node, Node]]:
        """A mapping's scalar keys (the first of duplicates), built once per node: looking keys
        up by scanning made a file with 25,000 unknown keys take a minute to report."""
        index = self._keys.get(id(node))
        if index is None:
            index = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    index.setdefault(key.value, (key, value))
            self._keys[id(node)] = index
        return index


class _StrictLoader(_Base):
    """SafeLoader that reports duplicate keys and YAML 1.1 surprises instead of guessing."""

    def __init__(self, stream: str, path: str, problems: Problems) -> None:
        super().__init__(stream)
        self.fanlight_path = path
        self.fanlight_problems = problems

    def _where(self, node: Node) -> Where:
        return Where(self.fanlight_path, node.start_mark.line + 1, node.start_mark.column + 1)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                continue
            if key in seen:
                first = seen[key].start_mark.line + 1
                self.fanlight_problems.add(
                    self._where(key_node), "YAML002", f"duplicate key '{key}' (first set on line {first})"
                )
            else:
                seen[key] = key_node
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_bool(self, node: ScalarNode) -> bool:
        value = super().construct_yaml_bool(node)
        if node.value.lower() not in _PLAIN_BOOLEANS:
            self.fanlight_problems.add(
                self._where(node),
                "YAML003",
                f"'{node.value}' is read as {str(value).lower()} in YAML; write true/false, "
                f"or quote it ('{node.value}') if you mean the text",
            )
        return bool(value)

    def construct_yaml_int(self, node: ScalarNode) -> int:
        self._check_number(node)
        return int(super().construct_yaml_int(node))

    def construct_yaml_float(self, node: ScalarNode) -> float:
        self._check_number(node)
        return float(super().construct_yaml_float(node))

    def _check_number(self, node: ScalarNode) -> None:
        text = node.value
        if _SEXAGESIMAL.match(text) or re.match(r"^[-+]?0[0-7_]+$", text) or "_" in text:
            self.fanlight_problems.add(
                self._where(node),
                "YAML003",
                f"'{text}' is read as a number in YAML 1.1; quote it ('{text}') if you mean the text",
            )


_StrictLoader.add_constructor("tag:yaml.org,2002:bool", _StrictLoader.construct_yaml_bool)
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _StrictLoader.construct_yaml_float)
_StrictLoader.add_constructor("tag:yaml.org,2002:map", _StrictLoader.construct_yaml_map)  # type: ignore[type-var]


def read_source(path: str, raw: bytes) -> SourceDocument:
    """Parse one definition file. Never raises: every failure becomes a problem."""
    problems = Problems()
    if len(raw) > MAX_FILE_BYTES:
        problems.add(Where(path), "YAML004", f"file is {len(raw):,} bytes; the limit is {MAX_FILE_BYTES:,}")
        return SourceDocument(path, None, None, problems)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.add(Where(path), "YAML004", f"file is not UTF-8 text (byte {error.start})")
        return SourceDocument(path, None, None, problems)
    return parse_text(path, text, problems)


def parse_text(path: str, text: str, problems: Problems | None = None) -> SourceDocument:
    problems = problems if problems is not None else Problems()
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as error:  # a lone surrogate in text handed over as a str
        problems.add(Where(path), "YAML004", f"text is not valid Unicode (character {error.start})")
        return SourceDocument(path, None, None, problems)
    if size > MAX_FILE_BYTES:
        problems.add(Where(path), "YAML004", f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
        return SourceDocument(path, None, None, problems)
    if not _screen(path, text, problems):
        return SourceDocument(path, None, None, problems)
    try:
        loader = _StrictLoader(text, path, problems)
    except yaml.YAMLError as error:  # the pure-Python reader rejects control characters here
        _report_error(path, text, error, problems)
        return SourceDocument(path, None, None, problems)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as error:
        _report_error(path, text, error, problems)
        return SourceDocument(path, None, None, problems)
    finally:
        loader.dispose()
    if data is None:
        problems.add(Where(path), "YAML004", "file is empty")
    elif not isinstance(data, dict):
        problems.add(Where(path), "YAML004", "a definition file must be a mapping of keys to values")
    return SourceDocument(path, data, root, problems, text)


# What each event does to the count of nodes and to the depth (aliases and anchors are refused).
_STEP: dict[type, tuple[int, int]] = {
    yaml.ScalarEvent: (1, 0),
    yaml.SequenceStartEvent: (1, 1),
    yaml.MappingStartEvent: (1, 1),
    yaml.SequenceEndEvent: (0, -1),
    yaml.MappingEndEvent: (0, -1),
}


def _screen(path: str, text: str, problems: Problems) -> bool:
    """One pass over the parse events: refuse anchors, aliases, deep nesting and too many nodes.

    Events are flat (no node tree, no recursion) and nothing is expanded, so this is linear in
    the size of the text and stops at the first problem. A syntax error is reported here too.
    """
    depth = nodes = 0
    try:
        parser: Any = _Base(text)  # only its parser is used here
    except yaml.YAMLError as error:  # the pure-Python reader rejects control characters here
        _report_error(path, text, error, problems)
        return False
    try:
        while parser.check_event():
            event = parser.get_event()
            counts, deeper = _STEP.get(type(event), (0, 0))
            nodes += counts
            depth += deeper
            code = message = ""
            if isinstance(event, yaml.AliasEvent):
                code, message = "YAML005", f"alias *{event.anchor} is not allowed; write the value out in full"
            elif counts and event.anchor is not None:
                code, message = "YAML005", f"anchor &{event.anchor} is not allowed; definitions do not use anchors"
            elif nodes > MAX_NODES:
                code, message = "YAML006", f"more than {MAX_NODES:,} values; split the definition up"
            elif depth > MAX_NESTING:
                code, message = "YAML004", f"nesting deeper than {MAX_NESTING} levels"
            if code:
                mark = event.start_mark
                problems.add(Where(path, mark.line + 1, mark.column + 1), code, message)
                return False
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as error:
        _report_error(path, text, error, problems)
        return False
    finally:
        parser.dispose()
    return True


def _report_error(path: str, text: str, error: Exception, problems: Problems) -> None:
    if isinstance(error, yaml.reader.ReaderError):
        # The pure-Python reader gives a character offset; libyaml a byte offset in UTF-8.
        offset = max(int(error.position), 0)
        at = offset if _Base is yaml.SafeLoader else len(text.encode("utf-8")[:offset].decode("utf-8", "ignore"))
        at = min(at, len(text))
        line, col = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        character = chr(error.character) if isinstance(error.character, int) else error.character
        problems.add(Where(path, line, col), "YAML001", f"character {character!r} is not allowed in YAML")
    elif isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        where = Where(path, mark.line + 1, mark.column + 1) if mark else Where(path)
        problems.add(where, "YAML001", _yaml_message(error))
    else:
        problems.add(Where(path), "YAML001", f"cannot read YAML: {_one_line(str(error))}")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _yaml_message(error: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (error.context, error.problem) if p]
    return "; ".join(parts) if parts else "invalid YAML"
