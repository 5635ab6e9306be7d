"""Expressions: null semantics, `$today`, `$age`, consent and repeat paths, load-time checks.

The language contract (docs/definition-language.md): an unanswered or hidden field is null;
`==` and `!=` work as usual; an ordering, membership or attribute test on null is false;
arithmetic on null gives null; no expression can crash an evaluation.
"""

from __future__ import annotations

import datetime

import pytest

from tests.helpers import compile_yaml, form_yaml, problems_of, run

FIELDS = """
- {id: age, type: number, label: Age}
- {id: description, type: text, label: Description}
- id: categories
  type: checkboxes
  label: Categories
  options: [{value: 'missing', label: Missing}, {value: 'neglect', label: Neglect}]
- id: category
  type: radios
  label: Category
  options: [{value: 'missing', label: Missing}, {value: 'neglect', label: Neglect}]
- {id: child_dob, type: date, label: Date of birth}
- {id: immediate_danger, type: yes_no, label: Danger}
- {id: consent, type: consent, label: Consent}
- id: household_members
  type: repeat
  label: Household
  fields:
    - {id: name, type: text, label: Name}
    - {id: member_age, type: number, label: Age}
"""


def condition(expression: str, answers: dict, today: datetime.date | None = None) -> bool | None:
    """The value of a yes/no `calculate` holding `expression` (None when it is null)."""
    form = _form(expression, "yes_no")
    evaluation = run(form, answers) if today is None else run(form, answers, today=today)
    return evaluation.derived.get("result")


def number(expression: str, answers: dict) -> object:
    return run(_form(expression, "number"), answers).derived.get("result")


_FORMS: dict[tuple[str, str], object] = {}


def _form(expression: str, kind: str):
    key = (expression, kind)
    if key not in _FORMS:
        quoted = expression.replace('"', '\\"')
        _FORMS[key] = compile_yaml(
            form_yaml(FIELDS + f'- {{id: result, type: {kind}, label: Result, calculate: "{quoted}"}}\n')
        )
    return _FORMS[key]


# == and != ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("category == 'missing'", False),
        ("category != 'missing'", True),
        ("age == null", True),
        ("age != null", False),
        ("immediate_danger == false", False),
        ("immediate_danger != true", True),
    ],
)
def test_equality_on_an_unanswered_field_works_as_usual(expression, expected):
    assert condition(expression, {}) is expected


# ordering, membership, attributes on null -----------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "age < 13",
        "age <= 13",
        "age > 13",
        "age >= 13",
        "'missing' in categories",
        "description.length < 40",
        "description.length >= 0",
        "child_dob < $today",
        "$age(child_dob) >= 12",
        "household_members.length > 0",
        "age + 1 > 3",
        "null in categories",
    ],
)
def test_an_ordering_membership_or_attribute_test_on_null_is_false(expression):
    assert condition(expression, {}) is False


def test_not_of_a_null_ordering_is_true_because_the_ordering_is_false():
    assert condition("not (age < 13)", {}) is True


def test_the_null_rules_do_not_change_answered_values():
    assert condition("age < 13", {"age": 9}) is True
    assert condition("'missing' in categories", {"categories": ["missing"]}) is True
    assert condition("description.length < 40", {"description": "Bruises."}) is True
    assert condition("description.length < 40", {"description": "x" * 40}) is False


@pytest.mark.parametrize("expression", ["age + 1", "age - 1", "age * 2", "age / 2", "age % 2", "age ** 2", "-age"])
def test_arithmetic_on_null_gives_null(expression):
    assert number(expression, {}) is None


def test_arithmetic_on_numbers_still_works():
    assert number("age * 2 + 1", {"age": 4}) == 9
    assert number("age / 4", {"age": 10}) == 2.5


def test_the_null_coalescing_operator_supplies_a_default():
    assert number("age ?? 0", {}) == 0
    assert condition("(age ?? 0) < 3", {}) is True


