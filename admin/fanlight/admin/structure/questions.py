"""A new question (or section) from the add-question page: every field type the engine knows, with
the properties each needs (options, whether it must be answered, its main constraints), checked and
written as the YAML a hand edit would add.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import SingleQuotedScalarString
from werkzeug.datastructures import MultiDict

from fanlight.admin.quickedit import normal, styled_like
from fanlight.web.errors import FormError


@dataclass(frozen=True)
class FieldType:
    words: str  # how the page offers it
    settings: tuple[str, ...] = ()  # the inputs it asks for, besides the question and its hint
    answerable: bool = True


TEXT_LENGTHS = ("min_length", "max_length")
ITEM_COUNTS = ("min_items", "max_items")
# Every type of docs/definition-language.md, in the order the page offers them.
FIELD_TYPES: dict[str, FieldType] = {
    "text": FieldType("Short text", (*TEXT_LENGTHS, "pattern")),
    "textarea": FieldType("Long text, several lines", (*TEXT_LENGTHS, "pattern")),
    "radios": FieldType("One answer from a few options (radios)", ("options",)),
    "checkboxes": FieldType("Any number of options (tick boxes)", ("options", *ITEM_COUNTS)),
    "select": FieldType("One answer from a long list (drop-down)", ("options",)),
    "yes_no": FieldType("Yes or no"),
    "number": FieldType("A number", ("min", "max", "integer")),
    "date": FieldType("A date", ("min", "max")),
    "datetime": FieldType("A date and time", ("min", "max")),
    "email": FieldType("An email address", TEXT_LENGTHS),
    "phone": FieldType("A UK phone number", TEXT_LENGTHS),
    "postcode": FieldType("A UK postcode", TEXT_LENGTHS),
    "nhs_number": FieldType("An NHS number", TEXT_LENGTHS),
    "file": FieldType("Files to upload", ("accept", "max_size", *ITEM_COUNTS)),
    "repeat": FieldType("A list of records, such as the children (add another)", ("item_label", "item_question", *ITEM_COUNTS)),
    "consent": FieldType("Consent: asked, given, by whom and how"),
    "content": FieldType("Guidance to read, not a question", ("text",), answerable=False),
}
SETTING_WORDS = {
    "min_length": "Fewest characters", "max_length": "Most characters", "pattern": "Pattern the answer must match",
    "min_items": "Fewest", "max_items": "Most", "min": "Lowest", "max": "Highest",
    "accept": "File types allowed", "max_size": "Largest file, in megabytes", "item_label": "What one record is called",
    "item_question": "The first question of each record",
}
# The longest each input may be, in characters: the quick edit's limits, so a posted page of any size
# never becomes a definition no one can read.
LONGEST = {"label": 1000, "hint": 20_000, "text": 20_000, "pattern": 1000, "item_label": 200, "item_question": 1000,
           "title": 1000, "description": 20_000}
LONGEST_OPTION = 500
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SECTION_ID = re.compile(r"^[a-z][a-z0-9]*([-_][a-z0-9]+)*$")
_WHOLE = re.compile(r"^\d{1,9}$")
_NUMBER = re.compile(r"^-?\d{1,12}(\.\d{1,6})?$")
_DATE_BOUND = re.compile(r"^(\d{4}-\d{2}-\d{2}|today)$")
_DATETIME_BOUND = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?|now)$")
_MIME = re.compile(r"^[a-z]+/[a-z0-9.+-]+$")
MEGABYTE = 1024 * 1024


def id_from(words: str, limit: int = 40, separator: str = "_") -> str:
    """A snake_case (or kebab-case) id made from words: “Which kind of help?” -> which_kind_of_help."""
    slug = re.sub(r"[^a-z0-9]+", separator, words.lower()).strip(separator)[:limit].strip(separator)
    return slug if slug[:1].isalpha() else (f"q{separator}{slug}" if slug else "")


def option_value(label: str) -> str:
    return id_from(label, limit=60)


def unique(base: str, taken: set[str]) -> str:
    found, n = base, 2
    while found in taken:
        found, n = f"{base}_{n}", n + 1
    return found


@dataclass
class QuestionInput:
    """The add-question form as posted: the question to write (a YAML mapping), or errors."""

    values: dict[str, str]
    errors: list[FormError]
    question: CommentedMap | None = None

    @classmethod
    def read(cls, form: MultiDict[str, str], taken: set[str], prefix: str = "") -> QuestionInput:
        """`taken`: the form's field ids; `prefix`: the inputs' name prefix (the add-section page's first question)."""
        values = {k.removeprefix(prefix): v for k, v in form.items() if k.startswith(prefix)}
        errors: list[FormError] = []
        kind = values.get("type", "")
        if kind not in FIELD_TYPES:
            return cls(values, [FormError(f"{prefix}type", "Choose the type of question")])
        spec = FIELD_TYPES[kind]
        words = normal(values.get("text" if not spec.answerable else "label", ""))
        if not words:
            errors.append(FormError(f"{prefix}{'label' if spec.answerable else 'text'}",
                                    "Enter the question" if spec.answerable else "Enter the guidance to show"))
        field_id = values.get("id", "").strip() or unique(id_from(words) or "question", taken)
        if not _ID.match(field_id) or len(field_id) > 64:
            errors.append(FormError(f"{prefix}id", "The id can only contain lower-case letters, numbers and underscores, "
                                    "and starts with a letter, like which_kind_of_help"))
        elif field_id in taken:
            errors.append(FormError(f"{prefix}id", f"There is already a question with the id {field_id}: choose another"))
        if spec.answerable and values.get("required") not in ("yes", "no"):
            errors.append(FormError(f"{prefix}required", "Select whether the question must be answered"))
        asked = ("label", "hint") if spec.answerable else ("text",)
        errors += too_long(values, list(dict.fromkeys([*asked, *(s for s in spec.settings if s in LONGEST)])), prefix)
        question = CommentedMap()
        question["id"] = field_id
        question["type"] = kind
        if spec.answerable:
            question["label"] = styled_like(words, None)
            hint = normal(values.get("hint", ""))
            if hint:
                question["hint"] = styled_like(hint, None)
            if values.get("required") == "yes":
                question["required"] = True
        else:
            question["text"] = styled_like(words, None)
        for setting in spec.settings:
            errors += _setting(question, setting, values, prefix)
        errors += _bounds_in_order(question, prefix)
        return cls(values, errors, question if not errors else None)


def too_long(values: dict[str, str], names: Sequence[str], prefix: str = "") -> list[FormError]:
    """Each input of `names` longer than it may be, at its input."""
    return [FormError(f"{prefix}{name}", f"This must be {LONGEST[name]:,} characters or fewer")
            for name in names if len(values.get(name, "")) > LONGEST[name]]


def _setting(question: CommentedMap, setting: str, values: dict[str, str], prefix: str) -> list[FormError]:
    """Write one setting from its input; a problem with it, at its input."""
    raw = values.get(setting, "").strip()
    where = f"{prefix}{setting}"
    if setting == "options":
        return _options(question, values.get("options", ""), where)
    if setting == "integer":
        if raw == "yes":
            question["integer"] = True
        return []
    if setting == "item_question":
        return _item_question(question, raw, where)
    if not raw:
        return [FormError(where, "Say what one record is called, like child")] if setting == "item_label" else []
    if setting in ("min_length", "max_length", "min_items", "max_items", "max_size"):
        if not _WHOLE.match(raw):
            return [FormError(where, f"{SETTING_WORDS[setting]} must be a whole number, like 5")]
        question[setting] = int(raw) * (MEGABYTE if setting == "max_size" else 1)
    elif setting in ("min", "max"):
        return _bound(question, setting, raw, where)
    elif setting == "accept":
        types = [t.strip() for t in raw.split(",") if t.strip()]
        if not all(_MIME.match(t) for t in types):
            return [FormError(where, "Give file types like application/pdf, image/jpeg, separated by commas")]
        question["accept"] = _flow(CommentedSeq(types))
    else:
        question[setting] = styled_like(raw, None)
    return []


def _bound(question: CommentedMap, setting: str, raw: str, where: str) -> list[FormError]:
    kind = question["type"]
    if kind == "number":
        if not _NUMBER.match(raw):
            return [FormError(where, f"{SETTING_WORDS[setting]} must be a number, like 0 or 2.5")]
        question[setting] = float(raw) if "." in raw else int(raw)
    elif kind == "date":
        if not _DATE_BOUND.match(raw):
            return [FormError(where, f"{SETTING_WORDS[setting]} must be a date as year-month-day, like 2026-01-31, or today")]
        question[setting] = SingleQuotedScalarString(raw)
    elif not _DATETIME_BOUND.match(raw):
        return [FormError(where, f"{SETTING_WORDS[setting]} must be a date and time like 2026-01-31T09:00, or now")]
    else:
        question[setting] = SingleQuotedScalarString(raw)
    return []


def _bounds_in_order(question: CommentedMap, prefix: str) -> list[FormError]:
    """The lower bound of each pair is not above its upper bound (dates compare as text: ISO order)."""
    for low, high in (("min_length", "max_length"), ("min_items", "max_items"), ("min", "max")):
        a, b = question.get(low), question.get(high)
        numbers = isinstance(a, int | float) and isinstance(b, int | float)
        dates = isinstance(a, str) and isinstance(b, str) and not {a, b} & {"today", "now"}
        if (numbers or dates) and a > b:
            return [FormError(f"{prefix}{low}", f"{SETTING_WORDS[low]} must not be more than {SETTING_WORDS[high].lower()}")]
    return []


def _options(question: CommentedMap, text: str, where: str) -> list[FormError]:
    """One option a line; each is stored under a value made from its words (Family support -> family_support)."""
    labels = [normal(line) for line in text.splitlines() if normal(line)]
    if not labels:
        return [FormError(where, "Enter the options, one on each line")]
    options, seen = CommentedSeq(), set()
    for label in labels:
        value = option_value(label)
        if len(label) > LONGEST_OPTION:
            return [FormError(where, f"Each option must be {LONGEST_OPTION} characters or fewer")]
        if not value:
            return [FormError(where, f"The option “{label}” needs some letters or numbers")]
        if value in seen:
            return [FormError(where, f"The option “{label}” is there twice")]
        seen.add(value)
        row = CommentedMap([("value", SingleQuotedScalarString(value)), ("label", SingleQuotedScalarString(label))])
        options.append(_flow(row))
    question["options"] = options
    return []


def _item_question(question: CommentedMap, label: str, where: str) -> list[FormError]:
    """A list of records needs at least one question of its own: a short text to start with."""
    label = normal(label)
    if not label:
        return [FormError(where, "Enter the first question of each record, like Full name")]
    sub = CommentedMap([("id", id_from(label) or "name"), ("type", "text"), ("label", styled_like(label, None))])
    question["fields"] = CommentedSeq([sub])
    return []


def _flow(node: CommentedMap | CommentedSeq) -> CommentedMap | CommentedSeq:
    node.fa.set_flow_style()
    return node


@dataclass
class SectionInput:
    """The add-section page as posted: the section (with its first question), or errors."""

    values: dict[str, str]
    errors: list[FormError]
    section: CommentedMap | None = None

    @classmethod
    def read(cls, form: MultiDict[str, str], section_ids: set[str], field_ids: set[str]) -> SectionInput:
        values = {k: v for k, v in form.items() if not k.startswith("question-")}
        errors: list[FormError] = []
        title = normal(values.get("title", ""))
        if not title:
            errors.append(FormError("title", "Enter a title for the section"))
        errors += too_long(values, ("title", "description"))
        section_id = values.get("id", "").strip() or unique(id_from(title, separator="-") or "section", section_ids)
        if not _SECTION_ID.match(section_id) or len(section_id) > 64:
            errors.append(FormError("id", "The id can only contain lower-case letters, numbers and hyphens, "
                                    "and starts with a letter, like help-needed"))
        elif section_id in section_ids:
            errors.append(FormError("id", f"There is already a section with the id {section_id}: choose another"))
        first = QuestionInput.read(form, field_ids, prefix="question-")
        errors += first.errors
        values.update({f"question-{k}": v for k, v in first.values.items()})
        if errors or first.question is None:
            return cls(values, errors)
        section = CommentedMap([("id", section_id), ("title", styled_like(title, None))])
        description = normal(values.get("description", ""))
        if description:
            section["description"] = styled_like(description, None)
        section["fields"] = CommentedSeq([first.question])
        return cls(values, errors, section)
