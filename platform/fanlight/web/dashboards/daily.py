"""The dashboards' counts kept in step with the referrals (models/reporting.py's `dashboard_counts`).

Each referral adds one to a row of each dimension below, on the front door's local day it was
received (and that day's month, quarter and council year). Whatever writes a referral's reporting columns, in whatever
transaction (its arrival, a decision, a request for more information, a re-decision, an edit),
changes its rows in that same transaction: SQLAlchemy's session events read the referral's facts
before and after each flush, and before and after each ORM UPDATE or DELETE of `submissions`
(triage/decisions.py writes the decision with one; retention deletes with one), and add the
difference. Nothing is summed
later, so a dashboard reads counts as current as the holding area's lists.

SQL written around the ORM (a bulk load, a hand repair) is not seen: `rebuild` writes every row
again from the referrals, in one transaction.

Counting never stops a referral: each change to the counts is made in a savepoint, and one that
fails (a deadlock, a bug) is undone alone, logged, and leaves a mark (`STALE`) in the counts. The
referral, its decision or its deletion is kept; while the mark is there the dashboards count each
figure from the referrals themselves (dashboards/kept.py), until `rebuild` writes every row again
and, with them, takes the mark away.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
import logging
import math
import zoneinfo
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import SimpleNamespace
from typing import Any

import yaml
from flask import has_app_context
from sqlalchemy import Connection, bindparam, delete, event, insert, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session

from fanlight.engine.definitions.model import Calendar

from ..models import DailyCount, Submission
from ..triage import deadlines
from ..triage.queue import UNRATED
from . import periods

Key = tuple[str, datetime.date, str, str, str]  # span, its first day, dimension, first, second
LocalDay = Callable[[datetime.datetime], datetime.date]
# Each referral is counted on its day, and again in its month, its quarter and its year (the
# council's, from 1 April): a period is read as the fewest rows that cover it (dashboards/kept.py).
SPANS = ("day", "month", "quarter", "year")
BUCKETS_AN_HOUR = 10  # the histogram of hours to a decision: tenths of an hour (the page shows one decimal)
FACTS = (Submission.id, Submission.received_at, Submission.agency_id, Submission.cin_referral_source,
         Submission.concern_categories, Submission.outcome, Submission.decided_at, Submission.due_at,
         Submission.level_referrer, Submission.level_suggested, Submission.level_applied,
         Submission.information_requested, Submission.re_referral, Submission.threshold_indicators)
WATCHED = frozenset(column.key for column in FACTS)
# The row that says some change was not counted: a span no period is read from (kept.py).
STALE = "stale"
log = logging.getLogger(__name__)


def local_day(moment: datetime.datetime) -> datetime.date:
    """The front door's day of a moment (its calendar's time zone: the app's; UTC outside one)."""
    if has_app_context():
        return deadlines.local(moment).date()
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)
    return aware.astimezone(datetime.UTC).date()


def in_zone(name: str) -> LocalDay:
    """The day of a moment in one named time zone (a migration's, which has no app)."""
    zone = zoneinfo.ZoneInfo(name)

    def day(moment: datetime.datetime) -> datetime.date:
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)
        return aware.astimezone(zone).date()

    return day


def _text(value: Any) -> str:
    return UNRATED if value is None else str(value)


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def decided_state(decided_at: datetime.datetime | None, due_at: datetime.datetime | None) -> str:
    """no, in_time, late, or undue (decided, nothing due): the holding area's `decided` splits."""
    if decided_at is None:
        return "no"
    if due_at is None:
        return "undue"
    return "in_time" if _utc(decided_at) <= _utc(due_at) else "late"


def escalation_of(referrer: int | None, applied: int | None) -> str | None:
    if referrer is None or applied is None:
        return None
    return "agreed" if referrer == applied else "over" if referrer > applied else "under"


def hours_bucket(received_at: datetime.datetime, decided_at: datetime.datetime) -> int:
    """The tenth of an hour the time to a decision falls in (0: under six minutes)."""
    seconds = (_utc(decided_at) - _utc(received_at)).total_seconds()
    return math.floor(seconds * BUCKETS_AN_HOUR / 3600 + 1e-9)  # a whole tenth stays itself