def test_a_division_by_zero_reads_as_null_rather_than_crashing():
    form = compile_yaml(
        form_yaml(
            """
            - {id: age, type: number, label: Age}
            - {id: note, type: text, label: Note, show_if: age / 0 > 1}
            """
        )
    )

    assert number("age / 0", {"age": 3}) is None
    assert run(form, {"age": 3, "note": "x"}).visible_fields == ["age"]


# builtins -------------------------------------------------------------------------------


def test_today_is_the_pinned_evaluation_date():
    assert condition("$today == d'2026-11-22'", {}) is True
    assert condition("$today == d'2030-01-31'", {}, today=datetime.date(2030, 1, 31)) is True


def test_a_date_compared_with_today_minus_a_duration():
    assert condition("child_dob < $today - t'P365D'", {"child_dob": "2024-01-01"}) is True
    assert condition("child_dob < $today - t'P365D'", {"child_dob": "2026-01-01"}) is False


@pytest.mark.parametrize(
    ("dob", "today", "years"),
    [
        ("2014-11-22", datetime.date(2026, 11, 22), 12),  # twelfth birthday today
        ("2014-11-23", datetime.date(2026, 11, 22), 11),  # tomorrow
        ("2012-02-29", datetime.date(2026, 2, 28), 13),  # leap-day birthday not yet reached
        ("2012-02-29", datetime.date(2026, 3, 1), 14),
        ("2027-01-01", datetime.date(2026, 11, 22), -1),  # an expected date of delivery
    ],
)
def test_age_gives_whole_years_between_a_date_and_today(dob, today, years):
    form = _form("$age(child_dob)", "number")

    assert run(form, {"child_dob": dob}, today=today).derived == {"result": years}


def test_age_of_an_unanswered_date_is_null():
    assert number("$age(child_dob)", {}) is None


# consent and repeat paths -----------------------------------------------------------------


def test_consent_parts_are_read_with_a_dot():
    given = {"consent": {"sought": True, "given": True}}

    assert condition("consent.given == true", given) is True
    assert condition("consent.sought == true", given) is True
    assert condition("consent.given == false", {}) is False
    assert condition("consent.given == null", {}) is True


def test_household_members_are_read_by_index_and_attribute():
    members = {"household_members": [{"name": "Sam", "member_age": 34}, {"name": "Alex"}]}

    assert condition("household_members[0].name == 'Sam'", members) is True
    assert condition("household_members[1].member_age == null", members) is True
    assert condition("household_members.length == 2", members) is True
    assert condition("household_members[-1].name == 'Alex'", members) is True


def test_an_out_of_range_index_reads_as_null():
    members = {"household_members": [{"name": "Sam"}]}

    assert condition("household_members[5].name == null", members) is True
    assert condition("household_members[5] == null", members) is True
    assert condition("household_members[5].member_age > 3", members) is False
    assert condition("household_members[0].name == null", {}) is True


# load-time checks ---------------------------------------------------------------------------


def _problems(fields: str) -> list[str]:
    return problems_of({"forms/f.yaml": form_yaml(fields)})


def test_an_unknown_name_is_reported_with_a_suggestion_at_its_column():
    problems = _problems(
        """
        - {id: immediate_danger, type: yes_no, label: Danger}
        - {id: note, type: text, label: Note, show_if: "immediate_danger == true and imediate_danger"}
        """
    )

    assert problems == ["forms/f.yaml:10:84: EXP002 unknown field 'imediate_danger' (did you mean 'immediate_danger'?)"]


def test_an_unknown_name_in_a_multi_line_expression_points_at_its_own_line():
    problems = _problems(
        """
        - {id: immediate_danger, type: yes_no, label: Danger}
        - {id: category, type: text, label: Category}
        - id: note
          type: text
          label: Note
          show_if: >-
            immediate_danger == true
            or categry == 'missing'
        """
    )

    assert problems == ["forms/f.yaml:16:14: EXP002 unknown field 'categry' (did you mean 'category'?)"]


