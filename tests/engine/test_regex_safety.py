"""No regular expression can run away (ReDoS).

Patterns from definitions (a field's `pattern`, the right side of `=~ =~~ !~ !~~`) are
matched by RE2 in linear time; what RE2 cannot run is refused when loading (DEF010). The
engine's own fixed patterns stay on Python's `re` and are checked here against hostile input.
"""

from __future__ import annotations

import datetime
import re
import time
from pathlib import Path

import pytest

from fanlight.engine.evaluation import fields as field_types
from fanlight.engine.evaluation.messages import _plain
from fanlight.engine.expressions import compiler
from fanlight.engine.problems import Where
from fanlight.engine.regexes import compile_linear, refusal
from tests.helpers import compile_yaml, form_yaml, problems_of, run

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "platform" / "fanlight" / "engine"
# The issue's pattern: with Python's `re`, 41 characters held a worker for 30 s.
NAME_PATTERN = "([A-Za-z ,.'-]+)+"
EXPRESSION_PATTERN = "([A-Za-z ,.-]+)+"  # the same, without the quote (simpler to write in an expression)
HOSTILE_41 = "a" * 40 + "!"
HOSTILE_10K = "a" * 9_999 + "!"
# "In milliseconds": each of these takes about 1 ms of CPU; the bound is generous for busy CI.
FAST = 0.1
WHERE = Where("f.yaml")

FORM = form_yaml(
    f"""
    - id: name
      type: text
      label: Name
      pattern: "{NAME_PATTERN}"
    - id: names
      type: textarea
      label: Names
      max_length: 20000
      pattern: "{NAME_PATTERN}"
    - id: note
      type: textarea
      label: Note
      max_length: 20000
    - id: regex
      type: text
      label: A pattern typed in by the person filling in the form
    - id: matched
      type: yes_no
      label: Matched
      calculate: "note =~ '{EXPRESSION_PATTERN}$'"
    - id: searched
      type: yes_no
      label: Searched
      calculate: "note =~~ '^{EXPRESSION_PATTERN}$'"
    - id: not_matched
      type: yes_no
      label: Not matched
      calculate: "note !~ '{EXPRESSION_PATTERN}$'"
    - id: not_searched
      type: yes_no
      label: Not searched
      calculate: "note !~~ '^{EXPRESSION_PATTERN}$'"
    - id: dynamic
      type: yes_no
      label: Dynamic
      calculate: "note =~ regex"
    """
)


def _timed_run(form, answers):
    started = time.thread_time()
    evaluation = run(form, answers)
    return evaluation, time.thread_time() - started


@pytest.fixture(scope="module")
def form():
    return compile_yaml(FORM)


@pytest.mark.parametrize("answer", [HOSTILE_41, HOSTILE_10K], ids=["41-characters", "10000-characters"])
def test_a_catastrophic_pattern_against_a_hostile_answer_is_checked_in_milliseconds(form, answer):
    evaluation, elapsed = _timed_run(form, {"name": answer[-41:], "names": answer})

    assert elapsed < FAST
    assert {(m.field, m.code) for m in evaluation.errors} == {("name", "pattern"), ("names", "pattern")}


def test_the_same_pattern_still_accepts_a_real_name(form):
    evaluation = run(form, {"name": "Mary-Jane O'Neil, Jr.", "names": "Anne, Bob"})

    assert evaluation.errors == []


@pytest.mark.parametrize("answer", [HOSTILE_41, HOSTILE_10K], ids=["41-characters", "10000-characters"])
def test_every_regex_operator_in_an_expression_runs_in_milliseconds(form, answer):
    evaluation, elapsed = _timed_run(form, {"note": answer, "regex": "(a+)+$"})

    assert elapsed < FAST
    assert evaluation.derived["matched"] is False
    assert evaluation.derived["searched"] is False
    assert evaluation.derived["not_matched"] is True
    assert evaluation.derived["not_searched"] is True
    assert evaluation.derived["dynamic"] is False


def test_the_regex_operators_still_match_and_search(form):
    evaluation = run(form, {"note": "Anne, Bob", "regex": "An+e"})

    assert evaluation.derived == {
        **evaluation.derived,
        "matched": True,
        "searched": True,
        "not_matched": False,
        "not_searched": False,
        "dynamic": True,
    }


def test_a_pattern_typed_in_an_answer_that_re2_cannot_run_is_false_not_a_crash(form):
    evaluation = run(form, {"note": "aaa", "regex": "(?=a)a"})

    assert not evaluation.derived.get("dynamic")  # false, or unknown (null): never an exception


