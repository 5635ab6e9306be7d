"""Family context (issue 9, item 5): the other referrals Fanlight holds about the same child or
household, each with the reasons it matched, found through stored match keys, never by guessing."""

from __future__ import annotations

import datetime
import hashlib

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from fanlight.web import migrate
from fanlight.web.models import ReferralMatchKey, ReferralStatus
from fanlight.web.triage import family
from tests.support.factories import complete_answers, count, submitted_draft
from tests.support.web import insert_row
from tests.web.referrals.test_retention import DAY, SEVEN_YEARS, run
from tests.web.triage.support import child, family_of, referral_about
from tests.web.triage.test_migration import _table_of

LEO = child("Leo", "Smith", "2018-05-03", nhs="943 476 5919", postcode="AB1 2CD")


def reasons(found: list[family.Match]) -> dict[str, list[str]]:
    return {m.id: m.reasons for m in found}


# Stories -------------------------------------------------------------------------------------------


def test_two_referrals_sent_about_the_same_children_find_each_other_with_every_reason(
        app, staff, teacher_client):
    """Through the pages: sending a referral stores its keys, in the same transaction."""
    _, first = submitted_draft(app, teacher_client)
    _, second = submitted_draft(app, teacher_client)  # Jordan (with his NHS number) and Mia Morgan again

    (match,) = family_of(app, second)
    assert (match.id, match.status, match.form_id) == (first, "received", "cause-for-concern")
    assert match.reasons == [
        "same NHS number",
        "same name and date of birth: Jordan Morgan, 14 March 2017",
        "same name and date of birth: Mia Morgan, 2 September 2023",
        "same surname and postcode: Morgan, WR1 2AB",
    ]
    assert [m.id for m in family_of(app, first)] == [second]


def test_the_same_nhs_number_matches_however_it_is_spaced(app, staff):
    earlier = referral_about(app, staff.teacher, child("Leonard", "Smyth", "2018-05-04", nhs="9434765919"),
                             days_ago=3)
    now = referral_about(app, staff.teacher, LEO)
    assert reasons(family_of(app, now)) == {earlier: ["same NHS number"]}


def test_the_same_name_and_date_of_birth_matches_ignoring_case_and_spaces(app, staff):
    earlier = referral_about(app, staff.teacher, child("  LEO ", "smith", "2018-05-03"), days_ago=1)
    now = referral_about(app, staff.teacher, child("Leo", "Smith", "2018-05-03", postcode="ZZ9 9ZZ"))
    assert reasons(family_of(app, now)) == {earlier: ["same name and date of birth: Leo Smith, 3 May 2018"]}


def test_the_same_surname_and_postcode_matches_whatever_the_postcodes_spacing(app, staff):
    earlier = referral_about(app, staff.teacher, child("Ava", "Smith", "2015-01-09", postcode="ab12cd"), days_ago=1)
    now = referral_about(app, staff.teacher, child("Leo", "Smith", "2018-05-03", postcode="AB1 2CD"))
    assert reasons(family_of(app, now)) == {earlier: ["same surname and postcode: Smith, AB1 2CD"]}


def test_a_sibling_in_another_referral_shows_and_a_referral_about_two_children_matches_on_either(app, staff):
    sister = referral_about(app, staff.teacher, child("Ava", "Smith", "2015-01-09", postcode="AB1 2CD"), days_ago=2)
    both = referral_about(app, staff.teacher, child("Zara", "Jones", "2016-02-02", nhs="4010232137"),
                          child("Ava", "Smith", "2015-01-09", postcode="AB1 2CD"), days_ago=1)
    now = referral_about(app, staff.teacher, LEO)
    assert reasons(family_of(app, now)) == {
        both: ["same surname and postcode: Smith, AB1 2CD"],
        sister: ["same surname and postcode: Smith, AB1 2CD"],
    }
    assert [m.id for m in family_of(app, now)] == [both, sister]  # newest first


def test_a_different_child_with_the_same_forename_only_does_not_match(app, staff):
    referral_about(app, staff.teacher, child("Leo", "Brown", "2018-05-03", nhs="4010232137", postcode="AB1 2CD"))
    referral_about(app, staff.teacher, child("Leo", "Smith", "2019-05-03", postcode="XY1 1XY"))  # surname too
    referral_about(app, staff.teacher, child("Leo", "Smithe", "2018-05-03", postcode="AB1 2CE"))  # no fuzziness
    now = referral_about(app, staff.teacher, LEO)
    assert family_of(app, now) == []


def test_referrals_in_every_state_are_included_newest_first_and_never_the_referral_itself(app, staff):
    states = [ReferralStatus.WITHDRAWN, ReferralStatus.DECIDED, ReferralStatus.IN_TRIAGE]
    ids = [referral_about(app, staff.teacher, LEO, status=state, days_ago=10 - i) for i, state in enumerate(states)]
    now = referral_about(app, staff.teacher, LEO)

    found = family_of(app, now)
    assert [(m.id, m.status) for m in found] == list(reversed(list(zip(ids, states, strict=True))))
    assert all(m.reasons == ["same NHS number", "same name and date of birth: Leo Smith, 3 May 2018",
                             "same surname and postcode: Smith, AB1 2CD"] for m in found)
    assert now not in [m.id for m in found]


