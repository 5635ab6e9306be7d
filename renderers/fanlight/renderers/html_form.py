"""The HTML form contract, both ways: answers in the engine's one JSON shape <-> posted fields.

The component templates (components/<type>.html) draw each answer under these names:

    name                        text-like, number, radios, select, yes_no ("yes"/"no"), checkboxes (repeated)
    name-day/-month/-year       date (the day input's id is `name` itself)
    name-time                   datetime, beside its date parts
    name-<part>                 consent, one per m.CONSENT_PARTS (a date part has its own -day/-month/-year)
    name-count, name-<i>-<sub>  repeat: how many records, then each record's fields
    _present = name             one per top-level field drawn on the page

Decoding (`section_answers`) is what the web layer does with a post; encoding (`encode`) is
what a browser would post for some answers, for the tests, the benchmark and the browser
tests. Both are driven by one table per field type (`DECODERS`, `ENCODERS`), so a new type
cannot be half-added: tests/meta/test_field_types.py checks both have it.

Each rendered field posts a hidden `_present` marker with its name, so an unticked
checkbox (which posts nothing) clears its answer while a field that was not on the page
keeps its saved answer. Values are passed on as typed; the engine coerces and checks
them, so a bad date comes back as a `type` error next to what the person entered.

What is passed on is bounded by the field's type (`BOUNDS`, one entry per type as for the
codec): an answer longer than its field could ever accept (`Overlong`) is never saved.
The bound is the engine's own length for the type, or the field's `max_length` where that is
larger; a field's smaller `max_length` stays the engine's check, with the answer kept as typed.

No Flask here: this module is shared by the web layer and tools that run without an app.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from fanlight.engine.definitions import model as m
from fanlight.engine.evaluation.fields import CONSENT_FIELDS, DEFAULT_MAX_LENGTH
from fanlight.engine.evaluation.messages import message

MAX_REPEAT_ROWS = 200
DATE_PARTS = ("day", "month", "year")
# C0 control characters other than tab, line feed and carriage return: never meant, and NUL
# cannot be stored at all in PostgreSQL text or JSONB.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER = re.compile(r"[0-9]{1,9}")
# Types whose answer never travels in the section's own post: content has none, and files
# are uploaded through their own route (their saved list is kept).
NOT_POSTED = frozenset({"content", "file"})
# Types answered by typing into one input whose id and name are the answer's name.
TYPED = frozenset({"text", "textarea", "email", "phone", "postcode", "nhs_number", "number"})

Form = MultiDict[str, str]
Pairs = list[tuple[str, str]]
Decoder = Callable[[m.Field, str, Form, Any], Any]  # (field, HTML name, posted form, saved answer) -> answer
Encoder = Callable[[m.Field, str, Any], Pairs]  # (field, HTML name, answer) -> posted pairs


# Names ---------------------------------------------------------------------------------------------


def name_of(path: str) -> str:
    """`children[0].child_dob` -> `children-0-child_dob`: the HTML name and id of an answer."""
    return path.replace("[", "-").replace("]", "").replace(".", "-")


def first_input(path: str, fields: Any = None, answers: Any = None) -> str:
    """The id of the first input of an answer: where an error-summary link takes the reader.

    Most components give their first input the answer's own name. The two composites do not:
    a consent answer starts with its "sought" question, and a list of records with its first
    record's first question, or with its "Add" button while it has none.
    """
    name = name_of(path)
    f = next((f for f in fields or () if f.id == path), None)
    if f is None:
        return name
    if f.type == "consent":
        return f"{name}-sought"
    if f.type == "repeat":
        items = (answers or {}).get(path) if isinstance(answers, dict) else None
        first = next((sub for sub in f.fields if sub.type != "content" and not sub.calculate), None)
        if isinstance(items, list) and items and first is not None:
            return f"{name}-0-{first.id}"
        return f"{name}-add"
    return name


# Cleaning ------------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    return _CONTROL.sub("", text)


def clean(form: Form) -> Form:
    """The posted values without control characters."""
    return MultiDict([(key, clean_text(value)) for key, value in form.items(multi=True)])


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²', which int() then refuses."""
    return _NUMBER.fullmatch(text) is not None


