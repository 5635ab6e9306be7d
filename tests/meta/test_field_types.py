"""Every field type is whole: adding one to model.FIELD_TYPES and forgetting a piece fails here.

A field type's behaviour is spread over the engine, the HTML renderer and the tests (REVIEW
§4.2). `missing_pieces(type)` names the pieces a type lacks; the last tests check that it does
notice each one, so this test cannot pass by looking at nothing.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from fanlight.engine.definitions import build
from fanlight.engine.definitions import model as m
from fanlight.engine.evaluation import fields as coercion
from fanlight.engine.problems import Where
from fanlight.renderers import html_form, values

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "platform" / "fanlight" / "engine"
SCHEMA = ENGINE / "definitions" / "schemas" / "form.schema.json"
EVALUATOR = ENGINE / "evaluation" / "evaluate.py"
RENDERERS = ROOT / "renderers" / "fanlight" / "renderers"
COMPONENTS = RENDERERS / "templates" / "components"
ENGINE_TESTS = ROOT / "tests" / "engine"

PIECES = ("schema", "build keys", "engine", "decoder", "encoder", "component", "dispatch", "display", "engine test")


def schema_types() -> set[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return set(schema["$defs"]["field"]["properties"]["type"]["enum"])


def compared_types(path: Path, function: str | None = None) -> set[str]:
    """The type names a module (or one function in it) tests `<something>.type` against."""
    tree: ast.AST = ast.parse(path.read_text(encoding="utf-8"))
    if function is not None:
        tree = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "type":
            for right in node.comparators:
                items = right.elts if isinstance(right, (ast.Tuple, ast.List, ast.Set)) else [right]
                found |= {i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)}
    return found


def engine_handles(field_type: str) -> bool:
    """A coercer, a composite the evaluator walks itself (repeat, consent), or no answer at all."""
    answerable = m.Field(id="x", type=field_type, where=Where("meta")).answerable
    return field_type in coercion.COERCERS or field_type in compared_types(EVALUATOR) or not answerable


def display_homes(field_type: str) -> list[str]:
    """Where check-answers gets a type's reading from; exactly one place is right."""
    homes = []
    if field_type in compared_types(RENDERERS / "values.py", "display"):
        homes.append("a branch of values.display")
    if field_type in values.DISPLAYED_AS_TEXT:
        homes.append("values.DISPLAYED_AS_TEXT")
    if field_type in values.DISPLAYED_ELSEWHERE:
        homes.append("values.DISPLAYED_ELSEWHERE")
    return homes


def missing_pieces(field_type: str) -> dict[str, str]:
    """piece -> what is missing, for each piece of a field type that is not there."""
    dispatch = (COMPONENTS / "field.html").read_text(encoding="utf-8")
    homes = display_homes(field_type)
    checks = {
        "schema": (field_type in schema_types(), f"{SCHEMA.name}: not in $defs.field type enum"),
        "build keys": (field_type in build.KEYS_BY_TYPE, "build.KEYS_BY_TYPE: no entry"),
        "engine": (engine_handles(field_type), "no coercer in fields.COERCERS and no composite branch in evaluate.py"),
        "decoder": (field_type in html_form.DECODERS, "html_form.DECODERS: no entry"),
        "encoder": (field_type in html_form.ENCODERS, "html_form.ENCODERS: no entry"),
        "component": ((COMPONENTS / f"{field_type}.html").is_file(), f"no components/{field_type}.html"),
        "dispatch": (f'"components/{field_type}.html"' in dispatch, "components/field.html does not import it"),
        "display": (len(homes) == 1, f"values.py: shown by {homes or 'nothing'}; it needs exactly one"),
        "engine test": ((ENGINE_TESTS / f"test_{field_type}.py").is_file(), f"no tests/engine/test_{field_type}.py"),
    }
    return {piece: problem for piece, (ok, problem) in checks.items() if not ok}


@pytest.mark.parametrize("field_type", sorted(m.FIELD_TYPES))
def test_every_field_type_has_all_its_pieces(field_type):
    assert missing_pieces(field_type) == {}


def test_no_table_names_a_type_the_model_does_not_have():
    tables = {
        "form.schema.json": schema_types(),
        "build.KEYS_BY_TYPE": set(build.KEYS_BY_TYPE),
        "fields.COERCERS": set(coercion.COERCERS),
        "html_form.DECODERS": set(html_form.DECODERS),
        "html_form.ENCODERS": set(html_form.ENCODERS),
        "values.display branches": compared_types(RENDERERS / "values.py", "display"),
        "values.DISPLAYED_AS_TEXT": set(values.DISPLAYED_AS_TEXT),
        "values.DISPLAYED_ELSEWHERE": set(values.DISPLAYED_ELSEWHERE),
        "components/": {p.stem for p in COMPONENTS.glob("*.html")} - {"_parts", "field"},
    }
    stale = {name: sorted(types - m.FIELD_TYPES) for name, types in tables.items() if types - m.FIELD_TYPES}
    assert stale == {}


# The test of the test ---------------------------------------------------------------------------


def test_a_type_with_no_pieces_is_reported_missing_every_one():
    assert list(missing_pieces("signature")) == list(PIECES)


def test_each_piece_taken_away_is_reported(monkeypatch):
    monkeypatch.setattr(html_form, "DECODERS", {k: v for k, v in html_form.DECODERS.items() if k != "date"})
    monkeypatch.setattr(html_form, "ENCODERS", {k: v for k, v in html_form.ENCODERS.items() if k != "date"})
    monkeypatch.setattr(build, "KEYS_BY_TYPE", {k: v for k, v in build.KEYS_BY_TYPE.items() if k != "date"})
    assert list(missing_pieces("date")) == ["build keys", "decoder", "encoder"]
    monkeypatch.setattr(values, "DISPLAYED_AS_TEXT", values.DISPLAYED_AS_TEXT | {"date"})
    assert "display" in missing_pieces("date"), "a type shown in two ways is reported"


def test_a_type_added_to_the_model_alone_fails_the_check(monkeypatch):
    monkeypatch.setattr(m, "FIELD_TYPES", m.FIELD_TYPES | {"signature"})
    incomplete = {t: missing for t in sorted(m.FIELD_TYPES) if (missing := missing_pieces(t))}
    assert list(incomplete) == ["signature"]
