"""Compile expressions once per definition version against a typed scope of fields.

Compiling catches unknown names (with a suggestion), unknown consent/repeat attributes,
type mismatches, syntax errors and comparisons with values that are not options, and
reports each at its line and column inside the YAML file.
"""

from __future__ import annotations

import contextvars
import datetime
import decimal
import difflib
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import rule_engine
from rule_engine import DataType, errors
from rule_engine import ast as re_ast
from rule_engine.builtins import Builtins, BuiltinValueGenerator

from ..definitions import model as m
from ..problems import Problems
from .nullsafe import FAILED, RegexRefusedError, make_null_safe, walk

UTC = datetime.UTC


class Horizon:
    """An evaluation's clock, which notes each time it is read: until when the clock alone could
    not change what the evaluation found. `$today` holds until the day ends; `$now` not beyond the
    moment itself; a `max: now` that an answer passes, for ever. What lets a page reuse an
    evaluation of unchanged answers (and never one the clock has since overtaken)."""

    __slots__ = ("now", "until")

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now
        self.until: datetime.datetime | None = None  # None: nothing read depends on the clock

    def holds_until(self, moment: datetime.datetime) -> None:
        if self.until is None or moment < self.until:
            self.until = moment

    def today(self) -> datetime.date:
        day = self.now.date()
        self.holds_until(datetime.datetime(day.year, day.month, day.day, tzinfo=self.now.tzinfo or UTC)
                         + datetime.timedelta(days=1))
        return day

    def exact(self) -> datetime.datetime:
        self.holds_until(self.now)
        return self.now


_clock: contextvars.ContextVar[Horizon | None] = contextvars.ContextVar("fanlight_clock", default=None)


@contextmanager
def evaluation_clock(now: datetime.datetime | Horizon) -> Iterator[Horizon]:
    """Pin `$today` and `$now` for the evaluations run inside this block."""
    horizon = now if isinstance(now, Horizon) else Horizon(now)
    token = _clock.set(horizon)
    try:
        yield horizon
    finally:
        _clock.reset(token)


def _now(_: Any = None) -> datetime.datetime:
    pinned = _clock.get()
    return pinned.exact() if pinned is not None else datetime.datetime.now(UTC)


def _today(_: Any = None) -> datetime.datetime:
    pinned = _clock.get()
    day = pinned.today() if pinned is not None else datetime.datetime.now(UTC).date()
    return datetime.datetime(day.year, day.month, day.day, tzinfo=UTC)


def _age(born: datetime.datetime) -> decimal.Decimal:
    """Whole years from `born` to `$today` (negative before birth, e.g. an expected date)."""
    today = _today()
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return decimal.Decimal(years)


def _accessor(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, Mapping) else None


def field_type(f: m.Field) -> Any:
    """The rule-engine type of a field's value, or None for fields with no value."""
    if f.type in m.TEXT_LIKE or f.type in ("radios", "select"):
        return DataType.STRING
    simple = {
        "number": DataType.FLOAT,
        "date": DataType.DATETIME,
        "datetime": DataType.DATETIME,
        "yes_no": DataType.BOOLEAN,
        "checkboxes": DataType.ARRAY(DataType.STRING),
    }
    if f.type in simple:
        return simple[f.type]
    if f.type == "consent":
        parts = {name: _part_type(kind) for name, kind in m.CONSENT_PARTS.items()}
        return DataType.OBJECT("consent", parts, accessor=_accessor)
    if f.type == "file":
        parts = {name: _part_type(kind) for name, kind in m.FILE_PARTS.items()}
        return DataType.ARRAY(DataType.OBJECT("file", parts, accessor=_accessor))
    if f.type == "repeat":
        item = {sub.id: t for sub in f.fields if (t := field_type(sub)) is not None}
        return DataType.ARRAY(DataType.OBJECT(f.id, item, accessor=_accessor))
    return None


