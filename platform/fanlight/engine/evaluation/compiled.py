"""compile_form: a Form plus its rulesets and thresholds -> a CompiledForm, ready to evaluate.

All expressions are compiled here, once per definition version. Fields and sections are
put in dependency order (a `show_if` or `calculate` runs after the fields it reads), so
one pass decides visibility; a cycle is a load-time error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from ..definitions import model as m
from ..expressions import CompiledExpression, Scope, compile_expression
from ..expressions.compiler import field_type
from ..problems import Problems
from .fields import COERCERS, Coercer


@dataclass
class FieldPlan:
    field: m.Field
    section: str | None
    show_if: CompiledExpression | None = None
    required_if: CompiledExpression | None = None
    calculate: CompiledExpression | None = None
    coerce: Coercer | None = None
    items: list[FieldPlan] = _field(default_factory=list)  # repeat sub-fields, in dependency order
    id: str = ""

    def __post_init__(self) -> None:
        self.id = self.field.id  # read on every evaluation of every field: a plain attribute

    def reads(self) -> frozenset[str]:
        """Names this field's visibility or value depends on (for a repeat: its items' too)."""
        own = set().union(*(e.symbols for e in (self.show_if, self.calculate) if e is not None))
        for item in self.items:
            own |= item.reads()
        return frozenset(own)


@dataclass
class SectionPlan:
    section: m.Section
    show_if: CompiledExpression | None = None
    id: str = ""

    def __post_init__(self) -> None:
        self.id = self.section.id


@dataclass
class RulePlan:
    rule: m.Rule
    ruleset: str
    when: CompiledExpression
    item_fields: frozenset[str] = frozenset()  # for `for_each` rules: the repeat's own fields


@dataclass
class IndicatorPlan:
    indicator: m.Indicator
    when: CompiledExpression | None


@dataclass
class CompiledForm:
    form: m.Form
    steps: list[SectionPlan | FieldPlan]
    field_order: dict[str, int]  # form order of top-level fields, for stable output
    rules: list[RulePlan]
    thresholds: m.Thresholds | None
    indicators: list[IndicatorPlan]

    @property
    def id(self) -> str:
        return self.form.id

    @property
    def version(self) -> int:
        return self.form.version


def compile_form(
    form: m.Form,
    rulesets: Mapping[str, m.Ruleset],
    thresholds: Mapping[str, m.Thresholds],
    problems: Problems,
) -> CompiledForm:
    scope = Scope.for_form(form)
    sections = [SectionPlan(s, _compile(s.show_if, scope, problems)) for s in form.sections]
    fields = [_field_plan(f, s.id, scope, problems) for s in form.sections for f in s.fields]
    steps = _dependency_order([*sections, *fields], problems)
    rules = [p for rid in form.rulesets if rid in rulesets for p in _rule_plans(form, rulesets[rid], scope, problems)]
    chosen = thresholds.get(form.thresholds) if form.thresholds else None
    indicators = [
        IndicatorPlan(i, _compile(i.when, scope, problems, form_id=form.id))
        for i in (chosen.indicators if chosen else [])
    ]
    order = {f.id: i for i, f in enumerate(form.top_fields())}
    return CompiledForm(form, steps, order, rules, chosen, indicators)


def _compile(
    source: m.Expression | None, scope: Scope, problems: Problems, *, result: Any = None, form_id: str | None = None
) -> CompiledExpression | None:
    if source is None:
        return None
    found = Problems()
    compiled = (
        compile_expression(source, scope, found)
        if result is None
        else compile_expression(source, scope, found, result=result)
    )
    for p in found:
        # Rulesets and thresholds are shared: say which form's fields were missing.
        problems.add(p.where, p.code, p.message + (f" (in form '{form_id}')" if form_id else ""))
    return compiled


def _field_plan(f: m.Field, section: str | None, scope: Scope, problems: Problems) -> FieldPlan:
    plan = FieldPlan(f, section, coerce=COERCERS.get(f.type))
    plan.show_if = _compile(f.show_if, scope, problems)
    plan.required_if = _compile(f.required_if, scope, problems)
    if f.calculate is not None:
        plan.calculate = _compile(f.calculate, scope, problems, result=field_type(f))
    if f.type == "repeat":
        inner = scope.for_repeat(f)
        subs = [_field_plan(sub, None, inner, problems) for sub in f.fields]
        _check_unique(subs, problems)
        plan.items = [s for s in _dependency_order(subs, problems) if isinstance(s, FieldPlan)]
    return plan


def _check_unique(plans: list[FieldPlan], problems: Problems) -> None:
    seen: dict[str, FieldPlan] = {}
    for p in plans:
        if p.id in seen:
            problems.add(
                p.field.where, "REF001", f"field id '{p.id}' is already used on line {seen[p.id].field.where.line}"
            )
        seen.setdefault(p.id, p)


def _dependency_order(nodes: Sequence[SectionPlan | FieldPlan], problems: Problems) -> list[SectionPlan | FieldPlan]:
    """Stable topological order: form order wherever the dependencies allow it."""
    by_key = {_key(n): n for n in nodes}
    deps = {_key(n): _deps(n, by_key) for n in nodes}
    done: set[str] = set()
    ordered: list[SectionPlan | FieldPlan] = []
    pending = [_key(n) for n in nodes]
    while pending:
        ready = next((k for k in pending if deps[k] <= done), None)
        if ready is None:
            _report_cycle(pending, deps, by_key, problems)
            ordered += [by_key[k] for k in pending]  # evaluate the rest in form order
            break
        pending.remove(ready)
        done.add(ready)
        ordered.append(by_key[ready])
    return ordered


def _key(node: SectionPlan | FieldPlan) -> str:
    return ("s:" if isinstance(node, SectionPlan) else "f:") + node.id


def _deps(node: SectionPlan | FieldPlan, by_key: Mapping[str, Any]) -> set[str]:
    reads = node.show_if.symbols if isinstance(node, SectionPlan) and node.show_if else frozenset()
    if isinstance(node, FieldPlan):
        reads = node.reads() - {node.id}
    found = {f"f:{name}" for name in reads if f"f:{name}" in by_key}
    if isinstance(node, FieldPlan) and node.section is not None:
        found.add(f"s:{node.section}")
    if isinstance(node, FieldPlan) and node.id in node.reads():
        found.add(_key(node))  # a condition or calculation reading its own field: a cycle of one
    return found


def _report_cycle(
    pending: list[str], deps: Mapping[str, set[str]], by_key: Mapping[str, Any], problems: Problems
) -> None:
    start = pending[0]
    path = [start]
    while True:
        nxt = next(k for k in sorted(deps[path[-1]]) if k in pending)
        if nxt in path:
            cycle = path[path.index(nxt) :] + [nxt]
            break
        path.append(nxt)
    node = by_key[cycle[0]]
    expr = node.show_if or (node.calculate if isinstance(node, FieldPlan) else None)
    where = expr.source.where if expr is not None else node.field.where
    names = " -> ".join(k[2:] for k in cycle)
    problems.add(where, "EXP004", f"show_if/calculate cycle: {names}")


def _rule_plans(form: m.Form, ruleset: m.Ruleset, scope: Scope, problems: Problems) -> Iterable[RulePlan]:
    fields = {f.id: f for f in form.top_fields()}
    for rule in ruleset.rules:
        rule_scope, item_fields = scope, frozenset[str]()
        if rule.for_each is not None:
            repeat = fields.get(rule.for_each)
            if repeat is None or repeat.type != "repeat":
                problems.add(
                    rule.where, "REF008", f"for_each: '{rule.for_each}' is not a repeat field of form '{form.id}'"
                )
                continue
            rule_scope, item_fields = scope.for_repeat(repeat), frozenset(f.id for f in repeat.fields)
        if rule.field is not None and rule.field not in rule_scope.fields:
            problems.add(rule.where, "REF008", f"field: unknown field '{rule.field}' (in form '{form.id}')")
        when = _compile(rule.when, rule_scope, problems, form_id=form.id)
        if when is not None:
            yield RulePlan(rule, ruleset.id, when, item_fields)