def dimensions(row: Any) -> Iterator[tuple[str, str, str]]:
    """(dimension, first, second) of each row a referral adds one to."""
    agency = _text(row.agency_id)
    yield "all", "", ""  # (a count by agency is the sum of `asked`'s, yes and no)
    yield "source", _text(row.cin_referral_source), ""
    for category in sorted(set((row.concern_categories or "").split())):
        yield "category", category, ""
    yield "outcome", _text(row.outcome), ""
    yield "decided", decided_state(row.decided_at, row.due_at), ""
    yield "re_referral", "yes" if row.re_referral else "no", ""
    yield "asked", agency, "yes" if row.information_requested else "no"
    escalation = escalation_of(row.level_referrer, row.level_applied)
    if escalation is not None:
        yield "escalation", agency, escalation
        # A migration before 0016 rebuilds from a table without the indicators: none to count.
        for indicator in sorted(set((getattr(row, "threshold_indicators", "") or "").split())):
            yield "indicator-escalation", indicator, escalation
    yield "referrer-applied", _text(row.level_referrer), _text(row.level_applied)
    yield "suggested-applied", _text(row.level_suggested), _text(row.level_applied)
    if row.decided_at is not None:
        yield "hours", str(hours_bucket(row.received_at, row.decided_at)), ""


@functools.lru_cache(maxsize=4096)  # a rebuild asks it of every referral: of a few hundred days
def span_start(span: str, day: datetime.date) -> datetime.date:
    """The first day of the span (a day, a month, a quarter or a year of the council's) holding `day`."""
    if span == "day":
        return day
    if span == "month":
        return day.replace(day=1)
    return periods.period_of(span, day).start


def keys_of(row: Any, day_of: LocalDay) -> Iterator[Key]:
    day = day_of(row.received_at)
    starts = [(span, span_start(span, day)) for span in SPANS]
    for dimension, first, second in dimensions(row):
        for span, start in starts:
            yield span, start, dimension, first, second


def tally(rows: Iterable[Any], day_of: LocalDay) -> Tally[Key]:
    found: Tally[Key] = Tally()
    for row in rows:
        found.update(keys_of(row, day_of))
    return found


# Kept in step -------------------------------------------------------------------------------------


def facts_of(connection: Connection, ids: Iterable[str], *, lock: bool = False) -> list[Any]:
    """The referrals' facts as the transaction sees them now. `lock`: their rows locked until it
    ends, so a "before" read before a write is still what the write changes (another transaction
    that changed them meanwhile must commit first, and is read as it left them)."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    query = select(*FACTS).where(Submission.id.in_(wanted))
    return list(connection.execute(query.with_for_update() if lock else query))


def add(connection: Connection, changes: Tally[Key]) -> None:
    """Add each change to its row (made at zero if new), in key order: two statements adding to the
    same rows take their locks in the same order. A transaction of two such statements could still
    meet another in the opposite order; none of today's writes makes two (a submit knows whether its
    referral is a re-referral before writing it), and PostgreSQL would end one with an error, undone
    alone by `count_safely`, rather than wait for ever."""
    rows = [{"span": k[0], "day": k[1], "dimension": k[2], "first": k[3], "second": k[4], "n": n}
            for k, n in sorted(changes.items()) if n]
    if rows:
        # One statement run for many rows, in order: compiled once and kept (a VALUES list of the
        # rows themselves was a new statement to compile for each count of rows: 18 ms a submit).
        connection.execute(_upsert(connection.dialect.name), rows)


@functools.cache
def _upsert(dialect: str) -> Any:
    made = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(DailyCount)
    return made.on_conflict_do_update(index_elements=["span", "day", "dimension", "first", "second"],
                                      set_={"n": DailyCount.n + made.excluded.n})


def count_safely(connection: Connection, changes: Callable[[], Tally[Key]]) -> None:
    """`add` the changes in a savepoint: if working them out or adding them fails, only that is
    undone, and the counts are marked stale instead. A child's referral must never fail to be sent,
    decided or deleted because a dashboard could not count it."""
    try:
        with connection.begin_nested():
            add(connection, changes())
    except Exception:  # noqa: BLE001 (any failure: the referral's own write goes on)
        log.exception("the dashboards' counts could not be kept in step; they are marked stale "
                      "until `fanlight dashboards rebuild-counts`")
        mark_stale(connection)


def read_safely(connection: Connection, read: Callable[[], list[Any]]) -> list[Any] | None:
    """The facts before a write, read in a savepoint (None if that failed: the write goes on, and
    its change is not counted but marked)."""
    try:
        with connection.begin_nested():
            return read()
    except Exception:  # noqa: BLE001 (as count_safely)
        log.exception("the dashboards' counts could not read a referral's facts before a change")
        return None


def mark_stale(connection: Connection) -> None:
    """The mark `rebuild` takes away: the counts miss a change, made on this day (UTC). Its own
    statement in its own savepoint: if even that fails, the referral's write still goes on."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    mark = dialect.insert(DailyCount).values(span=STALE, day=datetime.datetime.now(datetime.UTC).date(), dimension="",
                                             first="", second="", n=1).on_conflict_do_nothing()
    try:
        with connection.begin_nested():
            connection.execute(mark)
    except Exception:  # noqa: BLE001 (logged: the figures may be wrong until a rebuild)
        log.critical("the dashboards' counts are wrong and could not be marked stale: run "
                     "`fanlight dashboards rebuild-counts`", exc_info=True)