def _part_type(kind: str) -> Any:
    return {"yes_no": DataType.BOOLEAN, "date": DataType.DATETIME, "number": DataType.FLOAT}.get(kind, DataType.STRING)


@dataclass
class Scope:
    """The names an expression may use: a form's fields, or a repeat item's over them.

    `objects` are named records whose attributes are typed like fields (`decision.outcome`,
    `referral.reference` in a mapping): each is read as one name, its value a mapping.
    """

    fields: dict[str, m.Field]
    objects: dict[str, dict[str, m.Field]] = field(default_factory=dict)
    context: rule_engine.Context = field(init=False, repr=False)

    def __post_init__(self) -> None:
        types = {name: t for name, f in self.fields.items() if (t := field_type(f)) is not None}
        for name, attributes in self.objects.items():
            parts = {a: t for a, f in attributes.items() if (t := field_type(f)) is not None}
            types[name] = DataType.OBJECT(name, parts, accessor=_accessor)
        self.context = _FanlightContext(types)

    @property
    def names(self) -> frozenset[str]:
        """Every name read straight from the values: the fields and the objects."""
        return frozenset(self.fields) | frozenset(self.objects)

    @classmethod
    def for_form(cls, form: m.Form) -> Scope:
        return cls({f.id: f for f in form.top_fields() if f.answerable})

    def for_repeat(self, repeat: m.Field) -> Scope:
        # Inside a repeat a bare name means the item's own field first, then the top level.
        return Scope({**self.fields, **{f.id: f for f in repeat.fields if f.answerable}}, self.objects)

    @classmethod
    def untyped(cls) -> Scope:
        scope = cls({})
        scope.context = _FanlightContext(None)
        return scope


class _FanlightContext(rule_engine.Context):  # type: ignore[misc]
    def __init__(self, types: dict[str, Any] | None) -> None:
        super().__init__(
            type_resolver=types,
            resolver=_resolve,
            default_value=None,
            default_timezone="utc",
            mapping_attribute_lookup=False,  # deprecated in rule-engine 5, gone in 6
        )
        self.builtins = Builtins.from_defaults(
            values={"today": BuiltinValueGenerator(_today), "now": BuiltinValueGenerator(_now), "age": _age},
            value_types={
                "today": DataType.DATETIME,
                "now": DataType.DATETIME,
                "age": DataType.FUNCTION("age", return_type=DataType.FLOAT, argument_types=(DataType.DATETIME,)),
            },
            timezone=UTC,
        )


def _resolve(thing: Any, name: str) -> Any:
    try:
        return thing[name]
    except (KeyError, TypeError):
        raise errors.SymbolResolutionError(name) from None


@dataclass(frozen=True)
class CompiledExpression:
    source: m.Expression
    rule: rule_engine.Rule = field(repr=False)
    symbols: frozenset[str]
    # The parsed expression, evaluated directly: Rule.evaluate adds a decimal context and a
    # thread-local reset per call, which Fanlight's expressions do not need (no regex groups).
    node: Any = field(repr=False, compare=False, default=None)

    def test(self, values: Mapping[str, Any]) -> bool:
        """True or False; an expression that cannot be evaluated is False, never an exception."""
        try:
            return bool(self.node.evaluate(values))
        except FAILED:
            return False

    def value(self, values: Mapping[str, Any]) -> Any:
        try:
            return self.node.evaluate(values)
        except FAILED:
            return None


_BOOLEAN_TYPES = (DataType.BOOLEAN, DataType.UNDEFINED)


