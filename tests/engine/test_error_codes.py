"""One invalid definition per problem code, each asserting its exact code, file, line and column.

Each fixture under tests/fixtures/invalid/ is a file `<CODE>_<name>.yaml`, or a folder
`<CODE>_<name>/` of several files, one of which starts with `# expect: CODE LINE:COL`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from fanlight.engine import load_definitions, load_texts
from fanlight.engine.problems import CODES, Problem
from tests.helpers import form_yaml, problems_of
from tests.support.cli import fanlight

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "invalid"
EXPECT = re.compile(r"^# expect: (?P<code>[A-Z]+\d{3}) (?P<line>\d+):(?P<col>\d+)\s*$")
PROBLEM_LINE = re.compile(r"^\S+:\d+:\d+: [A-Z]+\d{3} .+$")


@dataclass(frozen=True)
class Fixture:
    path: Path  # the file or folder to load
    file: Path  # the file the problem must be reported in
    code: str
    line: int
    col: int

    @property
    def name(self) -> str:
        return self.path.name


def _fixtures() -> list[Fixture]:
    found: list[Fixture] = []
    for path in sorted(FIXTURES.iterdir()):
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*.yaml"))
        for file in files:
            first = file.read_text(encoding="utf-8").split("\n", 1)[0]
            match = EXPECT.match(first)
            if match:
                found.append(Fixture(path, file, match["code"], int(match["line"]), int(match["col"])))
                break
        else:
            raise AssertionError(f"{path} has no file starting with '# expect: CODE LINE:COL'")
    return found


FIXTURE_LIST = _fixtures()
BY_NAME = {f.name: f for f in FIXTURE_LIST}


def _where(problem: Problem) -> tuple[str, str, int, int]:
    return (os.path.normpath(problem.where.file), problem.code, problem.where.line, problem.where.col)


def _check(fixture: Fixture) -> list[Problem]:
    problems = load_definitions(fixture.path).problems
    expected = (os.path.normpath(str(fixture.file)), fixture.code, fixture.line, fixture.col)
    assert expected in [_where(p) for p in problems], "\n".join(map(str, problems)) or "no problems at all"
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems


@pytest.mark.parametrize("fixture", FIXTURE_LIST, ids=[f.name for f in FIXTURE_LIST])
def test_each_invalid_fixture_reports_its_code_at_its_line_and_column_and_nothing_else(fixture):
    _check(fixture)


@pytest.mark.parametrize("fixture", FIXTURE_LIST, ids=[f.name for f in FIXTURE_LIST])
def test_each_fixture_is_named_after_the_code_it_expects(fixture):
    assert fixture.name.split("_", 1)[0] == fixture.code
    assert fixture.code in CODES


def test_every_problem_code_has_at_least_one_fixture():
    covered = {f.code for f in FIXTURE_LIST}

    assert sorted(set(CODES) - covered) == []


def test_the_documented_error_codes_are_exactly_the_engines_codes():
    doc = (ROOT / "docs" / "definition-language.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z]+\d{3})` \|", doc, flags=re.MULTILINE))

    assert documented == set(CODES)


# The "Done when" list, one explicit test each --------------------------------------


def test_done_when_an_unknown_field_in_show_if_is_reported_with_a_suggestion():
    (problem,) = _check(BY_NAME["EXP002_unknown_field.yaml"])

    assert problem.message == "unknown field 'imediate_danger' (did you mean 'immediate_danger'?)"


def test_done_when_a_duplicate_id_is_reported_at_the_second_use():
    (problem,) = _check(BY_NAME["REF001_duplicate_field_id.yaml"])

    assert problem.message == "field id 'child_name' is already used on line 10"


def test_done_when_a_bad_regular_expression_is_reported():
    (problem,) = _check(BY_NAME["DEF008_bad_regex.yaml"])

    assert problem.message.startswith("invalid regular expression: ")


def test_done_when_a_yaml_syntax_error_is_reported():
    (problem,) = _check(BY_NAME["YAML001_unclosed_bracket.yaml"])

    assert "flow sequence" in problem.message


def test_done_when_a_duplicate_key_is_reported_with_the_first_line():
    (problem,) = _check(BY_NAME["YAML002_duplicate_key.yaml"])

    assert problem.message == "duplicate key 'label' (first set on line 11)"


def test_done_when_a_show_if_cycle_is_reported_with_the_whole_cycle():
    (problem,) = _check(BY_NAME["EXP004_show_if_cycle.yaml"])

    assert problem.message == "show_if/calculate cycle: has_siblings -> siblings_at_home -> has_siblings"


def test_done_when_an_unknown_field_type_is_reported():
    (problem,) = _check(BY_NAME["DEF005_unknown_type.yaml"])

    assert "unknown field type 'dropdown'" in problem.message


def test_done_when_a_wrong_constraint_type_is_reported():
    (problem,) = _check(BY_NAME["DEF002_wrong_constraint_type.yaml"])

    assert problem.message == "sections[0].fields[0].max_length: 'twenty' is not a whole number"


# The CLI -----------------------------------------------------------------------------------




CLI_CASES = [
    "YAML001_unclosed_bracket.yaml",
    "YAML002_duplicate_key.yaml",
    "DEF002_wrong_constraint_type.yaml",
    "DEF005_unknown_type.yaml",
    "EXP002_unknown_field.yaml",
    "EXP004_show_if_cycle.yaml",
    "REF008_rule_names_unknown_field",
]


@pytest.mark.parametrize("name", CLI_CASES)
def test_definitions_check_prints_one_line_per_problem_and_exits_one(name):
    fixture = BY_NAME[name]

    result = fanlight("definitions", "check", str(fixture.path.relative_to(ROOT)))

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines, result.stderr
    assert all(PROBLEM_LINE.match(line) for line in lines), lines
    expected = f"{fixture.file.relative_to(ROOT)}:{fixture.line}:{fixture.col}: {fixture.code} "
    assert any(line.startswith(expected) for line in lines), lines
    assert "problem(s) in" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_definitions_check_over_the_whole_fixture_folder_reports_every_fixtures_problem():
    result = fanlight("definitions", "check", str(FIXTURES.relative_to(ROOT)))

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert [line for line in lines if not PROBLEM_LINE.match(line)] == []
    for fixture in FIXTURE_LIST:
        expected = f"{fixture.file.relative_to(ROOT)}:{fixture.line}:{fixture.col}: {fixture.code} "
        assert any(line.startswith(expected) for line in lines), expected
    assert f"{len(lines)} problem(s) in " in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_definitions_check_on_a_missing_path_fails_cleanly():
    result = fanlight("definitions", "check", "no/such/folder")

    assert result.returncode == 1
    assert result.stdout == ""
    assert "no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_definitions_check_on_the_bundled_definitions_is_clean():
    result = fanlight("definitions", "check", "definitions")

    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("OK: ")


# More cases for some codes, written inline ----------------------------------------------------


def _one(files: dict[str, str]) -> str:
    problems = problems_of(files)
    assert len(problems) == 1, problems
    return problems[0]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("no", "read as false"),
        ("off", "read as false"),
        ("On", "read as true"),
        ("12:30", "read as a number"),
        ("0755", "read as a number"),
        ("1_000", "read as a number"),
    ],
)
def test_yaml_1_1_surprises_in_values_are_reported_at_the_value(value, words):
    problems = problems_of({"forms/f.yaml": form_yaml(f"- {{id: answer, type: text, label: A, hint: {value}}}")})

    surprises = [p for p in problems if " YAML003 " in p]
    assert len(surprises) == 1, problems
    assert surprises[0].startswith("forms/f.yaml:9:50: YAML003 ")
    assert words in surprises[0]
    # The schema may add that the value is not text, but only at the same place.
    assert all(p.startswith("forms/f.yaml:9:50: DEF002 ") for p in problems if p not in surprises), problems


def test_a_file_that_is_a_list_is_not_a_definition():
    assert _one({"forms/f.yaml": "- kind: form\n- id: x\n"}) == (
        "forms/f.yaml:1:1: YAML004 a definition file must be a mapping of keys to values"
    )


def test_an_empty_file_is_reported():
    assert _one({"forms/f.yaml": ""}) == "forms/f.yaml:1:1: YAML004 file is empty"


def test_a_file_that_is_not_utf8_is_reported(tmp_path):
    (tmp_path / "f.yaml").write_bytes("kind: form\ntitle: Caf\xe9\n".encode("latin-1"))

    problems = [str(p) for p in load_definitions(tmp_path).problems]

    assert len(problems) == 1
    assert " YAML004 " in problems[0]
    assert "UTF-8" in problems[0]


def test_a_file_over_a_megabyte_is_reported(tmp_path):
    (tmp_path / "f.yaml").write_text("kind: form\ndescription: '" + "x" * 1_000_001 + "'\n", encoding="utf-8")

    problems = [str(p) for p in load_definitions(tmp_path).problems]

    assert len(problems) == 1
    assert " YAML004 " in problems[0]


def test_deeply_nested_yaml_is_refused_without_recursing_forever():
    problems = [str(p) for p in load_texts({"f.yaml": "a: " + "[" * 5000 + "]" * 5000 + "\n"}).problems]

    assert len(problems) == 1
    assert " YAML004 " in problems[0] or " YAML001 " in problems[0]


@pytest.mark.parametrize("text", ["\x1f", "kind: form\ntitle: A\x07B\n", "\x00", "kind: \x1b[31mform\n"])
def test_a_control_character_in_a_file_is_a_problem_not_a_crash(text):
    problems = load_texts({"f.yaml": text}).problems

    assert [p.code for p in problems] in (["YAML001"], ["YAML004"]), problems


def test_a_control_character_in_a_file_on_disk_is_a_problem_not_a_crash(tmp_path):
    (tmp_path / "f.yaml").write_text("kind: form\nid: a\x1fb\n", encoding="utf-8")

    result = fanlight("definitions", "check", str(tmp_path))

    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert all(PROBLEM_LINE.match(line) for line in result.stdout.splitlines())


def test_every_problem_is_one_line_even_when_the_author_wrote_a_newline_in_a_name():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml('- {id: "child\\nname", type: text, label: Name}'),
            "rules/r.yaml": 'kind: ruleset\nid: r\nversion: 1\ntitle: R\nrules: []\n"a\\nb": 1\n',
        }
    )

    assert len(problems) == 3, problems  # a bad field id, no rules, an unknown key
    for problem in problems:
        assert PROBLEM_LINE.match(problem), problem


def test_a_file_without_a_kind_is_missing_a_required_key():
    assert _one({"f.yaml": "id: x\nversion: 1\n"}) == "f.yaml:1:1: DEF001 missing required key 'kind'"


def test_two_forms_with_the_same_id_are_duplicates():
    problem = _one(
        {
            "forms/a.yaml": form_yaml("- {id: a, type: text, label: A}"),
            "forms/b.yaml": form_yaml("- {id: b, type: text, label: B}"),
        }
    )

    assert problem == "forms/b.yaml:2:5: REF001 form id 'test-form' is already defined in forms/a.yaml"


def test_a_version_below_one_is_an_invalid_value():
    problem = _one({"forms/f.yaml": form_yaml("- {id: a, type: text, label: A}").replace("version: 1", "version: 0")})

    assert problem.startswith("forms/f.yaml:3:10: DEF004 ")


def test_a_form_id_that_is_not_kebab_case_is_an_invalid_value():
    problem = _one(
        {"forms/f.yaml": form_yaml("- {id: a, type: text, label: A}").replace("id: test-form", "id: Test_Form")}
    )

    assert problem.startswith("forms/f.yaml:2:5: DEF004 ")
    assert "kebab-case" in problem


def test_a_reserved_word_as_a_section_id_is_reported():
    problem = _one(
        {"forms/f.yaml": form_yaml("- {id: a, type: text, label: A}").replace("- id: main", "- id: answers")}
    )

    assert problem.startswith("forms/f.yaml:6:9: REF005 ")


def test_problems_are_sorted_by_file_line_and_column():
    problems = load_texts(
        {
            "b.yaml": "kind: form\nid: b\nversion: 1\ntitle: B\nsections: []\nlable: x\n",
            "a.yaml": "kind: survey\n",
        }
    ).problems

    keys = [(p.where.file, p.where.line, p.where.col) for p in problems]
    assert keys == sorted(keys)
    assert [p.code for p in problems][0] == "DEF006"
