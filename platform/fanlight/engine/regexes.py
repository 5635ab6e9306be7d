"""Regular expressions written by authors, matched in linear time with RE2.

Python's `re` backtracks: `([A-Za-z ,.'-]+)+` against a 41-character answer ending in `!`
holds a worker for half a minute. Every pattern that comes from a definition (a field's
`pattern`, the right side of `=~ =~~ !~ !~~` in an expression) is compiled and matched by
RE2 (`google-re2`), whose matching time is linear in the length of the text. RE2 cannot
run look-around or back-references; such a pattern is refused when loading (DEF010).

Fixed patterns inside the engine stay on `re` (it is ten times faster per call on short
text); each of them is written so that it cannot backtrack more than linearly, and
tests/engine/test_regex_safety.py checks them against hostile input.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Protocol

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 otherwise writes every refused pattern to stderr through absl


class Pattern(Protocol):
    """The part of a compiled RE2 pattern the engine uses (the same names as `re.Pattern`)."""

    def fullmatch(self, text: str) -> Any: ...

    def match(self, text: str) -> Any: ...

    def search(self, text: str) -> Any: ...

    def sub(self, repl: Any, text: str) -> str: ...


class RegexRefused(ValueError):
    """A pattern the engine will not run: `code` is DEF008 (not a regular expression at
    all) or DEF010 (a feature RE2 cannot run in linear time), `message` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@functools.lru_cache(maxsize=4096)
def compile_linear(pattern: str) -> Pattern:
    """`pattern` compiled by RE2 (cached), or RegexRefused. Never uses `re` to match anything."""
    try:
        compiled: Pattern = re2.compile(pattern, _OPTIONS)
    except re2.error as error:
        raise _refusal(pattern, _text(error)) from None
    except (TypeError, ValueError, OverflowError) as error:  # e.g. a NUL byte in the pattern
        raise RegexRefused("DEF008", f"invalid regular expression: {error}") from None
    return compiled


def refusal(pattern: str) -> RegexRefused | None:
    """Why `pattern` cannot be used, or None when it can."""
    try:
        compile_linear(pattern)
    except RegexRefused as refused:
        return refused
    return None


def _refusal(pattern: str, reason: str) -> RegexRefused:
    # RE2 refused it. If Python's `re` accepts it, it is a real regular expression that uses
    # a backtracking-only feature; otherwise it is simply malformed, and Python's message
    # (with a position) is the more helpful one. `re` only compiles here, it never matches.
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError, ValueError) as error:
        return RegexRefused("DEF008", f"invalid regular expression: {error}")
    return RegexRefused(
        "DEF010",
        f"regular expression not supported ({reason}): patterns are matched in linear time by RE2, "
        "which has no look-ahead, look-behind, back-references, \\Z or repetition counts above 1000",
    )


def _text(error: Exception) -> str:
    arg = error.args[0] if error.args else error
    text = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)
    return " ".join(text.split())