# Decoding: posted fields -> answers ----------------------------------------------------------------


def read_section(section: m.Section, form: Form, saved: dict[str, Any]) -> tuple[dict[str, Any], list[Overlong]]:
    """The answers this post changes (one per field whose `_present` marker came back), as typed,
    and those among them that are too long ever to be saved (a page shows them with the error)."""
    form = clean(form)
    present = set(form.getlist("_present"))
    changes: dict[str, Any] = {}
    refused: list[Overlong] = []
    for f in section.fields:
        if f.id in present and f.type not in NOT_POSTED:
            changes[f.id] = field_answer(f, f.id, form, saved.get(f.id))
            refused += overlong(f, f.id, changes[f.id])
    return changes, refused


def section_answers(section: m.Section, form: Form, saved: dict[str, Any]) -> dict[str, Any]:
    """The answers this post changes that may be saved: an answer too long for its field is left
    out (its saved answer stays). Use read_section to tell the person why."""
    changes, refused = read_section(section, form, saved)
    for too_long in refused:
        changes.pop(too_long.answer, None)
    return changes


def field_answer(f: m.Field, name: str, form: Form, saved: Any) -> Any:
    return DECODERS[f.type](f, name, form, saved)


def _blank(value: str | None) -> str | None:
    return value if value not in (None, "") else None


def _yes_no_answer(text: str | None) -> Any:
    """'yes'/'no' -> True/False; anything else is passed on as typed, for the engine to refuse."""
    return {"yes": True, "no": False}.get(text or "", _blank(text))


def date_answer(form: Form, name: str) -> Any:
    day, month, year = (form.get(f"{name}-{p}", "").strip() for p in DATE_PARTS)
    if not (day or month or year):
        return None
    if is_number(day) and is_number(month) and is_number(year) and len(year) == 4:
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return {"day": day[:10], "month": month[:10], "year": year[:10]}  # shown again as typed, with a type error


def datetime_answer(form: Form, name: str) -> Any:
    day = date_answer(form, name)
    time = form.get(f"{name}-time", "").strip()[:10]
    if day is None and not time:
        return None
    if isinstance(day, str) and len(time) == 5 and time[2] == ":" and is_number(time.replace(":", "")):
        return f"{day}T{time}"
    return {"date": day, "time": time}


def consent_answer(form: Form, name: str) -> dict[str, Any] | None:
    parts: dict[str, Any] = {}
    for part, kind in m.CONSENT_PARTS.items():
        key = f"{name}-{part}"
        if kind == "yes_no":
            value: Any = {"yes": True, "no": False}.get(form.get(key, ""))  # a consent part takes yes or no only
        elif kind == "date":
            value = date_answer(form, key)
        else:
            value = _blank(form.get(key))
        if value is not None:
            parts[part] = value
    return parts or None


def repeat_answer(f: m.Field, name: str, form: Form, saved: Any) -> list[dict[str, Any]]:
    try:
        count = min(int(form.get(f"{name}-count", "0")), f.max_items or MAX_REPEAT_ROWS, MAX_REPEAT_ROWS)
    except ValueError:
        count = 0
    saved_items = saved if isinstance(saved, list) else []
    items: list[dict[str, Any]] = []
    for index in range(max(count, 0)):
        previous = saved_items[index] if index < len(saved_items) and isinstance(saved_items[index], dict) else {}
        items.append(_record(f, f"{name}-{index}", form, previous))
    return items


