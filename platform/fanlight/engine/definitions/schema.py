"""JSON Schema (Draft 2020-12) validation of definition files, reported as coded problems."""

from __future__ import annotations

import datetime
import difflib
import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from ..problems import Problems
from .source import SourceDocument

KINDS = ("form", "ruleset", "thresholds", "options", "tests", "agency", "calendar", "mapping")


@cache
def schema(kind: str) -> dict[str, Any]:
    """The shipped JSON Schema for a kind (also usable by editors)."""
    text = resources.files(__package__).joinpath("schemas", f"{kind}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator(kind: str) -> Draft202012Validator:
    # Built once per process: constructing validators per file is cheap, re-checking the
    # schema on every call (what jsonschema.validate does) is not.
    Draft202012Validator.check_schema(schema(kind))
    return Draft202012Validator(schema(kind))


# Enough to fix a file in one pass; reporting 25,000 unknown keys (each with a "did you mean")
# would hold a worker for seconds and help nobody.
MAX_SCHEMA_PROBLEMS = 200


def check_schema(doc: SourceDocument, kind: str) -> Problems:
    problems = Problems()
    for error in _validator(kind).iter_errors(doc.data):
        if len(problems) >= MAX_SCHEMA_PROBLEMS:
            break
        _report(doc, _most_specific(error), problems)
    del problems[MAX_SCHEMA_PROBLEMS:]
    return problems


def _most_specific(error: ValidationError) -> ValidationError:
    if error.validator in ("oneOf", "anyOf") and error.context:
        deepest = max(len(e.absolute_path) for e in error.context)
        if deepest > len(error.absolute_path):
            candidates = [e for e in error.context if len(e.absolute_path) == deepest]
            return _most_specific(best_match(candidates))
    return error


def _report(doc: SourceDocument, error: ValidationError, problems: Problems) -> None:
    path = list(error.absolute_path)
    dotted = _dotted(path)
    where = doc.where(path)
    validator: Any = error.validator
    expected: Any = error.validator_value
    if validator == "required":
        missing = _quoted_name(error.message)
        problems.add(where, "DEF001", f"{dotted or 'file'}: missing required key '{missing}'")
    elif validator == "additionalProperties":
        node: Any = error.schema
        allowed = sorted(node.get("properties", {}) if isinstance(node, dict) else {})
        instance: Any = error.instance
        for key in sorted(set(instance) - set(allowed), key=str)[:MAX_SCHEMA_PROBLEMS]:
            hint = _did_you_mean(str(key), allowed)
            problems.add(doc.key_where([*path, key]), "DEF003", f"{dotted or 'file'}: unknown key '{key}'{hint}")
    elif validator == "type":
        problems.add(
            where, "DEF002", f"{dotted}: {_value(error.instance)} is not {_type_words(expected)}{_date_hint(error.instance)}"
        )
    elif validator == "enum" and path and path[-1] == "type":
        hint = _did_you_mean(str(error.instance), expected)
        problems.add(where, "DEF005", f"{dotted}: unknown field type {_value(error.instance)}{hint}")
    elif validator == "enum" and path and path[-1] == "prefill":
        hint = _did_you_mean(error.instance, expected) if isinstance(error.instance, str) else ""
        problems.add(where, "DEF004", f"{dotted}: unknown source {_value(error.instance)}{hint} "
                     f"(sources: {', '.join(map(str, expected))})")
    elif validator == "const" and path == ["kind"]:
        problems.add(where, "DEF006", f"kind: expected '{expected}'")
    elif validator is False or expected is False:
        problems.add(where, "DEF007", f"{dotted}: not allowed here")
    elif validator in ("dependentRequired", "dependencies"):
        problems.add(where, "DEF001", f"{dotted or 'file'}: {_needs(path, error)}")
    else:
        problems.add(where, "DEF004", f"{dotted or 'file'}: {_plain(error)}")


def _plain(error: ValidationError) -> str:
    value = _value(error.instance)
    expected: Any = error.validator_value
    match error.validator:
        case "pattern":
            return f"{value} is not in the expected form ({_pattern_words(str(expected))})"
        case "enum":
            return f"{value} is not one of {', '.join(map(str, expected))}"
        case "minimum" | "maximum":
            return (
                f"{value} must be {'at least' if error.validator == 'minimum' else 'at most'} {error.validator_value}"
            )
        case "minLength":
            return "must not be empty"
        case "maxLength":
            return f"is longer than {expected} characters"
        case "minItems":
            return f"needs at least {expected} item(s)"
        case "uniqueItems":
            return "lists the same item twice"
        case "anyOf":
            return "a rule needs a `message` (with `severity`) or a `set`"
        case _:  # never JSON Schema's own words: they name the schema, not the definition
            return _OTHER_WORDS.get(str(error.validator), "{value} is not allowed here").format(
                value=value, expected=expected, shown=_value(expected))


_OTHER_WORDS = {
    "oneOf": "{value} does not match any of the forms it can take",
    "const": "must be {shown}",
    "exclusiveMinimum": "{value} must be more than {expected}",
    "exclusiveMaximum": "{value} must be less than {expected}",
    "maxItems": "can have at most {expected} item(s)",
    "minProperties": "must not be empty",
    "maxProperties": "can have at most {expected} key(s)",
    "multipleOf": "{value} must be a multiple of {expected}",
    "format": "{value} is not a valid {expected}",
    "propertyNames": "has a key that is not allowed",
}


def _needs(path: list[Any], error: ValidationError) -> str:
    """'a rule with a severity needs a message': the keys a present key depends on, and which is missing."""
    instance: Any = error.instance
    expected: Any = error.validator_value
    present = instance if isinstance(instance, dict) else {}
    owner = next((str(step) for step in reversed(path) if isinstance(step, str)), "")
    noun = owner[:-1] if owner.endswith("s") else "definition" if not owner else owner
    for key, needed in (expected.items() if isinstance(expected, dict) else []):
        missing = [str(n) for n in (needed if isinstance(needed, list) else []) if key in present and n not in present]
        if missing:
            return f"a {noun.replace('_', ' ')} with a {key} needs a {' and a '.join(missing)}"
    return f"a {noun.replace('_', ' ')} is missing a key it needs"


def _pattern_words(pattern: str) -> str:
    words = {
        "^[a-z][a-z0-9]*(-[a-z0-9]+)*$": "kebab-case, e.g. cause-for-concern",
        "^[a-z][a-z0-9_]*$": "snake_case, e.g. child_dob",
        "^[a-z][a-z0-9]*([-_][a-z0-9]+)*$": "lower case words joined by - or _",
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "a date written YYYY-MM-DD",
        "^([01][0-9]|2[0-3]):[0-5][0-9]$": "a time written HH:MM on the 24-hour clock, e.g. '09:00'",
    }
    return words.get(pattern, f"pattern {pattern}")


def _type_words(expected: Any) -> str:
    names = {
        "string": "text",
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true/false",
        "object": "a mapping",
        "array": "a list",
        "null": "empty",
    }
    items = expected if isinstance(expected, list) else [expected]
    return " or ".join(names.get(str(t), str(t)) for t in items)


def _date_hint(value: Any) -> str:
    # YAML 1.1 reads an unquoted 2026-12-29 as a date, not as text.
    if isinstance(value, datetime.date):
        return f"; YAML reads it as a date: quote it ('{value.isoformat()}') to write it as text"
    return ""


def _value(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    if isinstance(value, datetime.date):
        return value.isoformat()
    # default=str: YAML can make values JSON cannot write (a set, bytes); show them, never fail on them.
    text = json.dumps(value, default=str) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 60 else text[:57] + "..."


def _dotted(path: list[Any]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _quoted_name(message: str) -> str:
    return message.split("'")[1] if message.count("'") >= 2 else message


def _did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