def stale_since(connection: Connection) -> datetime.date | None:
    """The first day a change was not counted (none: the counts are whole)."""
    day = connection.scalar(select(DailyCount.day).where(DailyCount.span == STALE).order_by(DailyCount.day).limit(1))
    return day


def difference(before: Sequence[Any], after: Sequence[Any]) -> Tally[Key]:
    changes = tally(after, local_day)
    changes.subtract(tally(before, local_day))
    return changes


def _watched_changes(session: Session) -> list[Submission]:
    """The stored referrals this flush changes a counted column of."""
    return [obj for obj in session.dirty if isinstance(obj, Submission)
            and any(inspect(obj).attrs[key].history.has_changes() for key in WATCHED)]


def _facts_in(objects: Sequence[Submission], connection: Connection, before: bool) -> list[Any]:
    """The referrals' facts from their objects (as loaded, `before`; or as flushed), each read from
    the database instead where the object does not hold them all (an attribute never loaded)."""
    found, unknown = [], []
    for obj in objects:
        facts = _object_facts(obj, before)
        if facts is None:
            unknown.append(obj.id)
        else:
            found.append(facts)
    return found + facts_of(connection, unknown)


def _object_facts(obj: Submission, before: bool) -> Any | None:
    state = inspect(obj)
    values = {}
    for key in WATCHED:
        if key in state.unloaded:
            return None
        history = state.attrs[key].history
        if not before:
            values[key] = state.dict.get(key)
        elif history.deleted or history.unchanged:
            values[key] = [*history.deleted, *history.unchanged][0]
        else:
            return None  # set without its value loaded first: what it was is in the database
    return SimpleNamespace(**values)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    changed = _watched_changes(session)
    deleted = [obj for obj in session.deleted if isinstance(obj, Submission)]
    new = [obj for obj in session.new if isinstance(obj, Submission)]
    if changed or deleted or new:
        connection = session.connection()
        before = read_safely(connection, lambda: _facts_in(changed, connection, before=True) + facts_of(
            connection, [obj.id for obj in deleted], lock=True)) if changed or deleted else []
        session.info.setdefault("dashboard_counts", []).append((before, changed, new))


def _after_flush(session: Session, _context: Any) -> None:
    for before, changed, new in session.info.pop("dashboard_counts", []):
        connection = session.connection()
        if before is None:
            mark_stale(connection)
        else:
            count_safely(connection, lambda: difference(before, _facts_in(changed, connection, before=False)  # noqa: B023
                                                        + _inserted_facts(new, connection)))  # noqa: B023 (called at once)


def _inserted_facts(objects: Sequence[Submission], connection: Connection) -> list[Any]:
    """The facts of referrals this flush inserted: a column never set was written as NULL (none
    that is counted has a default only the database knows), so nothing is read back."""
    found, unknown = [], []
    for obj in objects:
        state = inspect(obj)
        if any(key not in state.dict and _DATABASE_DEFAULT[key] for key in WATCHED):
            unknown.append(obj.id)
        else:
            found.append(SimpleNamespace(**{key: state.dict.get(key) for key in WATCHED}))
    return found + facts_of(connection, unknown)


_DATABASE_DEFAULT = {column.key: column.server_default is not None and column.default is None for column in FACTS}


def _after_rollback(session: Session, _previous: Any) -> None:
    """A flush that failed never reached `_after_flush`: what it noted goes with the transaction."""
    session.info.pop("dashboard_counts", None)


def _on_execute(state: ORMExecuteState) -> Any:
    """An ORM UPDATE or DELETE of referrals: their facts before and after it, the difference added."""
    if not (state.is_update or state.is_delete) or not _of_submissions(state) or not _touches_facts(state):
        return None
    connection = state.session.connection()
    ids: list[str] = []

    def read() -> list[Any]:
        ids.extend(_ids_of(state, connection))
        return facts_of(connection, ids, lock=True)

    before = read_safely(connection, read)
    result = state.invoke_statement()
    if before is None:
        mark_stale(connection)
    else:
        count_safely(connection, lambda: difference(before, facts_of(connection, ids)))
    return result


