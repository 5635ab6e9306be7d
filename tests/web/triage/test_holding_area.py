"""The holding area (issue 9, item 1): every referral the front door received, filtered, sorted,
searched and paged, all in the query string, with JavaScript off (plain GET forms and links)."""

from __future__ import annotations

import datetime
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fanlight.web.models import Draft, Submission, User
from fanlight.web.triage import workflow
from tests.support.factories import User as Person
from tests.support.factories import database, signed_in_client
from tests.web.triage.support import Staff, acting, row

LINKS = re.compile(r'href="(/front-door/referrals/FL-[^"]+)"')


def client_of(app: Flask, user_id: int) -> FlaskClient:
    """A client signed in as one of `Staff`, through the sign-in page."""
    with database(app) as s:
        found = s.get(User, user_id)
        assert found is not None
        person = Person(found.id, found.email, found.role, found.agency, found.name)
    return signed_in_client(app, person)


@pytest.fixture
def jo(app: Flask, staff: Staff) -> FlaskClient:
    return client_of(app, staff.jo)


def listed(client: FlaskClient, query: str = "") -> list[str]:
    """The references the holding area lists, in order."""
    response = client.get(f"/front-door/{query}")
    assert response.status_code == 200, response.status_code
    return re.findall(r'href="/front-door/referrals/(FL-[^"]+)"', response.get_data(as_text=True))


def copies(app: Flask, referral_id: str, n: int, **changes: object) -> list[str]:
    """n more referrals like this one (written straight to the database), each its own draft and reference."""
    references = []
    with database(app) as s:
        original = s.get(Submission, referral_id)
        assert original is not None
        for i in range(n):
            draft = Draft(id=secrets.token_hex(16), owner_id=original.owner_id, form_id=original.form_id,
                          form_version=original.form_version, form_hash=original.form_hash,
                          publication_id=original.publication_id, answers={}, visited=[], status="submitted")
            s.add(draft)
            s.flush()
            reference = f"FL-COPY-{i:04d}"[:20]
            fields = {c: getattr(original, c) for c in ("owner_id", "agency", "agency_id", "cin_referral_source",
                                                        "form_id", "form_version", "form_hash", "publication_id",
                                                        "answers", "evaluation", "status", "received_at",
                                                        "submitted_at", "due_at")}
            fields.update(changes)
            s.add(Submission(id=secrets.token_hex(16), reference=reference, draft_id=draft.id, **fields))
            references.append(reference)
        s.commit()
    return references


def test_an_officer_lands_on_the_holding_area(app, staff, jo):
    response = jo.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/front-door/"
    page = jo.get("/front-door/").get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-l\">Holding area</h1>" in page
    assert 'href="/front-door/"' in page  # the header's link


def test_a_manager_lands_there_too_and_a_professional_is_refused(app, staff, teacher_client, user_factory):
    manager = signed_in_client(app, user_factory("manager"))
    assert manager.get("/").headers["Location"] == "/front-door/"
    assert teacher_client.get("/").headers["Location"] == "/your-forms"
    assert teacher_client.get("/front-door/").status_code == 403
    assert 'href="/front-door/"' not in teacher_client.get("/your-forms").get_data(as_text=True)


def test_a_teachers_sent_referral_is_listed_with_what_the_front_door_needs(app, staff, jo, referral_id):
    referral = row(app, referral_id)
    page = jo.get("/front-door/").get_data(as_text=True)
    assert referral.reference in page
    assert "Jordan Morgan" in page and "Mia Morgan" in page  # the children, by name
    assert "years old" in page
    assert "Demo Primary School" in page
    assert "Neglect" in page  # its category, by its label
    assert "Complex needs" in page  # the referrer's own view
    assert "Received" in page and "Nobody" in page and "Not rated" in page
    assert re.search(r"Due (today, )?in \d+ (hour|minute|day)", page)


def test_the_clock_says_when_a_referral_is_overdue(app, staff, jo, referral_id, clock):
    with database(app) as s:  # received three days ago (moving the clock would end the session)
        referral = s.get(Submission, referral_id)
        assert referral is not None
        referral.due_at = clock.now() - datetime.timedelta(days=2, minutes=5)
        s.commit()
    page = jo.get("/front-door/").get_data(as_text=True)
    assert re.search(r"Overdue by \d+ days?", page)
    assert row(app, referral_id).reference in listed(jo, "?due=overdue")
    assert listed(jo, "?due=today") == []


