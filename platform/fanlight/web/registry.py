"""The definition registry: every version of every definition, and which set is live.

A publication is an immutable snapshot of the whole live set. The newest publication is
live; a draft or submission records the publication it was filled against, so it always
renders and validates against exactly the definitions it was started on.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fanlight.engine import DefinitionSet, load_texts
from fanlight.engine.definitions.loader import definition_files

from .models import DefinitionVersion, Publication

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


def load_publication(s: Session, publication_id: int) -> DefinitionSet:
    return load_texts(texts_of(s, publication_id))


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
    """On first start, the bundled definitions become publication 1. Returns the live id."""
    found = live_id(s)
    if found is not None:
        return found
    publication = publish_texts(s, folder_texts(folder), change_id=None, user_id=None, note="bundled definitions")
    s.commit()
    return publication.id
