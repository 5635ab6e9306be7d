"""The one-working-day decision clock: a calendar definition, due times in it, and their reasons.

Received during working hours (opening time inclusive, closing time exclusive, on a working
day): due at the same local time on the next working day. Received at any other time: due at
the closing time of the first working day whose opening time comes after receipt.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fanlight.engine import load_definitions
from fanlight.engine.calendar import (
    CalendarError,
    due_at,
    is_due_today,
    is_overdue,
    is_working_day,
    why_not_working,
    working_time_between,
    working_time_left,
)
from fanlight.engine.definitions import model as m
from fanlight.engine.diff import diff_definitions
from tests.helpers import load, problems_of

ROOT = Path(__file__).resolve().parents[2]

HEADER = "kind: calendar\nid: test-calendar\nversion: 1\ntitle: Test calendar\n"
PLAIN = HEADER  # every key left to its default: Monday to Friday, 09:00-17:00, Europe/London, England and Wales
WITH_CLOSURE = HEADER + "closures:\n  - {date: '2026-12-24', reason: Christmas Eve}\n"


def calendar(text: str = PLAIN) -> m.Calendar:
    loaded = load({"calendar/c.yaml": text})
    assert not loaded.problems, "\n".join(map(str, loaded.problems))
    (built,) = loaded.calendars.values()
    return built


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def due(received: str, text: str = PLAIN) -> str:
    return due_at(calendar(text), at(received)).due_at.isoformat()


def skipped(received: str, text: str = PLAIN) -> list[tuple[str, str]]:
    return [(s.date.isoformat(), s.reason) for s in due_at(calendar(text), at(received)).skipped]


# The definition --------------------------------------------------------------------------------


def test_a_calendar_that_says_nothing_works_monday_to_friday_nine_to_five_in_london_with_english_bank_holidays():
    built = calendar()

    assert built.working_days == frozenset({0, 1, 2, 3, 4})
    assert (built.opens, built.closes) == (datetime.time(9), datetime.time(17))
    assert (built.timezone, built.bank_holidays, built.closures) == ("Europe/London", "england-and-wales", {})


def test_the_bundled_front_door_calendar_is_the_issues_default():
    loaded = load_definitions(ROOT / "definitions" / "calendar" / "front-door.yaml")

    assert loaded.problems == []
    front_door = loaded.calendars["front-door"]
    assert front_door.working_days == frozenset(range(5))
    assert (front_door.opens, front_door.closes) == (datetime.time(9), datetime.time(17))
    assert (front_door.timezone, front_door.bank_holidays, front_door.closures) == ("Europe/London", "england-and-wales", {})


def test_a_calendar_sets_its_own_days_hours_zone_region_and_closures():
    built = calendar(
        HEADER
        + "timezone: Europe/Belfast\nworking_days: [monday, saturday]\nopens: '08:30'\ncloses: '18:00'\n"
        + "bank_holidays: northern-ireland\nclosures:\n  - {date: '2027-01-04', reason: Staff training}\n"
    )

    assert built.working_days == frozenset({0, 5})
    assert (built.opens, built.closes) == (datetime.time(8, 30), datetime.time(18))
    assert (built.timezone, built.bank_holidays) == ("Europe/Belfast", "northern-ireland")
    assert built.closures == {datetime.date(2027, 1, 4): "Staff training"}


@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        (
            "opens: '9am'\n",
            "c.yaml:5:8: DEF004 opens: '9am' is not in the expected form (a time written HH:MM on the 24-hour clock, "
            "e.g. '09:00')",
        ),
        ("closes: '24:00'\n", "c.yaml:5:9: DEF004 closes: '24:00' is not in the expected form (a time written "
         "HH:MM on the 24-hour clock, e.g. '09:00')"),
        ("opens: '17:00'\ncloses: '09:00'\n", "c.yaml:6:9: DEF009 'closes' (09:00) is not after 'opens' (17:00): "
         "a working day must have working hours"),
        ("opens: '09:00'\ncloses: '09:00'\n", "c.yaml:6:9: DEF009 'closes' (09:00) is not after 'opens' (09:00): "
         "a working day must have working hours"),
        ("timezone: Europe/Londn\n", "c.yaml:5:11: DEF004 timezone: unknown time zone 'Europe/Londn' "
         "(did you mean 'Europe/London'?)"),
        ("timezone: ../../etc/passwd\n", "c.yaml:5:11: DEF004 timezone: '../../etc/passwd' is not in the expected "
         "form (pattern ^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$)"),
        ("bank_holidays: wales\n", "c.yaml:5:16: DEF004 bank_holidays: 'wales' is not one of england-and-wales, "
         "scotland, northern-ireland"),
        ("working_days: []\n", "c.yaml:5:15: DEF004 working_days: needs at least 1 item(s)"),
        ("working_days: [monday, monday]\n", "c.yaml:5:15: DEF004 working_days: lists the same item twice"),
        ("working_days: [Monday]\n", "c.yaml:5:16: DEF004 working_days[0]: 'Monday' is not one of monday, tuesday, "
         "wednesday, thursday, friday, saturday, sunday"),
        (
            "closures:\n  - {date: '2026-12-24', reason: Christmas Eve}\n  - {date: '2026-12-24', reason: Again}\n",
            "c.yaml:7:12: REF001 closure date 2026-12-24 is already listed on line 6",
        ),
        ("closures:\n  - {date: '2026-02-30', reason: No such day}\n", "c.yaml:6:12: DEF004 '2026-02-30' is not a "
         "real date (YYYY-MM-DD)"),
        ("closures:\n  - {date: '2026-12-24'}\n", "c.yaml:6:5: DEF001 closures[0]: missing required key 'reason'"),
        ("closing_time: '17:00'\n", "c.yaml:5:1: DEF003 file: unknown key 'closing_time'"),
    ],
)
def test_each_mistake_in_a_calendar_is_one_coded_problem_at_its_place(yaml, expected):
    assert problems_of({"c.yaml": HEADER + yaml}) == [expected]


def test_an_unquoted_time_is_a_yaml_1_1_surprise_at_the_value():
    """`17:00` unquoted is the number 1020 in YAML 1.1 (`09:00`, with its leading zero, stays text)."""
    problems = problems_of({"c.yaml": HEADER + "opens: 09:00\ncloses: 17:00\n"})

    assert problems == [
        "c.yaml:6:9: DEF002 closes: 1020 is not text",
        "c.yaml:6:9: YAML003 '17:00' is read as a number in YAML 1.1; quote it ('17:00') if you mean the text",
    ]


def test_an_unquoted_closure_date_is_reported_with_how_to_write_it():
    problems = problems_of({"c.yaml": HEADER + "closures:\n  - {date: 2026-12-24, reason: Christmas Eve}\n"})

    assert problems == [
        "c.yaml:6:12: DEF002 closures[0].date: 2026-12-24 is not text; YAML reads it as a date: quote it "
        "('2026-12-24') to write it as text"
    ]


def test_two_calendars_with_one_id_are_a_duplicate():
    problems = problems_of({"a.yaml": PLAIN, "b.yaml": PLAIN})

    assert problems == ["b.yaml:2:5: REF001 calendar id 'test-calendar' is already defined in a.yaml"]


def test_the_semantic_diff_names_each_changed_key_and_each_closure_by_its_date():
    before = load({"c.yaml": WITH_CLOSURE})
    after = load({"c.yaml": HEADER + "closes: '17:30'\nworking_days: [monday, tuesday]\n"
                  "closures:\n  - {date: '2026-12-31', reason: New Year's Eve}\n"})

    assert [c.line() for c in diff_definitions(before, after)] == [
        'constraint_changed test-calendar working_days: ["monday", "tuesday", "wednesday", "thursday", "friday"] '
        '-> ["monday", "tuesday"]',
        'constraint_changed test-calendar closes: "17:00" -> "17:30"',
        'constraint_changed test-calendar closures/2026-12-24: "Christmas Eve" -> null',
        "constraint_changed test-calendar closures/2026-12-31: null -> \"New Year's Eve\"",
    ]
    assert diff_definitions(before, load({"c.yaml": WITH_CLOSURE})) == []


# Working days and why a day is not one ------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("2026-12-24", None),  # a Thursday
        ("2026-12-25", "Christmas Day"),
        ("2026-12-26", "Saturday; Boxing Day"),
        ("2026-12-27", "Sunday"),
        ("2026-12-28", "Boxing Day, substitute day"),
        ("2027-12-27", "Christmas Day, substitute day"),
        ("2027-12-28", "Boxing Day, substitute day"),
        ("2026-04-03", "Good Friday"),
        ("2026-04-06", "Easter Monday"),
        ("2026-08-31", "Late Summer Bank Holiday"),
        ("2022-09-19", "State Funeral of Queen Elizabeth II"),  # a one-off bank holiday, from the library
    ],
)
def test_england_and_wales_bank_holidays_and_weekends_come_with_their_reasons(day, reason):
    assert why_not_working(calendar(), datetime.date.fromisoformat(day)) == reason


def test_another_regions_bank_holidays_are_its_own():
    scotland = calendar(HEADER + "bank_holidays: scotland\n")

    assert why_not_working(scotland, datetime.date(2026, 1, 2)) == "New Year Holiday"
    assert is_working_day(scotland, datetime.date(2026, 4, 6))  # Easter Monday is not a Scottish bank holiday
    assert not is_working_day(calendar(), datetime.date(2026, 4, 6))


def test_a_council_closure_is_a_whole_day_with_its_reason():
    assert why_not_working(calendar(WITH_CLOSURE), datetime.date(2026, 12, 24)) == "Council closure: Christmas Eve"


# Due times: the stories ---------------------------------------------------------------------------


def test_a_referral_received_on_friday_afternoon_is_due_monday_at_the_same_time():
    assert due("2026-11-20T15:30:00+00:00") == "2026-11-23T15:30:00+00:00"
    assert skipped("2026-11-20T15:30:00+00:00") == [("2026-11-21", "Saturday"), ("2026-11-22", "Sunday")]


def test_a_referral_received_on_saturday_is_due_at_monday_closing_time():
    assert due("2026-11-21T10:00:00+00:00") == "2026-11-23T17:00:00+00:00"
    assert skipped("2026-11-21T10:00:00+00:00") == [("2026-11-21", "Saturday"), ("2026-11-22", "Sunday")]


def test_received_on_christmas_eve_afternoon_it_skips_christmas_the_weekend_and_the_boxing_day_substitute():
    assert due("2026-12-24T15:00:00+00:00") == "2026-12-29T15:00:00+00:00"
    assert skipped("2026-12-24T15:00:00+00:00") == [
        ("2026-12-25", "Christmas Day"),
        ("2026-12-26", "Saturday; Boxing Day"),
        ("2026-12-27", "Sunday"),
        ("2026-12-28", "Boxing Day, substitute day"),
    ]


def test_both_christmas_substitute_days_of_2027_are_skipped():
    assert due("2027-12-24T11:00:00+00:00") == "2027-12-29T11:00:00+00:00"
    assert [d for d, _ in skipped("2027-12-24T11:00:00+00:00")] == [
        "2027-12-25", "2027-12-26", "2027-12-27", "2027-12-28"
    ]


def test_received_on_a_council_closure_day_it_is_due_at_the_next_working_days_closing_time():
    assert due("2026-12-24T10:00:00+00:00", WITH_CLOSURE) == "2026-12-29T17:00:00+00:00"
    assert skipped("2026-12-24T10:00:00+00:00", WITH_CLOSURE)[0] == ("2026-12-24", "Council closure: Christmas Eve")


def test_received_the_day_before_a_council_closure_it_skips_the_closure():
    assert due("2026-12-23T12:00:00+00:00", WITH_CLOSURE) == "2026-12-29T12:00:00+00:00"
    assert skipped("2026-12-23T12:00:00+00:00", WITH_CLOSURE)[0] == ("2026-12-24", "Council closure: Christmas Eve")


def test_received_on_good_friday_it_is_due_after_easter_monday():
    assert due("2027-03-26T10:00:00+00:00") == "2027-03-30T17:00:00+01:00"
    assert [r for _, r in skipped("2027-03-26T10:00:00+00:00")] == ["Good Friday", "Saturday", "Sunday", "Easter Monday"]


# Due times: the edges of working hours ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        ("2026-11-23T08:00:00+00:00", "2026-11-23T17:00:00+00:00"),  # before opening: that day's closing time
        ("2026-11-23T08:59:59+00:00", "2026-11-23T17:00:00+00:00"),
        ("2026-11-23T09:00:00+00:00", "2026-11-24T09:00:00+00:00"),  # at opening: in hours
        ("2026-11-23T12:34:56+00:00", "2026-11-24T12:34:56+00:00"),
        ("2026-11-23T16:59:59+00:00", "2026-11-24T16:59:59+00:00"),
        ("2026-11-23T17:00:00+00:00", "2026-11-24T17:00:00+00:00"),  # at closing: out of hours
        ("2026-11-23T22:00:00+00:00", "2026-11-24T17:00:00+00:00"),  # after closing: the next day's closing time
        ("2026-11-20T17:00:00+00:00", "2026-11-23T17:00:00+00:00"),  # Friday at closing: Monday's closing time
        ("2026-11-23T00:00:00+00:00", "2026-11-23T17:00:00+00:00"),  # midnight
    ],
)
def test_receipt_before_at_and_after_working_hours(received, expected):
    assert due(received) == expected


def test_a_receipt_time_in_another_offset_is_read_in_the_calendars_zone():
    # 10:00 in New York is 15:00 in London: in hours on a Thursday.
    assert due("2026-11-19T10:00:00-05:00") == "2026-11-20T15:00:00+00:00"
    assert due_at(calendar(), at("2026-11-19T10:00:00-05:00")).received_at.isoformat() == "2026-11-19T15:00:00+00:00"
    # 08:30 in Paris is 07:30 in London: before opening.
    assert due("2026-11-19T08:30:00+01:00") == "2026-11-19T17:00:00+00:00"


def test_across_the_spring_clock_change_it_is_due_at_the_same_local_time():
    assert due("2026-03-27T10:00:00+00:00") == "2026-03-30T10:00:00+01:00"
    assert due("2026-03-27T18:00:00+00:00") == "2026-03-30T17:00:00+01:00"


def test_across_the_autumn_clock_change_it_is_due_at_the_same_local_time():
    assert due("2026-10-23T10:00:00+01:00") == "2026-10-26T10:00:00+00:00"
    assert due("2026-10-23T09:00:00Z") == "2026-10-26T10:00:00+00:00"  # 09:00 UTC is 10:00 BST


def test_another_time_zone_and_hours():
    text = HEADER + "timezone: America/New_York\nopens: '08:00'\ncloses: '16:00'\n"
    assert due("2026-11-19T14:00:00+00:00", text) == "2026-11-20T09:00:00-05:00"  # 09:00 local, in hours


def test_a_receipt_time_without_an_offset_is_refused():
    with pytest.raises(CalendarError, match="needs a UTC offset"):
        due_at(calendar(), datetime.datetime(2026, 12, 24, 15))


def test_a_receipt_past_the_years_the_bank_holidays_are_known_for_is_refused():
    with pytest.raises(CalendarError, match="bank holidays are known for the years 1872 to 2100"):
        due_at(calendar(), at("2100-12-31T18:00:00+00:00"))


def test_a_calendar_with_no_working_day_for_400_days_says_so():
    closures = "".join(f"  - {{date: '{datetime.date(2026, 11, 30) + datetime.timedelta(days=7 * i)}', reason: Shut}}\n"
                       for i in range(60))
    mondays_only = HEADER + "working_days: [monday]\nclosures:\n" + closures
    with pytest.raises(CalendarError, match="has no working day in the 400 days"):
        due_at(calendar(mondays_only), at("2026-11-28T10:00:00+00:00"))


# The explanation ---------------------------------------------------------------------------------------


def test_the_explanation_says_which_rule_applied_and_each_day_skipped():
    result = due_at(calendar(), at("2026-12-24T15:00:00+00:00"))

    assert result.explanation() == [
        "received Thursday 24 December 2026 15:00 (Europe/London), during working hours (09:00 to 17:00): "
        "due at the same time on the next working day",
        "skipped Friday 25 December 2026: Christmas Day",
        "skipped Saturday 26 December 2026: Saturday; Boxing Day",
        "skipped Sunday 27 December 2026: Sunday",
        "skipped Monday 28 December 2026: Boxing Day, substitute day",
        "due Tuesday 29 December 2026 15:00",
    ]
    assert result.to_json() == {
        "received_at": "2026-12-24T15:00:00+00:00",
        "due_at": "2026-12-29T15:00:00+00:00",
        "skipped": [
            {"date": "2026-12-25", "reason": "Christmas Day"},
            {"date": "2026-12-26", "reason": "Saturday; Boxing Day"},
            {"date": "2026-12-27", "reason": "Sunday"},
            {"date": "2026-12-28", "reason": "Boxing Day, substitute day"},
        ],
    }


# The queue: overdue, due today, working time left ------------------------------------------------------------


def test_overdue_is_after_the_due_time_and_due_today_is_later_the_same_local_day():
    cal = calendar()
    due_time = at("2026-11-23T15:00:00+00:00")

    assert not is_overdue(due_time, due_time)
    assert is_overdue(due_time, at("2026-11-23T15:00:01+00:00"))
    assert is_due_today(cal, due_time, at("2026-11-23T08:00:00+00:00"))
    assert not is_due_today(cal, due_time, at("2026-11-23T15:00:01+00:00"))  # overdue instead
    assert not is_due_today(cal, due_time, at("2026-11-22T23:59:00+00:00"))
    # Just after midnight in London (British Summer Time) is still the previous day in UTC.
    assert is_due_today(cal, at("2026-06-02T10:00:00+01:00"), at("2026-06-01T23:30:00+00:00"))


def test_working_time_counts_only_working_hours_of_working_days_and_goes_negative_when_overdue():
    cal = calendar()
    hours = datetime.timedelta(hours=1)

    assert working_time_left(cal, at("2026-11-23T15:00:00+00:00"), at("2026-11-20T15:00:00+00:00")) == 8 * hours
    assert working_time_left(cal, at("2026-11-23T17:00:00+00:00"), at("2026-11-21T10:00:00+00:00")) == 8 * hours
    assert working_time_left(cal, at("2026-11-23T10:00:00+00:00"), at("2026-11-24T10:00:00+00:00")) == -8 * hours
    assert working_time_between(cal, at("2026-12-24T15:00:00+00:00"), at("2026-12-29T15:00:00+00:00")) == 8 * hours


# Properties ---------------------------------------------------------------------------------------------------

FRONT_DOOR = load_definitions(ROOT / "definitions" / "calendar" / "front-door.yaml").calendars["front-door"]
OFFSETS = st.integers(min_value=-12 * 4, max_value=14 * 4).map(lambda q: datetime.timezone(datetime.timedelta(minutes=15 * q)))
RECEIPTS = st.builds(
    lambda moment, tz: moment.replace(tzinfo=datetime.UTC).astimezone(tz),
    st.datetimes(min_value=datetime.datetime(2020, 1, 1), max_value=datetime.datetime(2035, 12, 31)),
    OFFSETS,
)


@settings(max_examples=400, deadline=None)
@given(RECEIPTS)
def test_a_due_time_is_a_working_time_strictly_after_receipt_with_every_day_between_skipped(received):
    result = due_at(FRONT_DOOR, received)
    due_local = result.due_at
    local = result.received_at
    assert due_local > received
    assert str(due_local.tzinfo) == str(local.tzinfo) == "Europe/London"
    assert is_working_day(FRONT_DOOR, due_local.date())
    assert FRONT_DOOR.opens <= due_local.time() <= FRONT_DOOR.closes
    # Christmas with a council closure beside it is the longest run of days off: six days at most.
    assert due_local - received <= datetime.timedelta(days=7)
    between = [local.date() + datetime.timedelta(days=n) for n in range((due_local.date() - local.date()).days)]
    assert [s.date for s in result.skipped] == [d for d in between if not is_working_day(FRONT_DOOR, d)]
    # No working day is passed over: any working day before the due day is the day of receipt itself.
    assert all(d == local.date() for d in between if is_working_day(FRONT_DOOR, d))
    in_hours = is_working_day(FRONT_DOOR, local.date()) and FRONT_DOOR.opens <= local.time() < FRONT_DOOR.closes
    assert result.in_hours == in_hours
    if in_hours:
        assert due_local.time() == local.time()
    else:
        assert due_local.time() == FRONT_DOOR.closes


CALENDAR_KEYS = ["timezone", "working_days", "opens", "closes", "bank_holidays", "closures", "date", "reason"]
CALENDAR_VALUES = [
    "Europe/London", "UTC", "Mars/Olympus", "../x", "''", "[]", "[monday]", "[sunday, saturday]", "[Monday]",
    "'09:00'", "'23:59'", "'00:00'", "17:00", "9:00", "'24:00'", "'7'", "england-and-wales", "scotland", "wales",
    "2026-12-24", "'2026-12-24'", "'2026-02-30'", "!!timestamp 2001-12-14", "!!binary aGk=", "!!set {a}", "{}",
    "[{date: '2026-12-24', reason: x}, {date: '2026-12-24', reason: y}]", "null", "true", "1e999", "-1",
]
CALENDAR_LINES = st.tuples(
    st.sampled_from(CALENDAR_KEYS), st.sampled_from(CALENDAR_VALUES)
).map(lambda kv: f"{kv[0]}: {kv[1]}")


@settings(max_examples=300, deadline=None)
@given(st.lists(CALENDAR_LINES, max_size=8, unique_by=lambda line: line.split(":")[0]))
def test_any_calendar_text_loads_without_raising_and_a_clean_one_gives_a_due_time(lines):
    loaded = load({"c.yaml": HEADER + "\n".join(lines) + "\n"})
    if not loaded.problems:
        (built,) = loaded.calendars.values()
        try:
            result = due_at(built, at("2026-12-24T15:00:00+00:00"))
        except CalendarError as error:  # a calendar may close for longer than the clock looks
            assert "has no working day" in str(error)
        else:
            assert result.due_at > result.received_at
