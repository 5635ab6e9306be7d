"""The definition registry: every version of every definition, and which set is live.

A publication is an immutable snapshot of the whole live set. The newest publication is
live; a draft or submission records the publication it was filled against, so it always
renders and validates against exactly the definitions it was started on.
"""

from __future__ import annotations

import gc
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from fanlight.engine import DefinitionSet
from fanlight.engine.definitions.loader import definition_files, load_documents
from fanlight.engine.definitions.source import SourceDocument, read_source

from ..models import DefinitionEvent, DefinitionVersion, Publication

# Any number: the PostgreSQL advisory lock that publishing holds until its transaction ends.
PUBLISH_LOCK = 0x46414E4C  # "FANL"


class Immutable(RuntimeError):
    """Something tried to change or delete a published version, a publication or a definition event."""


@event.listens_for(DefinitionVersion, "before_update")
@event.listens_for(DefinitionVersion, "before_delete")
@event.listens_for(Publication, "before_update")
@event.listens_for(Publication, "before_delete")
@event.listens_for(DefinitionEvent, "before_update")
@event.listens_for(DefinitionEvent, "before_delete")
def _refuse_changes(_mapper: Any, _connection: Any, target: Any) -> None:
    raise Immutable(f"{type(target).__name__} {getattr(target, 'id', '')} is immutable once written")


def publish_lock(s: Session) -> None:
    """Serialise publishing: until this transaction ends, nobody else can publish.

    Without it two publications made at the same moment would each start from the same live
    set, and the later would silently drop the earlier's files. PostgreSQL: an advisory lock.
    SQLite: the first write of a transaction takes the database's one write lock (a write that
    matches no row is enough), and whatever is read after it is the newest committed state.
    """
    if s.get_bind().dialect.name == "postgresql":
        s.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": PUBLISH_LOCK})
    else:
        s.execute(sql("UPDATE publications SET note = note WHERE id < 0"))

_VERSION_LINE = re.compile(r"^version:[ \t]*\S+[ \t]*$", re.MULTILINE)
_KIND_LINE = re.compile(r"^kind:[ \t]*['\"]?([a-z]+)", re.MULTILINE)
_ID_LINE = re.compile(r"^id:[ \t]*['\"]?([a-z0-9-]+)", re.MULTILINE)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def folder_texts(folder: str | Path) -> dict[str, str]:
    """{relative path: text} for every definition file under `folder`."""
    root = Path(folder)
    return {str(Path(name).relative_to(root)): Path(name).read_text("utf-8") for name in definition_files(root)}


def live_id(s: Session) -> int | None:
    found: int | None = s.scalar(select(func.max(Publication.id)))
    return found


def texts_of(s: Session, publication_id: int) -> dict[str, str]:
    publication = s.get(Publication, publication_id)
    if publication is None:
        return {}
    rows = s.scalars(select(DefinitionVersion).where(DefinitionVersion.id.in_(publication.version_ids)))
    return {row.path: row.content for row in rows}


def versions_of(s: Session, publication_id: int) -> list[DefinitionVersion]:
    publication = s.get(Publication, publication_id)
    if publication is None:
        return []
    rows = s.scalars(select(DefinitionVersion).where(DefinitionVersion.id.in_(publication.version_ids)))
    return sorted(rows, key=lambda r: r.path)


# Parsing the YAML is most of the cost of loading a set (pure-Python PyYAML): a parsed file is
# kept by its name and content, so a set that differs from one already loaded in one file (a
# change being edited, a new publication) parses only that file. Parsed documents are never
# changed by loading them.
KEEP_PARSED = 1024
_parsed: OrderedDict[tuple[str, str], SourceDocument] = OrderedDict()
_parsed_lock = threading.Lock()


def parse(path: str, text: str) -> SourceDocument:
    """One file, parsed (once for each content)."""
    key = (path, content_hash(text))
    with _parsed_lock:
        found = _parsed.get(key)
        if found is not None:
            _parsed.move_to_end(key)
            return found
    doc = read_source(path, text.encode("utf-8"))
    with _parsed_lock:
        _parsed[key] = doc
        while len(_parsed) > KEEP_PARSED:
            _parsed.popitem(last=False)
    return doc


