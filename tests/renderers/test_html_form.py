"""The HTML form codec: what a browser posts for some answers decodes back to those answers.

The property is written over a one-section form holding one field of every type, so a type
whose encoder and decoder disagree about a name fails here, before any page is drawn.
Answers are generated in the decoder's image: what a post can give back (numbers stay the
text typed, a wrongly typed date stays its parts), since the engine, not the codec, coerces.
"""

from __future__ import annotations

import ast
import datetime
import string
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from fanlight.engine.definitions import model as m
from fanlight.renderers import html_form
from tests.helpers import compile_yaml, form_yaml

OPTIONS = "options: [{value: one, label: One}, {value: two, label: Two}]"
FORM = compile_yaml(form_yaml(f"""
    - {{id: a_text, type: text, label: Text}}
    - {{id: a_textarea, type: textarea, label: Textarea}}
    - {{id: an_email, type: email, label: Email}}
    - {{id: a_phone, type: phone, label: Phone}}
    - {{id: a_postcode, type: postcode, label: Postcode}}
    - {{id: an_nhs_number, type: nhs_number, label: NHS number}}
    - {{id: a_number, type: number, label: Number}}
    - {{id: a_date, type: date, label: Date}}
    - {{id: a_datetime, type: datetime, label: Date and time}}
    - {{id: a_yes_no, type: yes_no, label: Yes or no}}
    - {{id: a_radios, type: radios, label: Radios, {OPTIONS}}}
    - {{id: a_select, type: select, label: Select, {OPTIONS}}}
    - {{id: some_checkboxes, type: checkboxes, label: Checkboxes, {OPTIONS}}}
    - {{id: a_consent, type: consent, label: Consent}}
    - {{id: a_file, type: file, label: File}}
    - {{id: a_content, type: content, text: Words}}
    - {{id: a_double, type: number, label: Twice, calculate: a_number * 2}}
    - id: a_repeat
      type: repeat
      label: Records
      fields:
        - {{id: name, type: text, label: Name}}
        - {{id: born, type: date, label: Born}}
        - {{id: seen_at, type: datetime, label: Seen at}}
        - {{id: seen, type: yes_no, label: Seen}}
        - {{id: needs, type: checkboxes, label: Needs, {OPTIONS}}}
        - {{id: agreed, type: consent, label: Agreed}}
        - {{id: note, type: content, text: A note}}
    """))
(SECTION,) = FORM.form.sections
FIELDS = {f.id: f for f in SECTION.fields}

# Text a person can type and the codec passes on unchanged: control characters are removed
# on the way in (see test_control_characters_are_removed), surrogates cannot be posted.
CONTROL = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]))
typed = st.text(st.characters(exclude_categories=("Cs",), exclude_characters=CONTROL), min_size=1, max_size=20)
# A date part as the decoder keeps it: stripped, at most 10 characters.
part = st.text(string.ascii_letters + string.digits + " -/", max_size=10).map(str.strip)


def _is_real(day: str, month: str, year: str) -> bool:
    """Would the decoder read these parts as a date (digits, four in the year)?"""
    return all(p.isdigit() and len(p) <= 9 for p in (day, month, year)) and len(year) == 4


iso_dates = st.dates().map(datetime.date.isoformat)
wrong_dates = st.fixed_dictionaries({"day": part, "month": part, "year": part}).filter(
    lambda d: any(d.values()) and not _is_real(d["day"], d["month"], d["year"]))
dates = iso_dates | wrong_dates
times = st.times().map(lambda t: t.strftime("%H:%M"))
# Without a colon a time is never read as HH:MM, so the answer stays as typed.
wrong_times = st.text(string.digits + "apm .", max_size=10).map(str.strip)
wrong_datetimes = st.fixed_dictionaries({"date": st.none() | dates, "time": wrong_times}).filter(
    lambda d: d["date"] is not None or d["time"])
datetimes = st.builds(lambda day, time: f"{day}T{time}", iso_dates, times) | wrong_datetimes


def _chosen(values: list[str]) -> st.SearchStrategy[str]:
    """An option, or any text no longer than the longest option: longer is no option, and is refused
    unsaved (html_form.BOUNDS), so it is never given back."""
    longest = max(map(len, values))
    return st.sampled_from(values) | typed.map(lambda text: text[:longest])


def _consent() -> st.SearchStrategy[dict[str, Any]]:
    by_kind = {"yes_no": st.booleans(), "date": dates, "radios": _chosen(list(m.CONSENT_METHODS))}
    parts = {part: by_kind.get(kind, typed) for part, kind in m.CONSENT_PARTS.items()}
    return st.fixed_dictionaries({}, optional=parts).filter(bool)  # no part at all reads as no answer


def _repeat(f: m.Field) -> st.SearchStrategy[list[dict[str, Any]]]:
    subs = {sub.id: answer_of(sub) for sub in f.fields if sub.type != "content"}
    return st.lists(st.fixed_dictionaries({}, optional=subs), max_size=3)


def answer_of(f: m.Field) -> st.SearchStrategy[Any]:
    """Any answer a post can give back for this field."""
    if f.type == "checkboxes":  # no more choices than options (html_form.BOUNDS)
        return st.lists(_chosen([o.value for o in f.options]), min_size=1, max_size=len(f.options))
    if f.type in ("radios", "select"):
        return _chosen([o.value for o in f.options])
    if f.type == "yes_no":
        return st.booleans()
    if f.type == "date":
        return dates
    if f.type == "datetime":
        return datetimes
    if f.type == "consent":
        return _consent()
    if f.type == "repeat":
        return _repeat(f)
    if f.type in m.TEXT_LIKE:  # no longer than its type takes (a postcode: 12 characters)
        return typed.map(lambda text: text[:html_form.text_limit(f)])
    return typed


