"""Expressions: rule-engine compiled once per definition version, with Fanlight's null rules."""

from .compiler import CompiledExpression, Horizon, Scope, compile_expression, evaluation_clock

__all__ = ["CompiledExpression", "Horizon", "Scope", "compile_expression", "evaluation_clock"]
