"""Results computed from compiled definition sets, kept while those sets live."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from fanlight.engine import DefinitionSet

T = TypeVar("T")


class SetCache(Generic[T]):
    """The result of a pure function of some compiled sets (and perhaps a few plain values), by those sets.

    catalogue.compiled_set returns one object for the same files, so a set's identity stands for
    its files' content, and a result is computed once per content rather than once per page. An
    entry holds its sets weakly: it keeps no set alive, and a new set given a dead one's id is
    not mistaken for it. The newest `size` results are kept.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[Hashable, ...], tuple[list[weakref.ref[DefinitionSet]], T]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, sets: tuple[DefinitionSet, ...], compute: Callable[[], T], *also: Hashable) -> T:
        key = (*map(id, sets), *also)
        with self.lock:
            found = self.entries.get(key)
            if found is not None and all(ref() is s for ref, s in zip(found[0], sets, strict=True)):
                self.entries.move_to_end(key)
                return found[1]
        result = compute()  # outside the lock: two requests may compute one result, never wait on each other
        with self.lock:
            self.entries[key] = ([weakref.ref(s) for s in sets], result)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return result
