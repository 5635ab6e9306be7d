"""Rulesets: severities, `set`, `for_each`, and how rule messages affect `complete`."""

from __future__ import annotations

from tests.helpers import codes, compile_yaml, problems_of, run

FORM = """\
    kind: form
    id: referral
    version: 1
    title: Referral
    rulesets: [consent-rules, quality-rules]
    sections:
      - id: main
        title: Main
        fields:
          - id: request_type
            type: radios
            label: What are you asking for?
            options:
              - {value: 'early_help', label: Early help}
              - {value: 'child_protection', label: Child protection}
          - id: category
            type: radios
            label: Main concern
            options:
              - {value: 'neglect', label: Neglect}
              - {value: 'missing', label: Missing}
          - {id: consent, type: consent, label: Consent}
          - {id: concern_summary, type: textarea, label: Summary}
          - id: children
            type: repeat
            label: Children
            fields:
              - {id: child_name, type: text, label: Name}
              - {id: child_age, type: number, label: Age}
              - {id: school, type: text, label: School}
              - id: category
                type: radios
                label: This child's own concern
                options:
                  - {value: 'neglect', label: Neglect}
                  - {value: 'missing', label: Missing}
    """

CONSENT_RULES = """\
    kind: ruleset
    id: consent-rules
    version: 1
    title: Consent rules
    rules:
      - id: consent-needed-for-early-help
        when: consent.given == false and request_type != 'child_protection'
        severity: error
        field: consent
        message: Consent is needed unless you believe the child is at risk of significant harm.
      - id: missing-is-urgent
        when: category == 'missing'
        set: {suggested_priority: urgent, needs_strategy_discussion: true, priority_score: 4}
      - id: protection-goes-to-mash
        when: request_type == 'child_protection'
        severity: info
        message: This referral goes to the MASH team.
        set: {route: mash}
    """

QUALITY_RULES = """\
    kind: ruleset
    id: quality-rules
    version: 1
    title: Quality rules
    rules:
      - id: summary-too-short
        when: concern_summary.length < 40
        severity: warning
        field: concern_summary
        message: Tell us more about what you are worried about.
      - id: each-child-needs-a-school
        for_each: children
        when: child_age >= 5 and school == null
        severity: warning
        field: school
        message: Tell us the child's school or setting.
      - id: missing-child-needs-a-name
        for_each: children
        when: category == 'missing' and child_name == null
        severity: error
        field: child_name
        message: Give the name of each missing child.
      - id: no-form-level-field
        when: request_type == null
        severity: warning
        message: Say what you are asking for.
    """

RULES = {"rules/consent.yaml": CONSENT_RULES, "rules/quality.yaml": QUALITY_RULES}
COMPILED = compile_yaml(FORM, **RULES)
GOOD = {"request_type": "early_help", "concern_summary": "Jordan has come to school hungry every day this week."}


def test_a_clean_referral_has_no_rule_messages():
    evaluation = run(COMPILED, GOOD)

    assert evaluation.errors == []
    assert evaluation.warnings == []
    assert evaluation.infos == []
    assert evaluation.complete is True


def test_an_error_rule_reports_its_id_as_the_code_on_its_field_and_blocks_completion():
    evaluation = run(COMPILED, {**GOOD, "consent": {"sought": True, "given": False, "reason": "Family refused."}})

    assert codes(evaluation) == [("consent", "consent-needed-for-early-help")]
    assert evaluation.errors[0].message == (
        "Consent is needed unless you believe the child is at risk of significant harm."
    )
    assert evaluation.complete is False


def test_a_warning_rule_shows_but_does_not_block_completion():
    evaluation = run(COMPILED, {**GOOD, "concern_summary": "Hungry."})

    assert [(w.field, w.code) for w in evaluation.warnings] == [("concern_summary", "summary-too-short")]
    assert evaluation.warnings[0].message == "Tell us more about what you are worried about."
    assert evaluation.errors == []
    assert evaluation.complete is True


def test_an_info_rule_is_guidance_only():
    evaluation = run(COMPILED, {**GOOD, "request_type": "child_protection"})

    assert [(i.field, i.code) for i in evaluation.infos] == [(None, "protection-goes-to-mash")]
    assert evaluation.errors == []
    assert evaluation.warnings == []
    assert evaluation.complete is True


def test_a_rule_without_a_field_is_reported_on_the_form():
    evaluation = run(COMPILED, {"concern_summary": GOOD["concern_summary"]})

    assert [(w.field, w.code) for w in evaluation.warnings] == [(None, "no-form-level-field")]


def test_set_adds_derived_values_for_routing():
    evaluation = run(COMPILED, {**GOOD, "category": "missing"})

    assert evaluation.derived == {
        "suggested_priority": "urgent",
        "needs_strategy_discussion": True,
        "priority_score": 4,
    }
    assert evaluation.errors == []


def test_a_rule_with_a_message_can_also_set_values():
    evaluation = run(COMPILED, {**GOOD, "request_type": "child_protection"})

    assert evaluation.derived == {"route": "mash"}


def test_a_rule_whose_condition_reads_an_unanswered_field_does_not_fire():
    # consent.given is null: `consent.given == false` is false.
    evaluation = run(COMPILED, GOOD)

    assert ("consent", "consent-needed-for-early-help") not in codes(evaluation)


