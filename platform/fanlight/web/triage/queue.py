"""The holding area's filter model: which referrals, in which order, one page at a time.

    choices = queue.choices_for(user)               # what the filters offer (categories, agencies, staff)
    f = QueueFilter.from_args(request.args, user.id, choices)   # unknown values are ignored, never a 500
    page = f.page_of(now)                           # the rows of this page, the total and the pages

A filter is a frozen value parsed once at the edge (`from_args`) and turned into a SQLAlchemy
select (`query`), so the dashboards can count with exactly the query the holding area lists
(DESIGN §9: every figure is a count with the query behind it). `args()` gives it back as the
query string, so a reload, a sort and every pagination link keep it.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Select, and_, func, literal, literal_column, select

from fanlight.engine.calendar.days import long_date

from .. import db, extensions
from ..access.permissions import ROLES, allowed
from ..models import Rag, ReferralStatus, Submission, User
from . import deadlines
from .summary import field_of

PAGE_SIZE = 25
# The most referrals a page counts: past this the holding area says "more than 1,000" and pages
# only through the first 1,000, 40 pages (narrow it with a filter or a search). Counting every
# match of a million referrals would take far longer than listing a page of them (the benchmark,
# docs/benchmarks.md: counting 10,000 of a category took 35-65 ms, a page 1-10 ms).
COUNT_LIMIT = 1_000
MAX_SEARCH = 100
FORM = "cause-for-concern"  # the form whose categories the filter offers
DECISION_FORM = "front-door-decision"  # whose outcomes it offers
AGENCY_TYPES = "agency-types"  # whose CIN referral-source codes it offers
CATEGORIES_FIELD = "categories"
SORTS = ("received", "due", "rag")
OWNERS = ("mine", "unassigned")
DUE = ("today", "overdue")
UNRATED = "none"
REFERENCE = re.compile(r"^FL-[0-9A-Z-]{0,9}$")


LEVELS = ("1", "2", "3", "4")
DECIDED = ("yes", "no", "in_time", "late")  # decided at all, not yet, within its due time, after it
YES_NO = ("yes", "no")
MAX_PERIOD_DAYS = 366 * 5
OPEN = "open"  # status=open: any state in which a decision is still owed (ReferralStatus.open())
# Where the decisions went, as the dashboards' conversion counts them: each a set of outcomes.
CONVERSIONS: dict[str, tuple[str, ...]] = {
    "social_care": ("cin_s17", "strategy_s47"), "early_help": ("early_help",),
    "advice": ("information_advice", "signpost_universal"), "nfa": ("nfa",), "transferred": ("transferred",)}
# The level the referrer chose against the level the front door applied (both known).
ESCALATIONS = ("compared", "agreed", "over", "under")


@dataclass(frozen=True)
class Choices:
    """What each filter may be: (value, label) pairs; anything else posted is ignored."""

    categories: tuple[tuple[str, str], ...] = ()
    agencies: tuple[tuple[str, str], ...] = ()
    staff: tuple[tuple[str, str], ...] = ()  # (user id, name) of everyone at the front door
    outcomes: tuple[tuple[str, str], ...] = ()  # the decision form's outcomes
    sources: tuple[tuple[str, str], ...] = ()  # CIN referral-source codes, by agency type
    indicators: tuple[tuple[str, str], ...] = ()  # the live form's threshold indicators (id, text), in order


def choices_for() -> Choices:
    """The categories and threshold indicators of the live form, the agencies that have sent
    referrals, and the front door's staff."""
    compiled = extensions.catalogue().current(FORM)
    found = field_of(compiled.form, CATEGORIES_FIELD) if compiled is not None else None
    categories = tuple((o.value, o.label) for o in found.options) if found is not None else ()
    thresholds = compiled.thresholds if compiled is not None else None
    indicators = tuple((i.id, i.text) for i in thresholds.indicators) if thresholds is not None else ()
    s = db.session()
    found_agencies = {(str(a_id), str(name or a_id)) for a_id, name in s.execute(_agencies())}
    agencies = tuple(sorted(found_agencies, key=lambda pair: pair[1].lower()))
    front_door = [role for role in ROLES if allowed(role, "triage")]  # not every referrer in every agency
    staff = tuple((str(user_id), name) for user_id, name in s.execute(
        select(User.id, User.name).where(User.active.is_(True), User.role.in_(front_door)).order_by(User.name)))
    return Choices(categories, agencies, staff, _outcomes(), _sources(), indicators)


