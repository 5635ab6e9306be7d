"""Thresholds: the highest matched level, its name, every matched indicator; guidance never blocks."""

from __future__ import annotations

from tests.helpers import compile_yaml, form_yaml, problems_of, run

THRESHOLDS = """\
    kind: thresholds
    id: levels-of-need
    version: 1
    title: Levels of need
    levels:
      - {level: 1, name: Universal, summary: Needs met by universal services.}
      - {level: 2, name: Additional needs, summary: Early help from one agency.}
      - {level: 3, name: Complex needs, summary: Multi-agency early help.}
      - {level: 4, name: Acute or specialist, summary: Children's social care.}
    domains:
      - {id: child_development, name: Child development}
      - {id: family_environment, name: Family and environment}
    indicators:
      - id: poor-attendance
        level: 2
        domain: child_development
        text: Attendance below 90 per cent.
        when: attendance < 90
      - id: repeat-missing
        level: 4
        domain: child_development
        text: Repeated missing episodes.
        when: category == 'missing' and episodes >= 3
      - id: single-missing
        level: 3
        domain: child_development
        text: A missing episode.
        when: category == 'missing'
      - id: housing-guidance
        level: 3
        domain: family_environment
        text: Overcrowded or unsafe housing (guidance only).
    """

FIELDS = """
- {id: attendance, type: number, label: Attendance (%)}
- id: category
  type: radios
  label: Main concern
  options: [{value: 'neglect', label: Neglect}, {value: 'missing', label: Missing}]
- {id: episodes, type: number, label: Missing episodes}
"""

FORM = compile_yaml(form_yaml(FIELDS, extra="thresholds: levels-of-need\n"), **{"thresholds/levels.yaml": THRESHOLDS})


def test_a_child_with_three_missing_episodes_is_at_level_four():
    evaluation = run(FORM, {"category": "missing", "episodes": 3, "attendance": 80})

    assert evaluation.threshold is not None
    assert evaluation.threshold.id == "levels-of-need"
    assert evaluation.threshold.level == 4
    assert evaluation.threshold.level_name == "Acute or specialist"
    assert evaluation.threshold.matched == ("poor-attendance", "repeat-missing", "single-missing")


def test_one_missing_episode_is_at_level_three():
    evaluation = run(FORM, {"category": "missing", "episodes": 1})

    assert evaluation.threshold.level == 3
    assert evaluation.threshold.level_name == "Complex needs"
    assert evaluation.threshold.matched == ("single-missing",)


def test_poor_attendance_alone_is_at_level_two():
    evaluation = run(FORM, {"attendance": 85})

    assert (evaluation.threshold.level, evaluation.threshold.level_name) == (2, "Additional needs")
    assert evaluation.threshold.matched == ("poor-attendance",)


def test_no_matched_indicator_gives_a_null_level():
    evaluation = run(FORM, {"attendance": 97, "category": "neglect"})

    assert evaluation.threshold.level is None
    assert evaluation.threshold.level_name is None
    assert evaluation.threshold.matched == ()
    assert evaluation.to_json()["threshold"] == {
        "id": "levels-of-need",
        "level": None,
        "level_name": None,
        "matched": [],
    }


def test_an_indicator_without_a_condition_is_guidance_only_and_never_matches():
    evaluation = run(FORM, {})

    assert "housing-guidance" not in evaluation.threshold.matched
    assert evaluation.threshold.level is None


def test_unanswered_fields_do_not_match_ordering_indicators():
    # attendance is null: `attendance < 90` is false, not an error.
    evaluation = run(FORM, {"category": "neglect"})

    assert evaluation.threshold.matched == ()


def test_guidance_never_blocks_submission():
    evaluation = run(FORM, {"category": "missing", "episodes": 9})

    assert evaluation.threshold.level == 4
    assert evaluation.errors == []
    assert evaluation.complete is True


def test_a_form_without_thresholds_has_a_null_threshold():
    form = compile_yaml(form_yaml(FIELDS))

    evaluation = run(form, {"category": "missing", "episodes": 9})

    assert evaluation.threshold is None
    assert evaluation.to_json()["threshold"] is None


def test_an_indicator_in_an_unknown_domain_or_level_is_reported():
    broken = THRESHOLDS.replace("level: 2\n", "level: 5\n", 1).replace(
        "domain: family_environment\n        text: Overcrowded", "domain: family\n        text: Overcrowded"
    )

    problems = problems_of({"thresholds/levels.yaml": broken})

    assert [p.split(" ")[1] for p in problems] == ["REF007", "REF007"]
    assert any("unknown level 5" in p for p in problems)
    assert any("unknown domain 'family'" in p for p in problems)


def test_an_indicator_naming_a_field_the_form_does_not_have_is_reported_against_that_form():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                FIELDS.replace("id: episodes", "id: episode_count"), extra="thresholds: levels-of-need\n"
            ),
            "thresholds/levels.yaml": THRESHOLDS,
        }
    )

    assert len(problems) == 1
    assert " EXP002 " in problems[0]
    assert "(in form 'test-form')" in problems[0]


def test_a_form_naming_unknown_thresholds_is_reported():
    problems = problems_of({"forms/f.yaml": form_yaml(FIELDS, extra="thresholds: levels-of-nead\n")})

    assert len(problems) == 1
    assert " REF003 " in problems[0]
