"""What a referral page costs the server (issue 13, item 7): the statements it sends, the
connections it takes, the cookie it sends back, and the structures worked out once per form version.

bench/web.py measures the rates; these pin the work, so a change that adds a query or a cookie
to every page fails here rather than in a benchmark nobody runs.
"""

from __future__ import annotations

import copy
import datetime
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event

from fanlight.web import extensions
from fanlight.web.referrals import journey
from tests.support.factories import (
    answers_for,
    compiled_form,
    complete_answers,
    csrf_token,
    fill_draft,
    post_section,
    section_page,
    start_draft,
    submit,
)
from tests.web.referrals.test_journeys import publish_version_two

SECTION = "about-this-referral"


class Work:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.checkouts = 0


@contextmanager
def counted(app: Flask) -> Iterator[Work]:
    """The SQL statements sent and the pooled connections taken while the block runs. The
    catalogue's poll for a new publication (once a quarter second, whatever the page) is held
    off, so the count is the page's own."""
    engine = extensions.db_engine(app)
    catalogue = app.extensions[extensions.CATALOGUE]
    work = Work()

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        work.statements.append(" ".join(sql.split()))

    def checkout(*_: Any) -> None:
        work.checkouts += 1

    checked, catalogue.checked = catalogue.checked, float("inf")
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine.pool, "checkout", checkout)
    try:
        yield work
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine.pool, "checkout", checkout)
        catalogue.checked = checked


def test_a_section_page_reads_the_person_and_the_draft_and_nothing_else(app, teacher_client):
    draft_id = start_draft(teacher_client)
    section_page(teacher_client, draft_id, SECTION)  # the session's CSRF token exists from here on
    with counted(app) as work:
        response = teacher_client.get(f"/drafts/{draft_id}/sections/{SECTION}")
    assert response.status_code == 200
    assert len(work.statements) == 2, work.statements
    assert "FROM users" in work.statements[0] and "FROM drafts" in work.statements[1]
    assert work.checkouts == 1


def test_a_section_save_writes_once_and_does_not_read_the_draft_back(app, teacher_client):
    draft_id = start_draft(teacher_client)
    answers = answers_for(compiled_form(app), SECTION, complete_answers())
    section_page(teacher_client, draft_id, SECTION)
    with counted(app) as work:
        response = post_section(teacher_client, draft_id, SECTION, answers)  # its page, then the save
    assert response.status_code == 302
    save = work.statements[2:]  # after the page's two
    assert len(save) == 3, save
    assert [s.split()[0] for s in save] == ["SELECT", "SELECT", "UPDATE"]
    assert work.checkouts == 2  # one for the page, one for the save: no second one to re-read the draft


def test_the_draft_after_a_save_is_what_the_database_holds(app, teacher_client):
    """Not read back, the saved draft is still exactly the stored one: the next section's redirect
    and revision come from it."""
    draft_id = start_draft(teacher_client)
    answers = answers_for(compiled_form(app), SECTION, complete_answers())
    response = post_section(teacher_client, draft_id, SECTION, answers)
    assert response.status_code == 302 and "/sections/" in response.headers["Location"]
    _, revision = section_page(teacher_client, draft_id, SECTION)
    assert revision == 2


def test_a_submit_claims_the_draft_before_looking_for_a_submission(app, teacher_client):
    """An open draft has no submission: none is looked for first (a replay still finds its one)."""
    draft_id = start_draft(teacher_client)
    fill_draft(app, draft_id, complete_answers())
    with counted(app) as work:
        response = submit(teacher_client, draft_id)
    assert response.status_code == 302
    claim = next(i for i, s in enumerate(work.statements) if s.startswith("UPDATE drafts"))
    assert not [s for s in work.statements[:claim] if "FROM submissions" in s]
    replay = teacher_client.post(f"/drafts/{draft_id}/submit", data={"csrf_token": csrf_token(teacher_client)})
    assert replay.headers["Location"] == response.headers["Location"]


