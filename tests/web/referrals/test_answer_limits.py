"""An answer longer than its field could ever take is never saved (issue 11, item 3).

One 10.5 MB form post made a 57 MB draft: the answers were saved as typed and only then
checked. Now each posted answer is bounded by its field's type (fanlight.renderers.html_form
BOUNDS: the engine's length for the type, or the field's own larger max_length; option values
by the options), before anything is saved. Too long, and the section comes back (422) with
what was typed and a GOV.UK error on that answer, and nothing of the post is saved.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from fanlight.engine.definitions import model as m
from fanlight.renderers import html_form
from tests.support.factories import draft_row, multidict, section_page, start_draft


@pytest.fixture
def draft_id(app, teacher_client) -> str:
    return start_draft(teacher_client)


def post(client, draft_id: str, section_id: str, pairs: list[tuple[str, str]], *, live: bool = False):
    token, revision = section_page(client, draft_id, section_id)
    data = [("csrf_token", token), ("revision", str(revision)), *pairs]
    path = f"/drafts/{draft_id}/sections/{section_id}" + ("/live" if live else "")
    return client.post(path, data=multidict(data), headers={"HX-Request": "true"} if live else {})


def unchanged(app, draft_id: str, before: Any) -> bool:
    after = draft_row(app, draft_id)
    return (after.answers, after.revision) == (before.answers, before.revision)


def test_an_answer_over_its_fields_length_is_refused_with_its_message_and_nothing_is_saved(
        app, teacher_client, draft_id):
    before = draft_row(app, draft_id)
    typed = "I saw bruising. " * 626  # 10,016 characters: the field takes 10,000
    response = post(teacher_client, draft_id, "your-concern", [
        ("_present", "concern_description"), ("concern_description", typed),
        ("_present", "impact_on_child"), ("impact_on_child", "She is withdrawn in class."), ("action", "later")])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="concern_description-error"' in html and "govuk-error-summary" in html
    assert "must be 10,000 characters or fewer" in html
    assert 'href="#concern_description"' in html  # the summary links to the answer
    assert typed.strip() in html  # what was typed is shown again, to be shortened
    assert unchanged(app, draft_id, before)  # not even the other answer of the same post


def test_just_within_the_length_is_saved(app, teacher_client, draft_id):
    response = post(teacher_client, draft_id, "your-concern", [
        ("_present", "concern_description"), ("concern_description", "x" * 10_000), ("action", "later")])
    assert response.status_code == 302
    assert draft_row(app, draft_id).answers["concern_description"] == "x" * 10_000


def test_a_field_with_a_smaller_max_length_is_bounded_by_its_type(app, teacher_client, draft_id):
    """dsl_name takes 200 characters (the engine's check, the answer kept as typed); a text answer
    of any field is never longer than 500: beyond that it is refused, with the field's own limit."""
    kept = post(teacher_client, draft_id, "about-this-referral", [
        ("_present", "discussed_with_dsl"), ("discussed_with_dsl", "yes"), ("_present", "dsl_name"),
        ("dsl_name", "A" * 300), ("action", "later")])
    assert kept.status_code == 302
    assert draft_row(app, draft_id).answers["dsl_name"] == "A" * 300
    before = draft_row(app, draft_id)
    refused = post(teacher_client, draft_id, "about-this-referral", [
        ("_present", "dsl_name"), ("dsl_name", "B" * 501), ("action", "later")])
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="dsl_name-error"' in html and "must be 200 characters or fewer" in html
    assert unchanged(app, draft_id, before)


def test_an_answer_in_a_list_of_records_is_bounded_and_its_error_is_on_that_record(app, teacher_client, draft_id):
    before = draft_row(app, draft_id)
    response = post(teacher_client, draft_id, "child-details", [
        ("_present", "children"), ("children-count", "2"), ("children-0-child_forename", "Ella"),
        ("children-1-child_forename", "E" * 501), ("action", "later")])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="children-1-child_forename-error"' in html and 'href="#children-1-child_forename"' in html
    assert "must be 100 characters or fewer" in html
    assert unchanged(app, draft_id, before)


def test_a_consent_reason_is_bounded_as_a_textarea(app, teacher_client, draft_id):
    before = draft_row(app, draft_id)
    response = post(teacher_client, draft_id, "consent-and-informing-the-family", [
        ("_present", "consent"), ("consent-sought", "no"), ("consent-reason", "r" * 10_001), ("action", "later")])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'href="#consent-reason"' in html and "must be 10,000 characters or fewer" in html
    assert unchanged(app, draft_id, before)


@pytest.mark.parametrize(("section", "pairs", "error"), [
    ("about-this-referral", [("_present", "concern_level"), ("concern_level", "c" * 27)], "concern_level"),
    ("about-this-referral", [("_present", "immediate_danger"), ("immediate_danger", "y" * 6)], "immediate_danger"),
    ("type-of-concern", [("_present", "categories"), *[("categories", "neglect")] * 25], "categories"),
    ("type-of-concern", [("_present", "categories"), ("categories", "n" * 5000)], "categories"),
])
def test_an_option_value_longer_than_any_option_or_more_choices_than_options_is_refused(
        app, teacher_client, draft_id, section, pairs, error):
    before = draft_row(app, draft_id)
    response = post(teacher_client, draft_id, section, [*pairs, ("action", "later")])
    assert response.status_code == 422
    assert f'id="{error}-error"' in response.get_data(as_text=True)
    assert unchanged(app, draft_id, before)


def test_a_number_longer_than_any_number_is_refused(app, teacher_client, draft_id):
    assert post(teacher_client, draft_id, "type-of-concern", [
        ("_present", "categories"), ("categories", "missing"), ("action", "later")]).status_code == 302
    before = draft_row(app, draft_id)
    response = post(teacher_client, draft_id, "missing", [
        ("_present", "episodes_last_90_days"), ("episodes_last_90_days", "9" * 41), ("action", "later")])
    assert response.status_code == 422
    assert 'id="episodes_last_90_days-error"' in response.get_data(as_text=True)
    assert unchanged(app, draft_id, before)


def test_autosave_stops_with_a_message_and_saves_nothing(app, teacher_client, draft_id):
    before = draft_row(app, draft_id)
    response = post(teacher_client, draft_id, "your-concern", [
        ("_present", "concern_description"), ("concern_description", "x" * 10_001)], live=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html and "must be 10,000 characters or fewer" in html and "not being saved" in html
    assert unchanged(app, draft_id, before)


def test_a_forged_count_of_records_is_cut_to_the_fields_max_items(app, teacher_client, draft_id):
    response = post(teacher_client, draft_id, "child-details", [
        ("_present", "children"), ("children-count", "200"), ("action", "later")])
    assert response.status_code == 302
    assert len(draft_row(app, draft_id).answers["children"]) == 15  # the form's max_items


def test_section_answers_never_passes_on_an_answer_too_long():
    """What the upload and remove-file routes save with the file (the section's answers, kept as
    typed): an answer too long is left out, and the saved one stays."""
    where = m.Where("t")
    section = m.Section(id="s", title="S", where=where, fields=[
        m.Field(id="notes", type="textarea", where=where, label="Notes"),
        m.Field(id="name", type="text", where=where, label="Name")])
    posted = multidict([("_present", "notes"), ("notes", "n" * 10_001), ("_present", "name"), ("name", "Ella")])
    assert html_form.section_answers(section, posted, {"notes": "saved"}) == {"name": "Ella"}
    changes, overlong = html_form.read_section(section, posted, {"notes": "saved"})
    assert changes == {"notes": "n" * 10_001, "name": "Ella"}
    assert [o.field for o in overlong] == ["notes"]


def test_every_field_type_has_a_bound():
    assert set(html_form.BOUNDS) == set(m.FIELD_TYPES)


def test_the_bounds_name_each_answers_path_as_the_engines_messages_do():
    f = m.Field(id="children", type="repeat", where=m.Where("t"), fields=[
        m.Field(id="child_forename", type="text", where=m.Where("t"), label="First name", max_length=100)])
    found = html_form.overlong(f, "children", [{"child_forename": "Ella"}, {"child_forename": "x" * 501}])
    assert [(o.field, o.answer) for o in found] == [("children[1].child_forename", "children")]
    assert re.search(r"“First name” must be 100 characters or fewer", found[0].message)