def _ids_of(state: ORMExecuteState, connection: Connection) -> list[str]:
    """The referrals an UPDATE or DELETE reaches: its WHERE's, or a bulk update's by primary key."""
    where = state.statement.whereclause  # type: ignore[attr-defined]
    if where is not None:
        return list(connection.scalars(select(Submission.id).where(where)))
    given: list[Any] = list(state.parameters) if isinstance(state.parameters, list) else [state.parameters or {}]
    if all("id" in p for p in given):
        return [str(p["id"]) for p in given]
    return list(connection.scalars(select(Submission.id)))


def _of_submissions(state: ORMExecuteState) -> bool:
    return any(mapper.class_ is Submission for mapper in state.all_mappers)


def _touches_facts(state: ORMExecuteState) -> bool:
    if state.is_delete:
        return True
    values = getattr(state.statement, "_values", None)  # the SET clause's columns (none known: assume it does)
    if not values:
        return True
    return any(getattr(column, "key", column) in WATCHED for column in values)


def keep_in_step() -> None:
    """Listen to every session (once): the counts change in each transaction that changes a referral."""
    for name, listener in (("before_flush", _before_flush), ("after_flush", _after_flush),
                           ("after_soft_rollback", _after_rollback), ("do_orm_execute", _on_execute)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


# Rebuilt --------------------------------------------------------------------------------------------


def front_door_day() -> LocalDay:
    """`local_day`, its time zone looked up once (a rebuild's million referrals need not look it up each)."""
    calendar = deadlines.calendar() if has_app_context() else None
    return in_zone(calendar.timezone if calendar is not None else "UTC")


def rebuild(connection: Connection, day_of: LocalDay | None = None, batch: int = 20_000) -> int:
    """Every row again from the referrals (in the caller's transaction); the number of rows written.
    Their days in the front door's time zone (the app's), unless `day_of` says otherwise.

    On PostgreSQL the counts are locked against writes first: a referral sent or decided while the
    referrals are read waits, and then adds to the rows written here, instead of being in neither
    the referrals read nor the rows kept. Submissions and decisions wait for the rebuild meanwhile."""
    day_of = day_of or front_door_day()
    if connection.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE dashboard_counts IN SHARE ROW EXCLUSIVE MODE"))
    found: Tally[Key] = Tally()
    for rows in connection.execute(select(*_stored_facts(connection)).execution_options(yield_per=batch)).partitions():
        found.update(tally(rows, day_of))
    connection.execute(delete(DailyCount))
    written: list[dict[str, Any]] = [{"span": k[0], "day": k[1], "dimension": k[2], "first": k[3], "second": k[4], "n": n}
                                     for k, n in found.items() if n]
    for start in range(0, len(written), batch):
        connection.execute(insert(DailyCount), written[start:start + batch])
    return len(written)


def _stored_facts(connection: Connection) -> list[Any]:
    """FACTS, but those the database has no column for yet (a migration's rebuild, before the
    one that adds it) left out."""
    stored = {column["name"] for column in inspect(connection).get_columns(Submission.__tablename__)}
    return [column for column in FACTS if column.key in stored]


DEFAULT_ZONE = next(f.default for f in dataclasses.fields(Calendar) if f.name == "timezone")


def published_zone(connection: Connection) -> str:
    """The `timezone` of the front door's calendar in the newest publication (UTC without one,
    as triage/deadlines.py reads it): the days a migration, which has no app, counts in."""
    published = connection.execute(text("SELECT version_ids FROM publications ORDER BY id DESC LIMIT 1")).scalar()
    ids = json.loads(published) if isinstance(published, str) else published or []
    if not ids:
        return "UTC"
    found = connection.execute(text("SELECT content FROM definition_versions WHERE kind = 'calendar' "
                                    "AND definition_id = 'front-door' AND id IN :ids")
                               .bindparams(bindparam("ids", expanding=True)), {"ids": [int(i) for i in ids]}).scalar()
    calendar = yaml.safe_load(found) if found else None
    if not isinstance(calendar, dict):
        return "UTC"
    return str(calendar.get("timezone") or DEFAULT_ZONE)  # a calendar that names none: the language's default