def test_a_hostile_comparison_of_two_literals_is_folded_at_load_time_in_milliseconds():
    # rule-engine evaluates `'text' =~ 'pattern'` while parsing, before any rewriting.
    started = time.thread_time()
    problems = problems_of(
        {"forms/f.yaml": form_yaml(f"- {{id: a, type: yes_no, label: A, calculate: \"'{HOSTILE_41}' =~ '(a+)+$'\"}}")}
    )

    assert time.thread_time() - started < 1.0
    assert problems == []


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("(?=[A-Z])[A-Za-z]+", "invalid perl operator: (?="),
        ("(?<!x)y", "invalid perl operator: (?<!"),
        ("(a)\\\\1", "invalid escape sequence: \\1"),
        ("a\\\\Z", "invalid escape sequence: \\Z"),
        ("a{1001}", "invalid repetition size"),
        ("(?>a)", "invalid perl operator: (?>"),
    ],
    ids=["look-ahead", "look-behind", "back-reference", "backslash-Z", "huge-repeat", "atomic-group"],
)
def test_a_pattern_re2_cannot_run_is_a_def010_at_the_pattern(pattern, words):
    problems = problems_of({"forms/f.yaml": form_yaml(f'- {{id: a, type: text, label: A, pattern: "{pattern}"}}')})

    assert len(problems) == 1, problems
    assert problems[0].startswith("forms/f.yaml:9:48: DEF010 regular expression not supported (")
    assert words in problems[0]


def test_a_regex_re2_cannot_run_in_an_expression_is_a_def010_at_the_pattern():
    text = form_yaml("- {id: a, type: text, label: A}\n- {id: b, type: text, label: B, show_if: \"a =~~ 'x(?!y)'\"}")
    col = text.splitlines()[9].index("x(?!y)") + 1

    problems = problems_of({"forms/f.yaml": text})

    assert len(problems) == 1, problems
    assert problems[0].startswith(f"forms/f.yaml:10:{col}: DEF010 regular expression not supported (")


def test_a_malformed_regex_in_an_expression_is_still_a_syntax_error():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                "- {id: a, type: text, label: A}\n- {id: b, type: text, label: B, show_if: \"a =~ '(x'\"}"
            )
        }
    )

    assert len(problems) == 1, problems
    assert " EXP001 invalid regular expression" in problems[0]


def test_re2_syntax_that_python_lacks_is_accepted_and_unicode_letters_match():
    form = compile_yaml(form_yaml("- {id: name, type: text, label: Name, pattern: '[\\pL ''-]+\\z'}"))

    assert run(form, {"name": "Zoë O'Brien-José"}).errors == []
    assert [m.code for m in run(form, {"name": "R2-D2"}).errors] == ["pattern"]


def test_a_refused_pattern_writes_nothing_to_stderr(capfd):
    problems_of({"forms/f.yaml": form_yaml("- {id: a, type: text, label: A, pattern: '(?=x)y'}")})
    refusal("(a)\\1")

    assert capfd.readouterr().err == ""


def test_compiled_patterns_are_re2_not_python():
    assert not isinstance(compile_linear("a+"), re.Pattern)


# The engine's own fixed patterns ------------------------------------------------------------

# Every place the engine runs Python's `re`, reviewed: each pattern is fixed (not from a
# definition or an answer) and cannot backtrack more than linearly. A new use must be added
# here after the same review, or use `compile_linear`.
AUDITED = {
    "definitions/source.py": 2,  # YAML 1.1 number shapes, on scalars the YAML resolver read as numbers
    "evaluation/fields.py": 11,  # answer shapes (email, phone, postcode, NHS number, number, date, file id)
    "evaluation/messages.py": 1,  # `{placeholder}` in templates
    "expressions/compiler.py": 1,  # the position of a name in an expression (names over 256 characters skipped)
    "regexes.py": 1,  # compiles, never matches: tells a malformed pattern from an unsupported one
}
RE_USE = re.compile(r"\bre\.(?:compile|match|fullmatch|search|sub|subn|split|findall|finditer)\(")


def test_every_use_of_pythons_re_in_the_engine_has_been_reviewed():
    found = {}
    for path in sorted(ENGINE.rglob("*.py")):
        count = len(RE_USE.findall(path.read_text(encoding="utf-8")))
        if count:
            found[str(path.relative_to(ENGINE))] = count

    assert found == AUDITED


HOSTILE_TEXTS = [
    "a" * 20_000 + "!",
    "a@" * 10_000,
    "a@b" + ".c" * 10_000 + "!",
    "a@b." * 5_000,
    " " * 20_000 + "x",
    "1" + " " * 20_000 + "x",
    "-" * 20_000,
    "0" * 20_000 + ".",
    "[" * 20_000,
    "[a](" * 5_000,
    "{" * 20_000,
    "{a" * 10_000,
    "(" * 20_000,
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=range(len(HOSTILE_TEXTS)))
def test_the_engines_fixed_patterns_are_linear_on_hostile_text(text):
    clock = field_types.Clock(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC))
    started = time.thread_time()
    for ftype in ("email", "phone", "postcode", "nhs_number", "number", "date", "datetime", "text"):
        f = field_types.m.Field(id="x", type=ftype, where=WHERE, label="X", max_length=100_000)
        field_types.COERCERS[ftype](f, text, clock)
    field_types.file(field_types.m.Field(id="f", type="file", where=WHERE, label="F"), [{"id": text}], clock)
    _plain(text)
    compiler._find(text, "a")
    compiler._find(text, text[:200])

    assert time.thread_time() - started < FAST * 5
