"""A form version's answers as JSON Schema (Draft 2020-12, as OpenAPI 3.1 uses), derived from the
compiled form: one property per question, in the engine's answer shape (docs/definition-language.md).

The schema says what each answer may look like; whether the answers together are complete and
consistent is the evaluator's to say (POST .../evaluate), as on the pages. Every answer may be
null (not answered). Files are not sent through the API, and calculated answers are worked out,
never sent, so neither is a property.
"""

from __future__ import annotations

from typing import Any

from fanlight.engine import CompiledForm
from fanlight.engine.definitions import model as m

TEXT_FORMATS = {"email": "email", "date": "date", "datetime": "date-time"}


def answers_schema(compiled: CompiledForm) -> dict[str, Any]:
    fields = [f for section in compiled.form.sections for f in section.fields]
    return {
        "title": f"Answers to {compiled.form.title} (version {compiled.form.version})",
        **_object(fields),
    }


def _object(fields: list[m.Field]) -> dict[str, Any]:
    # Open to other keys: the evaluator ignores what the form does not ask (as it does on the pages).
    return {"type": "object", "properties": {f.id: _nullable(_field(f)) for f in fields if _sent(f)}}


def _sent(f: m.Field) -> bool:
    return f.answerable and f.calculate is None and f.type != "file"


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _field(f: m.Field) -> dict[str, Any]:
    described = {"description": f.label} if f.label else {}
    return {**_shape(f), **described}


def _shape(f: m.Field) -> dict[str, Any]:  # noqa: PLR0911  (one answer shape per field type)
    if f.type in m.TEXT_LIKE:
        return _text(f)
    if f.type in ("date", "datetime"):
        return {"type": "string", "format": TEXT_FORMATS[f.type]}
    if f.type == "number":
        return _number(f)
    if f.type == "yes_no":
        return {"type": "boolean"}
    if f.type in ("radios", "select"):
        return {"type": "string", "enum": [o.value for o in f.options]}
    if f.type == "checkboxes":
        return _bounded({"type": "array", "items": {"type": "string", "enum": [o.value for o in f.options]},
                         "uniqueItems": True}, f.min_items, f.max_items, "Items")
    if f.type == "repeat":
        return _bounded({"type": "array", "items": _object(f.fields)}, f.min_items, f.max_items, "Items")
    if f.type == "consent":
        return _consent()
    return {}


def _text(f: m.Field) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if f.type in TEXT_FORMATS:
        schema["format"] = TEXT_FORMATS[f.type]
    return _bounded(schema, f.min_length, f.max_length, "Length")


def _number(f: m.Field) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer" if f.integer else "number"}
    if isinstance(f.min, int | float) and not isinstance(f.min, bool):
        schema["minimum"] = f.min
    if isinstance(f.max, int | float) and not isinstance(f.max, bool):
        schema["maximum"] = f.max
    return schema


def _bounded(schema: dict[str, Any], low: int | None, high: int | None, what: str) -> dict[str, Any]:
    if low is not None:
        schema[f"min{what}"] = low
    if high is not None:
        schema[f"max{what}"] = high
    return schema


def _consent() -> dict[str, Any]:
    kinds: dict[str, dict[str, Any]] = {"yes_no": {"type": "boolean"}, "text": {"type": "string"}, "textarea": {"type": "string"},
             "date": {"type": "string", "format": "date"}, "radios": {"type": "string", "enum": list(m.CONSENT_METHODS)}}
    return {"type": "object", "additionalProperties": False,
            "properties": {part: _nullable(kinds[kind]) for part, kind in m.CONSENT_PARTS.items()}}
