"""`type: consent` — the consent composite.

sought → (true) given → (true) given_by, relationship, has_parental_responsibility, date, method;
reason when consent was not sought or was refused. Errors are reported on `consent.<part>`.
"""

from __future__ import annotations

import datetime

import pytest

from tests.helpers import TODAY, codes, compile_yaml, form_yaml, problems_of, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: consent
          type: consent
          label: Have you asked the family for consent to this referral?
          required: true
        - id: consent_scope
          type: textarea
          label: What has the family agreed to?
          show_if: consent.given == true
        - id: no_consent_note
          type: content
          show_if: consent.sought == false or consent.given == false
          text: Without consent, this must be a child protection referral.
        """
    )
)

GIVEN = {
    "sought": True,
    "given": True,
    "given_by": "Sam Morgan",
    "relationship": "Mother",
    "has_parental_responsibility": True,
    "date": "2026-11-20",
    "method": "verbal",
}


def test_nothing_answered_asks_whether_consent_was_sought():
    evaluation = run(FORM, {})

    assert codes(evaluation) == [("consent.sought", "required")]
    assert evaluation.errors[0].message == "Say whether you have asked for consent"


def test_consent_sought_then_asks_whether_it_was_given():
    evaluation = run(FORM, {"consent": {"sought": True}})

    assert codes(evaluation) == [("consent.given", "required")]
    assert evaluation.answers == {"consent": {"sought": True}}


def test_consent_given_then_asks_who_gave_it_when_and_how():
    evaluation = run(FORM, {"consent": {"sought": True, "given": True}})

    assert codes(evaluation) == [
        ("consent.given_by", "required"),
        ("consent.relationship", "required"),
        ("consent.has_parental_responsibility", "required"),
        ("consent.date", "required"),
        ("consent.method", "required"),
    ]
    assert evaluation.errors[0].message == "Enter the name of the person who gave consent"


def test_a_mother_who_gave_verbal_consent_completes_the_question():
    evaluation = run(FORM, {"consent": {**GIVEN, "given_by": "  Sam Morgan ", "date": "2026-11-20 "}})

    assert codes(evaluation) == []
    assert evaluation.complete is True
    assert evaluation.answers == {"consent": GIVEN}
    assert evaluation.visible_fields == ["consent", "consent_scope"]


def test_consent_not_sought_needs_a_reason():
    missing = run(FORM, {"consent": {"sought": False}})
    explained = run(FORM, {"consent": {"sought": False, "reason": "Telling the father would put the child at risk."}})

    assert codes(missing) == [("consent.reason", "required")]
    assert missing.errors[0].message == "Explain why the referral goes ahead without consent"
    assert codes(explained) == []
    assert explained.visible_fields == ["consent", "no_consent_note"]


def test_consent_refused_needs_a_reason_and_not_who_refused():
    evaluation = run(FORM, {"consent": {"sought": True, "given": False}})

    assert codes(evaluation) == [("consent.reason", "required")]


def test_answers_to_questions_that_were_not_asked_are_dropped():
    evaluation = run(
        FORM,
        {
            "consent": {
                "sought": False,
                "given": True,
                "given_by": "Sam",
                "method": "written",
                "reason": "Risk to the child.",
            }
        },
    )

    assert codes(evaluation) == []
    assert evaluation.answers == {"consent": {"sought": False, "reason": "Risk to the child."}}
    assert "consent_scope" not in evaluation.visible_fields  # consent.given reads as null


def test_who_gave_consent_reads_as_null_when_consent_was_not_sought():
    form = compile_yaml(
        form_yaml(
            """
            - {id: consent, type: consent, label: Consent}
            - {id: named, type: yes_no, label: Named, calculate: consent.given_by != null}
            """
        )
    )

    evaluation = run(form, {"consent": {"sought": False, "given": True, "given_by": "Sam", "reason": "Risk."}})

    assert evaluation.derived == {"named": False}


def test_a_reason_given_alongside_consent_is_dropped():
    evaluation = run(FORM, {"consent": {**GIVEN, "reason": "n/a"}})

    assert "reason" not in evaluation.answers["consent"]


def test_a_consent_date_in_the_future_fails_max():
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()

    evaluation = run(FORM, {"consent": {**GIVEN, "date": tomorrow}})

    assert codes(evaluation) == [("consent.date", "max")]
    assert "date" not in evaluation.answers["consent"]


def test_consent_given_today_is_accepted():
    assert codes(run(FORM, {"consent": {**GIVEN, "date": TODAY.isoformat()}})) == []


def test_a_consent_date_that_is_not_a_date_is_a_type_error_on_the_date():
    assert codes(run(FORM, {"consent": {**GIVEN, "date": "last Tuesday"}})) == [("consent.date", "type")]


def test_consent_by_email_is_not_one_of_the_methods():
    assert codes(run(FORM, {"consent": {**GIVEN, "method": "email"}})) == [("consent.method", "option")]


@pytest.mark.parametrize("method", ["verbal", "written"])
def test_verbal_and_written_consent_are_the_methods(method):
    assert codes(run(FORM, {"consent": {**GIVEN, "method": method}})) == []


def test_a_sub_answer_of_the_wrong_type_is_reported_on_that_part():
    evaluation = run(FORM, {"consent": {"sought": "perhaps"}})

    assert codes(evaluation) == [("consent.sought", "type")]


def test_yes_and_no_written_as_text_are_read_as_booleans_in_consent():
    evaluation = run(FORM, {"consent": {"sought": "no", "reason": "Would put the child at risk."}})

    assert codes(evaluation) == []
    assert evaluation.answers["consent"]["sought"] is False


def test_a_consent_answer_that_is_not_a_record_is_a_type_error_on_the_field():
    evaluation = run(FORM, {"consent": "yes"})

    assert ("consent", "type") in codes(evaluation)
    assert evaluation.answers == {}
    assert evaluation.complete is False


def test_when_consent_is_optional_its_parts_are_optional_too():
    form = compile_yaml(form_yaml("- {id: consent, type: consent, label: Consent}"))

    assert codes(run(form, {})) == []
    assert codes(run(form, {"consent": {"sought": True, "given": True}})) == []


def test_required_if_makes_consent_and_its_parts_required():
    form = compile_yaml(
        form_yaml(
            """
            - id: request_type
              type: radios
              label: What are you asking for?
              options:
                - {value: 'early_help', label: Early help}
                - {value: 'child_protection', label: Child protection}
            - id: consent
              type: consent
              label: Consent
              required_if: request_type == 'early_help'
            """
        )
    )

    assert codes(run(form, {"request_type": "child_protection"})) == []
    assert codes(run(form, {"request_type": "early_help"})) == [("consent.sought", "required")]
    assert codes(run(form, {"request_type": "early_help", "consent": {"sought": True}})) == [
        ("consent.given", "required")
    ]


def test_consent_inside_a_repeat_reports_each_part_under_the_item():
    form = compile_yaml(
        form_yaml(
            """
            - id: young_people
              type: repeat
              label: Young people
              fields:
                - {id: name, type: text, label: Name}
                - {id: own_consent, type: consent, label: The young person's own consent, required: true}
            """
        )
    )

    evaluation = run(form, {"young_people": [{"name": "Kai", "own_consent": {"sought": True}}]})

    assert codes(evaluation) == [("young_people[0].own_consent.given", "required")]


def test_expressions_read_the_parts_of_consent():
    form = compile_yaml(
        form_yaml(
            """
            - {id: consent, type: consent, label: Consent}
            - id: given_in_writing
              type: yes_no
              label: In writing?
              calculate: consent.method == 'written'
            - id: consent_age_days
              type: number
              label: Days since consent
              calculate: ($today - consent.date).days
            """
        )
    )

    evaluation = run(form, {"consent": {**GIVEN, "method": "written"}})

    assert evaluation.derived == {"given_in_writing": True, "consent_age_days": 2}


def test_an_unknown_part_of_consent_is_caught_when_loading():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - {id: consent, type: consent, label: Consent}
                - {id: note, type: text, label: Note, show_if: consent.gven == true}
                """
            )
        }
    )

    assert len(problems) == 1
    assert " EXP002 " in problems[0]
    assert "gven" in problems[0]


def test_consent_takes_no_constraints():
    problems = problems_of(
        {"forms/f.yaml": form_yaml("- {id: consent, type: consent, label: Consent, max_length: 10}")}
    )

    assert len(problems) == 1
    assert " DEF007 " in problems[0]
