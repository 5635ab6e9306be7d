"""Synthetic forms for the engine benchmark, built from one spec so every variant is comparable.

`build(name, n_fields=, n_show_if=, n_required_if=, n_rules=, n_sections=)` returns:

- the form (and, with rules, a ruleset) as YAML text, ready for `load_texts`;
- the same form's *requirements* as a JSON Schema (Draft 2020-12): a property per field
  with its type, enum and bounds, a top-level `required` for always-required fields, and
  one `allOf` `if/then` clause per condition (a shown-only-when field is required when
  shown, so `show_if` and `required_if` both become "then required");
- a valid full answer set, an invalid one (some fields removed), and the field ids the
  invalid set must be reported as missing (the engine and JSON Schema must agree on them).

Conditions use only the five "controller" fields of the first section and yes/no fields
that have no condition of their own, so a JSON Schema `if` can say exactly what the
expression says (a hidden field reads as null in the engine but is still present in the
JSON instance, so conditions never read conditional fields).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

# The answer every controller gets in the valid answer set.
CONTROLLERS: dict[str, Any] = {
    "category": "c3",
    "age": 12,
    "priority": "medium",
    "has_siblings": True,
    "score": 40,
}
CATEGORIES = [f"c{i}" for i in range(1, 9)]
PRIORITIES = ["low", "medium", "high"]
TYPES = [
    "text",
    "number",
    "radios",
    "yes_no",
    "date",
    "textarea",
    "email",
    "select",
    "checkboxes",
    "postcode",
]
OPTIONS = ["o1", "o2", "o3", "o4"]


@dataclass
class Condition:
    expr: str  # the Fanlight (rule-engine) expression
    schema: dict[str, Any]  # the equivalent JSON Schema `if`


@dataclass
class FieldSpec:
    id: str
    type: str
    section: int
    required: bool = False
    show_if: Condition | None = None
    required_if: Condition | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _is(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"properties": {name: schema}, "required": [name]}


def _all(*parts: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required: list[str] = []
    for p in parts:
        props.update(p["properties"])
        required += p["required"]
    return {"properties": props, "required": required}


def condition(k: int, yes_no_ref: str | None) -> Condition:
    """The k-th condition: a rotating mix of the shapes real forms use."""
    cat, other, n = CATEGORIES[k % 8], CATEGORIES[(k + 3) % 8], (13, 16, 18)[k % 3]
    shape = k % 6
    if shape == 5 and yes_no_ref is None:
        shape = 0
    if shape == 0:
        return Condition(
            f"category == '{cat}' and age < {n}",
            _all(_is("category", {"const": cat}), _is("age", {"exclusiveMaximum": n})),
        )
    if shape == 1:
        m = 30 + 10 * (k % 4)
        return Condition(
            f"priority == 'high' or score >= {m}",
            {"anyOf": [_is("priority", {"const": "high"}), _is("score", {"minimum": m})]},
        )
    if shape == 2:
        return Condition(
            f"has_siblings == true and age >= {n - 8}",
            _all(_is("has_siblings", {"const": True}), _is("age", {"minimum": n - 8})),
        )
    if shape == 3:
        return Condition(f"category in ['{cat}', '{other}']", _is("category", {"enum": [cat, other]}))
    if shape == 4:
        m = 20 + 15 * (k % 4)
        schema = {
            "properties": {"score": {"exclusiveMinimum": m}, "priority": {"not": {"const": "low"}}},
            "required": ["score"],
        }  # null != 'low' is true in the engine: priority may be absent
        return Condition(f"score > {m} and priority != 'low'", schema)
    assert yes_no_ref is not None
    return Condition(f"{yes_no_ref} == true", _is(yes_no_ref, {"const": True}))


def _controllers() -> list[FieldSpec]:
    return [
        FieldSpec("category", "radios", 0, True, extra={"options": CATEGORIES}),
        FieldSpec("age", "number", 0, True, extra={"min": 0, "max": 25}),
        FieldSpec("priority", "radios", 0, True, extra={"options": PRIORITIES}),
        FieldSpec("has_siblings", "yes_no", 0, True),
        FieldSpec("score", "number", 0, True, extra={"min": 0, "max": 100}),
    ]


def fields(n_fields: int, n_show_if: int, n_required_if: int, n_sections: int) -> list[FieldSpec]:
    specs = _controllers()
    rest = n_fields - len(specs)
    per_section = -(-n_fields // n_sections)
    for i in range(rest):
        ftype = TYPES[i % len(TYPES)]
        section = (len(specs)) // per_section
        specs.append(FieldSpec(f"f{i + 1:04d}_{ftype}", ftype, section, required=i % 5 in (0, 1, 3)))
    # Spread the conditions evenly over the fields that may carry one (not yes/no: those
    # are what other conditions read).
    candidates = [s for s in specs[5:] if s.type != "yes_no"]
    n_cond = n_show_if + n_required_if
    chosen = {candidates[(j * len(candidates)) // n_cond].id for j in range(n_cond)}
    last_yes_no: str | None = None
    k = shows = reqs = 0
    for s in specs[5:]:
        if s.type == "yes_no":
            last_yes_no = s.id
        if s.id not in chosen:
            continue
        cond = condition(k, last_yes_no)
        wants_show = k % 2 == 0 or reqs >= n_required_if  # alternate show_if / required_if
        if wants_show and shows < n_show_if:
            s.show_if, s.required = cond, True  # shown only when ...; required when shown
            shows += 1
        else:
            s.required_if, s.required = cond, False
            reqs += 1
        k += 1
    return specs


def _field_yaml(s: FieldSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"id": s.id, "type": s.type, "label": f"Question {s.id}"}
    if s.required:
        out["required"] = True
    if s.show_if:
        out["show_if"] = s.show_if.expr
    if s.required_if:
        out["required_if"] = s.required_if.expr
    if s.type in ("radios", "select", "checkboxes"):
        values = s.extra.get("options", OPTIONS)
        out["options"] = [{"value": v, "label": f"Option {v}"} for v in values]
    if s.type == "number":
        out.update(min=s.extra.get("min", 0), max=s.extra.get("max", 100), integer=True)
    if s.type == "text":
        out["max_length"] = 200
    if s.type == "textarea":
        out["max_length"] = 2000
    if s.type == "date":
        out["max"] = "today"
    if s.type == "checkboxes":
        out["max_items"] = 4
    return out


def form_yaml(form_id: str, specs: list[FieldSpec], n_sections: int, rulesets: list[str]) -> str:
    sections = [
        {
            "id": f"section-{n + 1:02d}",
            "title": f"Section {n + 1}",
            "fields": [_field_yaml(s) for s in specs if s.section == n],
        }
        for n in range(n_sections)
    ]
    doc: dict[str, Any] = {
        "kind": "form",
        "id": form_id,
        "version": 1,
        "title": f"Synthetic form {form_id}",
    }
    if rulesets:
        doc["rulesets"] = rulesets
    doc["sections"] = sections
    return yaml.safe_dump(doc, sort_keys=False, width=200, allow_unicode=True)


def ruleset_yaml(ruleset_id: str, specs: list[FieldSpec], n_rules: int) -> str:
    """`n_rules` cross-field rules: warnings, infos, derived values and (never-firing on a
    full answer set) errors, each a condition plus a reference to another field."""
    numbers = [s.id for s in specs[5:] if s.type == "number" and not (s.show_if or s.required_if)]
    texts = [s.id for s in specs[5:] if s.type == "text" and not (s.show_if or s.required_if)]
    yes_nos = [s.id for s in specs[5:] if s.type == "yes_no"]
    rules = []
    for k in range(n_rules):
        cond = condition(k, yes_nos[k % len(yes_nos)])
        rule: dict[str, Any] = {"id": f"rule-{k + 1:04d}"}
        kind = k % 4
        if kind == 0:
            rule.update(
                when=f"{cond.expr} and {numbers[k % len(numbers)]} > 5",
                severity="warning",
                field=numbers[k % len(numbers)],
                message=f"Check the answer (rule {k + 1}).",
            )
        elif kind == 1:
            rule.update(
                when=f"({cond.expr}) and {texts[k % len(texts)]} == null",
                severity="error",
                field=texts[k % len(texts)],
                message=f"Tell us more (rule {k + 1}).",
            )
        elif kind == 2:
            rule.update(when=cond.expr, severity="info", message=f"Guidance for this case (rule {k + 1}).")
        else:
            rule.update(when=f"{cond.expr} and score >= {k % 100}", set={f"flag_{k + 1:04d}": True})
        rules.append(rule)
    doc = {
        "kind": "ruleset",
        "id": ruleset_id,
        "version": 1,
        "title": f"Synthetic rules {ruleset_id}",
        "rules": rules,
    }
    return yaml.safe_dump(doc, sort_keys=False, width=200, allow_unicode=True)


# JSON Schema ------------------------------------------------------------------------------

_PATTERNS = {
    "date": r"^\d{4}-\d{2}-\d{2}$",
    "email": r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$",
    "postcode": r"^[A-Za-z]{1,2}[0-9][0-9A-Za-z]? ?[0-9][A-Za-z]{2}$",
}


def _property(s: FieldSpec) -> dict[str, Any]:
    if s.type in ("radios", "select"):
        return {"type": "string", "enum": s.extra.get("options", OPTIONS)}
    if s.type == "checkboxes":
        return {"type": "array", "items": {"enum": OPTIONS}, "maxItems": 4}
    if s.type == "number":
        return {
            "type": "integer",
            "minimum": s.extra.get("min", 0),
            "maximum": s.extra.get("max", 100),
        }
    if s.type == "yes_no":
        return {"type": "boolean"}
    if s.type in _PATTERNS:
        return {"type": "string", "pattern": _PATTERNS[s.type]}
    return {"type": "string", "maxLength": 2000 if s.type == "textarea" else 200}


def json_schema(specs: list[FieldSpec]) -> dict[str, Any]:
    clauses = [
        {"if": c.schema, "then": {"required": [s.id]}}
        for s in specs
        for c in (s.show_if, s.required_if)
        if c is not None
    ]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {s.id: _property(s) for s in specs},
        "required": [s.id for s in specs if s.required and not s.show_if],
        "allOf": clauses,
    }


# answers ----------------------------------------------------------------------------------

_SAMPLE: dict[str, Any] = {
    "text": "Seen at the school gate on Monday",
    "number": 7,
    "radios": "o2",
    "yes_no": True,
    "date": "2025-06-01",
    "textarea": "A longer account of what happened.\n\nOver two paragraphs.",
    "email": "a.person@example.org",
    "select": "o1",
    "checkboxes": ["o1", "o3"],
    "postcode": "WR1 2AB",
}


def full_answers(specs: list[FieldSpec]) -> dict[str, Any]:
    return {s.id: CONTROLLERS[s.id] if s.id in CONTROLLERS else _SAMPLE[s.type] for s in specs}


def invalid_answers(specs: list[FieldSpec]) -> dict[str, Any]:
    """The full set with every 7th non-controller field left out (required ones become errors)."""
    answers = full_answers(specs)
    for i, s in enumerate(specs[5:]):
        if i % 7 == 3:
            del answers[s.id]
    return answers


@dataclass
class Synthetic:
    name: str
    texts: dict[str, str]
    form_id: str
    specs: list[FieldSpec]
    schema: dict[str, Any]
    n_expressions: int

    @property
    def full(self) -> dict[str, Any]:
        return full_answers(self.specs)

    @property
    def invalid(self) -> dict[str, Any]:
        return invalid_answers(self.specs)


def build(name: str, *, n_fields: int, n_show_if: int, n_required_if: int, n_rules: int, n_sections: int) -> Synthetic:
    specs = fields(n_fields, n_show_if, n_required_if, n_sections)
    form_id = f"synthetic-{name}"
    rulesets = [f"{form_id}-rules"] if n_rules else []
    texts = {f"{form_id}.yaml": form_yaml(form_id, specs, n_sections, rulesets)}
    if n_rules:
        texts[f"{form_id}-rules.yaml"] = ruleset_yaml(rulesets[0], specs, n_rules)
    return Synthetic(name, texts, form_id, specs, json_schema(specs), n_show_if + n_required_if + n_rules)