def _outcomes() -> tuple[tuple[str, str], ...]:
    decision = extensions.catalogue().current(DECISION_FORM)
    found = field_of(decision.form, "outcome") if decision is not None else None
    return tuple((o.value, o.label) for o in found.options) if found is not None else ()


def _sources() -> tuple[tuple[str, str], ...]:
    """Each CIN referral-source code the agency types use, with the types' names ("2A", "School")."""
    types = extensions.catalogue().definitions.option_lists.get(AGENCY_TYPES)
    named: dict[str, list[str]] = {}
    for option in types.options if types is not None else ():
        if option.code:
            named.setdefault(str(option.code), []).append(option.label)
    return tuple((code, f"{code}: {', '.join(labels)}") for code, labels in sorted(named.items()))


def _agencies() -> Select[Any]:
    """Each agency that has sent a referral, once, with its name on its latest referral.

    A walk up the (agency_id, received_at) index, one step per agency (a "loose index scan"):
    a DISTINCT would read every referral, a million of them at the benchmark's size.
    """
    walk = select(func.min(Submission.agency_id).label("agency_id")).cte("agencies", recursive=True)
    step = select(func.min(Submission.agency_id)).where(Submission.agency_id > walk.c.agency_id).scalar_subquery()
    walk = walk.union_all(select(step).where(walk.c.agency_id.is_not(None)))
    name = (select(Submission.agency).where(Submission.agency_id == walk.c.agency_id)
            .order_by(Submission.received_at.desc()).limit(1).scalar_subquery())
    return select(walk.c.agency_id, name).where(walk.c.agency_id.is_not(None))


def _one_of(value: str | None, allowed_values: tuple[str, ...] | list[str]) -> str | None:
    return value if value in allowed_values else None


def _page(value: str | None) -> int:
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 6 and int(text) > 0 else 1


