"""Bad input never produces a 500 (DESIGN §8): each gets a clear answer and nothing saved is lost."""

from __future__ import annotations

import pytest

from fanlight.web.models import Draft
from tests.support.factories import (
    count,
    draft_row,
    multidict,
    post_multipart,
    post_section,
    section_page,
    start_draft,
)

MiB = 1024 * 1024
MISSING = "missing"


@pytest.fixture
def draft_id(app, teacher_client) -> str:
    """A draft about a missing child, with the first section already answered."""
    draft = start_draft(teacher_client)
    assert post_section(teacher_client, draft, "type-of-concern",
                        {"categories": ["missing"], "primary_category": "missing"}).status_code == 302
    assert post_section(teacher_client, draft, "about-this-referral",
                        {"immediate_danger": False, "concern_level": "complex_needs", "request_type": "early_help",
                         "referrer_threshold_level": "level_3", "discussed_with_dsl": False,
                         "checked_records": True},
                        # the safeguarding-lead warning was shown: "Save and continue" again carries on
                        extra=[("warned", "safeguarding-lead-not-consulted@discussed_with_dsl")]).status_code == 302
    return draft


def raw_post(client, draft_id: str, section_id: str, pairs: list[tuple[str, str]], **kwargs):
    token, revision = section_page(client, draft_id, section_id)
    data = [("csrf_token", token), ("revision", str(revision)), *pairs]
    return client.post(f"/drafts/{draft_id}/sections/{section_id}", data=multidict(data), **kwargs)


def test_unknown_field_names_are_ignored(app, teacher_client, draft_id):
    before = draft_row(app, draft_id).answers
    response = raw_post(teacher_client, draft_id, "type-of-concern", [
        ("_present", "categories"), ("categories", "neglect"),
        ("_present", "not_a_field"), ("not_a_field", "x"), ("__proto__", "polluted"),
        ("_present", "immediate_danger"), ("immediate_danger", "yes"),  # a field of another section
        ("_present", "", ), ("action", "later"),
    ])
    assert response.status_code == 302
    answers = draft_row(app, draft_id).answers
    assert answers == {**before, "categories": ["neglect"]}


