"""A form's `retention:` block: its periods, their defaults, the order check and the semantic diff."""

from __future__ import annotations

from pathlib import Path

from fanlight.engine import load_definitions
from fanlight.engine.definitions import model as m
from fanlight.engine.diff import diff_definitions
from tests.helpers import compile_yaml, form_yaml, load, problems_of

ROOT = Path(__file__).resolve().parents[2]
FIELD = "- id: name\n  type: text\n  label: Name\n"


def with_retention(block: str) -> str:
    return form_yaml(FIELD, extra=block)


def test_a_form_without_a_retention_block_reminds_at_21_days_deletes_drafts_at_28_and_keeps_submissions():
    retention = compile_yaml(form_yaml(FIELD)).form.retention

    assert retention == m.Retention(21, 28, None)


def test_a_retention_block_sets_the_forms_periods():
    form = compile_yaml(with_retention(
        "retention:\n  drafts: {remind_after_days: 7, delete_after_days: 14}\n  submissions: {delete_after_days: 2557}\n"))

    assert form.form.retention == m.Retention(7, 14, 2557)


def test_a_drafts_block_alone_keeps_submissions():
    form = compile_yaml(with_retention("retention:\n  drafts: {remind_after_days: 10, delete_after_days: 30}\n"))

    assert form.form.retention == m.Retention(10, 30, None)


def test_a_reminder_not_before_the_deletion_is_def009_at_the_reminder():
    problems = problems_of({"forms/f.yaml": with_retention(
        "retention:\n  drafts:\n    remind_after_days: 28\n    delete_after_days: 28\n")})

    assert problems == ["forms/f.yaml:7:24: DEF009 'remind_after_days' (28) is not before 'delete_after_days' (28): "
                        "the reminder must come before the draft is deleted"]


def test_the_schema_wants_whole_days_both_draft_periods_and_no_other_keys():
    problems = problems_of({"forms/f.yaml": with_retention(
        "retention:\n  drafts: {remind_after_days: 0, delete_after_days: 1.5}\n  submissions: {}\n  audit: {}\n")})

    assert [p.split(": ", 1)[1] for p in problems] == [
        "DEF004 retention.drafts.remind_after_days: 0 must be at least 1",
        "DEF002 retention.drafts.delete_after_days: 1.5 is not a whole number",
        "DEF001 retention.submissions: missing required key 'delete_after_days'",
        "DEF003 retention: unknown key 'audit'",
    ]


def test_the_bundled_forms_say_how_long_their_records_are_kept():
    loaded = load_definitions(ROOT / "definitions")

    assert not loaded.problems
    for form in (f for f in loaded.forms.values() if f.audience == "professionals"):  # the decision form keeps no drafts
        retention = form.retention
        assert retention.draft_remind_after_days < retention.draft_delete_after_days
        assert retention.submission_delete_after_days is not None, f"{form.id}: the council's period is unset"


def test_a_changed_retention_period_is_in_the_semantic_diff():
    old = load({"forms/f.yaml": form_yaml(FIELD)})
    new = load({"forms/f.yaml": with_retention("retention:\n  submissions: {delete_after_days: 2557}\n")})

    (change,) = diff_definitions(old, new)

    assert (change.kind, change.definition, change.path) == ("constraint_changed", "test-form", "retention")
    assert change.before["submissions"] == {"delete_after_days": None}
    assert change.after == {"drafts": {"remind_after_days": 21, "delete_after_days": 28},
                            "submissions": {"delete_after_days": 2557}}
    assert diff_definitions(new, new) == []
