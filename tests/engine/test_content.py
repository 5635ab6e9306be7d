"""`type: content` — Markdown guidance: shown or hidden like any field, but it has no answer."""

from __future__ import annotations

from tests.helpers import codes, compile_yaml, form_yaml, problems_of, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: before_you_start
          type: content
          text: Talk to your designated safeguarding lead before you start.
        - id: immediate_danger
          type: yes_no
          label: Is the child in immediate danger?
        - id: call_999
          type: content
          show_if: immediate_danger == true
          text: '**Call 999 now.**'
        """
    )
)


def test_guidance_is_listed_among_the_visible_fields():
    evaluation = run(FORM, {})

    assert evaluation.visible_fields == ["before_you_start", "immediate_danger"]


def test_guidance_appears_when_its_condition_holds():
    evaluation = run(FORM, {"immediate_danger": True})

    assert evaluation.visible_fields == ["before_you_start", "immediate_danger", "call_999"]


def test_an_answer_sent_for_guidance_is_ignored():
    evaluation = run(FORM, {"before_you_start": "I have read it", "call_999": True})

    assert codes(evaluation) == []
    assert evaluation.answers == {}
    assert evaluation.derived == {}


def test_guidance_cannot_be_required():
    problems = problems_of({"forms/f.yaml": form_yaml("- {id: note, type: content, text: Read this., required: true}")})

    assert len(problems) == 1
    assert " DEF007 " in problems[0]


def test_guidance_needs_its_text():
    problems = problems_of({"forms/f.yaml": form_yaml("- {id: note, type: content, label: A note}")})

    assert len(problems) == 1
    assert " DEF001 " in problems[0]


def test_guidance_has_no_value_for_expressions_to_read():
    problems = problems_of(
        {
            "forms/f.yaml": form_yaml(
                """
                - {id: note, type: content, text: Read this.}
                - {id: read_it, type: yes_no, label: 'Read?', show_if: note == null}
                """
            )
        }
    )

    assert len(problems) == 1
    assert " EXP002 " in problems[0]
