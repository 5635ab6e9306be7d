"""The typed definition model. Every node knows the file, line and column it came from."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from ..problems import Where

TEXT_LIKE = frozenset({"text", "textarea", "email", "phone", "postcode", "nhs_number"})
CHOICE = frozenset({"radios", "select", "checkboxes"})
FIELD_TYPES = TEXT_LIKE | CHOICE | {"number", "date", "datetime", "yes_no", "repeat", "consent", "file", "content"}

# The consent composite's sub-answers and their types (see docs/definition-language.md).
CONSENT_PARTS: dict[str, str] = {
    "sought": "yes_no",
    "given": "yes_no",
    "given_by": "text",
    "relationship": "text",
    "has_parental_responsibility": "yes_no",
    "date": "date",
    "method": "radios",
    "reason": "textarea",
}
CONSENT_METHODS = ("verbal", "written")
FILE_PARTS: dict[str, str] = {"id": "text", "name": "text", "size": "number", "type": "text"}

# Where a field's starting value may come from (`prefill:`, docs/definition-language.md, "Pre-filled
# answers"), with the field types each source can fill: the signed-in person's account when a draft
# is started, or, for `earlier_referral`, the same question of the person's own earlier referral
# when they start a new referral from it.
EARLIER_REFERRAL = "earlier_referral"
PREFILL_SOURCES: dict[str, frozenset[str]] = {
    "account.name": frozenset({"text", "textarea"}),
    "account.email": frozenset({"email", "text"}),
    "account.phone": frozenset({"phone", "text"}),
    "account.agency": frozenset({"text", "textarea"}),
    "account.agency_type": frozenset({"radios", "select"}),
    EARLIER_REFERRAL: frozenset(FIELD_TYPES - {"content", "file"}),
}


@dataclass(frozen=True, slots=True)
class Expression:
    """An expression's text and enough of its YAML source to point inside it."""

    text: str
    where: Where
    raw: str = ""  # the scalar exactly as written in the file, quotes and indentation included

    def where_at(self, offset: int) -> Where:
        """The file position of character `offset` of the (YAML-decoded) expression text."""
        raw_index = _raw_index(self.text, self.raw, offset) if self.raw else 0
        before = self.raw[:raw_index]
        newlines = before.count("\n")
        if newlines == 0:
            return Where(self.where.file, self.where.line, self.where.col + raw_index)
        return Where(self.where.file, self.where.line + newlines, raw_index - before.rfind("\n"))


def _raw_index(text: str, raw: str, offset: int) -> int:
    """Map an offset in decoded text to one in the raw source by matching visible characters."""
    j = 0
    for i, char in enumerate(text[: offset + 1]):
        if char.isspace():
            continue
        found = raw.find(char, j)
        if found < 0:
            return j
        if i == offset:
            return found
        j = found + 1
    return min(j, len(raw))


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    hint: str | None = None
    code: str | None = None


@dataclass(slots=True)
class Field:
    id: str
    type: str
    where: Where
    label: str = ""
    hint: str | None = None
    text: str | None = None
    required: bool = False
    required_if: Expression | None = None
    show_if: Expression | None = None
    calculate: Expression | None = None
    min: Any = None
    max: Any = None
    integer: bool = False
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    min_items: int | None = None
    max_items: int | None = None
    options: tuple[Option, ...] = ()
    options_ref: str | None = None
    fields: list[Field] = _field(default_factory=list)
    item_label: str | None = None
    accept: tuple[str, ...] = ()
    max_size: int | None = None
    messages: dict[str, str] = _field(default_factory=dict)
    autocomplete: str | None = None  # only for questions about the person filling in the form (WCAG 1.3.5)
    prefill: str | None = None  # a PREFILL_SOURCES key: where the field's starting value comes from
    _values: tuple[tuple[Option, ...], frozenset[str]] | None = _field(default=None, repr=False, compare=False)

    @property
    def answerable(self) -> bool:
        return self.type != "content"

    def option_values(self) -> frozenset[str]:
        # Cached against the options it was built from: shared option lists are resolved after building.
        if self._values is None or self._values[0] is not self.options:
            self._values = (self.options, frozenset(o.value for o in self.options))
        return self._values[1]


@dataclass(slots=True)
class Section:
    id: str
    title: str
    where: Where
    fields: list[Field]
    description: str | None = None
    show_if: Expression | None = None


@dataclass(slots=True)
class Definition:
    kind: str
    id: str
    version: int
    title: str
    path: str
    content_hash: str
    description: str | None = None

    @property
    def where(self) -> Where:
        return Where(self.path)


# How long a form's records are kept when its definition says nothing (docs/definition-language.md,
# "Retention"): a draft untouched for 21 days gets a reminder and is deleted at 28; a submission
# is kept until the council sets a period.
DRAFT_REMIND_AFTER_DAYS = 21
DRAFT_DELETE_AFTER_DAYS = 28


@dataclass(frozen=True, slots=True)
class Retention:
    """A form's retention periods, in days: drafts from their last save, submissions from sending."""

    draft_remind_after_days: int = DRAFT_REMIND_AFTER_DAYS
    draft_delete_after_days: int = DRAFT_DELETE_AFTER_DAYS
    submission_delete_after_days: int | None = None  # None: kept (no deletion unless the council sets it)

    def to_json(self) -> dict[str, Any]:
        """As the `retention:` block says it (the semantic diff shows it this way)."""
        return {
            "drafts": {"remind_after_days": self.draft_remind_after_days,
                       "delete_after_days": self.draft_delete_after_days},
            "submissions": {"delete_after_days": self.submission_delete_after_days},
        }


