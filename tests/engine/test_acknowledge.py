"""`acknowledge: true` on a warning: the referrer must tick to say they have read it before sending."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fanlight.engine import load_definitions
from fanlight.engine.definitions import schema
from fanlight.engine.definitions.model import ACKNOWLEDGE_LABEL
from tests.engine.test_rules import CONSENT_RULES, FORM, GOOD, QUALITY_RULES
from tests.helpers import compile_yaml, problems_of, run

TICKED = QUALITY_RULES.replace(
    "        field: concern_summary\n",
    "        field: concern_summary\n        acknowledge: true\n",
    1,
)


def _files(rules: str) -> dict[str, str]:
    return {"forms/f.yaml": FORM, "rules/consent.yaml": CONSENT_RULES, "rules/quality.yaml": rules}


def test_the_ruleset_schema_knows_acknowledge_and_its_label():
    rule = schema.schema("ruleset")["$defs"]["rule"]["properties"]
    assert rule["acknowledge"]["type"] == "boolean"
    assert rule["acknowledge_label"]["type"] == "string" and rule["acknowledge_label"]["maxLength"] == 200


def test_a_warning_to_acknowledge_carries_the_flag_and_the_default_label():
    evaluation = run(compile_yaml(FORM, **{"rules/consent.yaml": CONSENT_RULES, "rules/quality.yaml": TICKED}),
                     {**GOOD, "concern_summary": "Hungry."})

    [warning] = evaluation.warnings
    assert (warning.field, warning.code, warning.acknowledge) == ("concern_summary", "summary-too-short", True)
    assert warning.acknowledge_label == ACKNOWLEDGE_LABEL == "I have read this and want to send the referral as it is"
    assert evaluation.complete is True  # a warning still never blocks completion


def test_the_label_can_be_written_by_the_ruleset():
    rules = TICKED.replace("acknowledge: true\n", "acknowledge: true\n        acknowledge_label: I know it is short\n")
    evaluation = run(compile_yaml(FORM, **{"rules/consent.yaml": CONSENT_RULES, "rules/quality.yaml": rules}),
                     {**GOOD, "concern_summary": "Hungry."})

    assert evaluation.warnings[0].acknowledge_label == "I know it is short"


def test_a_plain_warning_needs_no_tick():
    evaluation = run(compile_yaml(FORM, **{"rules/consent.yaml": CONSENT_RULES, "rules/quality.yaml": QUALITY_RULES}),
                     {**GOOD, "concern_summary": "Hungry."})

    assert [w.acknowledge for w in evaluation.warnings] == [False]


def test_the_evaluation_json_keeps_its_shape():
    evaluation = run(compile_yaml(FORM, **{"rules/consent.yaml": CONSENT_RULES, "rules/quality.yaml": TICKED}),
                     {**GOOD, "concern_summary": "Hungry."})

    assert json.loads(json.dumps(evaluation.to_json()))["warnings"] == [
        {"field": "concern_summary", "code": "summary-too-short",
         "message": "Tell us more about what you are worried about."}
    ]


def test_acknowledge_on_an_error_rule_is_a_coded_problem_at_the_key():
    rules = QUALITY_RULES.replace(
        "        field: child_name\n", "        field: child_name\n        acknowledge: true\n", 1
    )

    problems = problems_of(_files(rules))

    assert len(problems) == 1, problems
    assert re.match(r"^rules/quality\.yaml:\d+:5: DEF007 rules\[2\]\.acknowledge: only a rule with severity: "
                    r"warning can ask for a tick \(this one has severity: error\)$", problems[0]), problems[0]
    line = int(problems[0].split(":")[1])
    assert "acknowledge: true" in rules.splitlines()[line - 1]


def test_acknowledge_on_a_rule_that_only_sets_values_is_a_coded_problem():
    rules = CONSENT_RULES.replace("        set: {suggested_priority", "        acknowledge: true\n        set: {suggested_priority", 1)

    problems = problems_of(_files(QUALITY_RULES) | {"rules/consent.yaml": rules})

    assert len(problems) == 1 and " DEF007 " in problems[0] and "no severity" in problems[0], problems


def test_a_label_without_acknowledge_is_a_coded_problem():
    rules = QUALITY_RULES.replace(
        "        field: concern_summary\n", "        field: concern_summary\n        acknowledge_label: I know\n", 1
    )

    problems = problems_of(_files(rules))

    assert len(problems) == 1 and " DEF007 " in problems[0] and "acknowledge_label" in problems[0], problems


def test_acknowledge_must_be_true_or_false():
    rules = TICKED.replace("acknowledge: true", "acknowledge: 'yes'")

    problems = problems_of(_files(rules))

    assert len(problems) == 1 and " DEF002 " in problems[0], problems


def test_the_bundled_quality_rules_ask_for_a_tick_for_a_thin_description():
    compiled = load_definitions(Path(__file__).resolve().parents[2] / "definitions").compiled["cause-for-concern"]
    [rule] = [p.rule for p in compiled.rules if p.rule.id == "thin-concern-description"]
    assert rule.acknowledge is True and rule.severity == "warning"
