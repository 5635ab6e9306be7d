"""Property tests: `evaluate` never raises on any JSON answers for any bundled form, and the
loader never raises on any text. Both must turn bad input into data, never into a traceback.
"""

from __future__ import annotations

import datetime
import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fanlight.engine import DefinitionSet, evaluate, load_definitions, load_texts
from fanlight.engine.definitions import model as m
from fanlight.engine.problems import CODES

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = ROOT / "definitions"
BUNDLED = load_definitions(DEFINITIONS)
FORM_IDS = sorted(BUNDLED.compiled)
SOURCES = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in sorted(DEFINITIONS.rglob("*.yaml"))}
TODAY = datetime.date(2026, 11, 22)

# Evaluation is ~1 ms; generating nested answers costs more than that. These keep the module
# well under a minute on two cores while still exploring each form's fields.
# Recursive JSON and whole-answer dictionaries are legitimately large; generation, not the
# engine, is what is slow, so the size health checks say nothing about the code under test.
LARGE = [HealthCheck.too_slow, HealthCheck.data_too_large]
EVALUATE = settings(max_examples=300, deadline=None, suppress_health_check=LARGE)
# Plausible answers fill most of a 90-field form: ~50 ms to generate each, so fewer of them.
PLAUSIBLE = settings(max_examples=200, deadline=None, suppress_health_check=LARGE)


def test_the_bundled_definitions_have_forms_to_explore():
    assert FORM_IDS, "no forms found in definitions/"
    assert not BUNDLED.problems, "\n".join(map(str, BUNDLED.problems))


# JSON -----------------------------------------------------------------------------------------

JSON_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)


def _check(form_id: str, answers: Any) -> None:
    compiled = BUNDLED.compiled[form_id]
    evaluation = evaluate(compiled, answers, today=TODAY)
    as_json = evaluation.to_json()
    text = json.dumps(as_json, allow_nan=False)
    json.dumps(evaluation.answers, allow_nan=False)
    assert evaluation.complete is (not evaluation.errors)
    assert set(evaluation.visible_sections) <= {s.id for s in compiled.form.sections}
    for message in [*evaluation.errors, *evaluation.warnings]:
        assert isinstance(message.code, str) and message.code
    again = evaluate(compiled, answers, today=TODAY)
    assert json.dumps(again.to_json(), allow_nan=False) == text
    assert again.answers == evaluation.answers


@pytest.mark.parametrize("form_id", FORM_IDS)
@EVALUATE
@given(answers=JSON)
def test_evaluate_never_raises_on_any_json(form_id, answers):
    _check(form_id, answers)


def _ids(form_id: str) -> list[str]:
    return [f.id for f in BUNDLED.forms[form_id].top_fields()]


@pytest.mark.parametrize("form_id", FORM_IDS)
@EVALUATE
@given(data=st.data())
def test_evaluate_never_raises_on_real_field_ids_with_any_json(form_id, data):
    answers = data.draw(st.dictionaries(st.sampled_from(_ids(form_id)), JSON, max_size=25))
    _check(form_id, answers)


# plausible answers, field by field -----------------------------------------------------------

ZONES = st.builds(
    datetime.timezone,
    st.timedeltas(
        min_value=datetime.timedelta(hours=-23, minutes=-59), max_value=datetime.timedelta(hours=23, minutes=59)
    ),
)
DATES = st.dates().map(datetime.date.isoformat) | st.dates(
    min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2030, 12, 31)
).map(datetime.date.isoformat)
DATETIMES = (
    st.datetimes().map(lambda d: d.isoformat(timespec="minutes"))
    | st.datetimes(timezones=ZONES).map(datetime.datetime.isoformat)
    | st.datetimes(min_value=datetime.datetime(2025, 1, 1), max_value=datetime.datetime(2027, 1, 1)).map(
        lambda d: d.isoformat(sep=" ")
    )
)
NUMBERS = (
    st.integers(min_value=-(10**16), max_value=10**16)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(min_value=-5, max_value=120).map(str)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str)
)
TEXTS = st.text(max_size=40) | st.text(alphabet=string.ascii_letters + string.digits + " -()+@.", max_size=20)
DIGITS = st.text(alphabet="0123456789 -", min_size=8, max_size=14)
POSTCODES = st.from_regex(r"[A-Za-z]{1,2}[0-9][0-9A-Za-z]? ?[0-9][A-Za-z]{2}", fullmatch=True)
BOOLEANS = st.booleans() | st.sampled_from(["yes", "no", "true", "false", "Yes", " no "])
FILE_REFS = st.fixed_dictionaries(
    {
        "id": st.from_regex(r"[A-Za-z0-9_\-]{1,20}", fullmatch=True),
        "name": st.text(min_size=1, max_size=20),
        "size": st.integers(min_value=-1, max_value=10**9),
        "type": st.sampled_from(["application/pdf", "image/jpeg", "image/png", "text/plain", "application/zip"]),
    }
)


