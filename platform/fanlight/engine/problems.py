"""Problems found in definitions: one line each, `FILE:LINE:COL: CODE message`.

The codes are a public, stable interface (councils' IT teams grep for them); never
renumber one. docs/definition-language.md lists them for authors.
"""

from __future__ import annotations

from dataclasses import dataclass

CODES: dict[str, str] = {
    "YAML001": "YAML syntax error",
    "YAML002": "duplicate key",
    "YAML003": "YAML 1.1 surprise (a value read as a boolean or a number)",
    "YAML004": "unreadable file (not UTF-8, empty, over 1 MB or nested deeper than 64 levels)",
    "YAML005": "anchor or alias (definitions never use them)",
    "YAML006": "too many YAML nodes",
    "DEF001": "missing required key",
    "DEF002": "wrong value type",
    "DEF003": "unknown key",
    "DEF004": "invalid value",
    "DEF005": "unknown field type",
    "DEF006": "unknown kind",
    "DEF007": "key does not apply to this field type",
    "DEF008": "invalid regular expression",
    "DEF009": "inconsistent constraints",
    "DEF010": "regular expression that cannot be matched in linear time",
    "DEF011": "too many expressions in one file",
    "REF001": "duplicate id",
    "REF002": "unknown ruleset",
    "REF003": "unknown thresholds",
    "REF004": "unknown option list",
    "REF005": "reserved name",
    "REF006": "unknown form",
    "REF007": "unknown domain or level",
    "REF008": "unknown field",
    "REF009": "unknown agency type",
    "EXP001": "expression syntax error",
    "EXP002": "unknown name in expression",
    "EXP003": "type mismatch in expression",
    "EXP004": "condition cycle",
    "EXP005": "unknown option value in expression",
}


@dataclass(frozen=True, slots=True)
class Where:
    """A position in a definition file (1-based line and column)."""

    file: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Problem:
    where: Where
    code: str
    message: str

    def __post_init__(self) -> None:
        if self.code not in CODES:  # a typo here would silently break the public contract
            raise ValueError(f"unknown problem code {self.code}")

    def __str__(self) -> str:
        # One line per problem is the contract, even when an author put a newline in a name.
        message = self.message.replace("\r", "\\r").replace("\n", "\\n")
        return f"{self.where}: {self.code} {message}"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.where.file, self.where.line, self.where.col, self.code)


class Problems(list[Problem]):
    """An ordered collection of problems with a small convenience API."""

    def add(self, where: Where, code: str, message: str) -> None:
        self.append(Problem(where, code, message))

    def sorted(self) -> list[Problem]:
        unique = {(p.where, p.code, p.message): p for p in self}
        return sorted(unique.values(), key=Problem.sort_key)