def compile_expression(
    source: m.Expression, scope: Scope, problems: Problems, *, result: Any = DataType.BOOLEAN
) -> CompiledExpression | None:
    """Compile `source`; on failure add a coded problem and return None."""
    try:
        rule = rule_engine.Rule(source.text, context=scope.context)
    except errors.EngineError as error:
        _report(source, error, problems)
        return None
    except (RecursionError, ValueError, TypeError, re.error, OverflowError) as error:
        problems.add(source.where, "EXP001", f"cannot read expression: {error}")
        return None
    expression = rule.statement.expression
    if not _result_fits(expression.result_type, result):
        wanted = "true or false" if result == DataType.BOOLEAN else _type_name(result)
        problems.add(
            source.where,
            "EXP003",
            f"'{source.text.strip()}' gives {_type_name(expression.result_type)}, but {wanted} is needed here",
        )
        return None
    found = len(problems)
    _check_builtins(source, rule.statement, scope, problems)
    _check_equality_types(source, expression, problems)
    _check_option_values(source, expression, scope, problems)
    if len(problems) > found:
        return None
    make_null_safe(rule.statement, scope.names)
    symbols = frozenset(
        n.name for n in walk(rule.statement) if isinstance(n, re_ast.SymbolExpression) and n.scope is None
    )
    return CompiledExpression(source, rule, symbols, rule.statement.expression)


def _result_fits(actual: Any, wanted: Any) -> bool:
    if wanted is None or actual == DataType.UNDEFINED:
        return True
    if wanted == DataType.BOOLEAN:
        return actual in _BOOLEAN_TYPES
    return bool(DataType.is_compatible(actual, wanted)) or actual == DataType.NULL


def _type_name(t: Any) -> str:
    names = {
        "BOOLEAN": "true/false",
        "FLOAT": "a number",
        "STRING": "text",
        "DATETIME": "a date",
        "TIMEDELTA": "a duration",
        "ARRAY": "a list",
        "MAPPING": "a mapping",
        "NULL": "null",
    }
    return names.get(getattr(t, "name", ""), f"a value of type {getattr(t, 'name', t)}")


def _report(source: m.Expression, error: errors.EngineError, problems: Problems) -> None:
    text = source.text
    if isinstance(error, errors.ObjectAttributeError):
        name = str(error.attribute_name if hasattr(error, "attribute_name") else error.args[0])
        hint = f" (did you mean '{error.suggestion}'?)" if getattr(error, "suggestion", None) else ""
        problems.add(source.where_at(_find(text, "." + name) + 1), "EXP002", f"unknown attribute '{name}'{hint}")
    elif isinstance(error, errors.SymbolResolutionError):
        name = error.symbol_name
        hint = f" (did you mean '{error.suggestion}'?)" if error.suggestion else ""
        scope = "builtin $" if error.symbol_scope else "field "
        problems.add(source.where_at(_find(text, name)), "EXP002", f"unknown {scope}'{name}'{hint}")
    elif isinstance(error, errors.AttributeResolutionError):
        name = str(error.attribute_name)
        hint = f" (did you mean '{error.suggestion}'?)" if error.suggestion else ""
        problems.add(source.where_at(_find(text, "." + name) + 1), "EXP002", f"unknown attribute '{name}'{hint}")
    elif isinstance(error, RegexRefusedError) and error.code == "DEF010":
        at = text.find(error.value) if error.value else -1  # one linear search, no regex
        problems.add(source.where_at(at) if at >= 0 else source.where, "DEF010", error.message)
    elif isinstance(error, errors.RuleSyntaxError):
        problems.add(_syntax_where(source, error), "EXP001", f"syntax error: {_syntax_message(error)}")
    elif isinstance(error, errors.SyntaxError):
        problems.add(source.where, "EXP001", f"{error.message}: {getattr(error, 'value', '')!s}".rstrip(": "))
    else:
        problems.add(source.where, "EXP003", f"{error.message} in '{text.strip()}'")


def _syntax_where(source: m.Expression, error: errors.RuleSyntaxError) -> Any:
    token = getattr(error, "token", None)
    if token is None:  # error at the end of the input: point just after the last character
        return source.where_at(max(len(source.text.rstrip()) - 1, 0))
    return source.where_at(int(token.lexpos))


def _syntax_message(error: errors.RuleSyntaxError) -> str:
    token = getattr(error, "token", None)
    if token is None:
        return "the expression ends too early"
    return f"unexpected '{token.value}'"