def _plausible(field: m.Field) -> st.SearchStrategy[Any]:
    """Values of roughly the right shape for a field, mixed with anything at all."""
    values = [f.value for f in [*field.options]] or ["x"]
    by_type: dict[str, st.SearchStrategy[Any]] = {
        "text": TEXTS,
        "textarea": TEXTS,
        "email": st.emails() | TEXTS,
        "phone": DIGITS | TEXTS,
        "postcode": POSTCODES | TEXTS,
        "nhs_number": DIGITS,
        "number": NUMBERS,
        "date": DATES,
        "datetime": DATETIMES,
        "yes_no": BOOLEANS,
        "radios": st.sampled_from(values),
        "select": st.sampled_from(values),
        "checkboxes": st.lists(st.sampled_from(values), max_size=len(values) + 2) | st.sampled_from(values),
        "file": st.lists(FILE_REFS, max_size=3),
        "consent": st.fixed_dictionaries(
            {},
            optional={
                "sought": BOOLEANS,
                "given": BOOLEANS,
                "given_by": TEXTS,
                "relationship": TEXTS,
                "has_parental_responsibility": BOOLEANS,
                "date": DATES,
                "method": st.sampled_from(["verbal", "written", "email"]),
                "reason": TEXTS,
            },
        ),
        "content": JSON_SCALARS,
    }
    if field.type == "repeat":
        item = st.fixed_dictionaries({}, optional={sub.id: _plausible(sub) for sub in field.fields})
        return st.lists(item, max_size=4) | JSON_SCALARS
    return by_type.get(field.type, JSON_SCALARS) | st.none() | st.just("")


def _plausible_answers(form_id: str) -> st.SearchStrategy[dict[str, Any]]:
    fields = BUNDLED.forms[form_id].top_fields()
    return st.fixed_dictionaries({}, optional={f.id: _plausible(f) for f in fields})


@pytest.mark.parametrize("form_id", FORM_IDS)
@PLAUSIBLE
@given(data=st.data())
def test_evaluate_never_raises_on_plausible_answers(form_id, data):
    _check(form_id, data.draw(_plausible_answers(form_id)))


# the loader ------------------------------------------------------------------------------------


def _loads(texts: dict[str, str]) -> DefinitionSet:
    loaded = load_texts(texts)
    for problem in loaded.problems:
        assert problem.code in CODES
        assert problem.where.line >= 1
        assert problem.where.col >= 1
        assert problem.where.file in texts
    keys = [p.sort_key() for p in loaded.problems]
    assert keys == sorted(keys)
    return loaded


@settings(max_examples=500, deadline=None)
@given(text=st.text())
def test_the_loader_never_raises_on_any_text(text):
    _loads({"f.yaml": text})


