"""What every table of a dashboard is counted over: the period and the one before, their filters,
the filters' choices, and the counter (the reporting session, at one moment)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..triage.queue import Choices, QueueFilter
from .figures import Cell, Counter
from .periods import Period


@dataclass(frozen=True)
class Scope:
    period: Period
    previous: Period
    choices: Choices
    counter: Counter

    @property
    def now(self) -> QueueFilter:
        """Every referral received in the period."""
        return QueueFilter(choices=self.choices, received_from=self.period.start, received_to=self.period.end)

    @property
    def before(self) -> QueueFilter:
        """Every referral received in the period before."""
        return QueueFilter(choices=self.choices, received_from=self.previous.start, received_to=self.previous.end)

    def both(self, id: str = "", **narrower: Any) -> tuple[Cell, Cell]:  # noqa: A002
        """The count of a filter in the period and in the one before (`id`: the first's element id)."""
        return (self.counter.count(replace(self.now, **narrower), id),
                self.counter.count(replace(self.before, **narrower), f"{id}-previous" if id else ""))

    @property
    def periods(self) -> tuple[str, str]:
        return (f"This period ({self.period.words})", f"Previous period ({self.previous.words})")
