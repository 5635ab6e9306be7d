"""Every request body is bounded before it is read (issue 11, item 3).

The 2,000-part and 2 MiB limits covered multipart posts only: one 10.5 MB ordinary form post
took a worker from 174 to 674 MB and made a 57 MB draft. Now a form (or JSON, or any body that
is not multipart) is refused over FANLIGHT_MAX_FORM_BYTES (512 KiB), chunked or not, before
it is parsed; a multipart post (files) over MAX_CONTENT_LENGTH; the definition editor, which
posts whole files of up to 1 MB, is allowed what it needs. Each refusal is a 413 with the
error page (a fragment for htmx), and nothing is saved.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest

from fanlight.web.models import ChangeItem
from tests.admin.workbench_helpers import CFC, change_text, live_text, start_change, token
from tests.support.factories import (
    count,
    csrf_token,
    draft_row,
    post_multipart,
    section_page,
    signed_in_client,
    snapshot,
    start_draft,
)

KiB, MiB = 1024, 1024 * 1024
CHUNKED = {"wsgi.input_terminated": True}  # a server that reads chunked bodies (gunicorn, waitress) says so


def too_large(response) -> bool:
    html = response.get_data(as_text=True)
    return response.status_code == 413 and "too large" in html and "Nothing was saved" in html


@pytest.fixture
def draft_id(teacher_client) -> str:
    return start_draft(teacher_client)


def section_form(client, draft_id: str, text: str) -> str:
    token_, revision = section_page(client, draft_id, "your-concern")
    return urlencode({"csrf_token": token_, "revision": revision, "_present": "concern_description",
                      "concern_description": text, "action": "later"})


def test_the_form_limit_is_half_a_megabyte(app):
    assert app.config["FANLIGHT_MAX_FORM_BYTES"] == 512 * KiB
    assert app.config["MAX_FORM_MEMORY_SIZE"] <= app.config["FANLIGHT_MAX_FORM_BYTES"]


def test_a_ten_megabyte_form_post_is_refused_before_it_is_read_and_saves_nothing(app, teacher_client, draft_id):
    """The issue's attack: 10.5 MB of ordinary form post to a section."""
    before = snapshot(app)
    body = section_form(teacher_client, draft_id, "x" * int(10.5 * MiB))
    response = teacher_client.post(f"/drafts/{draft_id}/sections/your-concern", data=body,
                                   content_type="application/x-www-form-urlencoded")
    assert too_large(response), response.status_code
    assert snapshot(app) == before


def test_a_form_just_over_the_limit_is_refused_and_one_within_it_is_read(app, teacher_client, draft_id):
    limit = app.config["FANLIGHT_MAX_FORM_BYTES"]
    base = len(section_form(teacher_client, draft_id, ""))
    over = teacher_client.post(f"/drafts/{draft_id}/sections/your-concern",
                               data=section_form(teacher_client, draft_id, "x" * (limit - base + 1)),
                               content_type="application/x-www-form-urlencoded")
    assert too_large(over), over.status_code
    account = " ".join(["A long account, of what was seen & heard."] * 230)  # 9,889 characters, 13 KB encoded
    within = teacher_client.post(f"/drafts/{draft_id}/sections/your-concern",
                                 data=section_form(teacher_client, draft_id, account),
                                 content_type="application/x-www-form-urlencoded")
    assert within.status_code == 302
    assert draft_row(app, draft_id).answers["concern_description"] == account


def test_a_chunked_form_without_a_length_is_cut_off_at_the_limit(app, teacher_client, draft_id):
    before = snapshot(app)
    body = section_form(teacher_client, draft_id, "x" * MiB).encode()
    response = teacher_client.post(f"/drafts/{draft_id}/sections/your-concern", input_stream=io.BytesIO(body),
                                   content_type="application/x-www-form-urlencoded",
                                   headers={"Transfer-Encoding": "chunked"}, environ_overrides=CHUNKED)
    assert too_large(response), response.status_code
    assert snapshot(app) == before