def test_a_value_outside_the_options_re_renders_the_section_with_the_error_and_keeps_the_rest(
        app, teacher_client, draft_id):
    before = draft_row(app, draft_id).answers
    response = post_section(teacher_client, draft_id, "type-of-concern",
                            {"categories": ["missing", "not-a-category"], "primary_category": "missing"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and 'id="categories-error"' in html
    answers = draft_row(app, draft_id).answers
    assert answers["primary_category"] == "missing"
    assert answers["concern_level"] == before["concern_level"]  # another section's answers are untouched


def test_a_radio_value_outside_the_options_is_an_error_not_a_crash(app, teacher_client, draft_id):
    response = post_section(teacher_client, draft_id, "about-this-referral",
                            {"concern_level": "<script>alert(1)</script>", "immediate_danger": "perhaps"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="concern_level-error"' in html and 'id="immediate_danger-error"' in html
    assert "<script>alert(1)</script>" not in html


GARBAGE_DATES = [
    ("31", "2", "2026", "10:00"),       # no such day
    ("aa", "bb", "cccc", "xx:yy"),     # not numbers
    ("1", "13", "2026", "25:61"),      # no such month or time
    ("²", "1", "2026", "10:00"),        # a superscript two is a digit to str.isdigit, not to int()
    ("1", "1", "²⁰²⁶", "1²:00"),
    ("-1", "0", "0000", ""),
    ("9" * 50, "9" * 50, "9" * 50, "9" * 50),
]


def test_garbage_dates_and_times_come_back_as_messages(app, teacher_client, draft_id):
    for day, month, year, time in GARBAGE_DATES:
        response = raw_post(teacher_client, draft_id, MISSING, [
            ("_present", "date_time_missing"), ("date_time_missing-day", day),
            ("date_time_missing-month", month), ("date_time_missing-year", year),
            ("date_time_missing-time", time), ("action", "continue"),
        ])
        assert response.status_code == 422, (day, month, year, time, response.status_code)
        assert 'id="date_time_missing-error"' in response.get_data(as_text=True)


def test_garbage_numbers_come_back_as_messages(app, teacher_client, draft_id):
    for value in ["many", "1e400", "NaN", "-Infinity", "3.5", "0", "9" * 400, "²", "1" * 5000]:
        response = raw_post(teacher_client, draft_id, MISSING, [
            ("_present", "episodes_last_90_days"), ("episodes_last_90_days", value), ("action", "continue")])
        assert response.status_code == 422, (value, response.status_code)
        assert 'id="episodes_last_90_days-error"' in response.get_data(as_text=True), value
    assert draft_row(app, draft_id).answers["concern_level"] == "complex_needs"


def test_a_forged_add_or_remove_action_is_refused_without_a_crash(app, teacher_client, draft_id):
    for action in ["remove:children:²", "remove:children:99999999999999999999999", "add:nothing",
                   "remove:children", "remove:children:-1", "add:", ":::", "x" * 5000]:
        before = draft_row(app, draft_id)
        response = raw_post(teacher_client, draft_id, "child-details", [
            ("_present", "children"), ("children-count", "1"), ("children-0-child_forename", "Ella"),
            ("action", action)])
        assert response.status_code in (302, 400, 422), (action, response.status_code)
        if response.status_code == 400:
            assert draft_row(app, draft_id).revision == before.revision


def test_a_forged_repeat_count_is_bounded(app, teacher_client, draft_id):
    for value in ["-5", "zero", "1e9", "99999999999999999999999999", "²"]:
        response = raw_post(teacher_client, draft_id, "child-details", [
            ("_present", "children"), ("children-count", value), ("action", "later")])
        assert response.status_code == 302, (value, response.status_code)
        children = draft_row(app, draft_id).answers["children"]
        assert isinstance(children, list) and len(children) <= 200


def test_control_characters_and_nul_bytes_in_answers_are_stored_safely(app, teacher_client, draft_id):
    """PostgreSQL's JSONB cannot hold \\u0000: a NUL is refused before the save (400, nothing saved;
    tests/web/test_nul_bytes.py), and other control characters are dropped from the answer."""
    before = draft_row(app, draft_id)
    refused = raw_post(teacher_client, draft_id, "about-this-referral", [
        ("_present", "dsl_name"), ("dsl_name", "Anita\x00 Shah"), ("action", "later")])
    assert refused.status_code == 400
    assert draft_row(app, draft_id).answers == before.answers
    response = raw_post(teacher_client, draft_id, "about-this-referral", [
        ("_present", "dsl_name"), ("dsl_name", "Anita Shah\x07"), ("_present", "discussed_with_dsl"),
        ("discussed_with_dsl", "yes"), ("action", "later")])
    assert response.status_code == 302
    assert draft_row(app, draft_id).answers["dsl_name"] == "Anita Shah"
    page = teacher_client.get(f"/drafts/{draft_id}/sections/about-this-referral")
    assert page.status_code == 200


def test_a_body_over_the_request_limit_is_refused_with_413(app, teacher_client, draft_id):
    limit = app.config["MAX_CONTENT_LENGTH"]
    before = draft_row(app, draft_id)
    token, revision = section_page(teacher_client, draft_id, "your-concern")
    response = teacher_client.post(
        f"/drafts/{draft_id}/sections/your-concern",
        data={"csrf_token": token, "revision": str(revision), "_present": "concern_description",
              "concern_description": "x" * (limit + 1)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    after = draft_row(app, draft_id)
    assert (after.answers, after.revision) == (before.answers, before.revision)


def test_a_form_field_over_the_form_memory_limit_is_refused_with_413(app, teacher_client, draft_id):
    """Multipart (the upload form): a text part over MAX_FORM_MEMORY_SIZE is refused before it is read."""
    token, revision = section_page(teacher_client, draft_id, "your-concern")
    response = post_multipart(teacher_client, f"/drafts/{draft_id}/sections/your-concern", [
        ("csrf_token", token), ("revision", str(revision)), ("_present", "concern_description"),
        ("concern_description", "x" * (app.config["MAX_FORM_MEMORY_SIZE"] + 1))])
    assert response.status_code == 413


def test_a_very_long_answer_is_an_error_message_not_a_crash(app, teacher_client, draft_id):
    """(Longer than a form may be, the whole post is refused: tests/web/test_request_limits.py.)"""
    response = raw_post(teacher_client, draft_id, "your-concern", [
        ("_present", "concern_description"), ("concern_description", "x" * 100_000), ("action", "continue")])
    assert response.status_code == 422
    assert 'id="concern_description-error"' in response.get_data(as_text=True)


def test_thousands_of_form_fields_do_not_crash(app, teacher_client, draft_id):
    token, revision = section_page(teacher_client, draft_id, "your-concern")
    pairs = [("csrf_token", token), ("revision", str(revision))] + [("_present", f"f{i}") for i in range(5000)]
    response = teacher_client.post(f"/drafts/{draft_id}/sections/your-concern", data=multidict(pairs))
    assert response.status_code in (302, 413, 422)


@pytest.mark.parametrize("path", [
    "/drafts/not-a-draft", "/drafts/" + "0" * 32, "/drafts/" + "a" * 5000, "/forms/no-such-form",
    "/submissions/%00", "/attachments/..%2F..%2Fsecret_key", "/drafts/%E2%80%AE/check", "/guidance/nope",
    "/guidance/levels-of-need/level-99",
])
def test_made_up_addresses_are_404(app, teacher_client, path):
    assert teacher_client.get(path).status_code == 404


def test_an_unknown_section_of_a_real_draft_is_404(app, teacher_client, draft_id):
    assert teacher_client.get(f"/drafts/{draft_id}/sections/no-such-section").status_code == 404
    token, revision = section_page(teacher_client, draft_id, "about-this-referral")
    response = teacher_client.post(f"/drafts/{draft_id}/sections/no-such-section",
                                   data={"csrf_token": token, "revision": str(revision)})
    assert response.status_code == 404


def test_starting_an_unknown_form_is_404_and_makes_no_draft(app, teacher_client):
    token, _ = section_page(teacher_client, start_draft(teacher_client), "about-this-referral")
    assert teacher_client.post("/forms/no-such-form/drafts", data={"csrf_token": token}).status_code == 404
    assert count(app, Draft) == 1


def test_a_wrong_method_is_405_not_500(app, teacher_client, draft_id):
    assert teacher_client.put(f"/drafts/{draft_id}/check").status_code == 405
    assert teacher_client.get(f"/drafts/{draft_id}/submit").status_code == 405