MAX_FIND = 256  # longer names are not looked for: the search below is O(len(text) * len(name))


def _find(text: str, name: str) -> int:
    if len(name) > MAX_FIND:
        return 0
    before = "" if name.startswith(".") else r"(?<![\w$])"
    match = re.search(before + re.escape(name) + r"(?!\w)", text)
    return match.start() if match else 0


# rule-engine's `$random` would make one answer set evaluate differently each time: a referral's
# level of need by chance, and no evaluation that can be reproduced (or kept: see Horizon).
REFUSED_BUILTINS = {"random": "an expression must give the same result for the same answers"}


def _check_builtins(source: m.Expression, statement: Any, scope: Scope, problems: Problems) -> None:
    """rule-engine types an unknown `$name` as undefined instead of refusing it: `$tody` would be always null."""
    known = sorted(name for name in scope.context.builtins if name not in REFUSED_BUILTINS)
    for node in walk(statement):
        if isinstance(node, re_ast.SymbolExpression) and node.scope is not None and node.name not in known:
            close = difflib.get_close_matches(node.name, known, n=1)
            hint = f" (did you mean '${close[0]}'?)" if close else ""
            if node.name in REFUSED_BUILTINS:
                hint = f": {REFUSED_BUILTINS[node.name]}"
            problems.add(
                source.where_at(_find(source.text, "$" + node.name)), "EXP002", f"unknown builtin '${node.name}'{hint}"
            )


_SCALARS = ("STRING", "FLOAT", "BOOLEAN", "DATETIME", "TIMEDELTA")


def _check_equality_types(source: m.Expression, expression: Any, problems: Problems) -> None:
    """`immediate_danger == 'yes'` is legal rule-engine but never true when the field is yes/no."""
    for node in walk(expression):
        if not (isinstance(node, re_ast.ComparisonExpression) and node.type in ("eq", "ne")):
            continue
        left = getattr(node.left.result_type, "name", "")
        right = getattr(node.right.result_type, "name", "")
        if left in _SCALARS and right in _SCALARS and left != right:
            problems.add(
                source.where,
                "EXP003",
                f"'{source.text.strip()}' compares {_type_name(node.left.result_type)} "
                f"with {_type_name(node.right.result_type)}, which is never equal",
            )


def _check_option_values(source: m.Expression, expression: Any, scope: Scope, problems: Problems) -> None:
    """`category == 'missng'` is legal rule-engine but always false: catch it when loading."""
    for node in walk(expression):
        pairs: list[tuple[Any, Any]] = []
        if isinstance(node, re_ast.ComparisonExpression) and node.type in ("eq", "ne"):
            pairs = [(node.left, node.right), (node.right, node.left)]
        elif isinstance(node, re_ast.ContainsExpression):
            pairs = [(node.container, node.member)]
            if isinstance(node.container, re_ast.ArrayExpression):
                pairs = [(node.member, item) for item in node.container.value]
        for symbol, literal in pairs:
            _check_pair(source, symbol, literal, scope, problems)


def _check_pair(source: m.Expression, symbol: Any, literal: Any, scope: Scope, problems: Problems) -> None:
    if not isinstance(literal, re_ast.StringExpression):
        return
    if isinstance(symbol, re_ast.SymbolExpression):
        f = scope.fields.get(symbol.name)
    elif (
        isinstance(symbol, re_ast.GetAttributeExpression)
        and isinstance(symbol.object, re_ast.SymbolExpression)
        and symbol.object.name in scope.objects
    ):
        f = scope.objects[symbol.object.name].get(symbol.name)  # `decision.outcome == 'early_help'`
    else:
        return
    if f is None or f.type not in m.CHOICE or not f.options:
        return
    value = literal.value
    if value not in f.option_values():
        options = ", ".join(sorted(f.option_values()))
        problems.add(
            source.where_at(_find(source.text, repr(value)[1:-1])),
            "EXP005",
            f"'{value}' is not an option of '{f.id}' (options: {options})",
        )