def test_a_chunked_form_within_the_limit_is_read(app, teacher_client, draft_id):
    body = section_form(teacher_client, draft_id, "Seen at the school gate.").encode()
    response = teacher_client.post(f"/drafts/{draft_id}/sections/your-concern", input_stream=io.BytesIO(body),
                                   content_type="application/x-www-form-urlencoded",
                                   headers={"Transfer-Encoding": "chunked"}, environ_overrides=CHUNKED)
    assert response.status_code == 302
    assert draft_row(app, draft_id).answers["concern_description"] == "Seen at the school gate."


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/octet-stream"])
def test_any_other_body_is_bounded_too(app, content_type):
    """Before anything reads it, to any address, signed in or not (sign-in is the first one open to all)."""
    client = app.test_client()
    response = client.post("/sign-in", data=b"[" + b"1," * (300 * KiB) + b"1]", content_type=content_type)
    assert too_large(response), response.status_code


def test_a_multipart_post_is_bounded_by_the_request_limit_and_each_text_part_by_the_form_limit(
        app, teacher_client, draft_id):
    path = f"/drafts/{draft_id}/sections/your-concern"
    token_, revision = section_page(teacher_client, draft_id, "your-concern")
    fields = [("csrf_token", token_), ("revision", str(revision)), ("_present", "concern_description")]
    part = post_multipart(teacher_client, path, [*fields, ("concern_description", "x" * (600 * KiB))])
    assert too_large(part), part.status_code
    whole = post_multipart(teacher_client, path, [
        *fields, *[(f"extra{i}", "x" * (500 * KiB)) for i in range(app.config["MAX_CONTENT_LENGTH"] // (500 * KiB) + 1)]])
    assert too_large(whole), whole.status_code


def test_an_htmx_request_over_the_limit_gets_the_fragment(app, teacher_client, draft_id):
    body = section_form(teacher_client, draft_id, "x" * MiB)
    response = teacher_client.post(f"/drafts/{draft_id}/sections/your-concern/live", data=body,
                                   content_type="application/x-www-form-urlencoded", headers={"HX-Request": "true"})
    assert too_large(response)
    assert "<html" not in response.get_data(as_text=True)


# The definition editor posts whole files -----------------------------------------------------------------


def a_megabyte_definition(app) -> str:
    """The live cause-for-concern definition, padded to just under 1 MB with comments in characters
    of three bytes each: form-encoded, each byte takes three (the post is nearly 3 MB)."""
    text = live_text(app)
    line = "# " + "✓" * 40 + "\n"
    room = 1_000_000 - len(text.encode())
    return text + line * (room // len(line.encode()))


@pytest.fixture
def lead_client(app, user_factory):
    return signed_in_client(app, user_factory("service_lead"))


def test_the_editor_saves_and_checks_a_definition_of_a_megabyte(app, lead_client):
    change_id = start_change(lead_client)
    url = f"/admin/changes/{change_id}/edit?path={CFC}"
    text = a_megabyte_definition(app)
    assert len(urlencode({"text": text})) > 2_750_000
    checked = lead_client.post(f"/admin/changes/{change_id}/validate", data={"path": CFC, "text": text},
                               headers={"X-CSRFToken": token(lead_client, url), "HX-Request": "true"})
    assert checked.status_code == 200 and "No problems" in checked.get_data(as_text=True)
    saved = lead_client.post(f"/admin/changes/{change_id}/edit",
                             data={"csrf_token": token(lead_client, url), "path": CFC, "text": text})
    assert saved.status_code == 302
    assert change_text(app, change_id) == text


def test_the_editor_refuses_more_than_a_definition_can_be(app, lead_client):
    change_id = start_change(lead_client)
    url = f"/admin/changes/{change_id}/edit?path={CFC}"
    text = "# x\n" * (MiB + 1)  # 4 MB: form-encoded, more than three times the largest definition
    checked = lead_client.post(f"/admin/changes/{change_id}/validate", data={"path": CFC, "text": text},
                               headers={"X-CSRFToken": token(lead_client, url), "HX-Request": "true"})
    assert too_large(checked) and "<html" not in checked.get_data(as_text=True)
    saved = lead_client.post(f"/admin/changes/{change_id}/edit",
                             data={"csrf_token": token(lead_client, url), "path": CFC, "text": text})
    assert too_large(saved)
    assert count(app, ChangeItem) == 0


def test_only_the_editor_is_allowed_more(app, lead_client):
    """Another workbench form (a comment on a change) has the ordinary limit."""
    change_id = start_change(lead_client)
    response = lead_client.post(f"/admin/changes/{change_id}/comment",
                                data={"csrf_token": csrf_token(lead_client, "/admin/"), "comment": "x" * MiB})
    assert too_large(response), response.status_code