@dataclass(frozen=True)
class QueueFilter:
    """Which referrals the holding area lists, in what order, and which page of them."""

    user_id: int | None = None  # whose "mine" it is
    status: str | None = None
    rag: str | None = None  # red, amber, green, or "none" (not rated yet)
    category: str | None = None
    agency: str | None = None
    owner: str | None = None  # "mine", "unassigned", or a front-door user's id
    due: str | None = None  # "today" or "overdue"
    search: str = ""
    # The dashboards' filters (issue 10): every figure is a count of this filter, and lands here.
    received_from: datetime.date | None = None  # received on or after this day (the front door's)
    received_to: datetime.date | None = None  # ... and on or before this one
    outcome: str | None = None
    source: str | None = None  # CIN referral-source code
    level_referrer: str | None = None  # "1"-"4", or "none"
    level_suggested: str | None = None
    level_applied: str | None = None
    decided: str | None = None  # DECIDED
    asked: str | None = None  # the front door asked for more information: "yes" or "no"
    re_referral: str | None = None  # "yes" or "no"
    conversion: str | None = None  # CONVERSIONS: the outcome is one of a group's
    escalation: str | None = None  # ESCALATIONS: referrer's level against the applied one
    indicator: str | None = None  # a threshold indicator's id: its answers matched it
    sort: str = "received"
    page: int = 1
    choices: Choices = field(default_factory=Choices, compare=False, repr=False)

    @classmethod
    def from_args(cls, args: Mapping[str, str], user_id: int | None, choices: Choices) -> QueueFilter:
        """Parse a query string; a value that is not one of the choices is ignored (never a 500)."""
        def arg(name: str) -> str | None:
            value = args.get(name)
            return value.strip() if isinstance(value, str) and value.strip() else None

        return cls(
            user_id=user_id,
            status=_one_of(arg("status"), [*(s.value for s in ReferralStatus), OPEN]),
            rag=_one_of(arg("rag"), [*(r.value for r in Rag), UNRATED]),
            category=_one_of(arg("category"), [v for v, _ in choices.categories]),
            agency=_one_of(arg("agency"), [*(v for v, _ in choices.agencies), UNRATED]),
            owner=_one_of(arg("owner"), [*OWNERS, *(v for v, _ in choices.staff)]),
            due=_one_of(arg("due"), DUE),
            search=" ".join((arg("q") or "").split())[:MAX_SEARCH],
            sort=_one_of(arg("sort"), SORTS) or "received",
            page=_page(arg("page")),
            choices=choices,
            **_reporting(arg, choices),
        )

    def args(self, **changes: Any) -> dict[str, str]:
        """This filter as a query string's arguments (defaults left out), with `changes` applied."""
        f = replace(self, **changes) if changes else self
        pairs = {"status": f.status, "rag": f.rag, "category": f.category, "agency": f.agency, "owner": f.owner,
                 "due": f.due, "q": f.search or None, **f.reporting_args(),
                 "sort": None if f.sort == "received" else f.sort, "page": None if f.page == 1 else str(f.page)}
        return {k: v for k, v in pairs.items() if v is not None}

    def reporting_filters(self) -> list[tuple[str, dict[str, str]]]:
        """The dashboards' filters in force, each in words with this filter's arguments without it
        (the holding area shows them, each one removable)."""
        said: list[tuple[str, dict[str, str]]] = []
        if self.received_from or self.received_to:
            said.append((_period_words(self.received_from, self.received_to),
                         self.args(received_from=None, received_to=None, page=1)))
        labelled = (("outcome", "Outcome", dict(self.choices.outcomes)),
                    ("source", "Source of referral", dict(self.choices.sources)),
                    ("level_referrer", "Level the referrer chose", LEVEL_WORDS),
                    ("level_suggested", "Level Fanlight suggested", LEVEL_WORDS),
                    ("level_applied", "Level applied", LEVEL_WORDS),
                    ("decided", "Decision", DECIDED_WORDS),
                    ("asked", "Asked the referrer for more information", YES_NO_WORDS),
                    ("re_referral", "Re-referral within 12 months", YES_NO_WORDS),
                    ("conversion", "Went to", CONVERSION_WORDS),
                    ("escalation", "Referrer's level against the level applied", ESCALATION_WORDS),
                    ("indicator", "Threshold indicator matched", dict(self.choices.indicators)))
        for name, title, words in labelled:
            value = getattr(self, name)
            if value:
                said.append((f"{title}: {words.get(value, value)}", self.args(**{name: None, "page": 1})))
        return said

    def reporting_args(self) -> dict[str, str | None]:
        """The dashboards' filters as query-string arguments (None: not filtered)."""
        return {"from": self.received_from.isoformat() if self.received_from else None,
                "to": self.received_to.isoformat() if self.received_to else None,
                "outcome": self.outcome, "source": self.source, "referrer_level": self.level_referrer,
                "suggested_level": self.level_suggested, "applied_level": self.level_applied,
                "decided": self.decided, "asked": self.asked, "re_referral": self.re_referral,
                "conversion": self.conversion, "escalation": self.escalation, "indicator": self.indicator}

    @property
    def filtered(self) -> bool:
        return any(self.args(sort="received", page=1).values())

    def where(self, now: datetime.datetime) -> list[Any]:
        """The conditions, in SQL."""
        conditions: list[Any] = []
        if self.status == OPEN:
            conditions.append(Submission.status.in_(ReferralStatus.open()))
        elif self.status:
            conditions.append(Submission.status == self.status)
        if self.rag:
            conditions.append(Submission.rag.is_(None) if self.rag == UNRATED else Submission.rag == self.rag)
        if self.category:
            conditions.append(_has_category(self.category))
        if self.agency:
            conditions.append(Submission.agency_id.is_(None) if self.agency == UNRATED
                              else Submission.agency_id == self.agency)
        if self.owner == "mine":
            conditions.append(Submission.assignee_id == self.user_id)
        elif self.owner == "unassigned":
            conditions.append(Submission.assignee_id.is_(None))
        elif self.owner:
            conditions.append(Submission.assignee_id == int(self.owner))
        if self.due:
            conditions.append(Submission.status.in_(ReferralStatus.open()))
            if self.due == "overdue":
                conditions.append(Submission.due_at < now)
            else:
                start, end = _local_day(now)
                conditions.append(and_(Submission.due_at >= start, Submission.due_at < end))
        if self.search:
            conditions.append(_search(self.search))
        return conditions + self._reporting_where()

    def _reporting_where(self) -> list[Any]:
        conditions: list[Any] = []
        if self.received_from:
            conditions.append(Submission.received_at >= deadlines.start_of_day(self.received_from))
        if self.received_to:
            conditions.append(
                Submission.received_at < deadlines.start_of_day(self.received_to + datetime.timedelta(days=1)))
        if self.outcome:
            conditions.append(Submission.outcome == self.outcome)
        if self.source:
            conditions.append(Submission.cin_referral_source.is_(None) if self.source == UNRATED
                              else Submission.cin_referral_source == self.source)
        for column, level in ((Submission.level_referrer, self.level_referrer),
                              (Submission.level_suggested, self.level_suggested),
                              (Submission.level_applied, self.level_applied)):
            if level:
                conditions.append(column.is_(None) if level == UNRATED else column == int(level))
        if self.decided:
            conditions.append(_decided(self.decided))
        if self.asked:
            conditions.append(Submission.information_requested.is_(self.asked == "yes"))
        if self.re_referral:
            conditions.append(Submission.re_referral.is_(self.re_referral == "yes"))
        if self.conversion:
            conditions.append(Submission.outcome.in_(CONVERSIONS[self.conversion]))
        return conditions + self._calibration_where()

    def _calibration_where(self) -> list[Any]:
        """The referrer's level against the one applied, and a threshold indicator matched."""
        conditions: list[Any] = []
        if self.escalation:
            conditions.append(_escalation(self.escalation))
        if self.indicator:
            conditions.append(_has_indicator(self.indicator))
        return conditions

    def query(self, now: datetime.datetime) -> Select[Submission]:
        """Every referral this filter lists, in its order (no paging)."""
        # Filtered to one rating, "reds first" is newest first: said so, PostgreSQL reads the newest
        # of that rating, instead of passing every higher-rated referral on the RAG-rank index.
        sort = "received" if self.sort == "rag" and self.rag else self.sort
        return select(Submission).where(*self.where(now)).order_by(*_order(sort))

    def count_query(self, now: datetime.datetime) -> Select[int]:
        """How many referrals this filter lists: exactly (the dashboards' count)."""
        return select(func.count()).select_from(Submission).where(*self.where(now))

    def count_by(self, now: datetime.datetime, *columns: Any) -> Select[Any]:
        """How many referrals this filter lists, for each value of `columns`: one GROUP BY with the
        same WHERE (the dashboards' breakdowns; each row is the count of this filter narrowed to it)."""
        return select(*columns, func.count()).select_from(Submission).where(*self.where(now)).group_by(*columns)

    def limited_count_query(self, now: datetime.datetime, most: int = COUNT_LIMIT) -> Select[int]:
        """How many, counting no further than `most` + 1 (so "more than `most`" is known)."""
        found = select(literal(1).label("one")).select_from(Submission).where(*self.where(now)).limit(most + 1)
        return select(func.count()).select_from(found.subquery())

    def page_of(self, now: datetime.datetime) -> Page:
        s = db.session()
        counted: int = s.scalar(self.limited_count_query(now)) or 0
        total, more = min(counted, COUNT_LIMIT), counted > COUNT_LIMIT
        pages = max(1, math.ceil(total / PAGE_SIZE))
        number = min(self.page, pages)
        rows = list(s.scalars(self.query(now).limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)))
        return Page(rows, total, number, pages, more)


