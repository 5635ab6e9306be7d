"""Definitions cannot exhaust a worker: the YAML limits (size, anchors and aliases, depth,
node count) are checked on the parse events before anything else, and a file's expressions
are bounded. Each limit gives its own coded problem at FILE:LINE:COL.
"""

from __future__ import annotations

import hashlib
import time

import pytest

from fanlight.engine import load_texts
from fanlight.engine.definitions import build, schema, source
from fanlight.engine.definitions.source import parse_text
from tests.helpers import compile_yaml, form_yaml, problems_of

# The engine's target is 1 s for any text up to 1 MB; each case below takes under 0.5 s on a
# busy two-core machine. Times are this thread's CPU time (what the engine spends: other processes
# on a shared machine, and other threads of the test process, do not count), and the bound is
# generous so that only a real regression fails.
QUICK = 1.0


def _timed(texts: dict[str, str]) -> tuple[list[str], float]:
    started = time.thread_time()
    problems = [str(p) for p in load_texts(texts).problems]
    return problems, time.thread_time() - started


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs" file: each level is a list of `width` aliases of the level below."""
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    names = "abcdefghijklmnopqrstuvwxyz"
    for level in range(1, levels):
        name, below = names[level], names[level - 1]
        lines.append(f"{name}: &{name} [{', '.join([f'*{below}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_the_alias_bomb_from_the_issue_is_refused_at_its_first_anchor_in_milliseconds():
    text = alias_bomb()
    assert len(text.encode()) <= 477  # the issue's file: 477 bytes, 9**9 (387 million) leaves expanded

    problems, elapsed = _timed({"bomb.yaml": text})

    assert problems == ["bomb.yaml:1:4: YAML005 anchor &a is not allowed; definitions do not use anchors"]
    assert elapsed < QUICK


def test_an_alias_bomb_inside_a_real_looking_form_is_refused_before_the_form_is_read():
    bomb = "\n".join("  " + line for line in alias_bomb().splitlines())
    text = form_yaml("- {id: a, type: text, label: A}", extra=f"x-lol:\n{bomb}\n")

    problems, elapsed = _timed({"forms/f.yaml": text})

    assert problems == ["forms/f.yaml:6:6: YAML005 anchor &a is not allowed; definitions do not use anchors"]
    assert elapsed < QUICK


def test_an_alias_without_an_anchor_is_refused_too():
    problems = problems_of({"f.yaml": "kind: form\nid: x\ntitle: *name\n"})

    assert problems == ["f.yaml:3:8: YAML005 alias *name is not allowed; write the value out in full"]


def test_an_anchor_on_a_mapping_is_refused():
    problems = problems_of({"f.yaml": "kind: form\nid: x\ndefaults: &d {a: 1}\n"})

    assert problems == ["f.yaml:3:11: YAML005 anchor &d is not allowed; definitions do not use anchors"]


def test_a_merge_key_without_an_alias_is_only_a_mapping():
    problems = problems_of({"f.yaml": "kind: form\n<<: {id: x}\n"})

    assert not any(" YAML005 " in p for p in problems), problems


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: " + "[" * 63 + "]" * 63 + "\n", None),  # the top-level mapping is the first level
        ("a: " + "[" * 64 + "]" * 64 + "\n", "f.yaml:1:67: "),
        ("a: " + "[" * 500_000, "f.yaml:1:67: "),
        ("a: " + "{b: " * 200_000, f"f.yaml:1:{4 + 4 * 63}: "),
        ("".join(" " * i + "- \n" for i in range(70)), "f.yaml:65:65: "),
    ],
    ids=["64-levels", "65-levels", "half-a-million-brackets", "nested-mappings", "block-lists"],
)
def test_nesting_deeper_than_64_levels_is_refused_where_it_goes_too_deep(text, where):
    problems, elapsed = _timed({"f.yaml": text})

    if where is None:
        assert not any("nesting deeper" in p for p in problems), problems
    else:
        assert problems == [f"{where}YAML004 nesting deeper than 64 levels"]
    assert elapsed < QUICK