POSTED = [f for f in SECTION.fields if f.type not in html_form.NOT_POSTED and f.calculate is None]
# None posts only the `_present` marker, which clears the answer; a list of records then reads as empty.
answers = st.fixed_dictionaries({}, optional={
    f.id: answer_of(f) if f.type == "repeat" else st.none() | answer_of(f) for f in POSTED})


def decode(pairs: list[tuple[str, str]], saved: dict[str, Any] | None = None) -> dict[str, Any]:
    return html_form.section_answers(SECTION, MultiDict(pairs), saved or {})


def test_the_form_has_a_field_of_every_type():
    assert {f.type for f in SECTION.fields} == m.FIELD_TYPES


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers)
def test_decoding_what_a_browser_posts_gives_back_the_answers(given_answers):
    assert decode(html_form.encode(SECTION.fields, given_answers)) == given_answers


@settings(max_examples=100, deadline=None)
@given(answers)
def test_every_answer_is_posted_under_a_name_of_its_own_field(given_answers):
    for name, _ in html_form.encode(SECTION.fields, given_answers):
        assert name == "_present" or name.split("-")[0] in given_answers, name


def test_engine_shaped_answers_post_as_the_page_shows_them():
    pairs = html_form.encode(SECTION.fields, {"a_number": 3, "a_datetime": "2026-11-22T09:05:00Z"})
    assert ("a_number", "3") in pairs
    assert [p for p in pairs if p[0].startswith("a_datetime-")] == [
        ("a_datetime-day", "22"), ("a_datetime-month", "11"), ("a_datetime-year", "2026"), ("a_datetime-time", "09:05")]


def test_a_date_typed_wrongly_comes_back_as_its_parts():
    posted = [("_present", "a_date"), ("a_date-day", " 31 "), ("a_date-month", "Feb"), ("a_date-year", "26")]
    assert decode(posted) == {"a_date": {"day": "31", "month": "Feb", "year": "26"}}
    assert html_form.encode([FIELDS["a_date"]], decode(posted))[1:] == [
        ("a_date-day", "31"), ("a_date-month", "Feb"), ("a_date-year", "26")]


def test_a_date_is_written_out_in_full():
    posted = [("_present", "a_date"), ("a_date-day", "5"), ("a_date-month", "3"), ("a_date-year", "2026")]
    assert decode(posted) == {"a_date": "2026-03-05"}


def test_an_unticked_checkbox_clears_its_answer():
    assert decode([("_present", "some_checkboxes")], saved={"some_checkboxes": ["one"]}) == {"some_checkboxes": None}


def test_a_field_not_on_the_page_keeps_its_saved_value():
    saved = {"a_text": "kept", "a_file": [{"id": "f1", "name": "a.pdf", "size": 3, "type": "application/pdf"}]}
    assert decode([("_present", "a_yes_no"), ("a_yes_no", "yes")], saved=saved) == {"a_yes_no": True}


def test_a_file_list_is_never_posted_and_a_record_keeps_it():
    assert html_form.encode(SECTION.fields, {"a_file": [{"id": "f1"}], "a_content": "x", "a_double": 6}) == []
    assert html_form.field_answer(FIELDS["a_file"], "a_file", MultiDict(), ["saved"]) == ["saved"]


def test_control_characters_are_removed():
    posted = [("_present", "a_textarea"), ("a_textarea", "a\x00b\x07c\x1b\x7f\td\r\ne")]
    assert decode(posted) == {"a_textarea": "abc\td\r\ne"}


def test_a_bad_record_count_reads_as_no_records_and_a_huge_one_is_capped():
    assert decode([("_present", "a_repeat"), ("a_repeat-count", "lots")]) == {"a_repeat": []}
    many = decode([("_present", "a_repeat"), ("a_repeat-count", "999999")])["a_repeat"]
    assert len(many) == html_form.MAX_REPEAT_ROWS


def test_names_and_first_inputs():
    assert html_form.name_of("a_repeat[2].born") == "a_repeat-2-born"
    fields = SECTION.fields
    assert html_form.first_input("a_text", fields) == "a_text"
    assert html_form.first_input("a_consent", fields) == "a_consent-sought"
    assert html_form.first_input("a_repeat", fields, {}) == "a_repeat-add"
    assert html_form.first_input("a_repeat", fields, {"a_repeat": [{}]}) == "a_repeat-0-name"


def test_adding_and_removing_records():
    assert html_form.apply_action(SECTION, "add:a_repeat", {}) == {"a_repeat": [{}]}
    assert html_form.apply_action(SECTION, "remove:a_repeat:0", {"a_repeat": [{"name": "A"}, {}]}) == {"a_repeat": [{}]}
    assert html_form.apply_action(SECTION, "remove:a_repeat:5", {"a_repeat": [{}]}) is None
    assert html_form.apply_action(SECTION, "add:a_text", {}) is None


def test_the_codec_needs_no_web_framework():
    """Tests, benchmarks and tools encode without an app, so the codec may not reach into one."""
    tree = ast.parse(Path(html_form.__file__).read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {i for i in imported if i.split(".")[0] == "flask" or i.startswith(("fanlight.web", "fanlight.admin"))}
