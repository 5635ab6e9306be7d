"""The forms this server offers: compiled definitions by publication, the newest live.

Every worker process asks the database for the newest publication at most every quarter
second (one indexed query), and compiles a new one when it appears (reusing every file it
has parsed before) in a background thread, so no referral waits behind it; a change published
on any server is served by every worker within a second, with no restart (bench/publish.py
measures it). Older publications stay available
for the drafts and submissions pinned to them.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from fanlight.engine import CompiledForm, DefinitionSet, load_definitions
from fanlight.engine.definitions import model as m

from . import registry

log = logging.getLogger(__name__)
POLL_SECONDS = 0.25
KEEP_PUBLICATIONS = 16  # compiled sets kept in memory; older ones are compiled again on demand

# Compiled sets by their content, shared by every catalogue in the process: a publication
# with the same files as one already compiled (a rollback, the bundled set of a new
# database) is not compiled again. Definition sets are immutable once loaded.
_COMPILED: OrderedDict[str, DefinitionSet] = OrderedDict()
_COMPILED_LOCK = threading.Lock()


def compiled_set(texts: dict[str, str], base: tuple[dict[str, str], DefinitionSet] | None = None) -> DefinitionSet:
    """The compiled set of these files: from the process's cache, or compiled from `base` (the
    files and set live before) where only forms, rulesets, thresholds or option lists changed,
    or compiled whole."""
    key = hashlib.sha256("\0".join(f"{path}\0{registry.content_hash(text)}"
                                    for path, text in sorted(texts.items())).encode()).hexdigest()
    with _COMPILED_LOCK:
        found = _COMPILED.get(key)
        if found is not None:
            _COMPILED.move_to_end(key)
            return found
    loaded = (incremental(base[0], base[1], texts) if base is not None else None) or registry.load(texts)
    with _COMPILED_LOCK:
        _COMPILED[key] = loaded
        while len(_COMPILED) > KEEP_PUBLICATIONS:
            _COMPILED.popitem(last=False)
    return loaded


# What a new publication can change and still be compiled from the one before: only the forms
# that changed, or that use a ruleset, thresholds or option list that changed, are compiled
# again (with every ruleset, thresholds and option list, which they may read); every other form
# is taken from the set before, where the same files compiled it. A change to an agency, a
# definition test or the agency-types list (agencies read it) compiles the whole set.
SERVED_KINDS = {"form", "ruleset", "thresholds", "options"}
SHARED_KINDS = {"ruleset", "thresholds", "options"}
AGENCY_TYPES = "agency-types"


def _identity(path: str, text: str) -> tuple[str, str]:
    data = registry.parse(path, text).data
    if not isinstance(data, dict):
        return ("", "")
    return (str(data.get("kind", "")), str(data.get("id", "")))


def _uses(form: m.Form) -> set[str]:
    fields = [x for sec in form.sections for f in sec.fields for x in (f, *f.fields)]
    return {*form.rulesets, *([form.thresholds] if form.thresholds else []),
            *(f.options_ref for f in fields if f.options_ref)}


def incremental(old_texts: dict[str, str], old: DefinitionSet, texts: dict[str, str]) -> DefinitionSet | None:
    """`texts` compiled from `old` (the set of `old_texts`), or None where the whole set must be compiled.

    The publication was checked whole when it was published (the workflow refuses one with a
    problem), so only what is compiled again is checked again here.
    """
    if old.problems:
        return None
    changed = {path for path in old_texts.keys() | texts.keys() if old_texts.get(path) != texts.get(path)}
    identities = {_identity(path, t) for path in changed for t in (old_texts.get(path), texts.get(path)) if t is not None}
    if any(kind not in SERVED_KINDS for kind, _ in identities) or ("options", AGENCY_TYPES) in identities:
        return None
    shared = {ident for kind, ident in identities if kind in SHARED_KINDS}
    affected = {ident for kind, ident in identities if kind == "form"}
    affected |= {form.id for form in old.forms.values() if _uses(form) & shared}
    # A mapping is compiled against its form and the decision form: either compiled again, so is it.
    remapped = {mp.id for mp in old.mappings.values() if {mp.form, mp.decision_form} & affected}
    affected |= {f for mp in old.mappings.values() if mp.id in remapped for f in (mp.form, mp.decision_form)}
    kinds = {path: _identity(path, text) for path, text in texts.items()}
    part = registry.load({path: text for path, text in texts.items()
                          if kinds[path][0] in SHARED_KINDS or (kinds[path][0] == "form" and kinds[path][1] in affected)
                          or (kinds[path][0] == "mapping" and kinds[path][1] in remapped)})
    if part.problems:
        return None  # compiled whole, so every problem is reported as it would be
    forms = {ident for kind, ident in kinds.values() if kind == "form"}
    kept = {ident: form for ident, form in old.forms.items() if ident in forms and ident not in affected}
    return DefinitionSet(
        forms={**kept, **part.forms},
        rulesets=part.rulesets, thresholds=part.thresholds, option_lists=part.option_lists,
        test_suites=old.test_suites, agencies=old.agencies, calendars=old.calendars,
        mappings={**{k: v for k, v in old.mappings.items() if k not in remapped}, **part.mappings},
        compiled={**{ident: old.compiled[ident] for ident in kept if ident in old.compiled}, **part.compiled},
        compiled_mappings={**{k: v for k, v in old.compiled_mappings.items() if k not in remapped},
                           **part.compiled_mappings},
        files=len(texts),
    )


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
    live_texts: dict[str, str] = field(default_factory=dict, repr=False)  # the files of the live set
    broken: set[int] = field(default_factory=set)  # publications that cannot be served (never retried)
    live: int | None = None
    compiling: int | None = None  # the publication being compiled in the background, if any
    checked: float = 0.0
    # Request threads share the catalogue: one at a time compiles and rearranges `sets`.
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

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
        """Follow the newest publication; on a new database, publish the bundled folder first.

        A new publication is compiled off the request path: requests go on being served the live
        set until the new one is ready, then it is swapped in. `force` (the publishing request,
        commands, tests) compiles it now and serves it from this request on.
        """
        now = time.monotonic()
        if not force and now - self.checked < POLL_SECONDS:
            return
        self.checked = now
        newest = registry.live_id(s) or registry.ensure_bundled(s, self.folder)
        with self.lock:
            if newest == self.live or newest in self.broken or (newest == self.compiling and not force):
                return  # nothing new, found unservable before (never read again), or being compiled
            base = (self.live_texts, self.definitions) if self.live is not None and self.live_texts else None
            background = not force and self.live is not None  # the very first set is needed now
            if background:
                self.compiling = newest
        try:
            texts = registry.texts_of(s, newest)
            if background:
                threading.Thread(target=self._adopt, args=(newest, texts, base), name=f"fanlight-compile-{newest}",
                                 daemon=True).start()
                return
        except BaseException:
            self._done(newest)  # the next poll tries again (a database that was briefly busy)
            raise
        self._adopt(newest, texts, base)

    def _adopt(self, newest: int, texts: dict[str, str], base: tuple[dict[str, str], DefinitionSet] | None) -> None:
        try:
            if self.publication(None, newest, texts=texts, base=base) is not None:
                with self.lock:
                    if self.live is None or newest > self.live:
                        self.live, self.live_texts = newest, texts
        except Exception:
            # Compiling is pure: what fails once fails every time. Keep serving the live set, say so
            # once, and do not compile this publication again (a newer one is followed as usual).
            log.exception("publication %s cannot be compiled; still serving publication %s", newest, self.live)
            with self.lock:
                self.broken.add(newest)
        finally:
            self._done(newest)

    def _done(self, newest: int) -> None:
        with self.lock:
            if self.compiling == newest:
                self.compiling = None

    def publication(self, s: Session | None, publication_id: int, *, texts: dict[str, str] | None = None,
                    base: tuple[dict[str, str], DefinitionSet] | None = None) -> DefinitionSet | None:
        """A publication's compiled set (compiled on first use, without holding the lock, so other
        requests are served meanwhile), or None if it cannot be served."""
        with self.lock:
            found = self.sets.get(publication_id)
            if found is not None:
                self.sets.move_to_end(publication_id)
                return found
            if publication_id in self.broken:
                return None
        if texts is None:
            assert s is not None, "a publication not yet compiled is read from the database"
            texts = registry.texts_of(s, publication_id)
        loaded = compiled_set(texts, base)
        with self.lock:
            if loaded.problems or not loaded.compiled:
                # Never serve a set with problems (publishing refuses them; an older one may no
                # longer load with a newer engine). Remembered, so it is not compiled again.
                self.broken.add(publication_id)
                return None
            self.sets[publication_id] = loaded
            self.sets.move_to_end(publication_id)
            while len(self.sets) > KEEP_PUBLICATIONS:
                oldest = next(k for k in self.sets if k not in (self.live, publication_id))
                del self.sets[oldest]
            return loaded

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
