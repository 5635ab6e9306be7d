"""Mappings: how a decided referral becomes the document sent to another system.

A mapping (`kind: mapping`, docs/definition-language.md "Mappings") names a referral form, a
destination and a payload: a tree of keys whose leaves are expressions over the referral's
answers, the front door's decision (`decision.outcome`) and facts about the referral
(`referral.reference`). It is compiled when the definitions load, like every expression, so
an unknown name is a load-time problem at its FILE:LINE:COL; rendering never raises.

    mappings_for(definitions, form_id)  the compiled mappings of a referral form
    applies(compiled, referral)         the mapping's `when` (True without one)
    render_payload(compiled, referral)  the JSON document, ready to send

Pure: no web framework, no database.
"""

from __future__ import annotations

import datetime
import decimal
import difflib
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .definitions import model as m
from .evaluation.evaluate import evaluate, to_json
from .expressions import CompiledExpression, Scope, compile_expression, evaluation_clock
from .problems import Problems, Where
from .testing import scenario_day

if TYPE_CHECKING:
    from .definitions.loader import DefinitionSet
    from .evaluation.compiled import CompiledForm

UTC = datetime.UTC

REFERRAL = "referral"  # the facts about the referral: `referral.reference`, `referral.received_at`...
DECISION = "decision"  # the decision form's answers: `decision.outcome`, `decision.primary_need`...
RESERVED_NAMES = (REFERRAL, DECISION)


def _fact(name: str, ftype: str, options: tuple[str, ...] = ()) -> m.Field:
    return m.Field(id=name, type=ftype, where=Where("referral"), options=tuple(m.Option(v, v) for v in options))


# What `referral.<name>` reads, typed like fields so expressions are checked against them.
REFERRAL_FACTS: dict[str, m.Field] = {
    f.id: f
    for f in (
        _fact("reference", "text"),
        _fact("form_id", "text"),
        _fact("form_version", "number"),
        _fact("received_at", "datetime"),
        _fact("decided_at", "datetime"),
        _fact("agency_id", "text"),
        _fact("agency", "text"),
        _fact("referral_source", "text"),
        _fact("rag", "radios", ("red", "amber", "green")),
    )
}


@dataclass(frozen=True)
class DecidedReferral:
    """A referral the front door has decided: what a mapping renders."""

    reference: str
    form_id: str
    form_version: int
    received_at: datetime.datetime
    decided_at: datetime.datetime
    agency_id: str | None
    agency: str
    referral_source: str | None  # CIN referral-source code
    rag: str | None
    answers: dict[str, Any]  # the referral's answers as sent
    decision: dict[str, Any]  # the decision form's answers

    def facts(self) -> dict[str, Any]:
        """`referral.*` in the expression language's types."""
        return {
            "reference": self.reference,
            "form_id": self.form_id,
            "form_version": decimal.Decimal(self.form_version) if isinstance(self.form_version, int) else None,
            "received_at": _aware(self.received_at),
            "decided_at": _aware(self.decided_at),
            "agency_id": self.agency_id,
            "agency": self.agency,
            "referral_source": self.referral_source,
            "rag": self.rag,
        }


@dataclass(frozen=True)
class CompiledNode:
    """A payload node, compiled. `field` says how an expression's value is written as JSON
    (a date field as `YYYY-MM-DD`, a repeat as a list of objects) when it reads one field."""

    node: m.PayloadNode
    expression: CompiledExpression | None = None
    field: m.Field | None = None
    keys: tuple[tuple[str, CompiledNode], ...] = ()
    items: tuple[CompiledNode, ...] = ()
    item: CompiledNode | None = None

    @property
    def kind(self) -> str:
        return self.node.kind


@dataclass(frozen=True)
class CompiledMapping:
    mapping: m.Mapping
    form: CompiledForm
    decision_form: CompiledForm | None
    when: CompiledExpression | None
    payload: CompiledNode

    @property
    def id(self) -> str:
        return self.mapping.id

    @property
    def version(self) -> int:
        return self.mapping.version

    @property
    def destination(self) -> str:
        return self.mapping.destination