def test_an_unknown_builtin_is_reported_when_loading():
    problems = _problems(
        """
        - {id: child_dob, type: date, label: Date of birth}
        - {id: note, type: text, label: Note, show_if: "child_dob < $tody"}
        """
    )

    assert len(problems) == 1, problems
    assert " EXP002 " in problems[0]
    assert "tody" in problems[0]


def test_a_syntax_error_points_at_the_unexpected_token():
    problems = _problems("- {id: a, type: text, label: A, show_if: \"a == 'x' and and\"}")

    assert problems == ["forms/f.yaml:9:62: EXP001 syntax error: unexpected 'and'"]


def test_a_condition_that_is_not_true_or_false_is_a_type_error():
    problems = _problems("- {id: a, type: number, label: A}\n- {id: b, type: text, label: B, show_if: a}")

    assert len(problems) == 1
    assert " EXP003 " in problems[0]
    assert "true or false" in problems[0]


def test_a_builtin_given_the_wrong_kind_of_value_is_a_type_error():
    problems = _problems('- {id: a, type: text, label: A}\n- {id: b, type: text, label: B, show_if: "$age(a) > 3"}')

    assert len(problems) == 1
    assert " EXP003 " in problems[0]


def test_comparing_a_yes_no_answer_with_text_is_a_type_mismatch():
    # `immediate_danger == 'yes'` is legal rule-engine but can never be true: a yes/no answer is true/false.
    problems = _problems(
        """
        - {id: immediate_danger, type: yes_no, label: Danger}
        - {id: note, type: text, label: Note, show_if: "immediate_danger == 'yes'"}
        """
    )

    assert len(problems) == 1, problems
    assert " EXP003 " in problems[0]


def test_comparing_a_choice_with_a_value_that_is_not_an_option_is_reported_at_the_value():
    problems = _problems(
        """
        - id: category
          type: radios
          label: Category
          options: [{value: 'missing', label: Missing}]
        - {id: note, type: text, label: Note, show_if: "category != 'misisng'"}
        """
    )

    assert problems == ["forms/f.yaml:13:68: EXP005 'misisng' is not an option of 'category' (options: missing)"]


def test_membership_of_a_non_option_in_checkboxes_is_reported():
    problems = _problems(
        """
        - id: categories
          type: checkboxes
          label: Categories
          options: [{value: 'missing', label: Missing}]
        - {id: note, type: text, label: Note, show_if: "'mising' in categories"}
        """
    )

    assert len(problems) == 1
    assert " EXP005 " in problems[0]


def test_an_unknown_consent_or_repeat_attribute_is_reported():
    problems = _problems(FIELDS + '- {id: note, type: text, label: Note, show_if: "household_members[0].nme == null"}')

    assert len(problems) == 1
    assert " EXP002 " in problems[0]
    assert "'nme'" in problems[0]


@pytest.mark.parametrize(
    "answers",
    [
        {
            "age": "x",
            "description": 3,
            "categories": "missing",
            "child_dob": "2026-02-30",
            "consent": [1],
            "household_members": "Sam",
        },
        {"household_members": [None, 3, "x", {"name": {"first": "Sam"}}]},
        {"age": 10**30, "child_dob": "0001-01-01"},
        {"child_dob": "9999-12-31", "age": -(10**15)},
    ],
)
@pytest.mark.parametrize(
    "expression",
    [
        "age * 1e308 > 1",
        "$age(child_dob) > 1",
        "child_dob - t'P3650000D' < $today",
        "child_dob + t'P3650D' > $today",
        "household_members[0].name.length > 2",
        "description =~ '(a+)+$'",
        "age / (age - age) > 0",
        "categories[0] == 'missing'",
        "consent.date > $today",
    ],
)
def test_no_expression_crashes_an_evaluation_whatever_the_answers(expression, answers):
    form = _form(expression, "yes_no")

    evaluation = run(form, answers)

    assert evaluation.derived.get("result") in (True, False, None)