def test_a_submit_writes_its_referral_once_and_counts_it_once(app, teacher_client):
    """Whether the referral is a re-referral is known before it is written: no UPDATE of it straight
    after, so its dashboard counts are added by one statement and its facts are not read back."""
    draft_id = start_draft(teacher_client)
    fill_draft(app, draft_id, complete_answers())
    with counted(app) as work:
        response = submit(teacher_client, draft_id)
    assert response.status_code == 302
    assert not [s for s in work.statements if s.startswith("UPDATE submissions")], work.statements
    assert len([s for s in work.statements if "dashboard_counts" in s]) == 1, work.statements
    assert not [s for s in work.statements if s.startswith("SELECT submissions.id, submissions.received_at")]


# The session cookie ----------------------------------------------------------------------------


def test_reading_pages_sends_no_new_session_cookie(app, teacher_client, clock):
    draft_id = start_draft(teacher_client)
    section_page(teacher_client, draft_id, SECTION)
    clock.advance(5)
    for path in (f"/drafts/{draft_id}/sections/{SECTION}", f"/drafts/{draft_id}", "/your-forms"):
        response = teacher_client.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, path


def test_the_cookie_is_written_again_once_the_last_request_has_moved_on_by_a_step(app, teacher_client, clock):
    draft_id = start_draft(teacher_client)
    clock.advance(20)  # the default idle limit is 30 minutes: its step is 15 seconds
    assert "Set-Cookie" in teacher_client.get(f"/drafts/{draft_id}/sections/{SECTION}").headers


def test_a_session_never_ends_before_the_idle_limit_after_its_last_request(app, teacher_client, clock):
    """A request within a step of the last written one is not written, so the idle limit is
    counted with a step added: the session lasts the whole limit after its last request."""
    clock.advance(14)
    assert teacher_client.get("/your-forms").status_code == 200  # not written: 14 s is under the step
    clock.advance(30 * 60)  # the idle limit after that last request
    assert teacher_client.get("/your-forms").status_code == 200
    clock.advance(30 * 60 + 16)
    assert teacher_client.get("/your-forms").status_code == 302


# Structures worked out once per form version ------------------------------------------------------------


def test_what_a_page_works_out_from_a_form_version_is_kept_for_that_version_only(app, teacher_client, tmp_path):
    one = compiled_form(app)
    owner = journey.field_section(one)
    assert journey.field_section(one) is owner  # kept, not worked out again for every page
    assert owner["immediate_danger"] == SECTION

    two = publish_version_two(app, tmp_path / "definitions")
    assert two is not one
    assert journey.field_section(two) is not owner  # a new publication: worked out from its own form
    assert journey.field_section(two) == {f.id: s.id for s in two.form.sections for f in s.fields}
    draft_id = start_draft(teacher_client)
    assert "About this referral (version 2)" in teacher_client.get(
        f"/drafts/{draft_id}/sections/{SECTION}").get_data(as_text=True)


def test_a_kept_structure_goes_with_its_form_version(app):
    """Nothing is kept for a version no longer in memory (the catalogue keeps a few publications)."""
    built: list[object] = []
    cache = journey.PerVersion(lambda compiled: built.append(compiled) or len(built))
    version = copy.copy(compiled_form(app))
    assert cache(version) == 1 and cache(version) == 1
    built.clear()
    del version
    gc.collect()
    assert cache.found == {}


# Evaluations used again ---------------------------------------------------------------------------


@contextmanager
def evaluations_made(monkeypatch: Any) -> Iterator[list[int]]:
    """How many times the draft pages evaluate a draft's saved answers while the block runs."""
    from fanlight.web.referrals import context

    made: list[int] = []
    real = context.evaluate

    def evaluate(*args: Any, **kwargs: Any) -> Any:
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(context, "evaluate", evaluate)
    yield made


