"""evaluate(compiled_form, answers) -> Evaluation. Pure: no I/O, no web framework, no database.

The one function behind the professional's form, the triage view, the workbench preview,
the API, the CLI and definition tests. It never raises on any JSON-shaped answers.
"""

from __future__ import annotations

import datetime
import decimal
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..definitions.model import ACKNOWLEDGE_LABEL
from ..expressions import evaluation_clock
from . import fields as coercion
from .compiled import CompiledForm, FieldPlan, RulePlan, SectionPlan
from .messages import message

UTC = datetime.UTC


@dataclass(frozen=True, slots=True)
class Message:
    field: str | None
    code: str
    message: str
    # A warning whose rule says `acknowledge: true`: the referrer ticks `acknowledge_label` to send.
    # Not in to_json: the evaluation's public shape (CLI, API, stored submissions) stays as it was.
    acknowledge: bool = False
    acknowledge_label: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class ThresholdResult:
    id: str
    level: int | None
    level_name: str | None
    matched: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "level": self.level, "level_name": self.level_name, "matched": list(self.matched)}


@dataclass
class Evaluation:
    form: str
    version: int
    complete: bool
    visible_sections: list[str]
    visible_fields: list[str]
    errors: list[Message]
    warnings: list[Message]
    infos: list[Message]
    derived: dict[str, Any]
    threshold: ThresholdResult | None
    answers: dict[str, Any]  # the cleaned answers: visible fields only, in their JSON shape
    # The expression-language values by field id (dates as datetimes, numbers as Decimals, a
    # repeat as a tuple of item records), calculated fields included: what a mapping reads.
    values: dict[str, Any] = field(default_factory=dict, repr=False)
    # The clock it was made at, and the moment from which the clock alone could change it (None:
    # never, the answers meet no `today` or `now`). Not part of what it found: see `holds_at`.
    at: datetime.datetime | None = field(default=None, repr=False, compare=False)
    steady_until: datetime.datetime | None = field(default=None, repr=False, compare=False)

    def holds_at(self, moment: datetime.datetime) -> bool:
        """Whether evaluating the same answers at `moment` would find exactly this."""
        return self.at is not None and self.at <= moment and (self.steady_until is None or moment < self.steady_until)

    def to_json(self) -> dict[str, Any]:
        """The public JSON shape (CLI and API): keep these keys exactly."""
        return {
            "form": self.form,
            "version": self.version,
            "complete": self.complete,
            "visible_sections": self.visible_sections,
            "visible_fields": self.visible_fields,
            "errors": [e.to_json() for e in self.errors],
            "warnings": [w.to_json() for w in self.warnings],
            "derived": self.derived,
            "threshold": self.threshold.to_json() if self.threshold else None,
        }


@dataclass
class _Run:
    """The working state of one evaluation."""

    clock: coercion.Clock
    values: dict[str, Any] = field(default_factory=dict)  # expression-language values by field id
    answers: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, bool] = field(default_factory=dict)
    visible: dict[str, list[str]] = field(default_factory=dict)  # top-level id -> visible paths
    errors: list[tuple[tuple[int, ...], Message]] = field(default_factory=list)
    derived: dict[str, Any] = field(default_factory=dict)


