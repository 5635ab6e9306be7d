"""`fanlight definitions diff OLD NEW`: its output lines, JSON and exit codes are a public interface."""

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.support.cli import fanlight

ROOT = Path(__file__).resolve().parents[2]
PROBLEM_LINE = re.compile(r"^\S+:\d+:\d+: [A-Z]+\d{3} .+$")
CONSENT_LABEL = "label: Have you asked the family for consent to this referral?"
REWORDED = "label: Has the family been asked for consent to this referral?"

FORM = """\
kind: form
id: tiny
version: 1
title: Tiny
sections:
  - id: about
    title: About
    fields:
      - id: category
        type: radios
        label: Main concern
        required: true
        options:
          - {value: 'missing', label: 'Missing'}
          - {value: 'neglect', label: 'Neglect'}
      - {id: episodes, type: number, label: Episodes, min: 0, show_if: category == 'missing'}
"""


@pytest.fixture
def versions(tmp_path):
    """Two folders: `old` and `new`, where new relabels a field, drops one option and adds a field."""
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (old / "tiny.yaml").write_text(FORM)
    (new / "tiny.yaml").write_text(
        FORM.replace("label: Main concern", "label: What is the main concern?").replace(
            "          - {value: 'neglect', label: 'Neglect'}\n", ""
        )
        + "      - {id: notes, type: textarea, label: Notes}\n"
    )
    return old, new


@pytest.fixture
def reworded(tmp_path):
    """A copy of the bundled definitions with the consent question reworded."""
    copy = tmp_path / "definitions"
    shutil.copytree(ROOT / "definitions", copy)
    form = copy / "forms" / "cause-for-concern.yaml"
    text = form.read_text(encoding="utf-8")
    assert text.count(CONSENT_LABEL) == 1
    form.write_text(text.replace(CONSENT_LABEL, REWORDED), encoding="utf-8")
    return copy


def test_prints_one_line_per_change_and_exits_0(versions):
    result = fanlight("definitions", "diff", str(versions[0]), str(versions[1]))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        'label_changed tiny about/category: "Main concern" -> "What is the main concern?"',
        'options_removed tiny about/category/options/neglect: {"value": "neglect", "label": "Neglect"} -> null',
        'field_added tiny about/notes: null -> {"type": "textarea", "label": "Notes"}',
    ]
    assert result.stderr == "fanlight: 3 change(s)\n"


def test_json_prints_exactly_the_list_of_changes(versions):
    result = fanlight("definitions", "diff", str(versions[0]), str(versions[1]), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {
            "kind": "label_changed",
            "definition": "tiny",
            "path": "about/category",
            "before": "Main concern",
            "after": "What is the main concern?",
        },
        {
            "kind": "options_removed",
            "definition": "tiny",
            "path": "about/category/options/neglect",
            "before": {"value": "neglect", "label": "Neglect"},
            "after": None,
        },
        {
            "kind": "field_added",
            "definition": "tiny",
            "path": "about/notes",
            "before": None,
            "after": {"type": "textarea", "label": "Notes"},
        },
    ]
    assert result.stderr == ""


def test_no_changes_still_exits_0_with_empty_output_or_an_empty_list(versions):
    old = str(versions[0])
    text = fanlight("definitions", "diff", old, old)
    assert (text.returncode, text.stdout, text.stderr) == (0, "", "fanlight: no changes\n")
    as_json = fanlight("definitions", "diff", old, old, "--json")
    assert (as_json.returncode, json.loads(as_json.stdout)) == (0, [])


def test_two_files_can_be_compared(versions):
    result = fanlight("definitions", "diff", str(versions[0] / "tiny.yaml"), str(versions[1] / "tiny.yaml"))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3


def test_real_world_rewording_the_consent_question_is_one_line(reworded):
    expected = (
        "label_changed cause-for-concern consent-and-informing-the-family/consent: "
        '"Have you asked the family for consent to this referral?" -> '
        '"Has the family been asked for consent to this referral?"\n'
    )
    folders = fanlight("definitions", "diff", "definitions", str(reworded))
    assert (folders.returncode, folders.stdout) == (0, expected)
    form = "forms/cause-for-concern.yaml"
    files = fanlight("definitions", "diff", f"definitions/{form}", str(reworded / form), "--definitions", "definitions")
    assert (files.returncode, files.stdout) == (0, expected), files.stderr


def test_a_file_that_refers_to_other_definitions_needs_definitions_and_says_so(reworded):
    form = "forms/cause-for-concern.yaml"
    result = fanlight("definitions", "diff", f"definitions/{form}", str(reworded / form))
    assert result.returncode == 2
    assert result.stdout.startswith("label_changed cause-for-concern consent-and-informing-the-family/consent: ")
    assert ": REF002 unknown ruleset 'consent-rules'" in result.stderr
    assert "give --definitions FOLDER" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_new_side_with_a_broken_reference_is_diffed_beside_its_problems_and_exits_2(versions):
    (versions[1] / "tiny.yaml").write_text(FORM.replace("category == 'missing'", "categry == 'missing'"))
    result = fanlight("definitions", "diff", str(versions[0]), str(versions[1]))
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        'condition_changed tiny about/episodes/show_if: "category == \'missing\'" -> "categry == \'missing\'"',
    ]
    lines = result.stderr.splitlines()
    assert PROBLEM_LINE.match(lines[0]) and ": EXP002 unknown field 'categry'" in lines[0]
    assert lines[1:] == [f"fanlight: the definitions in {versions[1]} have 1 problem(s)", "fanlight: 1 change(s)"]
    assert "Traceback" not in result.stderr


