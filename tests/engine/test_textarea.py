"""`type: textarea` — several lines of text: lengths (default at most 10,000), pattern."""

from __future__ import annotations

from tests.helpers import codes, compile_yaml, form_yaml, problems_of, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: concern_summary
          type: textarea
          label: What are you worried about?
          required: true
          min_length: 20
          max_length: 3000
        - id: other_information
          type: textarea
          label: Anything else we should know?
        - id: case_reference
          type: textarea
          label: Case references, one a line
          pattern: '(CR-[0-9]{4}\\n?)+'
        """
    )
)

SUMMARY = "Jordan came to school with bruises on both arms."


def test_a_summary_over_several_lines_keeps_its_line_breaks_but_not_the_blank_edges():
    evaluation = run(FORM, {"concern_summary": "\n\n  " + SUMMARY + "\nHe said he fell.\n\n"})

    assert codes(evaluation) == []
    assert evaluation.answers == {"concern_summary": SUMMARY + "\nHe said he fell."}


def test_a_summary_that_is_too_short_to_be_useful_is_refused():
    evaluation = run(FORM, {"concern_summary": "Bruises."})

    assert codes(evaluation) == [("concern_summary", "min_length")]
    assert "20" in evaluation.errors[0].message


def test_a_summary_longer_than_the_form_allows_is_refused():
    evaluation = run(FORM, {"concern_summary": "x" * 3001})

    assert codes(evaluation) == [("concern_summary", "max_length")]


def test_a_textarea_without_a_max_length_takes_up_to_10000_characters():
    accepted = run(FORM, {"concern_summary": SUMMARY, "other_information": "y" * 10_000})
    refused = run(FORM, {"concern_summary": SUMMARY, "other_information": "y" * 10_001})

    assert codes(accepted) == []
    assert len(accepted.answers["other_information"]) == 10_000
    assert codes(refused) == [("other_information", "max_length")]
    assert "10000" in refused.errors[0].message


def test_a_blank_summary_is_unanswered():
    evaluation = run(FORM, {"concern_summary": "\n \n"})

    assert codes(evaluation) == [("concern_summary", "required")]


def test_a_textarea_pattern_is_checked_against_the_whole_answer():
    good = run(FORM, {"concern_summary": SUMMARY, "case_reference": "CR-1234\nCR-5678"})
    bad = run(FORM, {"concern_summary": SUMMARY, "case_reference": "CR-1234\nsee notes"})

    assert codes(good) == []
    assert good.answers["case_reference"] == "CR-1234\nCR-5678"
    assert codes(bad) == [("case_reference", "pattern")]


def test_a_list_sent_for_a_textarea_is_a_type_error():
    evaluation = run(FORM, {"concern_summary": [SUMMARY]})

    assert codes(evaluation) == [("concern_summary", "type")]


def test_a_textarea_cannot_be_calculated():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - {id: first, type: text, label: First}
                - id: summary
                  type: textarea
                  label: Summary
                  calculate: first
                """
            )
        }
    )

    assert len(problems) == 1
    assert " DEF007 " in problems[0]
    assert "calculate" in problems[0]