def test_a_file_at_the_node_limit_is_read_and_one_over_it_is_refused():
    header = "kind: options\nid: many\nversion: 1\ntitle: Many\noptions: ["
    before = 1 + 8 + 2  # the root mapping, four keys and values, the `options` key, the list
    at_limit = header + ", ".join(["0"] * (source.MAX_NODES - before)) + "]\n"
    over = header + ", ".join(["0"] * (source.MAX_NODES - before + 1)) + "]\n"

    at_problems, _ = _timed({"f.yaml": at_limit})
    over_problems, elapsed = _timed({"f.yaml": over})

    assert not any(" YAML006 " in p for p in at_problems)
    assert len(over_problems) == 1, over_problems
    assert over_problems[0].startswith(f"f.yaml:5:{len('options: [') + 3 * (source.MAX_NODES - before) + 1}: YAML006 ")
    assert elapsed < QUICK


def test_the_limits_are_the_documented_ones():
    assert source.MAX_FILE_BYTES == 1_000_000
    assert source.MAX_NESTING == 64
    assert source.MAX_NODES == 20_000
    assert build.MAX_EXPRESSIONS == 300
    assert build.MAX_EXPRESSION_CHARS == 15_000
    assert schema.MAX_SCHEMA_PROBLEMS == 200


def test_text_handed_over_as_a_string_is_held_to_the_size_limit_too():
    doc = parse_text("f.yaml", "kind: form\ndescription: '" + "é" * 500_000 + "'\n")

    assert [p.code for p in doc.problems] == ["YAML004"]
    assert "bytes; the limit is 1,000,000" in doc.problems[0].message


def test_a_lone_surrogate_in_a_string_is_a_problem_not_a_crash():
    doc = parse_text("f.yaml", "kind: form\ntitle: \ud800\n")

    assert [p.code for p in doc.problems] == ["YAML004"]


def test_a_control_character_is_reported_at_its_line_and_column_after_non_ascii_text():
    problems = problems_of({"f.yaml": "kind: form\ntitle: Café – A\x07B\n"})

    assert problems == ["f.yaml:2:16: YAML001 character '\\x07' is not allowed in YAML"]


def test_a_file_with_thousands_of_unknown_keys_is_reported_quickly_and_at_most_200_times():
    keys = "".join(f"k{i}: v\n" for i in range(4_000))
    text = form_yaml("- {id: a, type: text, label: A}") + keys

    problems, elapsed = _timed({"forms/f.yaml": text})

    assert len(problems) == schema.MAX_SCHEMA_PROBLEMS
    assert all(" DEF003 " in p for p in problems)
    assert elapsed < QUICK


def test_a_file_with_more_than_300_expressions_is_refused_once_at_the_first_one_over():
    fields = "\n".join(f"- {{id: f{i}, type: text, label: F, show_if: \"f0 == 'x'\"}}" for i in range(1, 303))
    problems = problems_of({"forms/f.yaml": form_yaml("- {id: f0, type: text, label: F}\n" + fields)})

    assert len(problems) == 1, problems[:3]
    assert problems[0].startswith("forms/f.yaml:310:")  # f0 is on line 9; f301 has the 301st condition
    assert " DEF011 more than 300 expressions or 15,000 characters of expressions in one file" in problems[0]


def test_an_expression_over_4000_characters_is_reported_by_the_schema_and_not_compiled():
    condition = " or ".join(["a == 'x'"] * 2_000)  # 24,000 characters: deep enough to recurse

    problems, elapsed = _timed(
        {
            "forms/f.yaml": form_yaml(
                f'- {{id: a, type: text, label: A}}\n- {{id: b, type: text, label: B, show_if: "{condition}"}}'
            )
        }
    )

    assert len(problems) == 1, problems
    assert " DEF004 " in problems[0]
    assert "longer than 4000 characters" in problems[0]
    assert elapsed < QUICK


def test_the_content_hash_is_still_the_sha256_of_the_file_text():
    text = form_yaml("- {id: a, type: text, label: Café}")

    compiled = compile_yaml(text)

    assert compiled.form.content_hash == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_expression_positions_still_point_inside_the_yaml_after_non_ascii_text():
    text = form_yaml("- {id: b, type: text, label: Café – ½, show_if: \"a == 'x'\"}")
    line = text.splitlines()[8]
    col = line.index("a == ") + 1

    problems = problems_of({"forms/f.yaml": text})

    assert len(problems) == 1, problems
    assert problems[0].startswith(f"forms/f.yaml:9:{col}: EXP002 unknown field 'a'")