def test_json_of_a_broken_new_side_is_still_exactly_the_list_of_changes(versions):
    (versions[1] / "tiny.yaml").write_text(FORM.replace("category == 'missing'", "categry == 'missing'"))
    result = fanlight("definitions", "diff", str(versions[0]), str(versions[1]), "--json")
    assert result.returncode == 2
    assert [c["kind"] for c in json.loads(result.stdout)] == ["condition_changed"]
    assert ": EXP002 unknown field 'categry'" in result.stderr


def test_a_side_with_a_file_that_cannot_be_read_is_not_diffed(versions):
    (versions[1] / "tiny.yaml").write_text("kind: form\nid: [tiny\n")
    result = fanlight("definitions", "diff", str(versions[0]), str(versions[1]), "--json")
    assert (result.returncode, result.stdout) == (2, "")
    assert f"fanlight: cannot diff {versions[1]}: some files could not be read as definitions" in result.stderr


def test_adding_a_section_is_one_line_and_moving_one_is_section_moved(versions):
    section = "  - id: more\n    title: More\n    fields:\n      - {id: notes, type: textarea, label: Notes}\n"
    (versions[1] / "tiny.yaml").write_text(FORM.replace("sections:\n", "sections:\n" + section))
    added = fanlight("definitions", "diff", str(versions[0]), str(versions[1]))
    assert (added.returncode, added.stderr) == (0, "fanlight: 1 change(s)\n")
    assert added.stdout.splitlines() == [
        'section_added tiny more: null -> {"title": "More", "fields": ["notes"]}',
    ]
    (versions[0] / "tiny.yaml").write_text(FORM + section)  # the same sections, the other way round
    moved = fanlight("definitions", "diff", str(versions[1]), str(versions[0]))
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.splitlines() == [
        'section_moved tiny about: {"path": "about", "position": 2} -> {"path": "about", "position": 1}',
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-folder", "{new}"], "fanlight: no such file or folder: no-such-folder"),
        (["{old}", "no-such-file.yaml"], "fanlight: no such file or folder: no-such-file.yaml"),
        (["{old}", "{new}", "--definitions", "nowhere"], "fanlight: no such file or folder: nowhere"),
        (["{empty}", "{new}"], "no definition files"),
        (["{old}"], "the following arguments are required: NEW"),
        (["{old}", "{new}", "--colour"], "unrecognized arguments: --colour"),
    ],
    ids=["old-missing", "new-missing", "context-missing", "empty-folder", "one-path", "unknown-option"],
)
def test_bad_usage_or_an_unreadable_path_exits_2_with_a_message(versions, tmp_path, args, message):
    (tmp_path / "empty").mkdir()
    paths = {"old": versions[0], "new": versions[1], "empty": tmp_path / "empty"}
    result = fanlight("definitions", "diff", *(a.format(**paths) for a in args))
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_an_unreadable_file_is_a_coded_problem_not_a_traceback(versions):
    (versions[1] / "tiny.yaml").write_bytes(b"\xff\xfe not utf-8")
    result = fanlight("definitions", "diff", str(versions[0]), str(versions[1]))
    assert result.returncode == 2
    assert ": YAML004 " in result.stderr
    assert "Traceback" not in result.stderr


def test_a_control_character_in_a_file_is_a_coded_problem_not_a_traceback(versions):
    (versions[1] / "tiny.yaml").write_text("kind: form\nid: a\x1fb\n", encoding="utf-8")
    result = fanlight("definitions", "diff", str(versions[0]), str(versions[1]))
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert PROBLEM_LINE.match(first) and "tiny.yaml:" in first and " YAML001 " in first
    assert "Traceback" not in result.stderr


def test_a_changed_mapping_is_reported_key_by_key_with_its_expressions_before_and_after(tmp_path):
    copy = tmp_path / "definitions"
    shutil.copytree(ROOT / "definitions", copy)
    mapping = copy / "mappings" / "case-system.yaml"
    text = mapping.read_text(encoding="utf-8")
    for old, new in (("    reasons: decision.reasons\n", ""),
                     ("      forename: child_forename\n", "      forename: child_forename\n      age: child_age\n"),
                     ("'early_help', 'cin_s17', 'strategy_s47'", "'cin_s17', 'strategy_s47'")):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    mapping.write_text(text, encoding="utf-8")
    result = fanlight("definitions", "diff", "definitions", str(copy))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "mapping_changed case-system-referral when: "
        "\"decision.outcome in ['early_help', 'cin_s17', 'strategy_s47']\" -> \"decision.outcome in ['cin_s17', 'strategy_s47']\"",
        'payload_removed case-system-referral payload/decision/reasons: "decision.reasons" -> null',
        'payload_added case-system-referral payload/children/item/age: null -> "child_age"',
    ]
    one_file = fanlight("definitions", "diff", "definitions/mappings/case-system.yaml",
                        str(copy / "mappings" / "case-system.yaml"), "--definitions", "definitions", "--json")
    assert one_file.returncode == 0, one_file.stderr
    assert [c["kind"] for c in json.loads(one_file.stdout)] == ["mapping_changed", "payload_removed", "payload_added"]
