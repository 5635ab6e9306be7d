"""What a dashboard shows, and how each number is counted.

Every count is a `Cell`: the number and the holding area's filter (triage.queue.QueueFilter)
that lists exactly the referrals counted, so its link is that filter's `args()` (DESIGN §9).
A count of a period is read from the counts kept in step with the referrals (kept.py), which
the tests hold equal to the filter's own count; any other is `QueueFilter.count_query`, or one
row of a GROUP BY whose WHERE is the same filter's (`QueueFilter.count_by`), the row's value then
put in the filter. A `Share` is two cells' quotient and a `Measure` (hours to a decision) a number over the referrals of its filter: neither
is a count, and each links to what it is computed from.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import quote_plus

from flask import g, url_for
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from ..triage.queue import UNRATED, QueueFilter
from .kept import Kept


@dataclass(frozen=True)
class Cell:
    count: int
    filter: QueueFilter
    id: str = ""  # an element id for the figures a person (or a browser test) looks for by name
    # The filter's query string, when it was written with its breakdown's (QueryShape): the same text.
    query: str | None = field(default=None, compare=False, repr=False)
    kind = "count"  # how a template shows it: a link to its list

    def args(self) -> dict[str, str]:
        return self.filter.args()

    @property
    def href(self) -> str:
        if self.query is None:
            return holding_area_href(self.args())
        return with_query(holding_area(), self.query)

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
    def href(self) -> str:
        return holding_area_href(self.args())

    @property
    def text(self) -> str:
        return "No decisions" if self.value is None else f"{self.value:,.1f} {self.unit}"


def value_html(value: Value, label: str, column: str) -> Markup:
    """A table's value as the page shows it (pages/dashboards/_table.html): a count or a measure a
    link to its list, said in full for a screen reader; a share or a word as it is. Written here, not
    by a template macro: a page shows a few thousand values, and a macro's call each was the most of
    drawing the page."""
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, Share):
        return escape(value.text)
    # Each piece escaped (markupsafe's escape, as the template's autoescape), then joined: Markup.format
    # is several times slower.
    said = (f" referrals: {escape(label)}, {escape(column)}" if isinstance(value, Cell)
            else f": {escape(label)}, {escape(column)} (the decided referrals it is measured over)")
    element_id = f'id="{escape(value.id)}" ' if value.id else ""
    return Markup(f'<a class="govuk-link" {element_id}href="{escape(value.href)}">{escape(value.text)}'  # noqa: S704  # nosec B704 # every piece escaped (escape) before joining
                  f'<span class="govuk-visually-hidden">{said}</span></a>')


def holding_area_href(args: dict[str, str]) -> str:
    """The holding area's address with these arguments, as url_for writes it (werkzeug's encoding
    of a query), its path looked up once a request: a page links a few thousand figures, and
    url_for for each was a third of drawing the page."""
    return with_query(holding_area(), query_of(args))


def holding_area() -> str:
    """The holding area's path, looked up once a request."""
    if "holding_area" not in g:
        g.holding_area = url_for("triage.holding_area")
    return str(g.holding_area)


def query_of(args: dict[str, str]) -> str:
    return "&".join(f"{_quoted(k)}={_quoted(v)}" for k, v in args.items() if v is not None)


def with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


URL_SAFE = "!$'()*,/:;?@"  # werkzeug.urls: what a query leaves unescaped
PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")  # what quote_plus never escapes: most arguments, written as they are


def _quoted(text: str) -> str:
    """urlencode's quoting of one key or value (quote_plus with werkzeug's safe characters)."""
    return text if PLAIN.fullmatch(text) else quote_plus(text, safe=URL_SAFE)


