"""The dashboards' counts kept in step: how many referrals received on a day (or in a month) have
each fact the dashboards break down by (issue 10, "Benchmark").

A referral adds one to a row of each dimension it has a value in: every referral to `all`, each
of its categories to `category`, its agency and whether the front door asked for information to
`asked`, and so on (dashboards/daily.py says which). It is counted on the front door's local day
it was received on (`span` "day", `day` that day) and again in that day's month, quarter and
council year (`span` "month", "quarter", "year"; `day` their first day), so a year's figures sum
one row a fact instead of 365. The same transaction
that writes a referral's reporting columns changes its rows (dashboards/daily.py), and
`dashboards.daily.rebuild` writes them all again from the referrals.
"""

from __future__ import annotations

import datetime

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class DailyCount(Base):
    __tablename__ = "dashboard_counts"
    # The primary key reads a period (each span's rows by first day); this index one dimension's
    # rows day by day (every referral received, for the buckets over time).
    __table_args__ = (Index("ix_dashboard_counts_series", "dimension", "span", "day"),)

    span: Mapped[str] = mapped_column(String(7), primary_key=True)  # "day", "month", "quarter" or "year"
    day: Mapped[datetime.date] = mapped_column(Date, primary_key=True)  # a longer span's: its first day
    dimension: Mapped[str] = mapped_column(String(40), primary_key=True)
    # Wide enough for any value a definition may give (an option value or indicator id: 100 at most).
    first: Mapped[str] = mapped_column(String(200), primary_key=True)  # the value ("" where there is none)
    second: Mapped[str] = mapped_column(String(200), primary_key=True)  # a pair's second value, or ""
    n: Mapped[int] = mapped_column(Integer)
