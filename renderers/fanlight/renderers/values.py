"""How an answer reads to a person: one function shared by check-answers, print and case note."""

from __future__ import annotations

import datetime
from typing import Any

from fanlight.engine.definitions import model as m

CONSENT_LABELS = {
    "sought": "Consent asked for", "given": "Consent given", "given_by": "Given by",
    "relationship": "Relationship to the child", "has_parental_responsibility": "Has parental responsibility",
    "date": "Date consent given", "method": "How consent was given", "reason": "Why the referral goes ahead without consent",
}

CONSENT_METHODS = {"verbal": "Verbally", "written": "In writing"}  # as the consent component offers them


# How each field type reads to a person: as typed (DISPLAYED_AS_TEXT), through its own branch of
# `display`, or somewhere else (DISPLAYED_ELSEWHERE). tests/meta/test_field_types.py checks that
# every type is in exactly one of the three.
DISPLAYED_AS_TEXT = frozenset({"text", "textarea", "email", "phone", "postcode", "nhs_number", "number"})
DISPLAYED_ELSEWHERE = {
    "consent": "consent_lines: one line per part",
    "repeat": "a row per record's field, each through display",
    "content": "not an answer",
}


def display(f: m.Field, value: Any) -> str:
    """A one-line reading of a scalar answer ('' when unanswered)."""
    if value is None or value in ("", []):
        return ""
    if f.type == "yes_no" or isinstance(value, bool):
        return "Yes" if value else "No"
    if f.type in ("radios", "select"):
        return _label(f, value)
    if f.type == "checkboxes" and isinstance(value, list):
        return ", ".join(_label(f, v) for v in value)
    if f.type == "date" and isinstance(value, str):
        return long_date(value)
    if f.type == "datetime" and isinstance(value, str):
        return long_datetime(value)
    if f.type == "file" and isinstance(value, list):
        return ", ".join(str(v.get("name", "")) for v in value if isinstance(v, dict))
    return str(value)


def _label(f: m.Field, value: Any) -> str:
    return next((o.label for o in f.options if o.value == value), str(value))


def long_date(text: str) -> str:
    if not isinstance(text, str):  # a date typed wrongly is kept as its parts: show them as they are
        return " ".join(str(part) for part in text.values()) if isinstance(text, dict) else str(text)
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return text
    return f"{day.day} {day:%B %Y}"


def long_datetime(text: str) -> str:
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M}"


def consent_lines(value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, dict):
        return []
    lines = []
    for part, label in CONSENT_LABELS.items():
        if part in value:
            raw = value[part]
            if raw is True or raw is False:
                text = "Yes" if raw else "No"
            elif part == "date":
                text = long_date(raw)
            else:
                text = CONSENT_METHODS.get(raw, str(raw)) if part == "method" else str(raw)
            lines.append((label, text))
    return lines
