"""`fanlight calendar due RECEIVED_AT [--calendar FILE] [--json]`: councils script against it, so the
first line of stdout, the JSON object's keys and the exit codes are fixed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.cli import fanlight

ROOT = Path(__file__).resolve().parents[2]
PROBLEM_LINE = re.compile(r"^\S+:\d+:\d+: [A-Z]+\d{3} .+$")
CALENDAR = """\
kind: calendar
id: clinic
version: 1
title: Clinic
opens: '08:00'
closes: '16:00'
closures:
  - {date: '2026-12-24', reason: Christmas Eve}
"""


def test_it_prints_the_due_time_alone_on_stdout_and_explains_it_on_stderr():
    result = fanlight("calendar", "due", "2026-12-24T15:00:00+00:00")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "2026-12-29T15:00:00+00:00\n"  # Christmas Day, the weekend, the Boxing Day substitute
    assert "fanlight: skipped Monday 28 December 2026: Boxing Day, substitute day\n" in result.stderr
    assert "Council closure" not in result.stderr  # the bundled calendar has none


def test_json_is_exactly_received_at_due_at_and_the_days_skipped():
    result = fanlight("calendar", "due", "2026-11-20T10:30:00-05:00", "--json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "received_at": "2026-11-20T15:30:00+00:00",
        "due_at": "2026-11-23T15:30:00+00:00",
        "skipped": [{"date": "2026-11-21", "reason": "Saturday"}, {"date": "2026-11-22", "reason": "Sunday"}],
    }
    assert result.stderr == ""


def test_the_output_follows_the_calendars_zone_across_the_clock_change():
    result = fanlight("calendar", "due", "2026-03-27T10:00:00Z")

    assert (result.returncode, result.stdout) == (0, "2026-03-30T10:00:00+01:00\n")


def test_another_calendar_file(tmp_path):
    (tmp_path / "clinic.yaml").write_text(CALENDAR, encoding="utf-8")

    result = fanlight("calendar", "due", "2026-12-23T16:30:00+00:00", "--calendar", "clinic.yaml", "--json",
                      cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "received_at": "2026-12-23T16:30:00+00:00",
        "due_at": "2026-12-29T16:00:00+00:00",
        "skipped": [
            {"date": "2026-12-24", "reason": "Council closure: Christmas Eve"},
            {"date": "2026-12-25", "reason": "Christmas Day"},
            {"date": "2026-12-26", "reason": "Saturday; Boxing Day"},
            {"date": "2026-12-27", "reason": "Sunday"},
            {"date": "2026-12-28", "reason": "Boxing Day, substitute day"},
        ],
    }


@pytest.mark.parametrize("received", ["2026-12-24 15:00", "2026-12-24T15:00:00", "yesterday", "2026-12-24", ""])
def test_a_time_without_an_offset_or_not_a_time_at_all_exits_2_with_a_clear_message(received):
    result = fanlight("calendar", "due", received)

    assert result.returncode == 2
    assert result.stdout == ""
    assert f"not a date and time in ISO 8601 with a UTC offset (e.g. 2026-12-24T15:00:00+00:00): {received!r}" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_a_calendar_with_problems_exits_2_with_its_problem_lines(tmp_path):
    (tmp_path / "broken.yaml").write_text(CALENDAR.replace("'16:00'", "'07:00'"), encoding="utf-8")

    result = fanlight("calendar", "due", "2026-12-23T10:00:00+00:00", "--calendar", "broken.yaml", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "broken.yaml:6:9: DEF009 'closes' (07:00) is not after 'opens' (08:00): a working day must have working hours"
    )
    assert all(PROBLEM_LINE.match(line) for line in lines[:-1])
    assert lines[-1] == "fanlight: the calendar broken.yaml has 1 problem(s)"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("no/such.yaml", "fanlight: no such calendar file: no/such.yaml"),
        ("definitions", "fanlight: is a folder, not a calendar file: definitions"),
        (
            "definitions/forms/cause-for-concern.yaml",
            "fanlight: definitions/forms/cause-for-concern.yaml is a form definition, not a calendar (kind: calendar)",
        ),
    ],
)
def test_a_missing_or_wrong_calendar_file_exits_2(path, message):
    result = fanlight("calendar", "due", "2026-12-23T10:00:00+00:00", "--calendar", path)

    assert (result.returncode, result.stdout, result.stderr) == (2, "", message + "\n")


def test_without_calendar_it_reads_the_bundled_one_relative_to_the_current_folder(tmp_path):
    result = fanlight("calendar", "due", "2026-12-23T10:00:00+00:00", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr == "fanlight: no such calendar file: definitions/calendar/front-door.yaml\n"


def test_a_time_past_the_years_the_bank_holidays_are_known_for_exits_2():
    result = fanlight("calendar", "due", "2101-01-04T10:00:00+00:00")

    assert result.returncode == 2
    assert result.stderr == "fanlight: bank holidays are known for the years 1872 to 2100, not 2101\n"


def test_help_names_the_default_calendar():
    result = fanlight("calendar", "due", "--help")

    assert result.returncode == 0
    assert "definitions/calendar/front-door.yaml, relative to the current folder" in " ".join(result.stdout.split())