def _record(f: m.Field, prefix: str, form: Form, previous: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for sub in f.fields:
        if sub.type == "content":
            continue
        value = field_answer(sub, f"{prefix}-{sub.id}", form, previous.get(sub.id))
        if value is not None:
            item[sub.id] = value
    return item


def apply_action(section: m.Section, action: str, answers: dict[str, Any]) -> dict[str, Any] | None:
    """'add:children' or 'remove:children:2' -> the changed answers, or None if not allowed."""
    parts = action.split(":")
    repeat = next((f for f in section.fields if f.type == "repeat" and len(parts) > 1 and f.id == parts[1]), None)
    if repeat is None:
        return None
    items = list(answers.get(repeat.id) or [])
    if parts[0] == "add" and len(items) < min(repeat.max_items or MAX_REPEAT_ROWS, MAX_REPEAT_ROWS):
        items.append({})
    elif parts[0] == "remove" and len(parts) == 3 and is_number(parts[2]) and int(parts[2]) < len(items):
        del items[int(parts[2])]
    else:
        return None
    return {repeat.id: items}


def _decode_one(f: m.Field, name: str, form: Form, saved: Any) -> Any:
    return _blank(form.get(name))


def _decode_many(f: m.Field, name: str, form: Form, saved: Any) -> Any:
    return [v for v in form.getlist(name) if v] or None


def _decode_yes_no(f: m.Field, name: str, form: Form, saved: Any) -> Any:
    return _yes_no_answer(form.get(name))


def _decode_date(f: m.Field, name: str, form: Form, saved: Any) -> Any:
    return date_answer(form, name)


def _decode_datetime(f: m.Field, name: str, form: Form, saved: Any) -> Any:
    return datetime_answer(form, name)


def _decode_consent(f: m.Field, name: str, form: Form, saved: Any) -> Any:
    return consent_answer(form, name)


def _keep_saved(f: m.Field, name: str, form: Form, saved: Any) -> Any:
    return saved  # a file list changes only through the upload and remove routes


def _decode_nothing(f: m.Field, name: str, form: Form, saved: Any) -> Any:
    return None  # content is text on the page, never an answer


# Bounds: how long a posted answer may be before it is refused unsaved ------------------------------

# Longer than this, typed text is no number the engine takes (15 digits, a point and 10 decimals)
# and no yes or no ("yes", "no", "true", "false").
LONGEST_NUMBER = 40
LONGEST_YES_NO = 5


@dataclass(frozen=True)
class Overlong:
    """A posted answer too long for its field: never saved. `field` is its path as the engine's
    messages name it (`children[0].child_forename`, `consent.reason`), so a page shows the
    message beside that input and links to it from the error summary, as for any other error."""

    field: str
    message: str

    @property
    def answer(self) -> str:
        """The top-level answer it is part of (what is left unsaved)."""
        return self.field.split("[", 1)[0].split(".", 1)[0]


Problem = tuple[str, dict[str, Any]] | None  # (the engine's message code, its parameters)
Bound = Callable[[m.Field, str, Any], list[Overlong]]  # (field, path, decoded answer) -> what is too long


def overlong(f: m.Field, path: str, answer: Any) -> list[Overlong]:
    """What is too long in one decoded answer to this field (empty: it may be saved)."""
    return [] if answer is None else BOUNDS[f.type](f, path, answer)


def text_limit(f: m.Field) -> int:
    """The longest text kept for a text-like field: the engine's length for its type, or the field's own
    `max_length` where that is larger."""
    return max(DEFAULT_MAX_LENGTH.get(f.type, DEFAULT_MAX_LENGTH["text"]), f.max_length or 0)


def _one(check: Callable[[m.Field, Any], Problem]) -> Bound:
    def bound(f: m.Field, path: str, answer: Any, *, owner: m.Field | None = None, part: str | None = None
              ) -> list[Overlong]:
        found = check(f, answer)
        if found is None:
            return []
        code, params = found
        return [Overlong(path, message(owner or f, code, params, part))]

    return bound


def _text_problem(f: m.Field, answer: Any) -> Problem:
    if not isinstance(answer, str):
        return None
    text = answer.strip("\n\r ") if f.type == "textarea" else answer.strip()  # measured as the engine does
    if len(text) <= text_limit(f):
        return None
    said = f.max_length if f.max_length is not None else DEFAULT_MAX_LENGTH.get(f.type, DEFAULT_MAX_LENGTH["text"])
    return "max_length", {"max_length": f"{said:,}"}


def _number_problem(f: m.Field, answer: Any) -> Problem:
    too_long = isinstance(answer, str) and len(answer.strip()) > LONGEST_NUMBER
    return ("type", {"expected": "a number"}) if too_long else None


def _yes_no_problem(f: m.Field, answer: Any) -> Problem:
    too_long = isinstance(answer, str) and len(answer) > LONGEST_YES_NO
    return ("type", {"expected": "yes or no"}) if too_long else None


def _choice_problem(f: m.Field, answer: Any) -> Problem:
    """Longer than every option's value is no option; more choices than options is no choice."""
    chosen = [answer] if isinstance(answer, str) else answer if isinstance(answer, list) else []
    longest = max((len(o.value) for o in f.options), default=0)
    if len(chosen) > max(len(f.options), 1) or any(len(str(c)) > longest for c in chosen):
        return "option", {}
    return None


def _bounded(f: m.Field, answer: Any) -> Problem:
    return None  # dates and times are read part by part, each cut short (date_answer); files never travel here


def _bound_repeat(f: m.Field, path: str, answer: Any) -> list[Overlong]:
    items = answer if isinstance(answer, list) else []
    return [found for index, item in enumerate(items) if isinstance(item, dict)
            for sub in f.fields if sub.id in item
            for found in overlong(sub, f"{path}[{index}].{sub.id}", item[sub.id])]


def _bound_consent(f: m.Field, path: str, answer: Any) -> list[Overlong]:
    parts = answer if isinstance(answer, dict) else {}
    found: list[Overlong] = []
    for part, value in parts.items():
        sub = CONSENT_FIELDS.get(part)
        if sub is not None and value is not None:
            found += _PART_BOUNDS[sub.type](sub, f"{path}.{part}", value, owner=f, part=part)
    return found


_BOUND_TEXT = _one(_text_problem)
_BOUND_NUMBER = _one(_number_problem)
_BOUND_YES_NO = _one(_yes_no_problem)
_BOUND_CHOICE = _one(_choice_problem)
_BOUNDED_ALREADY = _one(_bounded)
# The consent composite's parts, by the type each behaves as (fields.CONSENT_FIELDS).
_PART_BOUNDS: dict[str, Callable[..., list[Overlong]]] = {
    "text": _BOUND_TEXT, "textarea": _BOUND_TEXT, "yes_no": _BOUND_YES_NO, "radios": _BOUND_CHOICE,
    "date": _BOUNDED_ALREADY,
}


# Encoding: answers -> posted fields ----------------------------------------------------------------


def encode(fields: Iterable[m.Field], answers: Mapping[str, Any]) -> Pairs:
    """The (name, value) pairs a browser posts for these answers to these fields, `_present` markers included.

    Only fields that have an entry in `answers` are drawn (a `None` entry posts just the
    marker, which clears the answer); calculated fields and those in NOT_POSTED post nothing.
    """
    pairs: Pairs = []
    for f in fields:
        if f.type in NOT_POSTED or f.calculate is not None or f.id not in answers:
            continue
        pairs.append(("_present", f.id))
        pairs += encode_answer(f, f.id, answers[f.id])
    return pairs


def encode_answer(f: m.Field, name: str, value: Any) -> Pairs:
    """One answer's pairs under its HTML name (no `_present` marker)."""
    return [] if value is None else ENCODERS[f.type](f, name, value)


def _encode_one(f: m.Field, name: str, value: Any) -> Pairs:
    return [(name, str(value))]


def _encode_many(f: m.Field, name: str, value: Any) -> Pairs:
    return [(name, str(v)) for v in value]


def _yes_no_text(value: Any) -> str:
    return {True: "yes", False: "no"}.get(value, str(value)) if isinstance(value, bool) else str(value)


def _encode_yes_no(f: m.Field, name: str, value: Any) -> Pairs:
    return [(name, _yes_no_text(value))]


def _date_pairs(name: str, value: Any) -> Pairs:
    if value is None:
        return []
    if isinstance(value, dict):  # a date typed wrongly, kept as its parts
        return [(f"{name}-{p}", str(value.get(p, ""))) for p in DATE_PARTS]
    year, month, day = str(value).split("-")
    return [(f"{name}-day", day), (f"{name}-month", month), (f"{name}-year", year)]


def _encode_date(f: m.Field, name: str, value: Any) -> Pairs:
    return _date_pairs(name, value)


def _encode_datetime(f: m.Field, name: str, value: Any) -> Pairs:
    if isinstance(value, dict):  # typed wrongly: {"date": ..., "time": ...} as datetime_answer keeps it
        return [*_date_pairs(name, value.get("date")), (f"{name}-time", str(value.get("time", "")))]
    day, _, time = str(value).partition("T")
    return [*_date_pairs(name, day), (f"{name}-time", time[:5])]  # HH:MM of 'HH:MM:SSZ' as the page shows it


def _encode_consent(f: m.Field, name: str, value: Any) -> Pairs:
    pairs: Pairs = []
    for part, kind in m.CONSENT_PARTS.items():
        if part not in value:
            continue
        if kind == "yes_no":
            pairs.append((f"{name}-{part}", _yes_no_text(value[part])))
        elif kind == "date":
            pairs += _date_pairs(f"{name}-{part}", value[part])
        else:
            pairs.append((f"{name}-{part}", str(value[part])))
    return pairs


def _encode_repeat(f: m.Field, name: str, value: Any) -> Pairs:
    pairs = [(f"{name}-count", str(len(value)))]
    for index, item in enumerate(value):
        for sub in f.fields:
            if sub.type not in NOT_POSTED and sub.calculate is None and sub.id in item:
                pairs += encode_answer(sub, f"{name}-{index}-{sub.id}", item[sub.id])
    return pairs


def _encode_nothing(f: m.Field, name: str, value: Any) -> Pairs:
    return []  # see NOT_POSTED


# One entry per field type (model.FIELD_TYPES): tests/meta/test_field_types.py checks both tables.
_ONE_VALUE = sorted(TYPED | {"radios", "select"})

DECODERS: dict[str, Decoder] = {
    **dict.fromkeys(_ONE_VALUE, _decode_one),
    "checkboxes": _decode_many,
    "yes_no": _decode_yes_no,
    "date": _decode_date,
    "datetime": _decode_datetime,
    "consent": _decode_consent,
    "repeat": repeat_answer,
    "file": _keep_saved,
    "content": _decode_nothing,
}

# One entry per field type, as DECODERS: how long each type's answer may be.
BOUNDS: dict[str, Bound] = {
    **dict.fromkeys(sorted(m.TEXT_LIKE), _BOUND_TEXT),
    "number": _BOUND_NUMBER,
    "yes_no": _BOUND_YES_NO,
    **dict.fromkeys(sorted(m.CHOICE), _BOUND_CHOICE),
    "date": _BOUNDED_ALREADY,
    "datetime": _BOUNDED_ALREADY,
    "consent": _bound_consent,
    "repeat": _bound_repeat,
    "file": _BOUNDED_ALREADY,
    "content": _BOUNDED_ALREADY,
}

ENCODERS: dict[str, Encoder] = {
    **dict.fromkeys(_ONE_VALUE, _encode_one),
    "checkboxes": _encode_many,
    "yes_no": _encode_yes_no,
    "date": _encode_date,
    "datetime": _encode_datetime,
    "consent": _encode_consent,
    "repeat": _encode_repeat,
    "file": _encode_nothing,
    "content": _encode_nothing,
}