def mappings_for(definitions: DefinitionSet, form_id: str) -> list[CompiledMapping]:
    """The compiled mappings of a referral form's decided referrals, by id."""
    return sorted((c for c in definitions.compiled_mappings.values() if c.mapping.form == form_id), key=lambda c: c.id)


# Rendering ------------------------------------------------------------------------------------


def applies(mapping: CompiledMapping, referral: DecidedReferral) -> bool:
    """Whether this decided referral is sent: the mapping's `when`, True when it has none."""
    if mapping.when is None:
        return True
    values = _values(mapping, referral)
    with evaluation_clock(_aware(referral.decided_at) or datetime.datetime.now(UTC)):
        return mapping.when.test(values)


def render_payload(mapping: CompiledMapping, referral: DecidedReferral) -> dict[str, Any]:
    """The document to send, as JSON values: dates `YYYY-MM-DD`, times ISO 8601 in UTC (`Z`),
    numbers as numbers, a missing or unreadable answer as null. Never raises on odd answers."""
    values = _values(mapping, referral)
    with evaluation_clock(_aware(referral.decided_at) or datetime.datetime.now(UTC)):
        rendered = _render(mapping.payload, values)
    return rendered if isinstance(rendered, dict) else {}


def _values(mapping: CompiledMapping, referral: DecidedReferral) -> dict[str, Any]:
    """The expression-language values: the referral's answers (as its form reads them, calculated
    fields included, ages on the day it was received), `decision` and `referral`."""
    received = _aware(referral.received_at)
    decided = _aware(referral.decided_at)
    answers = evaluate(mapping.form, referral.answers, now=received) if received else evaluate(mapping.form, referral.answers)
    decision: dict[str, Any] = {}
    if mapping.decision_form is not None:
        given = referral.decision
        decision = (evaluate(mapping.decision_form, given, now=decided) if decided else evaluate(mapping.decision_form, given)).values
    return {**answers.values, DECISION: decision, REFERRAL: referral.facts()}


def _render(node: CompiledNode, values: Mapping[str, Any]) -> Any:
    kind = node.kind
    if kind == "expression":
        if node.expression is None:
            return None
        return _json(node.expression.value(values), node.field)
    if kind == "literal":
        return _literal(node.node.literal)
    if kind == "object":
        return {key: _render(child, values) for key, child in node.keys}
    if kind == "list":
        return [_render(child, values) for child in node.items]
    if kind == "each" and node.item is not None and node.node.each is not None:
        found = values.get(node.node.each)
        items = found if isinstance(found, (tuple, list)) else ()
        item = node.item
        top = dict(values)  # the item's own fields first, then the top level
        return [_render(item, ChainMap(dict(entry), top)) for entry in items if isinstance(entry, Mapping)]
    return None


def _json(value: Any, f: m.Field | None) -> Any:
    """An expression's value as JSON, written as the field it reads would be."""
    if f is None:
        return to_json(value)
    if f.type == "repeat" and isinstance(value, (tuple, list)):
        return [
            {sub.id: _json(item.get(sub.id), sub) for sub in f.fields if sub.answerable}
            for item in value
            if isinstance(item, Mapping)
        ]
    if f.type == "consent" and isinstance(value, Mapping):
        return {k: to_json(v, m.CONSENT_PARTS.get(str(k), "")) for k, v in value.items()}
    return to_json(value, f.type)


