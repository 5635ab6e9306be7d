"""`Evaluation.to_json()` — the public JSON shape of the CLI and the API: keep these keys exactly."""

from __future__ import annotations

import json

from tests.helpers import compile_yaml, form_yaml, run

KEYS = {
    "form",
    "version",
    "complete",
    "visible_sections",
    "visible_fields",
    "errors",
    "warnings",
    "derived",
    "threshold",
}

FORM = compile_yaml(
    form_yaml(
        """
        - {id: child_dob, type: date, label: Date of birth, required: true}
        - {id: child_age, type: number, label: Age, calculate: $age(child_dob)}
        - {id: weight, type: number, label: Weight}
        - {id: seen, type: datetime, label: Seen}
        - {id: note, type: text, label: Note}
        """,
        extra="rulesets: [r]\nthresholds: t\n",
    ),
    **{
        "rules/r.yaml": """\
            kind: ruleset
            id: r
            version: 1
            title: R
            rules:
              - {id: young, when: child_age < 5, severity: warning, field: child_dob, message: Under five.}
              - {id: note-please, when: note == null, severity: info, message: Add a note.}
              - {id: route, when: child_age < 5, set: {team: early-years, score: 2.5}}
            """,
        "thresholds/t.yaml": """\
            kind: thresholds
            id: t
            version: 1
            title: T
            levels: [{level: 2, name: Additional needs, summary: Some help.}]
            domains: [{id: development, name: Development}]
            indicators:
              - {id: under-five, level: 2, domain: development, text: Under five., when: child_age < 5}
            """,
    },
)


def test_to_json_has_exactly_the_public_keys():
    assert set(run(FORM, {}).to_json()) == KEYS


def test_an_incomplete_evaluation_as_json():
    result = run(FORM, {"weight": "heavy"}).to_json()

    assert result == {
        "form": "test-form",
        "version": 1,
        "complete": False,
        "visible_sections": ["main"],
        "visible_fields": ["child_dob", "child_age", "weight", "seen", "note"],
        "errors": [
            {"field": "child_dob", "code": "required", "message": "Enter an answer to “Date of birth”"},
            {"field": "weight", "code": "type", "message": "“Weight” must be a number"},
        ],
        "warnings": [],
        "derived": {},
        "threshold": {"id": "t", "level": None, "level_name": None, "matched": []},
    }


def test_a_complete_evaluation_as_json_has_plain_json_values():
    result = run(
        FORM, {"child_dob": "2024-01-01", "weight": 12.5, "seen": "2026-11-22T09:00+01:00", "note": "n"}
    ).to_json()

    assert result["complete"] is True
    assert result["errors"] == []
    assert result["warnings"] == [{"field": "child_dob", "code": "young", "message": "Under five."}]
    assert result["derived"] == {"child_age": 2, "team": "early-years", "score": 2.5}
    assert result["threshold"] == {"id": "t", "level": 2, "level_name": "Additional needs", "matched": ["under-five"]}
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_info_messages_and_cleaned_answers_are_not_part_of_the_json():
    evaluation = run(FORM, {"child_dob": "2024-01-01"})

    assert [i.code for i in evaluation.infos] == ["note-please"]
    result = evaluation.to_json()
    assert "infos" not in result
    assert "answers" not in result
    assert "note-please" not in json.dumps(result)


def test_the_json_of_an_evaluation_is_the_same_every_time():
    answers = {"child_dob": "2024-01-01", "weight": 3}

    first = json.dumps(run(FORM, answers).to_json(), sort_keys=False)
    second = json.dumps(run(FORM, answers).to_json(), sort_keys=False)

    assert first == second
