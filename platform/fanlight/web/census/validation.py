"""The written census checked by the Data to Insight CIN validator (csc-validator-be-cin), the rule set
councils already run on their returns: only its rules about the items Fanlight writes.

The validator keeps one folder of rules per census year (`cin2022_23` ... `cin2026_27` in 0.1.13);
a year it has no folder for is checked with its newest, and the result says so. It reads the XML
into tables (pandas) and runs each rule on them; a rule that fails to run is reported as such, never
as a pass.

`RULES` are the rules run, by code: each concerns only the header, the child's identifiers and
characteristics, or the referral's CINdetails items Fanlight writes. The validator's other rules are
about items the case system holds (assessments, plans, section 47, protection plans, closure, date
of death), or about the whole return rather than a referral: 2887Q ("less than 8 disability codes
used in your return") and 2888Q (the share of children with one disability code) describe the
council's whole census, not the front door's part; 4000, 8816, 8832 and 2991Q compare ReferralNFA or
the episode with modules Fanlight does not write.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import pkgutil
import re
import warnings
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 (parses the file Fanlight just wrote)

from .year import CensusYear

RULES: tuple[str, ...] = (
    "100",  # Reference Date is incorrect
    "1510", "1520", "1530", "1540", "1550",  # UPN: check letter, duplicates, LA code, digits, last character
    "1570", "1580",  # LA Child ID: at most 20 characters, letters and digits only
    "2886Q",  # more than 2% of children with no sex recorded (excluding unborns)
    "4180",  # Sex must be provided and equal M, F, or U
    "4220",  # Ethnicity is missing or invalid
    "8500", "8510",  # LA Child ID missing; more than one child record with the same LA Child ID
    "8520",  # date of birth after the collection period
    "8525Q",  # either date of birth or expected date of birth (not both)
    "8530Q",  # expected date of birth outside the expected range for this census
    "8540",  # child's disability missing or invalid
    "8568",  # ReferralNFA flag missing or invalid
    "8569Q",  # a referral before the year flagged as no further action
    "8590",  # child does not have a CIN episode
    "8600",  # referral date missing or after the collection period
    "8606",  # referral date more than 40 weeks before the (expected) date of birth
    "8610",  # primary need missing for a referral which led to further action
    "8650",  # primary need code invalid
    "8750",  # Sex must equal U for an unborn child
    "8770Q",  # UPN, or the reason it is missing, expected for a child of school age
    "8772",  # UPNunknown UN7 (no further action) on a referral with further action
    "8790", "8794",  # disabilities: NONE with others; the same code twice
    "8866",  # source of referral missing or invalid
)
PERCENTAGES = ("2886Q",)  # rules about a share of the children: not run on a census with none


@dataclass(frozen=True)
class Problem:
    """A rule the census breaks: where (the child, the items), and the validator's message."""

    rule: str
    message: str
    la_child_id: str = ""  # empty for a problem with the whole return (the header, a percentage)
    items: str = ""

    def __str__(self) -> str:
        where = f"{self.la_child_id} " if self.la_child_id else ""
        items = f" [{self.items}]" if self.items else ""
        return f"{self.rule} {where}{self.message}{items}"


@dataclass(frozen=True)
class Result:
    ruleset: str  # the validator's rule folder used, e.g. cin2026_27
    ruleset_note: str  # empty, or why it is not the year's own
    rules: tuple[str, ...]  # the rules run
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not self.problems


def rulesets() -> list[str]:
    """The validator's rule folders, oldest first (cin2022_23, ...)."""
    import cin_validator.rules as packaged  # type: ignore[import-untyped]  # noqa: PLC0415 (pandas loads when a census is checked)

    return sorted(m.name for m in pkgutil.iter_modules(packaged.__path__) if re.fullmatch(r"cin\d{4}_\d{2}", m.name))


def ruleset_for(year: CensusYear) -> tuple[str, str]:
    """The rule folder for the year, and a note when it is the newest there is instead."""
    wanted = f"cin{year.start}_{(year.start + 1) % 100:02d}"
    found = rulesets()
    if wanted in found:
        return wanted, ""
    newest = found[-1]
    return newest, f"csc-validator-be-cin has no rules for {year.label}: checked with its newest, {newest}"


def validate(content: bytes, year: CensusYear) -> Result:
    """Run `RULES` (those the year's rule set has) on a written census."""
    name, note = ruleset_for(year)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()) as printed:
        warnings.simplefilter("ignore")  # pandas 1.5's deprecation notices, from inside the validator
        from cin_validator import cin_validator  # noqa: PLC0415

        registry: dict[str, Any] = importlib.import_module(f"cin_validator.rules.{name}").registry
        root = ET.fromstring(content)  # noqa: S314 (Fanlight's own output)  # nosec B314 # written by census/xml.py just now, never outside input
        empty = root.find("Children/Child") is None  # a percentage of no children is no finding
        rules = tuple(r for r in RULES if r in registry and not (empty and r in PERCENTAGES))
        tables = cin_validator.process_data(cin_validator.convert_data(root))
        checked = cin_validator.CinValidator(tables, registry, list(rules))
        problems = _problems(checked)
    problems += [Problem(code, f"the rule failed to run: {why}") for code, why in
                 re.findall(r"^Error with rule (\S+): (.*)$", printed.getvalue(), flags=re.MULTILINE)]
    return Result(name, note, rules, tuple(sorted(set(problems), key=lambda p: (p.rule, p.la_child_id, p.items))))


def _problems(checked: Any) -> list[Problem]:
    """One problem per rule and child, with every item the rule names (it reports one row per item)."""
    by_child: dict[tuple[str, str, str], list[str]] = {}
    for row in checked.full_issue_df.to_dict("records"):
        child = row.get("child_id")
        key = (str(row.get("rule_code")), str(row.get("rule_description") or ""), "" if _blank(child) else str(child))
        named = by_child.setdefault(key, [])
        item = _items(row.get("columns_affected"))
        if item and item not in named:
            named.append(item)
    found = [Problem(rule, message, child, ", ".join(sorted(named))) for (rule, message, child), named in by_child.items()]
    for row in checked.multichild_issues.to_dict("records"):
        found.append(Problem(str(row.get("rule_code")), str(row.get("rule_description") or "")))
    return found


def _blank(value: Any) -> bool:
    return value is None or value != value or str(value) in ("", "<NA>", "nan", "None")  # noqa: PLR0124 (NaN)


def _items(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(getattr(v, "name", str(v)) for v in value)
    return "" if _blank(value) else str(getattr(value, "name", value))