def test_the_page_after_a_save_and_the_send_after_check_answers_evaluate_nothing_again(app, teacher_client, monkeypatch):
    draft_id = start_draft(teacher_client)
    answers = complete_answers()
    fill_draft(app, draft_id, {k: v for k, v in answers.items() if k not in answers_for(compiled_form(app), SECTION, answers)})
    with evaluations_made(monkeypatch) as made:
        saved = post_section(teacher_client, draft_id, SECTION, answers_for(compiled_form(app), SECTION, answers))
        assert saved.status_code == 302 and len(made) == 2  # the page it was posted from, and the save
        assert teacher_client.get(saved.headers["Location"]).status_code == 200
        assert teacher_client.get(f"/drafts/{draft_id}").status_code == 200
        assert teacher_client.get(f"/drafts/{draft_id}/check").status_code == 200
        assert len(made) == 2
        response = submit(teacher_client, draft_id)
    assert response.status_code == 302 and "/submissions/" in response.headers["Location"]
    assert len(made) == 2
    assert _kept(draft_id) == []  # sent: its answers live with the referral, not in the worker


def _kept(draft_id: str) -> list[Any]:
    from fanlight.web.referrals import context

    return [key for key in context.recent.kept if key[0] == draft_id]


def test_a_deleted_drafts_answers_are_not_kept_by_the_worker(app, teacher_client):
    draft_id = start_draft(teacher_client)
    section_page(teacher_client, draft_id, SECTION)
    assert _kept(draft_id) != []
    token = csrf_token(teacher_client, f"/drafts/{draft_id}/delete")
    assert teacher_client.post(f"/drafts/{draft_id}/delete", data={"csrf_token": token}).status_code == 302
    assert _kept(draft_id) == []


def test_a_phone_call_time_still_to_come_is_judged_again_once_it_has_passed(app, teacher_client, clock):
    """The evaluation that refused a time still to come is not used again once the clock passes it."""
    draft_id = start_draft(teacher_client)
    soon = (clock.now() + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    answers = answers_for(compiled_form(app), SECTION, complete_answers(1))  # phoned through first
    assert answers["phoned_front_door"] is True
    response = post_section(teacher_client, draft_id, SECTION, {**answers, "phone_call_datetime": soon})
    assert response.status_code == 422
    page = f"/drafts/{draft_id}/sections/{SECTION}?check=1"
    assert "phone_call_datetime-error" in teacher_client.get(page).get_data(as_text=True)
    clock.advance(6 * 60)
    assert "phone_call_datetime-error" not in teacher_client.get(page).get_data(as_text=True)


@contextmanager
def templates_drawn(app: Flask) -> Iterator[list[str]]:
    from flask import template_rendered

    drawn: list[str] = []

    def record(_app: Any, template: Any, context: Any, **_: Any) -> None:
        drawn.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield drawn
    finally:
        template_rendered.disconnect(record, app)


def test_a_section_shown_again_is_not_drawn_again_until_its_answers_change(app, teacher_client):
    draft_id = start_draft(teacher_client)
    page = f"/drafts/{draft_id}/sections/{SECTION}"
    first = teacher_client.get(page).get_data(as_text=True)
    with templates_drawn(app) as drawn:
        assert teacher_client.get(page).get_data(as_text=True) == first
    assert drawn == ["pages/referrals/section.html"]  # its fields, sections and threshold panel were kept

    with templates_drawn(app) as drawn:
        checked = teacher_client.get(page + "?check=1").get_data(as_text=True)
    assert "partials/section_fields.html" in drawn and "govuk-error-message" in checked

    chosen = re.compile(r'value="complex_needs"[^>]*checked')
    assert not chosen.search(first)
    fill_draft(app, draft_id, {"concern_level": "complex_needs"})
    with templates_drawn(app) as drawn:
        changed = teacher_client.get(page).get_data(as_text=True)
    assert "partials/section_fields.html" in drawn and chosen.search(changed)