def evaluate(
    compiled: CompiledForm,
    answers: Mapping[str, Any] | Any,
    *,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> Evaluation:
    clock = _clock(today, now)
    given = answers if isinstance(answers, Mapping) else {}
    with evaluation_clock(clock) as horizon:
        run = _Run(coercion.Clock(horizon))
        for step in compiled.steps:
            if isinstance(step, SectionPlan):
                run.sections[step.id] = step.show_if.test(run.values) if step.show_if else True
            else:
                _field(step, given, run, compiled.field_order[step.id])
        _required(compiled, run)
        warnings, infos = _rules(compiled, run)
        threshold = _threshold(compiled, run.values)
    errors = [msg for _, msg in sorted(run.errors, key=lambda pair: pair[0])]
    return Evaluation(
        form=compiled.id,
        version=compiled.version,
        complete=not errors,
        visible_sections=[s.id for s in compiled.form.sections if run.sections.get(s.id)],
        visible_fields=[p for f in compiled.form.top_fields() for p in run.visible.get(f.id, [])],
        errors=errors,
        warnings=warnings,
        infos=infos,
        derived=run.derived,
        threshold=threshold,
        answers=run.answers,
        values=run.values,
        at=clock,
        steady_until=horizon.until,
    )


def _clock(today: datetime.date | None, now: datetime.datetime | None) -> datetime.datetime:
    if now is not None:
        return now if now.tzinfo else now.replace(tzinfo=UTC)
    if today is not None:
        return datetime.datetime(today.year, today.month, today.day, 12, tzinfo=UTC)
    return datetime.datetime.now(UTC)


# fields ------------------------------------------------------------------------------


def _field(plan: FieldPlan, given: Mapping[str, Any], run: _Run, order: int) -> None:
    f = plan.field
    shown = run.sections.get(plan.section or "", True) and (plan.show_if is None or plan.show_if.test(run.values))
    run.values[f.id] = None
    if not shown:
        return  # a hidden field's answer is dropped and reads as null
    run.visible[f.id] = [f.id]
    if plan.calculate is not None:
        value = plan.calculate.value(run.values)
        run.values[f.id] = value
        if value is not None:
            run.derived[f.id] = to_json(value, f.type)
        return
    raw = given.get(f.id)
    if f.type == "repeat":
        _repeat(plan, raw, run, order)
    elif f.type == "consent":
        _consent(plan, raw, run, order)
    elif plan.coerce is not None and not coercion.is_empty(raw):
        _store(plan, raw, run, run.values, run.answers, f.id, (order,))


def _store(
    plan: FieldPlan,
    raw: Any,
    run: _Run,
    values: dict[str, Any],
    answers: dict[str, Any],
    path: str,
    sort_key: tuple[int, ...],
) -> None:
    assert plan.coerce is not None
    result = plan.coerce(plan.field, raw, run.clock)
    for issue in result.issues:
        run.errors.append((sort_key, Message(path, issue.code, message(plan.field, issue.code, issue.params))))
    if result.answer is not None:
        values[plan.id] = result.value
        answers[plan.id] = result.answer


def _repeat(plan: FieldPlan, raw: Any, run: _Run, order: int) -> None:
    f = plan.field
    if coercion.is_empty(raw):
        return
    if not isinstance(raw, list):
        run.errors.append(((order,), Message(f.id, "type", message(f, "type", {"expected": "a list"}))))
        return
    limit = min(f.max_items if f.max_items is not None else coercion.MAX_ITEMS_CEILING, coercion.MAX_ITEMS_CEILING)
    if len(raw) > limit:
        run.errors.append(((order,), Message(f.id, "max_items", message(f, "max_items", {"max_items": limit}))))
    items_values: list[dict[str, Any]] = []
    items_answers: list[dict[str, Any]] = []
    for index, given_item in enumerate(raw[:limit]):
        item = given_item if isinstance(given_item, Mapping) else {}
        if not isinstance(given_item, Mapping):
            path = f"{f.id}[{index}]"
            run.errors.append(
                ((order, index), Message(path, "type", message(f, "type", {"expected": "a list of records"})))
            )
        item_values, item_answers = _item(plan, item, index, run, order)
        items_values.append(item_values)
        items_answers.append(item_answers)
    run.values[f.id] = tuple(items_values)
    run.answers[f.id] = items_answers
    if f.min_items is not None and 0 < len(items_values) < f.min_items:
        run.errors.append(((order,), Message(f.id, "min_items", message(f, "min_items", {"min_items": f.min_items}))))


def _item(
    plan: FieldPlan, item: Mapping[str, Any], index: int, run: _Run, order: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    values: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    scope = ChainMap(values, run.values)  # the item's own fields first, then the top level
    positions = {sub.id: i for i, sub in enumerate(plan.field.fields)}
    shown: list[FieldPlan] = []
    for sub in plan.items:
        values[sub.id] = None
        if sub.show_if is not None and not sub.show_if.test(scope):
            continue
        shown.append(sub)
        path, key = f"{plan.id}[{index}].{sub.id}", (order, index, positions[sub.id])
        if sub.calculate is not None:
            values[sub.id] = sub.calculate.value(scope)
            if values[sub.id] is not None:
                run.derived[path] = to_json(values[sub.id], sub.field.type)
        elif sub.field.type == "consent":
            _consent_parts(sub, item.get(sub.id), run, values, answers, path, key)
        elif sub.coerce is not None and not coercion.is_empty(item.get(sub.id)):
            _store(sub, item.get(sub.id), run, values, answers, path, key)
    shown.sort(key=lambda sub: positions[sub.id])
    run.visible[plan.id] += [f"{plan.id}[{index}].{sub.id}" for sub in shown]
    errored = {msg.field for _, msg in run.errors}
    for sub in shown:  # once the whole item is known, since required_if may read any of it
        path, key = f"{plan.id}[{index}].{sub.id}", (order, index, positions[sub.id])
        if sub.field.type == "consent" or sub.calculate is not None or not sub.field.answerable:
            continue
        if sub.id not in answers and path not in errored and _is_required(sub, scope):
            run.errors.append((key, Message(path, "required", message(sub.field, "required", {}))))
    return values, answers


def _consent(plan: FieldPlan, raw: Any, run: _Run, order: int) -> None:
    _consent_parts(plan, raw, run, run.values, run.answers, plan.id, (order,), defer_required=True)


def _consent_parts(
    plan: FieldPlan,
    raw: Any,
    run: _Run,
    values: dict[str, Any],
    answers: dict[str, Any],
    path: str,
    key: tuple[int, ...],
    *,
    defer_required: bool = False,
) -> None:
    f = plan.field
    clean, parts, issues = coercion.consent(f, raw, run.clock)
    asked = coercion.consent_asked(parts)
    clean = {k: v for k, v in clean.items() if k in asked}  # answers to questions not asked are dropped
    parts = {k: v for k, v in parts.items() if k in asked}
    for part, issue in issues.items():
        where = f"{path}.{part}" if part else path
        run.errors.append((key, Message(where, issue.code, message(f, issue.code, issue.params, part or None))))
    if clean:
        values[f.id] = parts
        answers[f.id] = clean
    if not defer_required:
        _consent_required(plan, ChainMap(values, run.values), parts, issues, run, path, key)


def _consent_required(
    plan: FieldPlan,
    scope: Mapping[str, Any],
    parts: Mapping[str, Any],
    issues: Mapping[str, Any],
    run: _Run,
    path: str,
    key: tuple[int, ...],
) -> None:
    if not _is_required(plan, scope):
        return
    for part in coercion.consent_asked(dict(parts)):
        if part not in parts and part not in issues:
            run.errors.append((key, Message(f"{path}.{part}", "required", message(plan.field, "required", {}, part))))


def _is_required(plan: FieldPlan, scope: Mapping[str, Any]) -> bool:
    return plan.field.required or (plan.required_if is not None and plan.required_if.test(scope))


def _required(compiled: CompiledForm, run: _Run) -> None:
    """`required` and `required_if` for top-level fields, once every value is known."""
    errored = {msg.field for _, msg in run.errors}
    for step in compiled.steps:
        if not isinstance(step, FieldPlan) or step.id not in run.visible or step.calculate is not None:
            continue
        f = step.field
        order = (compiled.field_order[f.id],)
        if f.type == "consent":
            parts = run.values.get(f.id) or {}
            issues = {
                m.field.split(".", 1)[1]: True for _, m in run.errors if m.field and m.field.startswith(f.id + ".")
            }
            _consent_required(step, run.values, parts, issues, run, f.id, order)
        elif f.answerable and f.id not in run.answers and f.id not in errored:
            if _is_required(step, run.values):
                run.errors.append((order, Message(f.id, "required", message(f, "required", {}))))
            elif f.type == "repeat" and (f.min_items or 0) > 0:  # min_items: 1 means one is needed
                run.errors.append(
                    (order, Message(f.id, "min_items", message(f, "min_items", {"min_items": f.min_items})))
                )


# rules and thresholds ------------------------------------------------------------------


def _rules(compiled: CompiledForm, run: _Run) -> tuple[list[Message], list[Message]]:
    warnings: list[Message] = []
    infos: list[Message] = []
    after = len(compiled.field_order)
    for number, plan in enumerate(compiled.rules):
        for scope, prefix in _rule_scopes(plan, run):
            if not plan.when.test(scope):
                continue
            run.derived.update(plan.rule.set)
            if plan.rule.message is None:
                continue
            target = plan.rule.field
            if target is not None and prefix and target in plan.item_fields:
                target = f"{prefix}.{target}"
            if plan.rule.acknowledge and plan.rule.severity == "warning":
                msg = Message(target, plan.rule.id, plan.rule.message, True,
                              plan.rule.acknowledge_label or ACKNOWLEDGE_LABEL)
            else:
                msg = Message(target, plan.rule.id, plan.rule.message)
            if plan.rule.severity == "error":
                order = compiled.field_order.get(plan.rule.field or "", after)
                run.errors.append(((order, 10**6, number), msg))
            else:
                (warnings if plan.rule.severity == "warning" else infos).append(msg)
    return warnings, infos


def _rule_scopes(plan: RulePlan, run: _Run) -> list[tuple[Mapping[str, Any], str]]:
    repeat = plan.rule.for_each
    if repeat is None:
        return [(run.values, "")]
    items = run.values.get(repeat) or ()
    return [(ChainMap(item, run.values), f"{repeat}[{i}]") for i, item in enumerate(items)]


def _threshold(compiled: CompiledForm, values: Mapping[str, Any]) -> ThresholdResult | None:
    thresholds = compiled.thresholds
    if thresholds is None:
        return None
    matched = [p.indicator for p in compiled.indicators if p.when is not None and p.when.test(values)]
    level = max((i.level for i in matched), default=None)
    named = thresholds.level(level) if level is not None else None
    return ThresholdResult(thresholds.id, level, named.name if named else None, tuple(i.id for i in matched))


def to_json(value: Any, ftype: str = "") -> Any:
    """An expression-language value as JSON: Decimals to numbers, datetimes to ISO text."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if ftype == "date" else value.isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    return str(value)
