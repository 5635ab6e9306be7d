"""Definition tests (`kind: tests`): the scenario runner, its messages and the CLI around it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from fanlight.engine.testing import run_suites
from tests.helpers import load, problems_of
from tests.support.cli import fanlight

FORM = """\
    kind: form
    id: cause-for-concern
    version: 1
    title: Cause for concern
    rulesets: [routing]
    thresholds: levels
    sections:
      - id: about
        title: About the concern
        fields:
          - id: category
            type: radios
            label: Main concern
            required: true
            options: [{value: 'neglect', label: Neglect}, {value: 'missing', label: Missing}]
          - {id: child_dob, type: date, label: Date of birth, max: today}
          - {id: child_age, type: number, label: Age, calculate: $age(child_dob)}
      - id: missing-episode
        title: The missing episode
        show_if: category == 'missing'
        fields:
          - {id: last_seen, type: datetime, label: Last seen, required: true}
          - {id: summary, type: textarea, label: Summary}
    """

RULES = """\
    kind: ruleset
    id: routing
    version: 1
    title: Routing
    rules:
      - {id: missing-is-urgent, when: category == 'missing', set: {priority: urgent}}
      - {id: say-more, when: summary.length < 20, severity: warning, field: summary, message: Say more.}
    """

LEVELS = """\
    kind: thresholds
    id: levels
    version: 1
    title: Levels
    levels: [{level: 3, name: Complex, summary: Complex.}, {level: 4, name: Acute, summary: Acute.}]
    domains: [{id: development, name: Development}]
    indicators:
      - {id: missing, level: 4, domain: development, text: Missing., when: category == 'missing'}
      - {id: young, level: 3, domain: development, text: Young., when: child_age < 2}
    """

PASSING = """\
    kind: tests
    id: passing
    version: 1
    title: Passing scenarios
    form: cause-for-concern
    today: '2026-01-15'
    scenarios:
      - name: a missing child shows the missing-episode section
        answers: {category: missing, summary: Short.}
        expect:
          complete: false
          visible: [missing-episode, last_seen, summary]
          hidden: []
          errors: [{field: last_seen, code: required}]
          not_errors: [{field: category, code: required}]
          warnings: [{field: summary, code: say-more}]
          derived: {priority: urgent}
          threshold: {level: 4, matched: [missing]}
      - name: neglect hides the missing-episode section
        answers: {category: neglect}
        expect:
          complete: true
          hidden: [missing-episode, last_seen]
          threshold: {level: null}
      - name: the age is worked out from the suite's today
        answers: {category: neglect, child_dob: '2025-01-16'}
        expect:
          derived: {child_age: 0}
          threshold: {level: 3, matched: [young]}
      - name: a scenario can pin its own today
        today: '2025-01-16'
        answers: {category: neglect, child_dob: '2025-01-16'}
        expect:
          complete: true
          derived: {child_age: 0}
    """

FAILING = """\
    kind: tests
    id: failing
    version: 1
    title: Failing scenarios
    form: cause-for-concern
    today: '2026-01-15'
    scenarios:
      - name: wrong about completeness
        answers: {}
        expect: {complete: true}
      - name: wrong about visibility
        answers: {category: neglect}
        expect: {visible: [missing-episode], hidden: [category]}
      - name: wrong about errors
        answers: {category: missing}
        expect:
          errors: [{field: summary, code: required}]
          not_errors: [{field: last_seen, code: required}]
          warnings: [{field: summary, code: say-more}]
      - name: wrong about derived values
        answers: {category: neglect}
        expect: {derived: {priority: urgent}}
      - name: wrong about the threshold
        answers: {category: missing}
        expect: {threshold: {level: 3, matched: [young]}}
    """

FILES = {"forms/form.yaml": FORM, "rules/routing.yaml": RULES, "thresholds/levels.yaml": LEVELS}


def _results(tests: str) -> dict[str, tuple[str, ...]]:
    loaded = load({**FILES, "tests/t.yaml": tests})
    assert not loaded.problems, loaded.problems
    return {r.name: r.failures for r in run_suites(loaded)}


def test_scenarios_that_match_the_evaluation_pass():
    results = _results(PASSING)

    assert results == {
        "a missing child shows the missing-episode section": (),
        "neglect hides the missing-episode section": (),
        "the age is worked out from the suite's today": (),
        "a scenario can pin its own today": (),
    }


def test_a_scenario_expecting_the_wrong_completeness_says_what_it_got_and_the_first_errors():
    failures = _results(FAILING)["wrong about completeness"]

    assert failures == ("expected complete: true, got false [errors: category:required]",)


def test_a_scenario_expecting_the_wrong_visibility_names_each_path():
    failures = _results(FAILING)["wrong about visibility"]

    assert failures == ("expected 'missing-episode' to be visible", "expected 'category' to be hidden")


def test_a_scenario_expecting_the_wrong_errors_names_each_one():
    failures = _results(FAILING)["wrong about errors"]

    assert failures == (
        "expected error required on 'summary' [errors: last_seen:required]",
        "did not expect error required on 'last_seen'",
        "expected warning say-more on 'summary'",
    )


def test_a_scenario_expecting_the_wrong_derived_value_shows_both():
    assert _results(FAILING)["wrong about derived values"] == ("expected derived priority = 'urgent', got None",)


def test_a_scenario_expecting_the_wrong_threshold_shows_level_and_indicators():
    assert _results(FAILING)["wrong about the threshold"] == (
        "expected threshold level 3, got 4",
        "expected matched indicators ['young'], got ['missing']",
    )


def test_a_result_line_says_pass_or_fail_and_where_the_scenario_is():
    loaded = load({**FILES, "tests/failing.yaml": FAILING, "tests/passing.yaml": PASSING})
    lines = [r.line() for r in run_suites(loaded)]

    assert "PASS passing: a missing child shows the missing-episode section" in lines
    assert (
        "FAIL failing: wrong about completeness (tests/failing.yaml:8:5)\n"
        "    - expected complete: true, got false [errors: category:required]"
    ) in lines
    assert len(lines) == 9


def test_a_scenario_file_with_an_impossible_today_is_refused_when_loading():
    broken = PASSING.replace("today: '2026-01-15'", "today: '2026-02-30'")

    problems = problems_of({**FILES, "tests/t.yaml": broken})

    assert len(problems) == 1, problems
    assert problems[0].startswith("tests/t.yaml:6:")
    assert " DEF004 " in problems[0]


def test_a_scenario_expecting_an_unknown_expectation_key_is_refused():
    broken = PASSING.replace("hidden: []", "hiden: []")

    problems = problems_of({**FILES, "tests/t.yaml": broken})

    assert len(problems) == 1
    assert " DEF003 " in problems[0]
    assert "did you mean 'hidden'" in problems[0]


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


ROOT = Path(__file__).resolve().parents[2]




def test_the_cli_runs_passing_scenarios_and_exits_zero(tmp_path):
    _write(tmp_path, {**FILES, "tests/t.yaml": PASSING})

    result = fanlight("definitions", "test", str(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "4 passed, 0 failed"
    assert "Traceback" not in result.stdout + result.stderr


def test_the_cli_reports_failing_scenarios_and_exits_one(tmp_path):
    _write(tmp_path, {**FILES, "tests/t.yaml": FAILING})

    result = fanlight("definitions", "test", str(tmp_path))

    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "0 passed, 5 failed"
    assert "FAIL failing: wrong about the threshold" in result.stdout
    assert "    - expected threshold level 3, got 4" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_the_cli_refuses_to_run_scenarios_over_broken_definitions(tmp_path):
    _write(tmp_path, {**FILES, "tests/t.yaml": PASSING.replace("form: cause-for-concern", "form: cause-for-concrn")})

    result = fanlight("definitions", "test", str(tmp_path))

    assert result.returncode == 1
    assert " REF006 " in result.stderr
    assert "fix them before running scenarios" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