@dataclass(slots=True)
class Form(Definition):
    sections: list[Section] = _field(default_factory=list)
    rulesets: list[str] = _field(default_factory=list)
    rulesets_where: Where | None = None
    thresholds: str | None = None
    thresholds_where: Where | None = None
    retention: Retention = Retention()
    audience: str = "professionals"  # or "front_door": the front door's own records, never a referral

    def top_fields(self) -> list[Field]:
        return [f for s in self.sections for f in s.fields]

    def prefilled(self, source: str) -> list[Field]:
        """The top-level fields whose starting value comes from `source` (or, ending in '.', any
        source it begins: 'account.')."""
        if source.endswith("."):
            return [f for f in self.top_fields() if f.prefill is not None and f.prefill.startswith(source)]
        return [f for f in self.top_fields() if f.prefill == source]


ACKNOWLEDGE_LABEL = "I have read this and want to send the referral as it is"


@dataclass(slots=True)
class Rule:
    id: str
    when: Expression
    where: Where
    severity: str | None = None
    field: str | None = None
    for_each: str | None = None
    message: str | None = None
    set: dict[str, Any] = _field(default_factory=dict)
    # A warning the referrer must tick to say they have read before sending (`acknowledge: true`).
    acknowledge: bool = False
    acknowledge_label: str | None = None  # the tick's words; None: ACKNOWLEDGE_LABEL


@dataclass(slots=True)
class Ruleset(Definition):
    rules: list[Rule] = _field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Level:
    level: int
    name: str
    summary: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Domain:
    id: str
    name: str
    description: str | None = None


@dataclass(slots=True)
class Indicator:
    id: str
    level: int
    domain: str
    text: str
    where: Where
    when: Expression | None = None


@dataclass(slots=True)
class Thresholds(Definition):
    levels: list[Level] = _field(default_factory=list)
    domains: list[Domain] = _field(default_factory=list)
    indicators: list[Indicator] = _field(default_factory=list)

    def level(self, number: int) -> Level | None:
        return next((lv for lv in self.levels if lv.level == number), None)


@dataclass(slots=True)
class OptionList(Definition):
    options: tuple[Option, ...] = ()


@dataclass(slots=True)
class Agency(Definition):
    """An approved agency: whose staff may register, and which forms they may use."""

    agency_type: str = ""
    agency_type_where: Where | None = None
    referral_source_code: str | None = None  # resolved from the agency-types option list
    email_domains: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    forms_where: Where | None = None


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")  # date.weekday() order
# The `bank_holidays:` regions (GOV.UK's names) and their subdivisions in the `holidays` library.
BANK_HOLIDAY_REGIONS: dict[str, str] = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}


@dataclass(frozen=True, slots=True)
class Closure:
    """A whole day the council is closed, besides bank holidays."""

    date: datetime.date
    reason: str


@dataclass(slots=True)
class Calendar(Definition):
    """The front door's working days and hours (docs/definition-language.md, "Calendars")."""

    timezone: str = "Europe/London"
    working_days: frozenset[int] = frozenset(range(5))  # date.weekday() numbers: Monday 0 to Friday 4
    opens: datetime.time = datetime.time(9)
    closes: datetime.time = datetime.time(17)
    bank_holidays: str = "england-and-wales"
    closures: dict[datetime.date, str] = _field(default_factory=dict)  # date -> reason


@dataclass(slots=True)
class Scenario:
    name: str
    answers: dict[str, Any]
    expect: dict[str, Any]
    where: Where
    today: str | None = None
    # Every field path or section id the expectations name, with where it is written.
    references: list[tuple[str, Where]] = _field(default_factory=list)


@dataclass(slots=True)
class TestSuite(Definition):
    form: str = ""
    form_where: Where | None = None
    today: str | None = None
    scenarios: list[Scenario] = _field(default_factory=list)


# The payload of a mapping is a tree of these. `kind` says which attributes are used:
#   "expression"  `expression` (a string leaf)
#   "literal"     `literal` (a number or true/false leaf, or `{value: ...}`: sent as written)
#   "object"      `keys` (a nested mapping: a JSON object)
#   "list"        `items` (a YAML list: a JSON array, one element per item)
#   "each"        `each` (a repeat field's id) and `item` (the node rendered once per answer item)
@dataclass(slots=True)
class PayloadNode:
    kind: str
    where: Where
    expression: Expression | None = None
    literal: Any = None
    keys: dict[str, PayloadNode] = _field(default_factory=dict)
    items: list[PayloadNode] = _field(default_factory=list)
    each: str | None = None
    each_where: Where | None = None
    item: PayloadNode | None = None


DECISION_FORM = "front-door-decision"  # the form the front door records its decisions with


@dataclass(slots=True)
class Mapping(Definition):
    """How a decided referral becomes the document sent to a destination (docs/definition-language.md)."""

    form: str = ""
    form_where: Where | None = None
    destination: str = ""
    decision_form: str = DECISION_FORM
    decision_form_where: Where | None = None
    when: Expression | None = None
    payload: PayloadNode | None = None