YAML_KEYS = [
    "kind",
    "id",
    "version",
    "title",
    "sections",
    "fields",
    "type",
    "label",
    "show_if",
    "required",
    "required_if",
    "calculate",
    "options",
    "value",
    "min",
    "max",
    "pattern",
    "rules",
    "when",
    "severity",
    "field",
    "for_each",
    "set",
    "levels",
    "level",
    "domains",
    "indicators",
    "domain",
    "form",
    "scenarios",
    "answers",
    "expect",
    "text",
    "messages",
    "min_items",
    "max_items",
    "accept",
    "max_size",
    "rulesets",
    "thresholds",
    "today",
    "? ",
    "<<",
]
YAML_VALUES = [
    "form",
    "ruleset",
    "thresholds",
    "options",
    "tests",
    "agency",
    "survey",
    "text",
    "number",
    "repeat",
    "consent",
    "radios",
    "yes",
    "no",
    "on",
    "off",
    "true",
    "false",
    "null",
    "~",
    "12:30",
    "0755",
    "1_000",
    "1e400",
    "-.inf",
    ".nan",
    "'quoted'",
    '"dq\\n"',
    "[a, b",
    "{a: 1}",
    "[]",
    "{}",
    "|",
    ">-",
    "&anchor",
    "*anchor",
    "*missing",
    "!!python/object/apply:os.system ['true']",
    "!!binary aGk=",
    "!!set {a}",
    "!!timestamp 2001-12-14",
    "2026-02-30",
    "d'2026-01-01'",
    "a == 'x' and",
    "$today - t'P1D'",
    "x.length < 3",
    "consent.given == true",
    "child_dob < $tody",
    "'%s'" % ("x" * 50),
    "-",
    ":",
    "#",
    "'",
    '"',
    "\t",
    "\\",
    "\u0000",
    "\ufeff",
    "é",
]
YAML_LINES = st.tuples(
    st.integers(min_value=0, max_value=6).map(lambda n: " " * n),
    st.sampled_from(["", "- ", "-", "? "]),
    st.sampled_from(YAML_KEYS) | st.text(alphabet=string.ascii_lowercase + "_-", min_size=1, max_size=8),
    st.sampled_from([": ", ":", " : ", ": |\n", ""]),
    st.sampled_from(YAML_VALUES) | st.text(max_size=10) | st.integers().map(str),
).map("".join)
YAML_TEXT = st.lists(YAML_LINES, max_size=25).map("\n".join) | st.builds(
    lambda kind, body: f"kind: {kind}\nid: x\nversion: 1\ntitle: T\n{body}",
    st.sampled_from(["form", "ruleset", "thresholds", "options", "tests", "agency"]),
    st.lists(YAML_LINES, max_size=25).map("\n".join),
)


@settings(max_examples=400, deadline=None)
@given(text=YAML_TEXT)
def test_the_loader_never_raises_on_yaml_like_text(text):
    _loads({"f.yaml": text})


Mutation = tuple[str, int, int, str]  # (operation, line index, column, text)
MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["delete", "duplicate", "replace", "insert", "indent"]),
        st.integers(min_value=0, max_value=2_000),
        st.integers(min_value=0, max_value=200),
        st.sampled_from([*":-[]{}'\"#&*!|>%@` \t,?", "no", "12:30", "\n", "  "]) | st.characters(codec="utf-8"),
    ),
    min_size=1,
    max_size=4,
)


def _mutate(text: str, mutations: list[Mutation]) -> str:
    """Apply line deletions, duplications, indentations and character edits (indices wrap around)."""
    lines = text.split("\n")
    for op, line_index, col, chars in mutations:
        if not lines:
            break
        i = line_index % len(lines)
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "indent":
            lines[i] = chars[:1].replace("\n", " ") + lines[i]
        else:
            j = col % (len(lines[i]) + 1)
            lines[i] = lines[i][:j] + chars + lines[i][j + (1 if op == "replace" else 0) :]
    return "\n".join(lines)


# A mutated file is loaded in ~5-80 ms (PyYAML is pure Python); generation, not the engine,
# dominates, and a failing case is shrunk over a short list of edits, not over the file text.
@settings(max_examples=250, deadline=None)
@given(name=st.sampled_from(sorted(SOURCES)), mutations=MUTATIONS)
def test_the_loader_never_raises_on_a_mutated_bundled_file(name, mutations):
    _loads({name: _mutate(SOURCES[name], mutations)})


FORM_FILES = sorted(n for n in SOURCES if "/forms/" in n)
SHARED = {n: t for n, t in SOURCES.items() if "/forms/" not in n and "/tests/" not in n}


# Each example loads a dozen files (~0.25 s), so few examples and no shrinking: a failure is
# reported as found (the edits are short enough to read) instead of after minutes of shrinking.
@settings(max_examples=30, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(name=st.sampled_from(FORM_FILES), mutations=MUTATIONS)
def test_the_loader_never_raises_on_a_mutated_form_among_the_other_definitions(name, mutations):
    loaded = _loads({**SHARED, name: _mutate(SOURCES[name], mutations)})
    for compiled in loaded.compiled.values():  # whatever compiled must still evaluate
        json.dumps(evaluate(compiled, {}, today=TODAY).to_json(), allow_nan=False)
