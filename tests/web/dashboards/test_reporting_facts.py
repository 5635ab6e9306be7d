"""The dashboards count referrals with the holding area's own filter (issue 10): the facts they
count are kept in each referral's row, set in the transaction of what they record, and every
dashboard filter is an argument the holding area understands, shows, and keeps."""

from __future__ import annotations

import datetime

from markupsafe import escape

from fanlight.web import clock, db
from fanlight.web.models import Submission
from fanlight.web.triage import information, queue, workflow
from tests.support.factories import complete_answers, submitted_draft
from tests.web.delivery.conftest import EARLY_HELP, decide  # noqa: F401 (a fixture)
from tests.web.triage.conftest import staff  # noqa: F401 (a fixture)
from tests.web.triage.support import acting, child, events, referral_about, row
from tests.web.triage.test_holding_area import client_of


def listed(app, **args) -> tuple[int, list[str]]:
    """What the holding area lists for these arguments, and the dashboards' count of the same filter."""
    with app.test_request_context():
        chosen = queue.QueueFilter.from_args({k: str(v) for k, v in args.items()}, None, queue.choices_for())
        now = clock.now()
        counted = db.session().scalar(chosen.count_query(now))
        ids = list(db.session().scalars(chosen.query(now).with_only_columns(Submission.id)))
    assert counted == len(ids)
    return counted, ids


def test_a_sent_referral_keeps_the_level_its_referrer_chose_and_the_one_fanlight_suggested(app, teacher_client):
    answers = complete_answers()
    referral_id = submitted_draft(app, teacher_client, answers)[1]
    sent = row(app, referral_id)
    assert sent.level_referrer == int(answers["referrer_threshold_level"].removeprefix("level_"))
    assert sent.level_suggested == sent.evaluation["threshold"]["level"]
    matched = sent.evaluation["threshold"]["matched"]
    assert matched and sent.threshold_indicators == f" {' '.join(matched)} "  # between spaces, as categories
    assert (sent.decided_at, sent.outcome, sent.level_applied, sent.information_requested) == (None, None, None, False)


def test_a_decision_keeps_when_what_and_which_level_beside_its_event(app, decide, clock):  # noqa: F811
    referral_id = decide()
    decided = row(app, referral_id)
    assert (decided.outcome, decided.level_applied) == ("early_help", int(EARLY_HELP["level_applied"]))
    assert clock_utc(decided.decided_at) == clock_utc(events(app, referral_id)[-1].at)


def clock_utc(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def test_asking_the_referrer_marks_the_referral_as_one_that_needed_more_information(app, staff, teacher_client):  # noqa: F811
    referral_id = submitted_draft(app, teacher_client)[1]
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
        with app.test_request_context():
            information.ask(referral, user(staff.jo), "Which school does the child attend?")
    assert row(app, referral_id).information_requested is True


def test_a_child_referred_again_within_twelve_months_makes_a_re_referral(app, staff):  # noqa: F811
    mia = child("Mia", "Stone", "2019-03-04", nhs="9434765919")
    long_ago = referral_about(app, staff.teacher, mia, days_ago=600)
    before = referral_about(app, staff.teacher, mia, days_ago=200)  # 400 days after: not within 12 months
    again = referral_about(app, staff.teacher, mia)
    someone_else = referral_about(app, staff.teacher, child("Leo", "Hart", "2018-01-01"))
    assert [row(app, r).re_referral for r in (long_ago, before, again, someone_else)] == [False, False, True, False]
    assert listed(app, re_referral="yes")[1] == [again]


def test_every_dashboard_filter_counts_exactly_what_the_holding_area_lists(app, decide, staff, clock):  # noqa: F811
    early = decide()
    assessed = decide({**EARLY_HELP, "outcome": "cin_s17", "level_applied": "3"})
    clock.advance(seconds=3 * 24 * 3600)
    waiting = submitted_draft(app, client_of(app, staff.teacher))[1]
    today = clock.now().date()
    assert listed(app, outcome="early_help") == (1, [early])
    assert listed(app, applied_level="3") == (1, [assessed])
    assert set(listed(app, decided="yes")[1]) == {early, assessed}
    assert listed(app, decided="no") == (1, [waiting])
    assert set(listed(app, decided="in_time")[1]) == {early, assessed}  # decided at once
    assert listed(app, decided="late")[0] == 0
    assert listed(app, **{"from": today.isoformat(), "to": today.isoformat()}) == (1, [waiting])
    assert listed(app, source="2A")[0] == 3  # all from the school
    assert listed(app, asked="yes")[0] == 0
    # Not one of the choices: ignored, never a 500 (and never a filter that lists nothing).
    assert listed(app, outcome="nonsense", applied_level="7", decided="maybe", **{"from": "2026-13-45"})[0] == 3
    assert listed(app, **{"from": today.isoformat(), "to": (today - datetime.timedelta(days=1)).isoformat()})[0] == 3


def test_the_holding_area_shows_a_dashboards_filters_each_removable_and_keeps_them(app, decide, staff):  # noqa: F811
    decide()
    manager = client_of(app, staff.manager)
    page = manager.get("/front-door/?outcome=early_help&decided=in_time&from=2026-11-01&to=2026-11-30")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Received Sunday 1 November 2026 to Monday 30 November 2026" in html
    assert "Outcome: Early help" in html and "Decision: decided by its due time" in html
    assert '<input type="hidden" name="outcome" value="early_help">' in html  # applying another filter keeps it
    assert 'href="/front-door/?from=2026-11-01&amp;to=2026-11-30&amp;decided=in_time"' in html  # outcome removed


def test_the_holding_area_keeps_the_dashboards_open_and_no_agency_filters_in_its_own_selects(app, decide, staff):  # noqa: F811
    manager = client_of(app, staff.manager)
    html = manager.get("/front-door/?status=open&agency=none").get_data(as_text=True)
    assert '<option value="open" selected>' in html
    assert '<option value="none" selected>' in html


def test_the_holding_area_lists_shows_and_keeps_a_threshold_indicator_filter(app, staff, teacher_client):  # noqa: F811
    referral_id = submitted_draft(app, teacher_client)[1]
    referral_about(app, staff.teacher, child("Leo", "Hart", "2018-01-01"))  # evaluated as nothing: no indicator
    matched = row(app, referral_id).evaluation["threshold"]["matched"][0]
    assert listed(app, indicator=matched) == (1, [referral_id])
    assert listed(app, indicator="not-an-indicator")[0] == 2  # not one of the live thresholds': ignored
    with app.app_context():
        text = dict(queue.choices_for().indicators)[matched]
    html = client_of(app, staff.manager).get(f"/front-door/?indicator={matched}").get_data(as_text=True)
    assert f"Threshold indicator matched: {escape(text)}" in html
    assert f'<input type="hidden" name="indicator" value="{matched}">' in html