class QueryShape:
    """The query string of a filter narrowed by some of its fields, written once with a gap for
    each field's value: a breakdown links a few hundred values (an agency each) of one filter, and
    writing each link's arguments afresh (QueueFilter.args, then quoting each) was most of its cost.
    `of(values)` is then `query_of(narrowed(chosen, {field: value}).args())`, the tests hold, for
    any non-empty string values of the fields QueueFilter.args writes as they are (AS_WRITTEN);
    for any other field or value `of` returns None (the caller then writes it the long way)."""

    GAP = "\x00gap{}\x00"  # a value no filter holds: written into the string unquoted, then split at
    # The fields QueueFilter.args writes as their value whatever it is (not `search`, left out when
    # empty, nor `sort` and `page`, left out at their defaults, nor the days): the tests hold each.
    AS_WRITTEN = frozenset({"status", "rag", "category", "agency", "owner", "due", "outcome", "source",
                            "level_referrer", "level_suggested", "level_applied", "decided", "asked",
                            "re_referral", "conversion", "escalation", "indicator"})

    def __init__(self, chosen: QueueFilter, names: tuple[str, ...]) -> None:
        self.pieces: tuple[str, ...] | None = None  # the query's text between the gaps
        self.slots: tuple[int, ...] = ()
        if not self.AS_WRITTEN.issuperset(names):
            return
        gaps = tuple(self.GAP.format(i) for i in range(len(names)))
        args = narrowed(chosen, dict(zip(names, gaps, strict=True))).args()
        written = "&".join(f"{_quoted(k)}={v if v in gaps else _quoted(v)}" for k, v in args.items())
        pieces = re.split("\x00gap(\\d+)\x00", written)
        self.slots = tuple(int(gap) for gap in pieces[1::2])  # which field's value each gap takes
        if sorted(self.slots) == list(range(len(names))):  # each field written once, as it is
            self.pieces = tuple(pieces[0::2])

    def of(self, values: tuple[str, ...]) -> str | None:
        if self.pieces is None or not all(values):
            return None
        if len(values) == 1:
            return self.pieces[0] + _quoted(values[0]) + self.pieces[1]
        return self.pieces[0] + "".join(_quoted(values[slot]) + piece
                                        for slot, piece in zip(self.slots, self.pieces[1:], strict=True))


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
    """Counts filters in one session (the reporting engine's) at one moment: from the counts kept
    in step (dashboards/kept.py) where they hold the filter, else with the filter's own query."""

    def __init__(self, session: Session, now: datetime.datetime) -> None:
        self.session = session
        self.now = now
        self.kept = Kept(session)

    def count(self, chosen: QueueFilter, id: str = "") -> Cell:  # noqa: A002
        kept = self.kept.count(chosen)
        if kept is not None:
            return Cell(kept, chosen, id)
        return Cell(self.session.scalar(chosen.count_query(self.now)) or 0, chosen, id)

    def by(self, chosen: QueueFilter, column: Any, field: str) -> dict[str, Cell]:
        """One cell for each value of `column` among the referrals `chosen` lists (NULL is "none"),
        each with `field` of the filter set to that value."""
        kept = self.kept.by(chosen, (field,))
        if kept is not None:
            shape = QueryShape(chosen, (field,))
            return {key: Cell(n, narrowed(chosen, {field: key}), query=shape.of((key,))) for (key,), n in kept.items()}
        found: dict[str, Cell] = {}
        for value, n in self.session.execute(chosen.count_by(self.now, column)):
            key = UNRATED if value is None else str(value)
            found[key] = Cell(int(n), narrowed(chosen, {field: key}))
        return found

    def pairs(self, chosen: QueueFilter, columns: tuple[Any, Any], fields: tuple[str, str]) -> dict[tuple[str, str], Cell]:
        """As `by`, for each pair of values of two columns (an agreement matrix's cells)."""
        kept = self.kept.by(chosen, fields)
        if kept is not None:
            shape = QueryShape(chosen, fields)
            return {(first, second): Cell(n, narrowed(chosen, dict(zip(fields, (first, second), strict=True))),
                                          query=shape.of((first, second)))
                    for (first, second), n in kept.items()}
        found: dict[tuple[str, str], Cell] = {}
        for first, second, n in self.session.execute(chosen.count_by(self.now, *columns)):
            key = (UNRATED if first is None else str(first), UNRATED if second is None else str(second))
            found[key] = Cell(int(n), narrowed(chosen, dict(zip(fields, key, strict=True))))
        return found

    def each(self, chosen: QueueFilter, field: str, values: tuple[str, ...]) -> dict[str, Cell]:
        """One cell for each of `values` of `field` (a breakdown no column's GROUP BY gives: a
        referral's several indicators are in one column), the filter set to each; from the counts
        kept in step in one reading where they hold it, else each value counted with its query."""
        kept = self.kept.by(chosen, (field,))
        if kept is None:
            return {value: self.count(narrowed(chosen, {field: value})) for value in values}
        shape = QueryShape(chosen, (field,))
        return {value: Cell(kept.get((value,), 0), narrowed(chosen, {field: value}), query=shape.of((value,)))
                for value in values}

    def scalars(self, statement: Any) -> list[Any]:
        return list(self.session.execute(statement))


def cell_or_zero(found: dict[str, Cell], key: str, chosen: QueueFilter, field: str) -> Cell:
    """The cell of `key`, or a count of nothing with the filter that would list it."""
    return found.get(key) or Cell(0, narrowed(chosen, {field: key}))


def narrowed(chosen: QueueFilter, changes: dict[str, Any]) -> QueueFilter:
    """The filter with some of its fields set (by name: a breakdown's column's).

    A copy with the fields set, not dataclasses.replace: a page narrows a filter a few thousand
    times (each agency, each period), and replace (which runs __init__ again) was a fifth of its time;
    copy.copy (the pickling protocol) was still most of it. A QueueFilter is its __dict__ (no slots,
    no __post_init__): a new one with a copy of that dict is the same filter."""
    for name in changes:
        if name not in QUEUE_FIELDS:
            raise TypeError(f"QueueFilter has no field {name!r}")
    found = object.__new__(QueueFilter)
    found.__dict__.update(chosen.__dict__, **changes)  # a frozen dataclass's own copy, before anyone sees it
    return found


QUEUE_FIELDS = frozenset(f.name for f in fields(QueueFilter))
