"""Section and field `show_if`: hidden answers are dropped and read as null; visible lists in form order."""

from __future__ import annotations

from tests.helpers import codes, compile_yaml, run

FORM = compile_yaml(
    """\
    kind: form
    id: visibility
    version: 1
    title: Visibility
    sections:
      - id: about-the-concern
        title: About the concern
        fields:
          - id: category
            type: radios
            label: What is the main concern?
            options:
              - {value: 'neglect', label: Neglect}
              - {value: 'missing', label: Missing from home or care}
          - id: worried_about_exploitation
            type: yes_no
            label: Are you worried about exploitation?
            show_if: category == 'missing'
      - id: missing-episode
        title: The missing episode
        show_if: category == 'missing'
        fields:
          - id: last_seen
            type: datetime
            label: When was the child last seen?
            required: true
          - id: episodes
            type: number
            label: How many times has the child gone missing?
      - id: exploitation
        title: Exploitation
        show_if: worried_about_exploitation == true
        fields:
          - id: exploitation_detail
            type: textarea
            label: Tell us about the exploitation
          - id: episodes_note
            type: content
            show_if: episodes >= 3
            text: Three or more episodes must be discussed at the exploitation panel.
      - id: summary
        title: Summary
        fields:
          - id: frequent_missing
            type: yes_no
            label: Frequently missing?
            calculate: episodes >= 3
          - id: neglect_detail
            type: textarea
            label: Tell us about the neglect
            show_if: category == 'neglect'
    """
)

MISSING = {
    "category": "missing",
    "last_seen": "2026-11-21T22:00",
    "episodes": 4,
    "worried_about_exploitation": True,
    "exploitation_detail": "Seen with older men in cars.",
}


def test_a_referral_about_neglect_sees_only_the_neglect_questions():
    evaluation = run(FORM, {"category": "neglect"})

    assert evaluation.visible_sections == ["about-the-concern", "summary"]
    assert evaluation.visible_fields == ["category", "frequent_missing", "neglect_detail"]
    assert codes(evaluation) == []


def test_a_missing_child_opens_the_missing_episode_and_exploitation_sections():
    evaluation = run(FORM, MISSING)

    assert evaluation.visible_sections == ["about-the-concern", "missing-episode", "exploitation", "summary"]
    assert evaluation.visible_fields == [
        "category",
        "worried_about_exploitation",
        "last_seen",
        "episodes",
        "exploitation_detail",
        "episodes_note",
        "frequent_missing",
    ]
    assert evaluation.derived == {"frequent_missing": True}


def test_required_fields_in_a_hidden_section_are_not_required():
    evaluation = run(FORM, {"category": "neglect"})

    assert ("last_seen", "required") not in codes(evaluation)


def test_required_fields_in_a_shown_section_are_required():
    evaluation = run(FORM, {"category": "missing"})

    assert codes(evaluation) == [("last_seen", "required")]


def test_answers_to_hidden_questions_are_dropped():
    evaluation = run(FORM, {**MISSING, "category": "neglect", "neglect_detail": "No food at home."})

    assert evaluation.answers == {"category": "neglect", "neglect_detail": "No food at home."}


def test_a_hidden_answer_reads_as_null_in_later_expressions():
    # episodes: 4 was given, but its section is hidden: `episodes >= 3` sees null (so is false),
    # and so does the guidance's condition.
    evaluation = run(FORM, {**MISSING, "category": "neglect"})

    assert evaluation.derived == {"frequent_missing": False}
    assert "episodes_note" not in evaluation.visible_fields


def test_hiding_cascades_through_a_chain_of_conditions():
    # worried_about_exploitation is hidden (category is not missing), so the exploitation section is hidden too.
    evaluation = run(FORM, {"category": "neglect", "worried_about_exploitation": True, "exploitation_detail": "x"})

    assert "exploitation" not in evaluation.visible_sections
    assert "exploitation_detail" not in evaluation.answers


def test_an_invalid_answer_to_a_hidden_question_is_not_an_error():
    evaluation = run(FORM, {"category": "neglect", "last_seen": "not a time", "episodes": "lots"})

    assert codes(evaluation) == []


def test_visible_fields_are_in_form_order_even_when_conditions_point_forwards():
    form = compile_yaml(
        """\
        kind: form
        id: forward
        version: 1
        title: A condition on a later field
        sections:
          - id: first
            title: First
            fields:
              - {id: follow_up, type: text, label: Follow up, show_if: trigger == true}
          - id: second
            title: Second
            fields:
              - {id: trigger, type: yes_no, label: Trigger}
        """
    )

    evaluation = run(form, {"trigger": True, "follow_up": "Yes"})

    assert evaluation.visible_fields == ["follow_up", "trigger"]
    assert evaluation.answers == {"follow_up": "Yes", "trigger": True}


def test_a_section_hidden_by_its_own_condition_hides_every_field_in_it():
    evaluation = run(FORM, {"category": "missing", "worried_about_exploitation": False, "exploitation_detail": "x"})

    assert "exploitation" not in evaluation.visible_sections
    assert not any(f in evaluation.visible_fields for f in ("exploitation_detail", "episodes_note"))
    assert "exploitation_detail" not in evaluation.answers
