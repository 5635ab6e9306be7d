"""Null-safe AST nodes.

rule-engine raises on `null < 13`, `'x' in null` and `null.length`. Fanlight's language
says an ordering, membership or attribute test on an unanswered field is simply false,
so authors never write `age != null and ...` guards. After parsing, each node of those
kinds gets one of these subclasses as its class (same memory layout, `__slots__ = ()`),
which checks for None before running the library's own operation.

The regular-expression operators (`=~ =~~ !~ !~~`) are not rewritten here but at the one
place rule-engine compiles their patterns (`FuzzyComparisonExpression._compile_regex`),
because the library already *runs* them while parsing: it folds `'text' =~ 'pattern'`
into a constant, before any rewriting could happen. See `_compile_linear_regex`.
"""

from __future__ import annotations

import operator
import re
from typing import Any

from rule_engine import ast as re_ast
from rule_engine import errors

from ..regexes import RegexRefused, compile_linear

FAILED = (errors.EngineError, ArithmeticError, TypeError, ValueError, OverflowError, LookupError)


_ORDER = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}


class Ordering(re_ast.ArithmeticComparisonExpression):  # type: ignore[misc]
    __slots__ = ()

    def evaluate(self, thing: Any) -> Any:
        # The hottest node in real forms: evaluate each side once, then use the library's
        # own comparison (which also orders arrays) on the two values.
        left = self.left.evaluate(thing)
        right = self.right.evaluate(thing)
        if left is None or right is None:
            return False
        return self._ArithmeticComparisonExpression__op_arithmetic_values(_ORDER[self.type], left, right)


class Contains(re_ast.ContainsExpression):  # type: ignore[misc]
    """`'missing' in categories`: one pass over each side (the library infers the container's
    type on every call, which made membership tests ten times the cost of `==`)."""

    __slots__ = ()

    def evaluate(self, thing: Any) -> Any:
        container = self.container.evaluate(thing)
        member = self.member.evaluate(thing)
        if container is None or member is None:
            return False
        if isinstance(container, (str, bytes)):
            # The library's rule: text only contains text (a substring test), bytes only bytes.
            if type(member) is not type(container):
                raise errors.EvaluationError("data type mismatch")
            return bool(member in container)  # type: ignore[operator]  # same type, checked above
        return member in container


class Attribute(re_ast.GetAttributeExpression):  # type: ignore[misc]
    __slots__ = ()

    def evaluate(self, thing: Any) -> Any:
        if self.object.evaluate(thing) is None:
            return None
        return super().evaluate(thing)


class Item(re_ast.GetItemExpression):  # type: ignore[misc]
    __slots__ = ()

    def evaluate(self, thing: Any) -> Any:
        if self.container.evaluate(thing) is None or self.item.evaluate(thing) is None:
            return None
        try:
            return super().evaluate(thing)
        except errors.LookupError:
            return None  # household_members[3] when there are two members reads as null


class Slice(re_ast.GetSliceExpression):  # type: ignore[misc]
    __slots__ = ()

    def evaluate(self, thing: Any) -> Any:
        if self.container.evaluate(thing) is None:
            return None
        return super().evaluate(thing)


def _null_in_null_out(base: type) -> type:
    class NullSafe(base):  # type: ignore[misc]
        __slots__ = ()

        def evaluate(self, thing: Any) -> Any:
            if self.left.evaluate(thing) is None or self.right.evaluate(thing) is None:
                return None
            return super().evaluate(thing)

    NullSafe.__name__ = f"NullSafe{base.__name__}"
    return NullSafe


class Call(re_ast.FunctionCallExpression):  # type: ignore[misc]
    __slots__ = ()

    def evaluate(self, thing: Any) -> Any:
        if any(argument.evaluate(thing) is None for argument in self.arguments):
            return None
        return super().evaluate(thing)


class Unary(re_ast.UnaryExpression):  # type: ignore[misc]
    __slots__ = ()

    def evaluate(self, thing: Any) -> Any:
        if self.type != "not" and self.right.evaluate(thing) is None:
            return None
        return super().evaluate(thing)


class Field(re_ast.SymbolExpression):  # type: ignore[misc]
    """A field symbol: values are already in rule-engine's types, so skip the per-read type check."""

    __slots__ = ()

    def evaluate(self, thing: Any) -> Any:
        return thing.get(self.name)


class RegexRefusedError(errors.RegexSyntaxError):  # type: ignore[misc]
    """A pattern in an expression that RE2 will not run; `code` is DEF008 or DEF010."""

    def __init__(self, refused: RegexRefused, value: str) -> None:
        super().__init__(refused.message, error=refused, value=value)
        self.code = refused.code


_INLINE_FLAGS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"))


def _compile_linear_regex(self: Any, regex: str) -> Any:
    """Replaces rule-engine's `re.compile`: every `=~` pattern, literal or taken from an answer,
    is compiled and matched by RE2, in time linear in the length of the text."""
    flags = "".join(letter for flag, letter in _INLINE_FLAGS if self.context.regex_flags & flag)
    try:
        return compile_linear(f"(?{flags}){regex}" if flags else regex)
    except RegexRefused as refused:
        raise RegexRefusedError(refused, regex) from None


# Installed once, for every rule-engine Context in the process: the library has no per-context
# hook for this, and a backtracking regex anywhere in a worker is a denial of service.
re_ast.FuzzyComparisonExpression._compile_regex = _compile_linear_regex


REPLACEMENTS: dict[type, type] = {
    re_ast.ArithmeticComparisonExpression: Ordering,
    re_ast.ContainsExpression: Contains,
    re_ast.GetAttributeExpression: Attribute,
    re_ast.GetItemExpression: Item,
    re_ast.GetSliceExpression: Slice,
    re_ast.FunctionCallExpression: Call,
    re_ast.UnaryExpression: Unary,
    **{
        base: _null_in_null_out(base)
        for base in (
            re_ast.AddExpression,
            re_ast.SubtractExpression,
            re_ast.ArithmeticExpression,
            re_ast.BitwiseExpression,
            re_ast.BitwiseShiftExpression,
        )
    },
}


def children(node: Any) -> list[Any]:
    """The sub-expressions of an AST node, whatever its kind (nodes mix __slots__ and __dict__)."""
    names: list[str] = []
    for klass in type(node).__mro__:
        names.extend(getattr(klass, "__slots__", ()))
    names.extend(getattr(node, "__dict__", {}))
    found: list[Any] = []
    for name in dict.fromkeys(names):
        if name == "context":
            continue
        value = getattr(node, name, None)
        if isinstance(value, re_ast.ASTNodeBase):
            found.append(value)
        elif isinstance(value, (tuple, list)):
            found.extend(v for v in value if isinstance(v, re_ast.ASTNodeBase))
    return found


def walk(node: Any) -> list[Any]:
    out = [node]
    for child in children(node):
        out.extend(walk(child))
    return out


def make_null_safe(root: Any, field_names: frozenset[str]) -> None:
    for node in walk(root):
        replacement = REPLACEMENTS.get(type(node))
        if replacement is not None:
            node.__class__ = replacement
        elif type(node) is re_ast.SymbolExpression and node.scope is None and node.name in field_names:
            node.__class__ = Field
