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
CATEGORIES_FIELD = "categories"
SORTS = ("received", "due", "rag")
OWNERS = ("mine", "unassigned")
DUE = ("today", "overdue")
UNRATED = "none"
REFERENCE = re.compile(r"^FL-[0-9A-Z-]{0,9}$")


@dataclass(frozen=True)
class Choices:
    """What each filter may be: (value, label) pairs; anything else posted is ignored."""

    categories: tuple[tuple[str, str], ...] = ()
    agencies: tuple[tuple[str, str], ...] = ()
    staff: tuple[tuple[str, str], ...] = ()  # (user id, name) of everyone at the front door


def choices_for() -> Choices:
    """The categories of the live form, the agencies that have sent referrals, and the front door's staff."""
    compiled = extensions.catalogue().current(FORM)
    found = field_of(compiled.form, CATEGORIES_FIELD) if compiled is not None else None
    categories = tuple((o.value, o.label) for o in found.options) if found is not None else ()
    s = db.session()
    found_agencies = {(str(a_id), str(name or a_id)) for a_id, name in s.execute(_agencies())}
    agencies = tuple(sorted(found_agencies, key=lambda pair: pair[1].lower()))
    front_door = [role for role in ROLES if allowed(role, "triage")]  # not every referrer in every agency
    staff = tuple((str(user_id), name) for user_id, name in s.execute(
        select(User.id, User.name).where(User.active.is_(True), User.role.in_(front_door)).order_by(User.name)))
    return Choices(categories, agencies, staff)


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
            status=_one_of(arg("status"), [s.value for s in ReferralStatus]),
            rag=_one_of(arg("rag"), [*(r.value for r in Rag), UNRATED]),
            category=_one_of(arg("category"), [v for v, _ in choices.categories]),
            agency=_one_of(arg("agency"), [v for v, _ in choices.agencies]),
            owner=_one_of(arg("owner"), [*OWNERS, *(v for v, _ in choices.staff)]),
            due=_one_of(arg("due"), DUE),
            search=" ".join((arg("q") or "").split())[:MAX_SEARCH],
            sort=_one_of(arg("sort"), SORTS) or "received",
            page=_page(arg("page")),
            choices=choices,
        )

    def args(self, **changes: Any) -> dict[str, str]:
        """This filter as a query string's arguments (defaults left out), with `changes` applied."""
        f = replace(self, **changes)
        pairs = {"status": f.status, "rag": f.rag, "category": f.category, "agency": f.agency, "owner": f.owner,
                 "due": f.due, "q": f.search or None, "sort": None if f.sort == "received" else f.sort,
                 "page": None if f.page == 1 else str(f.page)}
        return {k: v for k, v in pairs.items() if v is not None}

    @property
    def filtered(self) -> bool:
        return any(self.args(sort="received", page=1).values())

    def where(self, now: datetime.datetime) -> list[Any]:
        """The conditions, in SQL."""
        conditions: list[Any] = []
        if self.status:
            conditions.append(Submission.status == self.status)
        if self.rag:
            conditions.append(Submission.rag.is_(None) if self.rag == UNRATED else Submission.rag == self.rag)
        if self.category:
            conditions.append(_has_category(self.category))
        if self.agency:
            conditions.append(Submission.agency_id == self.agency)
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


def _has_category(category: str) -> Any:
    """The referral's categories of concern include this one: its `concern_categories`
    (" neglect other ", kept in step with its answers), with a trigram index on PostgreSQL."""
    return Submission.concern_categories.like(f"% {_escape(category)} %", escape="\\")


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
    """Today at the front door (its calendar's time zone), as UTC bounds."""
    local = deadlines.local(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + datetime.timedelta(days=1)
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)
