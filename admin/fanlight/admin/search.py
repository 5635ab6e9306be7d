"""Finding what to change by what it says, not by file path.

A service lead remembers a question's wording, a rule's message or an indicator's text, not
which file holds it. The index lists everything in the live definitions the quick edit can
change (named by the quick edit's own node names, so a result lands on its form) and each
form's title; a search finds the entries holding every word asked for, in any order and in any
case, and says where each word was found.

    index = cached(contents, texts)        # once per live publication: ((path, content hash), ...)
    found = index.find("consent family")   # groups of hits, file by file (QueryError: too long)
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fanlight.admin.quickedit import Document, QuickEditError, Target

MAX_QUERY = 200  # characters: more is not a search a person typed
MAX_WORDS = 12
MAX_HITS = 100  # listed; the page says how many more there were
SEARCHED_KINDS = ("form", "ruleset", "thresholds", "options")
KIND_NAMES = {"form": "Form", "ruleset": "Rules", "thresholds": "Thresholds", "options": "Option list"}

# Curly quotes are typed straight: both are searched as straight ones (one character for one,
# so a match's place in the folded text is its place in the original).
_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


class QueryError(ValueError):
    """The words cannot be searched for; the message says why, in plain words."""


@dataclass(frozen=True)
class Entry:
    """One thing a search can find: a form's title, or what the quick edit can change."""

    path: str
    node: str  # the quick edit's name for it; "" for the form itself
    kind: str  # "form", "field", "rule", "indicator" or "options"
    texts: tuple[tuple[str, str], ...]  # (what the text is, the text); the first names the entry


@dataclass(frozen=True)
class File:
    path: str
    kind: str
    title: str

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)


Part = tuple[str, bool]  # a piece of text, and whether it is a word searched for


@dataclass
class Hit:
    entry: Entry
    title: list[Part]  # the entry's first text, with the words found in it marked
    also: list[tuple[str, list[Part]]]  # its other texts holding a word: (what it is, the text marked)


@dataclass
class Group:
    file: File
    hits: list[Hit] = field(default_factory=list)


@dataclass
class Found:
    groups: list[Group]
    total: int  # every hit, including those not listed beyond MAX_HITS

    @property
    def listed(self) -> int:
        return sum(len(g.hits) for g in self.groups)


def words_of(query: str) -> list[str]:
    """The distinct words of a query, in the order typed; QueryError when it is too long."""
    if len(query) > MAX_QUERY:
        raise QueryError(f"Search for {MAX_QUERY} characters or fewer")
    words = list(dict.fromkeys(w.translate(_FOLD).casefold() for w in query.split()))
    if len(words) > MAX_WORDS:
        raise QueryError(f"Search for {MAX_WORDS} words or fewer")
    return words


class Index:
    def __init__(self, files: list[File], entries: list[Entry]) -> None:
        self.files = {f.path: f for f in files}
        self.entries = entries

    def find(self, query: str) -> Found:
        words = words_of(query)
        if not words:
            return Found([], 0)
        patterns = [re.compile(re.escape(w), re.IGNORECASE) for w in words]
        groups: dict[str, Group] = {}
        total = 0
        for entry in self.entries:
            if not all(any(p.search(text.translate(_FOLD)) for _, text in entry.texts) for p in patterns):
                continue
            total += 1
            if total <= MAX_HITS:
                groups.setdefault(entry.path, Group(self.files[entry.path])).hits.append(_hit(entry, patterns))
        return Found(list(groups.values()), total)


def _hit(entry: Entry, patterns: list[re.Pattern[str]]) -> Hit:
    (_, first), *rest = entry.texts
    also = [(what, marked(text, patterns)) for what, text in rest if any(p.search(text.translate(_FOLD)) for p in patterns)]
    return Hit(entry, marked(first, patterns), also)


