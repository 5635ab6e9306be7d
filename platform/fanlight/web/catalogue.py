"""The forms this server offers: compiled definitions by publication, the newest live.

Every worker process asks the database for the newest publication at most every half
second (one indexed query), so a change published on any server is served by every
worker within a second, with no restart. Older publications stay available for the
drafts and submissions pinned to them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from fanlight.engine import CompiledForm, DefinitionSet, load_definitions
from fanlight.engine.definitions import model as m

from . import registry

POLL_SECONDS = 0.5
KEEP_PUBLICATIONS = 16  # compiled sets kept in memory; older ones are compiled again on demand


class DefinitionsInvalid(RuntimeError):
    """Raised at start-up: a server never serves a broken definition."""

    def __init__(self, loaded: DefinitionSet) -> None:
        self.problems = loaded.problems
        super().__init__("the definitions have problems:\n" + "\n".join(str(p) for p in loaded.problems))


class Pinned(Protocol):
    form_id: str
    form_version: int
    publication_id: int | None


@dataclass
class Catalogue:
    folder: str
    bundled: DefinitionSet  # the folder's definitions: the first publication of a new database
    sets: OrderedDict[int, DefinitionSet] = field(default_factory=OrderedDict)
    live: int | None = None
    checked: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, path: str) -> Catalogue:
        loaded = load_definitions(path)
        if loaded.problems:
            raise DefinitionsInvalid(loaded)
        return cls(str(path), loaded)

    @property
    def definitions(self) -> DefinitionSet:
        """The live definitions (the bundled folder until the registry has been read)."""
        return self.sets.get(self.live, self.bundled) if self.live is not None else self.bundled

    def refresh(self, s: Session, *, force: bool = False) -> None:
        """Follow the newest publication; on a new database, publish the bundled folder first."""
        now = time.monotonic()
        if not force and now - self.checked < POLL_SECONDS:
            return
        with self.lock:
            self.checked = now
            newest = registry.live_id(s) or registry.ensure_bundled(s, self.folder)
            if newest != self.live and self.publication(s, newest) is not None:
                self.live = newest

    def publication(self, s: Session, publication_id: int) -> DefinitionSet | None:
        found = self.sets.get(publication_id)
        if found is None:
            loaded = registry.load_publication(s, publication_id)
            if loaded.problems or not loaded.compiled:
                return None  # never serve a set with problems (publishing refuses them anyway)
            self.sets[publication_id] = found = loaded
            while len(self.sets) > KEEP_PUBLICATIONS:
                oldest = next(k for k in self.sets if k != self.live)
                del self.sets[oldest]
        self.sets.move_to_end(publication_id)
        return found

    def forms(self) -> list[CompiledForm]:
        return sorted(self.definitions.compiled.values(), key=lambda c: c.form.title)

    def current(self, form_id: str) -> CompiledForm | None:
        return self.definitions.compiled.get(form_id)

    def form_for(self, s: Session, record: Pinned) -> CompiledForm | None:
        """The exact form version a draft or submission was filled against, or None if gone."""
        chosen = self.publication(s, record.publication_id) if record.publication_id is not None else self.definitions
        compiled = chosen.compiled.get(record.form_id) if chosen is not None else None
        return compiled if compiled is not None and compiled.version == record.form_version else None

    def thresholds(self, thresholds_id: str) -> m.Thresholds | None:
        return self.definitions.thresholds.get(thresholds_id)