def test_newest_first_and_the_other_sorts(app, staff, jo, referral_id):
    received = row(app, referral_id).received_at
    older = copies(app, referral_id, 1, received_at=received - datetime.timedelta(hours=2),
                   due_at=received + datetime.timedelta(hours=1))[0]
    newest = row(app, referral_id).reference
    with acting(app, referral_id) as (referral, user):
        workflow.set_rag(referral, "green", "Seen before", user(staff.jo))
    assert listed(jo) == [newest, older]
    assert listed(jo, "?sort=due") == [older, newest]
    assert listed(jo, "?sort=rag") == [newest, older]  # rated green before one not rated
    assert listed(jo, "?sort=nonsense") == [newest, older]  # unknown: the default, never a 500


def test_each_filter_narrows_and_stays_in_the_query_string(app, staff, jo, referral_id):
    mine = row(app, referral_id).reference
    other = copies(app, referral_id, 1, agency_id=None, agency="", answers={**row(app, referral_id).answers,
                                                                          "categories": ["physical_abuse"]})[0]
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
    with acting(app, referral_id) as (referral, user):
        workflow.set_rag(referral, "red", "A baby at home", user(staff.jo))

    assert listed(jo, "?status=in_triage") == [mine]
    assert listed(jo, "?status=received") == [other]
    assert listed(jo, "?rag=red") == [mine]
    assert listed(jo, "?rag=none") == [other]
    assert listed(jo, "?category=neglect") == [mine]
    assert listed(jo, "?category=physical_abuse") == [other]
    assert listed(jo, "?agency=demo-primary-school") == [mine]
    assert listed(jo, "?owner=mine") == [mine]
    assert listed(jo, "?owner=unassigned") == [other]
    assert listed(jo, f"?owner={staff.jo}") == [mine]
    assert listed(jo, f"?owner={staff.kim}") == []
    for junk in ("?status=lost", "?rag=purple", "?category=%25", "?owner=999999", "?owner=x", "?due=yesterday",
                 "?page=-1", "?page=99999999999", "?agency=nowhere"):
        assert sorted(listed(jo, junk)) == sorted([mine, other]), junk  # ignored, never a 500

    page = jo.get("/front-door/?status=in_triage&rag=red&sort=due").get_data(as_text=True)
    assert '<option value="in_triage" selected>' in page and '<option value="red" selected>' in page
    assert '<option value="due" selected>' in page  # the form shows what was chosen: a reload keeps it


def test_search_by_reference_or_a_childs_name(app, staff, jo, referral_id):
    mine = row(app, referral_id).reference
    other = copies(app, referral_id, 1, answers={**row(app, referral_id).answers,
                                                 "children": [{"child_forename": "Ella", "child_surname": "Bright"}]})[0]
    assert listed(jo, f"?q={mine}") == [mine]
    assert listed(jo, f"?q={mine[:7].lower()}") == [mine]  # its beginning, any case
    assert listed(jo, "?q=jordan") == [mine]
    assert listed(jo, "?q=Ella+BRIGHT") == [other]  # every word, any case
    assert listed(jo, "?q=nobody-called-this") == []
    assert listed(jo, "?q=%25") == []  # a wildcard is a character like any other


def test_paging_keeps_the_filters_in_its_links(app, staff, jo, referral_id):
    copies(app, referral_id, 30)
    first = jo.get("/front-door/?category=neglect&sort=due").get_data(as_text=True)
    assert len(LINKS.findall(first)) == 25
    assert "Showing 1 to 25 of 31 referrals" in first
    nxt = re.search(r'href="([^"]+)" rel="next"', first)
    assert nxt is not None
    query = parse_qs(urlsplit(nxt.group(1).replace("&amp;", "&")).query)
    assert query == {"category": ["neglect"], "sort": ["due"], "page": ["2"]}
    second = jo.get(nxt.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(LINKS.findall(second)) == 6 and "Showing 26 to 31 of 31 referrals" in second
    assert 'rel="prev"' in second


def test_the_answers_of_an_older_form_do_not_break_it(app, staff, jo, referral_id):
    odd = copies(app, referral_id, 1, answers={"children": "not a list", "categories": None}, evaluation={})[0]
    page = jo.get("/front-door/").get_data(as_text=True)
    assert odd in page and "Not given" in page


def test_due_today_lists_what_is_due_before_the_day_ends(app, staff, jo, referral_id, clock):
    with database(app) as s:
        referral = s.get(Submission, referral_id)
        assert referral is not None
        referral.due_at = clock.now() + datetime.timedelta(hours=2)
        s.commit()
    reference = row(app, referral_id).reference
    assert listed(jo, "?due=today") == [reference]
    assert listed(jo, "?due=overdue") == []
    assert "Due today, in 2 hours" in jo.get("/front-door/").get_data(as_text=True)