def marked(text: str, patterns: list[re.Pattern[str]]) -> list[Part]:
    """The text in pieces, each saying whether it is one of the words (overlapping words merge)."""
    folded = text.translate(_FOLD)
    spans = sorted((m.start(), m.end()) for p in patterns for m in p.finditer(folded))
    parts: list[Part] = []
    at = 0
    for found_at, end in spans:
        if end <= at:
            continue
        start = max(found_at, at)
        if start > at:
            parts.append((text[at:start], False))
        parts.append((text[start:end], True))
        at = end
    if at < len(text) or not parts:
        parts.append((text[at:], False))
    return parts


# Building the index ------------------------------------------------------------------------------

Read = tuple[File | None, tuple[Entry, ...]]  # what one file adds to an index


def index_of(texts: dict[str, str]) -> Index:
    """The index of a set of definition files."""
    return _joined([_read(path, texts[path]) for path in sorted(texts)])


def _joined(reads: list[Read]) -> Index:
    return Index([f for f, _ in reads if f is not None], [e for _, entries in reads for e in entries])


def _read(path: str, text: str) -> Read:
    """A file's title and entries. A file the quick edit cannot read is left out: nothing in it
    could be landed on (the YAML editor is reached from the file's own page)."""
    try:
        document = Document.parse(text)
    except QuickEditError:
        return None, ()
    if document.kind not in SEARCHED_KINDS:
        return None, ()
    title = _line(str(document.data.get("title") or document.data.get("id") or path))
    own = (Entry(path, "", "form", (("Form title", title),)),) if document.kind == "form" else ()
    return File(path, document.kind, title), own + tuple(_entry(path, t) for t in document.targets())


def _entry(path: str, target: Target) -> Entry:
    options = tuple(("Option", _line(o.label)) for o in target.options if o.label)
    if target.kind == "field":
        texts = (("Question", _line(target.label)), *((("Hint", _line(target.hint)),) if target.hint else ()), *options)
    elif target.kind == "rule":
        texts = (("Message", _line(target.message)),)
    elif target.kind == "indicator":
        texts = (("Indicator", _line(target.text)),)
    else:
        texts = (("Option list", _line(target.title)), *options)
    return Entry(path, target.node, target.kind, texts)


def _line(text: str) -> str:
    """Text as a page shows it: a block's line breaks and indentation are spaces."""
    return " ".join(text.split())


# One index per live publication ------------------------------------------------------------------

# Reading a file for its round trip is most of the cost (about a second and a half for the bundled
# set): each file is read once for its content, so a publication that changes one file reads one.
_KEEP = 2  # the live publication's index, and the one before while workers catch up
_KEEP_FILES = 1024
_indexes: dict[tuple[tuple[str, str], ...], Index] = {}
_files: dict[tuple[str, str], Read] = {}
_lock = threading.Lock()


def cached(contents: tuple[tuple[str, str], ...], texts: Callable[[], dict[str, str]]) -> Index:
    """The index of the files `contents` names, (path, content hash) in path order; `texts()` gives
    their texts, asked for only when a file has not been read before. A published set never
    changes, so its index is built once: a search that arrives meanwhile waits for it."""
    with _lock:
        found = _indexes.get(contents)
        if found is None:
            found = _indexes[contents] = _joined(_reads(contents, texts))
            _forget(_indexes, _KEEP)
        return found


def _reads(contents: tuple[tuple[str, str], ...], texts: Callable[[], dict[str, str]]) -> list[Read]:
    loaded: dict[str, str] | None = None
    reads = []
    for path, digest in contents:
        read = _files.get((path, digest))
        if read is None:
            loaded = texts() if loaded is None else loaded
            read = _files[(path, digest)] = _read(path, loaded[path])
        reads.append(read)
    _forget(_files, _KEEP_FILES)
    return reads


def _forget(kept: dict[Any, Any], keep: int) -> None:
    """The oldest go first: dicts keep the order things were added."""
    while len(kept) > keep:
        kept.pop(next(iter(kept)))
