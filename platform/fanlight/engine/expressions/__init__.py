"""Expressions: rule-engine compiled once per definition version, with Fanlight's null rules."""

from .compiler import CompiledExpression, Scope, compile_expression, evaluation_clock

__all__ = ["CompiledExpression", "Scope", "compile_expression", "evaluation_clock"]