def _literal(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return _aware(value).isoformat().replace("+00:00", "Z")  # type: ignore[union-attr]
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_literal(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _literal(v) for k, v in value.items()}
    return value


def _aware(moment: Any) -> datetime.datetime | None:
    if not isinstance(moment, datetime.datetime):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Compiling ------------------------------------------------------------------------------------


def compile_mapping(mapping: m.Mapping, definitions: DefinitionSet, problems: Problems) -> CompiledMapping | None:
    """Compile a mapping against its form, the decision form and the referral's facts.

    An unknown form is REF006; a field of the form named `decision` or `referral` is REF005
    (the mapping could not tell them apart); `each` naming no repeat of the form is REF008;
    expressions report their own problems (EXP001-EXP005). Returns None when the form is
    unknown (the expressions are then checked for syntax only).
    """
    form = definitions.compiled.get(mapping.form)
    decision = definitions.compiled.get(mapping.decision_form)
    found = Problems()
    if form is None:
        found.add(mapping.form_where or mapping.where, "REF006", f"unknown form '{mapping.form}'{_known(definitions)}")
    if decision is None:
        found.add(
            mapping.decision_form_where or mapping.where,
            "REF006",
            f"unknown decision form '{mapping.decision_form}'{_known(definitions)}",
        )
    if form is None:
        _syntax_only(mapping, found)
        problems.extend(found)
        return None
    fields = {f.id: f for f in form.form.top_fields() if f.answerable}
    for name in RESERVED_NAMES:
        if name in fields:
            found.add(
                fields[name].where,
                "REF005",
                f"'{name}' is a reserved name in mappings (mapping '{mapping.id}' reads the {name} as `{name}.…`); "
                "choose another id",
            )
    objects = {REFERRAL: REFERRAL_FACTS, DECISION: _decision_fields(decision)}
    scope = Scope(fields, objects)
    when = compile_expression(mapping.when, scope, found) if mapping.when is not None else None
    payload = _compile_node(mapping.payload, scope, fields, found) if mapping.payload else None
    problems.extend(found)
    if payload is None or len(found):
        return None
    return CompiledMapping(mapping, form, decision, when, payload)


def _decision_fields(decision: CompiledForm | None) -> dict[str, m.Field]:
    if decision is None:
        return {}
    return {f.id: f for f in decision.form.top_fields() if f.answerable}


def _compile_node(node: m.PayloadNode, scope: Scope, fields: dict[str, m.Field], problems: Problems) -> CompiledNode:
    if node.kind == "expression":
        if node.expression is None:
            return CompiledNode(node)
        compiled = compile_expression(node.expression, scope, problems, result=None)
        return CompiledNode(node, compiled, _reads(compiled, scope))
    if node.kind == "object":
        keys = tuple((k, _compile_node(child, scope, fields, problems)) for k, child in node.keys.items())
        return CompiledNode(node, keys=keys)
    if node.kind == "list":
        return CompiledNode(node, items=tuple(_compile_node(child, scope, fields, problems) for child in node.items))
    if node.kind == "each":
        repeat = scope.fields.get(node.each or "")
        if node.each is None:  # not text: the schema has said so
            return CompiledNode(node)
        if repeat is None or repeat.type != "repeat":
            repeats = sorted(f.id for f in scope.fields.values() if f.type == "repeat")
            close = difflib.get_close_matches(node.each or "", repeats, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (repeats: {', '.join(repeats) or 'none'})"
            problems.add(node.each_where or node.where, "REF008", f"each: '{node.each}' is not a repeat field of the form{hint}")
            if node.item is not None:
                _syntax_only_node(node.item, problems)
            return CompiledNode(node)
        item = _compile_node(node.item, scope.for_repeat(repeat), fields, problems) if node.item else None
        return CompiledNode(node, item=item)
    return CompiledNode(node)


def _reads(compiled: CompiledExpression | None, scope: Scope) -> m.Field | None:
    """The field an expression is, when it is just one field (`child_dob`, `decision.outcome`)."""
    if compiled is None:
        return None
    from rule_engine import ast as re_ast  # noqa: PLC0415  (only the compiler's module needs it at import)

    node = compiled.node
    if isinstance(node, re_ast.SymbolExpression) and node.scope is None:
        return scope.fields.get(node.name)
    if isinstance(node, re_ast.GetAttributeExpression) and isinstance(node.object, re_ast.SymbolExpression):
        owner = node.object.name
        if owner in scope.objects:
            return scope.objects[owner].get(node.name)
        f = scope.fields.get(owner)
        if f is not None and f.type == "consent" and node.name in m.CONSENT_PARTS:
            return m.Field(id=node.name, type=m.CONSENT_PARTS[node.name], where=f.where)
    return None


def _syntax_only(mapping: m.Mapping, problems: Problems) -> None:
    untyped = Scope.untyped()
    if mapping.when is not None:
        compile_expression(mapping.when, untyped, problems)
    if mapping.payload is not None:
        _syntax_only_node(mapping.payload, problems)


def _syntax_only_node(node: m.PayloadNode, problems: Problems) -> None:
    if node.expression is not None:
        compile_expression(node.expression, Scope.untyped(), problems, result=None)
    for child in (*node.keys.values(), *node.items, *([node.item] if node.item else [])):
        _syntax_only_node(child, problems)


def _known(definitions: DefinitionSet) -> str:
    forms = sorted(definitions.forms)
    return f" (known: {', '.join(forms)})" if forms else ""


# Samples: what the workbench's dry run renders ------------------------------------------------


@dataclass(frozen=True)
class Sample:
    name: str  # where its answers come from: a definition test scenario's name
    referral: DecidedReferral


SAMPLE_DECISION: dict[str, Any] = {
    "rag": "amber",
    "outcome": "cin_s17",
    "level_applied": "3",
    "reasons": "A sample decision for the dry run.",
    "reason_for_referrer": "A social worker will assess the family's needs.",
    "primary_need": "N1",
}


def samples(definitions: DefinitionSet, mapping: CompiledMapping, limit: int = 3) -> list[Sample]:
    """Decided referrals to dry-run a mapping on: the answers of the complete scenarios of its
    form's definition tests, decided with the first complete scenario of the decision form's
    tests (else a child in need assessment), sent by the first agency that uses the form."""
    decision = dict(SAMPLE_DECISION)
    for suite in definitions.test_suites.values():
        if suite.form == mapping.mapping.decision_form:
            first = next((s for s in suite.scenarios if s.expect.get("complete") is True), None)
            if first is not None:
                decision = dict(first.answers)
                break
    users = [a for a in definitions.agencies.values() if mapping.form.id in a.forms]
    found: list[Sample] = []
    for suite in sorted(definitions.test_suites.values(), key=lambda s: s.id):
        if suite.form != mapping.form.id:
            continue
        for scenario in suite.scenarios:
            if scenario.expect.get("complete") is not True or len(found) >= limit:
                continue
            # The agency that sends it: one of the referrer's type if the answers say it, else the first.
            kind = scenario.answers.get("agency_type")
            agency = next((a for a in users if a.agency_type == kind), users[0] if users else None)
            source = agency.referral_source_code if agency else None
            day = scenario_day(suite, scenario) or datetime.date(2026, 1, 15)
            received = datetime.datetime(day.year, day.month, day.day, 10, 30, tzinfo=UTC)
            referral = DecidedReferral(
                reference=f"SAMPLE-{len(found) + 1:04d}",
                form_id=mapping.form.id,
                form_version=mapping.form.version,
                received_at=received,
                decided_at=received + datetime.timedelta(hours=3),
                agency_id=agency.id if agency else None,
                agency=agency.title if agency else "Sample agency",
                referral_source=source,
                rag=decision.get("rag") if isinstance(decision.get("rag"), str) else None,
                answers=dict(scenario.answers),
                decision={**decision, "cin_referral_source": source} if source else decision,
            )
            found.append(Sample(scenario.name, referral))
    return found


__all__ = [
    "CompiledMapping",
    "CompiledNode",
    "DecidedReferral",
    "Sample",
    "applies",
    "compile_mapping",
    "mappings_for",
    "render_payload",
    "samples",
]
