"""Strict YAML reading with positions.

PyYAML implements YAML 1.1: duplicate keys silently keep the last value, `no` becomes
False and `12:30` becomes 750. Each of those has hidden a real bug in someone's form, so
this loader turns them into coded problems. It keeps the composed node tree so that any
later check can point at the exact line and column of the value it complains about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..problems import Problems, Where

MAX_FILE_BYTES = 1_000_000  # a form is a few tens of KB; a megabyte is a mistake or an attack
MAX_NESTING = 64
_PLAIN_BOOLEANS = {"true", "false"}
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")


@dataclass
class SourceDocument:
    """One parsed file: its data and the node tree the data came from."""

    path: str
    data: Any
    root: Node | None
    problems: Problems = field(default_factory=Problems)

    def where(self, path: Sequence[str | int] = ()) -> Where:
        """Where the value at `path` (keys and indices from the root) starts."""
        node = _walk(self.root, path) if self.root is not None else None
        if node is None:
            return Where(self.path)
        mark = node.start_mark
        return Where(self.path, mark.line + 1, mark.column + 1)

    def key_where(self, path: Sequence[str | int]) -> Where:
        """Where the *key* of the last step of `path` is (for 'unknown key' problems)."""
        parent = _walk(self.root, path[:-1]) if self.root is not None else None
        if isinstance(parent, MappingNode):
            for key, _ in parent.value:
                if isinstance(key, ScalarNode) and key.value == path[-1]:
                    return Where(self.path, key.start_mark.line + 1, key.start_mark.column + 1)
        return self.where(path)

    def node(self, path: Sequence[str | int]) -> Node | None:
        return _walk(self.root, path) if self.root is not None else None


def _walk(node: Node | None, path: Sequence[str | int]) -> Node | None:
    for step in path:
        if isinstance(node, MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == step), None)
        elif isinstance(node, SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            return None
    return node


class _StrictLoader(yaml.SafeLoader):
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
        loader = _StrictLoader(text, path, problems)  # the reader rejects control characters here
    except yaml.reader.ReaderError as error:
        at = min(max(int(error.position), 0), len(text))
        line, col = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        problems.add(Where(path, line, col), "YAML001", f"character {error.character!r} is not allowed in YAML")
        return SourceDocument(path, None, None, problems)
    except yaml.YAMLError as error:
        problems.add(Where(path), "YAML001", f"cannot read YAML: {_one_line(str(error))}")
        return SourceDocument(path, None, None, problems)
    try:
        root = loader.get_single_node()
        if root is not None and _depth(root) > MAX_NESTING:
            problems.add(Where(path), "YAML004", f"nesting deeper than {MAX_NESTING} levels")
            return SourceDocument(path, None, None, problems)
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Where(path, mark.line + 1, mark.column + 1) if mark else Where(path)
        problems.add(where, "YAML001", _yaml_message(error))
        return SourceDocument(path, None, None, problems)
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as error:
        problems.add(Where(path), "YAML001", f"cannot read YAML: {_one_line(str(error))}")
        return SourceDocument(path, None, None, problems)
    finally:
        loader.dispose()
    if data is None:
        problems.add(Where(path), "YAML004", "file is empty")
    elif not isinstance(data, dict):
        problems.add(Where(path), "YAML004", "a definition file must be a mapping of keys to values")
    return SourceDocument(path, data, root, problems)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _depth(node: Node, level: int = 0) -> int:
    if level > MAX_NESTING:
        return level
    children: list[Node] = []
    if isinstance(node, MappingNode):
        children = [v for _, v in node.value]
    elif isinstance(node, SequenceNode):
        children = list(node.value)
    return max((_depth(child, level + 1) for child in children), default=level)


def _yaml_message(error: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (error.context, error.problem) if p]
    return "; ".join(parts) if parts else "invalid YAML"
