"""The `fanlight` command is a public interface: output shapes and exit codes are fixed."""

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.cli import fanlight

ROOT = Path(__file__).resolve().parents[2]
PROBLEM_LINE = re.compile(r"^\S+:\d+:\d+: [A-Z]+\d{3} .+$")

FORM = """\
kind: form
id: tiny
version: 3
title: Tiny
thresholds: tiny-levels
sections:
  - id: about
    title: About
    fields:
      - id: category
        type: radios
        label: Main concern
        required: true
        options:
          - {value: missing, label: Missing}
          - {value: neglect, label: Neglect}
  - id: missing-episode
    title: Missing episode
    show_if: category == 'missing'
    fields:
      - {id: episodes, type: number, label: Episodes, min: 0, required: true}
"""
LEVELS = """\
kind: thresholds
id: tiny-levels
version: 1
title: Levels
levels:
  - {level: 1, name: Universal, summary: Universal services.}
  - {level: 4, name: Specialist, summary: Social care.}
domains:
  - {id: child_development, name: Child development}
indicators:
  - {id: repeat-missing, level: 4, domain: child_development, text: Repeated missing., when: episodes >= 3}
"""
TESTS = """\
kind: tests
id: tiny-tests
version: 1
title: Tiny tests
form: tiny
scenarios:
  - name: repeated missing is level 4
    answers: {category: missing, episodes: 4}
    expect: {complete: true, threshold: {level: 4, matched: [repeat-missing]}}
  - name: deliberately wrong expectation
    answers: {category: neglect}
    expect: {visible: [missing-episode]}
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "forms").mkdir()
    (tmp_path / "forms" / "tiny.yaml").write_text(FORM)
    (tmp_path / "levels.yaml").write_text(LEVELS)
    return tmp_path


def test_check_on_clean_definitions_prints_one_summary_line_and_exits_0(folder):
    result = fanlight("definitions", "check", str(folder))
    assert result.returncode == 0
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("OK: 2 file(s)")


def test_check_reports_every_problem_at_once_one_line_each_and_exits_1(folder):
    (folder / "forms" / "tiny.yaml").write_text(
        FORM.replace("category == 'missing'", "categry == 'missing'").replace("min: 0,", "min: 0, colour: red,")
    )
    result = fanlight("definitions", "check", str(folder))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(PROBLEM_LINE.match(line) for line in lines)
    assert any(":19:14: EXP002 unknown field 'categry' (did you mean 'category'?)" in line for line in lines)
    assert any(": DEF003 " in line and "'colour'" in line for line in lines)
    assert "Traceback" not in result.stdout + result.stderr


def test_evaluate_prints_the_evaluation_json_and_exits_0_when_complete(folder):
    result = fanlight(
        "evaluate",
        "tiny",
        "--answers",
        "-",
        "--definitions",
        str(folder),
        "--today",
        "2026-11-22",
        stdin='{"category": "missing", "episodes": 3, "unknown": "dropped"}',
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert list(out) == [
        "form",
        "version",
        "complete",
        "visible_sections",
        "visible_fields",
        "errors",
        "warnings",
        "derived",
        "threshold",
    ]
    assert out["form"] == "tiny" and out["version"] == 3 and out["complete"] is True
    assert out["visible_sections"] == ["about", "missing-episode"]
    assert out["visible_fields"] == ["category", "episodes"]
    assert out["threshold"] == {
        "id": "tiny-levels",
        "level": 4,
        "level_name": "Specialist",
        "matched": ["repeat-missing"],
    }


def test_evaluate_exits_1_with_coded_errors_when_not_complete(folder):
    result = fanlight(
        "evaluate",
        "tiny",
        "--answers",
        "-",
        "--definitions",
        str(folder),
        stdin='{"category": "missing", "episodes": -1}',
    )
    assert result.returncode == 1
    errors = json.loads(result.stdout)["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("episodes", "min")]
    assert errors[0]["message"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["evaluate", "nope", "--answers", "-"], "{}", "unknown form 'nope'"),
        (["evaluate", "tiny", "--answers", "-"], "[1, 2]", "must be a JSON object"),
        (["evaluate", "tiny", "--answers", "-"], "{not json", "not valid JSON"),
        (["evaluate", "tiny", "--answers", "missing-file.json"], None, "cannot read answers"),
        (["evaluate", "tiny"], None, "--answers"),
        (["evaluate", "tiny", "--answers", "-", "--today", "22/11/2026"], "{}", "YYYY-MM-DD"),
        (["launch"], None, "invalid choice"),
    ],
)
def test_evaluate_exits_2_with_a_clear_message_for_bad_usage(folder, args, stdin, message):
    if args[0] == "evaluate" and "--definitions" not in args:
        args = [*args, "--definitions", str(folder)]
    result = fanlight(*args, stdin=stdin)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_evaluate_refuses_invalid_definitions_with_exit_2(folder):
    (folder / "forms" / "tiny.yaml").write_text(FORM + "  - id: about\n")
    result = fanlight("evaluate", "tiny", "--answers", "-", "--definitions", str(folder), stdin="{}")
    assert result.returncode == 2
    assert "problem(s)" in result.stderr


def test_definitions_test_prints_a_line_per_scenario_and_exits_1_on_failure(folder):
    (folder / "tests.yaml").write_text(TESTS)
    result = fanlight("definitions", "test", str(folder))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "PASS tiny-tests: repeated missing is level 4"
    assert lines[1].startswith("FAIL tiny-tests: deliberately wrong expectation")
    assert "expected 'missing-episode' to be visible" in result.stdout
    assert lines[-1] == "1 passed, 1 failed"


def test_definitions_test_exits_0_when_every_scenario_passes(folder):
    (folder / "tests.yaml").write_text(TESTS.split("  - name: deliberately", maxsplit=1)[0])
    result = fanlight("definitions", "test", str(folder))
    assert result.returncode == 0
    assert result.stdout.splitlines()[-1] == "1 passed, 0 failed"


def test_the_bundled_definitions_check_clean_and_every_scenario_passes():
    check = fanlight("definitions", "check", "definitions")
    assert check.returncode == 0, check.stdout
    scenarios = fanlight("definitions", "test", "definitions")
    assert scenarios.returncode == 0, scenarios.stdout
    passed = int(scenarios.stdout.splitlines()[-1].split()[0])
    assert passed >= 40


def test_a_bad_yaml_file_gives_a_line_not_a_traceback(tmp_path):
    (tmp_path / "broken.yaml").write_text(
        textwrap.dedent("""\
        kind: form
        id: broken
          version: 1
        """)
    )
    result = fanlight("definitions", "check", str(tmp_path))
    assert result.returncode == 1
    assert re.match(r"^\S+broken\.yaml:3:\d+: YAML001 ", result.stdout)
    assert "Traceback" not in result.stderr


def test_a_reader_that_stops_early_gets_no_traceback(folder):
    """`fanlight evaluate ... | head -1` must not end in a BrokenPipeError traceback."""
    shell = (
        f"{sys.executable} -m fanlight.engine.cli evaluate tiny --answers - --definitions {folder} <<< '{{}}' | true"
    )
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, cwd=ROOT, check=False)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
