"""Factories for tests: small definitions written inline, pyxform style.

form = compile_yaml(FORM_YAML)                 # a CompiledForm, or an AssertionError listing problems
result = evaluate(form, {"category": "missing"}, today=TODAY)
problems = problems_of({"forms/f.yaml": BROKEN})   # ["forms/f.yaml:3:5: DEF003 ...", ...]
"""

from __future__ import annotations

import datetime
import textwrap
from typing import Any

from fanlight.engine import CompiledForm, DefinitionSet, Evaluation, evaluate, load_texts

TODAY = datetime.date(2026, 11, 22)


def load(files: dict[str, str]) -> DefinitionSet:
    return load_texts({name: textwrap.dedent(text) for name, text in files.items()})


def problems_of(files: dict[str, str]) -> list[str]:
    return [str(p) for p in load(files).problems]


def compile_yaml(form_yaml: str, **others: str) -> CompiledForm:
    """Compile one form (plus any other files, keyed by file name) that must be valid."""
    loaded = load({"forms/form.yaml": form_yaml, **others})
    assert not loaded.problems, "\n".join(str(p) for p in loaded.problems)
    (compiled,) = loaded.compiled.values()
    return compiled


def form_yaml(fields: str, *, extra: str = "") -> str:
    """A one-section form around some field YAML (indented as a list under `fields:`)."""
    body = textwrap.indent(textwrap.dedent(fields).strip("\n"), "      ")
    return f"kind: form\nid: test-form\nversion: 1\ntitle: Test form\n{extra}sections:\n  - id: main\n    title: Main\n    fields:\n{body}\n"


def run(form: CompiledForm, answers: Any, today: datetime.date = TODAY) -> Evaluation:
    return evaluate(form, answers, today=today)


def codes(evaluation: Evaluation) -> list[tuple[str | None, str]]:
    """The (field, code) pairs of an evaluation's errors, in order."""
    return [(e.field, e.code) for e in evaluation.errors]
