"""What a dashboard shows, and how each number is counted.

Every count is a `Cell`: the number and the holding area's filter (triage.queue.QueueFilter)
that lists exactly the referrals counted, so its link is that filter's `args()` (DESIGN §9).
A count is `QueueFilter.count_query`, or one row of a GROUP BY whose WHERE is the same filter's
(`QueueFilter.count_by`), the row's value then put in the filter. A `Share` is two cells'
quotient and a `Measure` (hours to a decision) a number over the referrals of its filter: neither
is a count, and each links to what it is computed from.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from ..triage.queue import UNRATED, QueueFilter


@dataclass(frozen=True)
class Cell:
    count: int
    filter: QueueFilter
    id: str = ""  # an element id for the figures a person (or a browser test) looks for by name
    kind = "count"  # how a template shows it: a link to its list

    def args(self) -> dict[str, str]:
        return self.filter.args()

    @property
    def text(self) -> str:
        return f"{self.count:,}"


@dataclass(frozen=True)
class Share:
    """One count as a share of another (both shown, both linked, in the same table)."""

    part: Cell
    whole: Cell
    kind = "share"

    @property
    def value(self) -> float | None:
        return self.part.count / self.whole.count if self.whole.count else None

    @property
    def text(self) -> str:
        return "No referrals" if self.value is None else f"{self.value:.0%}"


@dataclass(frozen=True)
class Measure:
    """A number that is not a count (hours to a decision), over the referrals its filter lists."""

    value: float | None
    filter: QueueFilter
    unit: str
    id: str = ""
    kind = "measure"

    def args(self) -> dict[str, str]:
        return self.filter.args()

    @property
    def text(self) -> str:
        return "No decisions" if self.value is None else f"{self.value:,.1f} {self.unit}"


Value = Cell | Share | Measure | str


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Table:
    key: str  # its name in the export's address: /dashboards/export/<key>.csv
    caption: str
    columns: tuple[str, ...]  # the row headers' column first
    rows: tuple[Row, ...]
    note: str = ""

    def cells(self) -> Iterator[Cell]:
        for row in self.rows:
            for value in row.values:
                if isinstance(value, Cell):
                    yield value

    def series(self, column: int) -> list[int]:
        """The counts of one column (1: the first after the row headers), for a chart."""
        values = [row.values[column - 1] for row in self.rows]
        return [v.count if isinstance(v, Cell) else 0 for v in values]


class Counter:
    """Counts filters in one session (the reporting engine's) at one moment."""

    def __init__(self, session: Session, now: datetime.datetime) -> None:
        self.session = session
        self.now = now

    def count(self, chosen: QueueFilter, id: str = "") -> Cell:  # noqa: A002
        return Cell(self.session.scalar(chosen.count_query(self.now)) or 0, chosen, id)

    def by(self, chosen: QueueFilter, column: Any, field: str) -> dict[str, Cell]:
        """One cell for each value of `column` among the referrals `chosen` lists (NULL is "none"),
        each with `field` of the filter set to that value."""
        found: dict[str, Cell] = {}
        for value, n in self.session.execute(chosen.count_by(self.now, column)):
            key = UNRATED if value is None else str(value)
            found[key] = Cell(int(n), narrowed(chosen, {field: key}))
        return found

    def pairs(self, chosen: QueueFilter, columns: tuple[Any, Any], fields: tuple[str, str]) -> dict[tuple[str, str], Cell]:
        """As `by`, for each pair of values of two columns (an agreement matrix's cells)."""
        found: dict[tuple[str, str], Cell] = {}
        for first, second, n in self.session.execute(chosen.count_by(self.now, *columns)):
            key = (UNRATED if first is None else str(first), UNRATED if second is None else str(second))
            found[key] = Cell(int(n), narrowed(chosen, dict(zip(fields, key, strict=True))))
        return found

    def scalars(self, statement: Any) -> list[Any]:
        return list(self.session.execute(statement))


def cell_or_zero(found: dict[str, Cell], key: str, chosen: QueueFilter, field: str) -> Cell:
    """The cell of `key`, or a count of nothing with the filter that would list it."""
    return found.get(key) or Cell(0, narrowed(chosen, {field: key}))


def narrowed(chosen: QueueFilter, changes: dict[str, Any]) -> QueueFilter:
    """The filter with some of its fields set (by name: a breakdown's column's)."""
    return replace(chosen, **changes)