def test_a_referral_without_children_has_no_family_context(app, staff):
    referral_about(app, staff.teacher, LEO)
    now = referral_about(app, staff.teacher)
    assert family_of(app, now) == []


# The keys ------------------------------------------------------------------------------------------


def test_the_stored_keys_hold_no_readable_personal_data(app, staff):
    referral_about(app, staff.teacher, LEO)
    with app.app_context():
        from fanlight.web import db

        rows = db.session().execute(select(ReferralMatchKey.kind, ReferralMatchKey.key)).all()
    assert sorted(kind for kind, _ in rows) == ["name_dob", "nhs", "surname_postcode"]
    stored = " ".join(key for _, key in rows).lower()
    for value in ("leo", "smith", "2018", "9434765919", "ab1"):
        assert value not in stored
    assert ("nhs", hashlib.sha256(b"nhs\x009434765919").hexdigest()) in rows


def test_the_retention_job_deletes_a_referrals_keys_with_it(app, clock, teacher, teacher_client):
    _, submission_id = submitted_draft(app, teacher_client)
    assert count(app, ReferralMatchKey, ReferralMatchKey.submission_id == submission_id) == 4
    clock.advance(SEVEN_YEARS * DAY + 60)

    assert run(app).deleted_submissions == 1
    assert count(app, ReferralMatchKey) == 0


# The migration -------------------------------------------------------------------------------------

SENT = datetime.datetime(2026, 11, 20, 14, 30, tzinfo=datetime.UTC)


def test_upgrading_stores_the_keys_of_every_referral_already_sent(empty_url):  # noqa: F811 (the fixture)
    migrate.upgrade(empty_url, "0007")
    engine = create_engine(empty_url, poolclass=NullPool)
    try:
        insert_row(engine, "users", id=1, email="u1@x.example", name="Sam Teacher", role="professional", agency="",
                agency_id="", password_hash="x", active=True, session_nonce="", created_at=SENT)
        answers = [complete_answers(), {"children": [LEO]}, {"children": [child("Ava", "Smith", postcode="AB12CD")]},
                   {}]
        for n, given in enumerate(answers, start=1):
            draft = f"{n:032d}"
            insert_row(engine, "drafts", id=draft, owner_id=1, form_id="cause-for-concern", form_version=1,
                    form_hash="c" * 64, answers={}, visited=[], revision=2, status="submitted", created_at=SENT,
                    updated_at=SENT)
            insert_row(engine, "submissions", id=f"{n + 10:032d}", reference=f"FL-TEST-000{n}", draft_id=draft,
                    owner_id=1, agency="", form_id="cause-for-concern", form_version=1, form_hash="c" * 64,
                    answers=given, evaluation={}, status="received", submitted_at=SENT, received_at=SENT)
        migrate.upgrade(empty_url)

        with Session(engine) as s:
            stored = {(k.submission_id, k.kind, k.key) for k in s.scalars(select(ReferralMatchKey))}
            expected = {(f"{n + 10:032d}", k.kind, k.key)
                        for n, given in enumerate(answers, start=1) for k in family.keys_of(given)}
            assert stored == expected
            assert len([k for k in stored if k[0] == f"{11:032d}"]) == 4  # Jordan and Mia Morgan
            assert {k for k in stored if k[0] == f"{13:032d}"} == {
                (f"{13:032d}", "surname_postcode", family.keys_of({"children": [LEO]})[-1].key)}  # Leo's household

        migrate.downgrade(empty_url, "0007")
        migrate.upgrade(empty_url)
        with Session(engine) as s:
            assert len(s.scalars(select(ReferralMatchKey)).all()) == len(expected)
    finally:
        engine.dispose()


def test_the_migrated_match_keys_table_is_what_the_model_declares(empty_url):  # noqa: F811 (the fixture)
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from fanlight.web.db import Base

    migrate.upgrade(empty_url)
    engine = create_engine(empty_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert [d for d in differences if _table_of(d) == "referral_match_keys"] == []


# What counts as the same: explainable, nothing guessed ------------------------------------------


def test_values_are_compared_trimmed_case_and_spacing_ignored_and_nothing_else():
    assert family.name("  Mary   JANE ") == family.name("mary jane") == "mary jane"
    assert family.name("Zoë") != family.name("Zoe")  # no accents folded: what is shown is what matched
    assert family.name("Jon") != family.name("John")  # no spelling distance
    assert family.postcode_of(" ab1  2cd ") == "AB12CD"
    assert family.nhs_number("943-476 5919") == "9434765919"
    assert family.date_of_birth("2018-05-03") == datetime.date(2018, 5, 3)
    assert family.date_of_birth({"day": "3", "month": "5", "year": "2018"}) is None  # typed wrongly: no date
    assert family.keys_of({"children": [child("Unborn", "Smith")]}) == []  # no date of birth, no postcode
