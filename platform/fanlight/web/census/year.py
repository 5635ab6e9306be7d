"""A census year: "2026-27" is 1 April 2026 to 31 March 2027, the front door's local dates.

The DfE collects it from April to July 2027 as the collection year "2027", with the reference date
31 March 2027. Fanlight writes the census from 2024-25 on: that year `Sex` (F, M, U) replaced
`GenderCurrent`, and Fanlight writes only `Sex`.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

FIRST_YEAR = 2024  # 2024-25: the first census with `Sex`
_SHAPE = re.compile(r"([0-9]{4})-([0-9]{2})")


class NotACensusYear(ValueError):
    """A year that is not written YYYY-YY with consecutive years, or one before 2024-25."""


@dataclass(frozen=True, order=True)
class CensusYear:
    start: int  # the calendar year its 1 April falls in

    @classmethod
    def parse(cls, text: str) -> CensusYear:
        """ "2026-27" as a census year; NotACensusYear with the reason otherwise."""
        found = _SHAPE.fullmatch(text.strip())
        if found is None:
            raise NotACensusYear(f"'{text}' is not a census year: write it like 2026-27")
        start, end = int(found.group(1)), int(found.group(2))
        if (start + 1) % 100 != end:
            raise NotACensusYear(f"'{text}' is not a census year: the second year must follow the first (2026-27)")
        if start < FIRST_YEAR:
            raise NotACensusYear(f"'{text}': Fanlight writes the census from {FIRST_YEAR}-{(FIRST_YEAR + 1) % 100:02d} on")
        return cls(start)

    @classmethod
    def of(cls, day: datetime.date) -> CensusYear:
        """The census year a (local) date falls in."""
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def label(self) -> str:
        return f"{self.start}-{(self.start + 1) % 100:02d}"

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.start, 4, 1)

    @property
    def last_day(self) -> datetime.date:
        """The census's reference date."""
        return datetime.date(self.start + 1, 3, 31)

    @property
    def collection_year(self) -> str:
        """The header's `Year`: the year the census is collected in (and its ruleset's second year)."""
        return str(self.start + 1)

    def __str__(self) -> str:
        return self.label