@dataclass(frozen=True)
class Page:
    rows: list[Submission]
    total: int  # at most COUNT_LIMIT: the referrals the pages reach
    number: int
    pages: int
    more: bool = False  # more than COUNT_LIMIT match: only the first COUNT_LIMIT are paged

    @property
    def first(self) -> int:
        return 0 if self.total == 0 else (self.number - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return min(self.total, self.number * PAGE_SIZE)

    def numbers(self) -> list[int | None]:
        """The page numbers to link (None: an ellipsis), GOV.UK pagination style."""
        wanted = {1, self.pages, self.number - 1, self.number, self.number + 1}
        shown = sorted(n for n in wanted if 1 <= n <= self.pages)
        out: list[int | None] = []
        for n in shown:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def _reporting(arg: Any, choices: Choices) -> dict[str, Any]:
    """The dashboards' filters from a query string (anything not one of the choices is ignored)."""
    received_from, received_to = _day(arg("from")), _day(arg("to"))
    if received_from and received_to and not 0 <= (received_to - received_from).days <= MAX_PERIOD_DAYS:
        received_from = received_to = None  # backwards, or longer than any dashboard asks: not a period
    levels = [*LEVELS, UNRATED]
    return {"received_from": received_from, "received_to": received_to,
            "outcome": _one_of(arg("outcome"), [v for v, _ in choices.outcomes]),
            "source": _one_of(arg("source"), [*(v for v, _ in choices.sources), UNRATED]),
            "level_referrer": _one_of(arg("referrer_level"), levels),
            "level_suggested": _one_of(arg("suggested_level"), levels),
            "level_applied": _one_of(arg("applied_level"), levels),
            "decided": _one_of(arg("decided"), DECIDED), "asked": _one_of(arg("asked"), YES_NO),
            "re_referral": _one_of(arg("re_referral"), YES_NO),
            "conversion": _one_of(arg("conversion"), tuple(CONVERSIONS)),
            "escalation": _one_of(arg("escalation"), ESCALATIONS),
            "indicator": _one_of(arg("indicator"), [v for v, _ in choices.indicators])}


LEVEL_WORDS = {"1": "1 (universal)", "2": "2 (additional needs)", "3": "3 (complex needs)",
               "4": "4 (acute or specialist)", UNRATED: "none"}
DECIDED_WORDS = {"yes": "decided", "no": "not decided yet", "in_time": "decided by its due time",
                 "late": "decided after its due time"}
YES_NO_WORDS = {"yes": "yes", "no": "no"}
CONVERSION_WORDS = {"social_care": "children's social care (section 17 or 47)", "early_help": "early help",
                    "advice": "information, advice or signposting", "nfa": "no further action",
                    "transferred": "another local authority or agency"}
ESCALATION_WORDS = {"compared": "both known", "agreed": "the same", "over": "higher (over-escalated)",
                    "under": "lower (under-escalated)"}


def _period_words(start: datetime.date | None, end: datetime.date | None) -> str:
    if start and end:
        return f"Received {long_date(start)} to {long_date(end)}"
    return f"Received from {long_date(start)}" if start else f"Received up to {long_date(end)}" if end else ""


def _day(value: str | None) -> datetime.date | None:
    try:
        day = datetime.date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None
    return day if day is not None and 2000 <= day.year <= 2100 else None


def _decided(how: str) -> Any:
    if how == "no":
        return Submission.decided_at.is_(None)
    if how == "yes":
        return Submission.decided_at.is_not(None)
    on_time = Submission.decided_at <= Submission.due_at
    return and_(Submission.decided_at.is_not(None), Submission.due_at.is_not(None),
                on_time if how == "in_time" else ~on_time)


def _escalation(how: str) -> Any:
    """The level the referrer chose against the one applied: both known, and the same, higher or lower."""
    known = and_(Submission.level_referrer.is_not(None), Submission.level_applied.is_not(None))
    compare = {"compared": None, "agreed": Submission.level_referrer == Submission.level_applied,
               "over": Submission.level_referrer > Submission.level_applied,
               "under": Submission.level_referrer < Submission.level_applied}[how]
    return known if compare is None else and_(known, compare)


def _has_category(category: str) -> Any:
    """The referral's categories of concern include this one: its `concern_categories`
    (" neglect other ", kept in step with its answers), with a trigram index on PostgreSQL."""
    return Submission.concern_categories.like(f"% {_escape(category)} %", escape="\\")


def _has_indicator(indicator: str) -> Any:
    """The referral's answers matched this threshold indicator when it was sent: its
    `threshold_indicators` (" cd3-missing-episode ", set with its evaluation), with a trigram
    index on PostgreSQL."""
    return Submission.threshold_indicators.like(f"% {_escape(indicator)} %", escape="\\")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search(text: str) -> Any:
    """A reference (exact, or its beginning), or a child's name: every word, any case, in the
    names of the referral's children (any of them), anywhere in a name ("ell" finds Ella).

    The names are the submission's `child_names` (case folded, kept in step with its answers),
    searched with LIKE: on PostgreSQL its trigram index (migration 0010) finds the rows for
    words of three letters or more.
    """
    upper = text.upper()
    if REFERENCE.match(upper):
        return Submission.reference.like(f"{_escape(upper)}%", escape="\\")
    return and_(*(Submission.child_names.like(f"%{_escape(word.casefold())}%", escape="\\")
                  for word in text.split()))


def _order(sort: str) -> list[Any]:
    """Each order, as its index reads it (migration 0010): newest first is (received_at, id)
    read backwards; due soonest (due_at, id) forwards, no due time last; reds first the RAG rank
    index read backwards (red 3, amber 2, green 1, not rated 0), newest first within each."""
    if sort == "due":
        return [Submission.due_at.asc().nulls_last(), Submission.id.asc()]
    if sort == "rag":
        return [literal_column(Submission.RAG_RANK).desc(), Submission.received_at.desc(), Submission.id.desc()]
    return [Submission.received_at.desc(), Submission.id.desc()]


def _local_day(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """Today at the front door (its calendar's time zone), as UTC bounds (23 or 25 hours apart on
    the days the clocks change)."""
    today = deadlines.local(now).date()
    return deadlines.start_of_day(today), deadlines.start_of_day(today + datetime.timedelta(days=1))