_compiling = 0  # sets being compiled now, by any thread
_resume = False  # whether collection was on when the first of them began
_compiling_lock = threading.Lock()


@contextmanager
def _no_collection() -> Iterator[None]:
    """No garbage collection while a set loads.

    Compiling makes tens of thousands of objects that all live on, and each full collection
    it triggers scans every set already held: measured with 100 definitions, a compile took
    0.55 s with collection paused and up to 1.2 s with it on. Collection resumes when the
    last compile in the process ends, if it was on before the first began.
    """
    global _compiling, _resume  # noqa: PLW0603
    with _compiling_lock:
        if _compiling == 0:
            _resume = gc.isenabled()
            gc.disable()
        _compiling += 1
    try:
        yield
    finally:
        with _compiling_lock:
            _compiling -= 1
            if _compiling == 0 and _resume:
                gc.enable()


def load(texts: dict[str, str]) -> DefinitionSet:
    """The same as fanlight.engine.load_texts, reusing files parsed before."""
    with _no_collection():
        return load_documents([parse(path, text) for path, text in texts.items()])


def identity(text: str) -> tuple[str, str]:
    """(kind, id) as declared in a file's text, or ('', '') when it does not say."""
    kind, ident = _KIND_LINE.search(text), _ID_LINE.search(text)
    return (kind.group(1) if kind else "", ident.group(1) if ident else "")


def with_version(text: str, version: int) -> str:
    """The file's own `version:` line set to the version the registry gives it."""
    if _VERSION_LINE.search(text):
        return _VERSION_LINE.sub(f"version: {version}", text, count=1)
    return text


def publish_texts(
    s: Session, texts: dict[str, str], *, change_id: int | None, user_id: int | None, note: str
) -> Publication:
    """Publish `texts` (the whole set) as the new live publication. The caller commits.

    Files unchanged since the live publication keep their version; changed or new files
    get the next version number of their definition.
    """
    current = {v.path: v for v in versions_of(s, live_id(s) or 0)}
    ids: list[int] = []
    for path, text in sorted(texts.items()):
        previous = current.get(path)
        if previous is not None and previous.content_hash == content_hash(text):
            ids.append(previous.id)
            continue
        kind, ident = identity(text)
        highest = s.scalar(
            select(func.max(DefinitionVersion.version)).where(
                DefinitionVersion.kind == kind, DefinitionVersion.definition_id == ident
            )
        )
        number = (highest or 0) + 1
        final = with_version(text, number)
        row = DefinitionVersion(kind=kind, definition_id=ident, version=number, path=path, content=final,
                                content_hash=content_hash(final), change_id=change_id)
        s.add(row)
        s.flush()
        ids.append(row.id)
    publication = Publication(version_ids=ids, change_id=change_id, published_by=user_id, note=note[:200])
    s.add(publication)
    s.flush()
    return publication


def ensure_bundled(s: Session, folder: str | Path) -> int:
    """On first start, the bundled definitions become publication 1. Returns the live id.

    Several workers may start on a new database at once: the first publishes, the others
    wait for it and then find its publication.
    """
    found = live_id(s)
    if found is not None:
        return found
    publish_lock(s)
    found = live_id(s)
    if found is not None:
        s.commit()
        return found
    publication = publish_texts(s, folder_texts(folder), change_id=None, user_id=None, note="bundled definitions")
    s.commit()
    return publication.id


def publish_versions(
    s: Session, version_ids: list[int], *, change_id: int | None, user_id: int | None, note: str
) -> Publication:
    """Publish exactly these existing versions as the new live publication (a rollback). The caller commits."""
    publication = Publication(version_ids=list(version_ids), change_id=change_id, published_by=user_id,
                              note=note[:200])
    s.add(publication)
    s.flush()
    return publication