def test_for_each_reports_each_failing_item_by_its_path():
    children = [
        {"child_name": "Jordan", "child_age": 8, "school": "Greenfield Primary"},
        {"child_name": "Kai", "child_age": 6},
        {"child_name": "Baby", "child_age": 0},
        {"child_name": "Ria", "child_age": 11},
    ]

    evaluation = run(COMPILED, {**GOOD, "children": children})

    assert [(w.field, w.code) for w in evaluation.warnings] == [
        ("children[1].school", "each-child-needs-a-school"),
        ("children[3].school", "each-child-needs-a-school"),
    ]
    assert evaluation.complete is True


def test_for_each_reads_the_items_own_field_before_the_top_level_one():
    # The item's own `category` decides, not the form's.
    missing_child = {"category": "missing", "child_age": 3}
    neglected_child = {"category": "neglect", "child_age": 3}

    evaluation = run(COMPILED, {**GOOD, "category": "neglect", "children": [neglected_child, missing_child]})

    assert codes(evaluation) == [("children[1].child_name", "missing-child-needs-a-name")]
    assert evaluation.complete is False


def test_for_each_with_no_items_fires_nothing():
    evaluation = run(COMPILED, {**GOOD, "category": "missing"})

    assert codes(evaluation) == []


def test_rule_errors_come_after_the_errors_of_the_field_they_are_on():
    form = compile_yaml(
        """\
        kind: form
        id: ordering
        version: 1
        title: Ordering
        rulesets: [r]
        sections:
          - id: main
            title: Main
            fields:
              - {id: first, type: text, label: First, required: true}
              - {id: second, type: number, label: Second, required: true}
              - {id: third, type: text, label: Third, required: true}
        """,
        **{
            "rules/r.yaml": """\
                kind: ruleset
                id: r
                version: 1
                title: R
                rules:
                  - {id: form-level, when: second == null, severity: error, message: Form level.}
                  - {id: on-second, when: second == null, severity: error, field: second, message: On second.}
                """
        },
    )

    evaluation = run(form, {})

    assert codes(evaluation) == [
        ("first", "required"),
        ("second", "required"),
        ("second", "on-second"),
        ("third", "required"),
        (None, "form-level"),
    ]


# load-time checks ---------------------------------------------------------------------------


def test_a_rule_on_a_field_the_form_does_not_have_is_reported():
    rules = CONSENT_RULES.replace("field: consent", "field: consnt")

    problems = problems_of({"forms/f.yaml": FORM, "rules/consent.yaml": rules, "rules/quality.yaml": QUALITY_RULES})

    assert len(problems) == 1
    assert " REF008 " in problems[0]
    assert "consnt" in problems[0]
    assert problems[0].startswith("rules/consent.yaml:")


def test_for_each_must_name_a_repeat():
    rules = QUALITY_RULES.replace(
        "for_each: children\n        when: child_age", "for_each: category\n        when: child_age"
    )

    problems = problems_of({"forms/f.yaml": FORM, "rules/consent.yaml": CONSENT_RULES, "rules/quality.yaml": rules})

    assert len(problems) == 1
    assert " REF008 " in problems[0]


def test_a_rule_naming_an_unknown_field_says_which_form_it_was_compiled_against():
    rules = QUALITY_RULES.replace("concern_summary.length", "concern_sumary.length")

    problems = problems_of({"forms/f.yaml": FORM, "rules/consent.yaml": CONSENT_RULES, "rules/quality.yaml": rules})

    assert len(problems) == 1
    assert " EXP002 " in problems[0]
    assert "(in form 'referral')" in problems[0]
    assert "did you mean 'concern_summary'" in problems[0]


def test_a_ruleset_no_form_uses_is_still_syntax_checked():
    unused = CONSENT_RULES.replace("id: consent-rules", "id: unused-rules").replace(
        "when: category == 'missing'", "when: category == == 'missing'"
    )

    problems = problems_of({"rules/unused.yaml": unused})

    assert len(problems) == 1
    assert " EXP001 " in problems[0]


def test_a_message_needs_a_severity():
    rules = QUALITY_RULES.replace(
        "        severity: warning\n        field: concern_summary\n", "        field: concern_summary\n"
    )

    problems = problems_of({"forms/f.yaml": FORM, "rules/consent.yaml": CONSENT_RULES, "rules/quality.yaml": rules})

    assert len(problems) == 1
    assert " DEF001 " in problems[0]


def test_a_rule_needs_a_message_or_a_set():
    problems = problems_of(
        {
            "rules/r.yaml": """\
                kind: ruleset
                id: r
                version: 1
                title: R
                rules:
                  - {id: does-nothing, when: 'true'}
                """
        }
    )

    assert len(problems) == 1
    assert " DEF004 " in problems[0]
    assert "message" in problems[0]


def test_a_rule_id_listed_twice_is_a_duplicate():
    rules = QUALITY_RULES.replace("id: no-form-level-field", "id: summary-too-short")

    problems = problems_of({"forms/f.yaml": FORM, "rules/consent.yaml": CONSENT_RULES, "rules/quality.yaml": rules})

    assert len(problems) == 1
    assert " REF001 " in problems[0]


def test_a_severity_must_be_error_warning_or_info():
    rules = QUALITY_RULES.replace("severity: warning", "severity: critical", 1)

    problems = problems_of({"forms/f.yaml": FORM, "rules/consent.yaml": CONSENT_RULES, "rules/quality.yaml": rules})

    assert len(problems) == 1
    assert " DEF004 " in problems[0]
