"""`fanlight census export`: the year's census written as the DfE's XML, checked by the validator, and
what is missing or wrong, in a summary a person reads (the command prints it on stderr).

The council's 3-digit LA code (the header's `LEA`) comes from `--la-code` or FANLIGHT_LA_CODE.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .. import clock
from ..files.storage import write_atomically
from ..triage import deadlines
from . import gather, validation, xml
from .items import Census, Standing
from .year import CensusYear

LA_CODE_VARIABLE = "FANLIGHT_LA_CODE"


class BadLaCode(ValueError):
    """An LA code that is not three digits."""


def la_code(given: str | None) -> str | None:
    """The council's LA code: the one given, else FANLIGHT_LA_CODE; None if neither is set."""
    code = (given if given is not None else os.environ.get(LA_CODE_VARIABLE, "")).strip()
    if code and not re.fullmatch(r"\d{3}", code):
        raise BadLaCode(f"the LA code must be the council's three digits (DfE LA number), not '{code}'")
    return code or None


@dataclass(frozen=True)
class Export:
    census: Census
    la_code: str | None
    result: validation.Result
    path: Path

    @property
    def missing(self) -> list[str]:
        """Every missing item, referral by referral (and the LA code, if it is not set)."""
        found = [f"{r.reference}: {gap}" for r in self.census.with_gaps for gap in r.gaps]
        if self.la_code is None:
            found.insert(0, f"the council's LA code (Header LEA): set {LA_CODE_VARIABLE} or --la-code")
        return found

    @property
    def exit_code(self) -> int:
        """0: written and valid; 1: written, with missing items or validator problems."""
        return 1 if self.missing or self.result.problems else 0

    def lines(self) -> list[str]:
        c = self.census
        said = [f"census {c.year.label} written to {self.path}",
                f"referrals: {c.count(Standing.REFERRAL)} in the census, "
                f"{c.count(Standing.AWAITING_DECISION)} awaiting a decision, "
                f"{c.count(Standing.NOT_A_REFERRAL)} resolved at the front door (not CSC referrals), "
                f"{c.count(Standing.WITHDRAWN)} withdrawn",
                f"children: {len(c.children)} ({c.ready_children} with every item)"]
        missing = self.missing
        said.append(f"items missing: {len(missing)}")
        said += [f"  {m}" for m in missing]
        result = self.result
        said.append(f"validator problems: {len(result.problems)} (csc-validator-be-cin {result.ruleset}, "
                    f"{len(result.rules)} rules: {', '.join(result.rules)})")
        if result.ruleset_note:
            said.append(f"  note: {result.ruleset_note}")
        said += [f"  {p}" for p in result.problems]
        if self.exit_code:
            why = [w for w, has in (("missing items", missing), ("validator problems", result.problems)) if has]
            said.append(f"written, with {' and '.join(why)}")
        else:
            said.append("written: every item present, and the validator found no problem")
        return said


def export(year: CensusYear, out: Path, code: str | None) -> Export:
    """Gather, write (atomically) and check the year's census. OSError if the file cannot be written."""
    census = gather.census(year)
    content = xml.to_bytes(xml.document(census, code or "", deadlines.local(clock.now())))
    result = validation.validate(content, year)
    write_atomically(out, content)
    return Export(census, code, result, out)
