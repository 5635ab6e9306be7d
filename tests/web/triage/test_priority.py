"""Priority (issue 9, item 4): an officer's RAG rating, with a reason, over the suggestions; every change kept."""

from __future__ import annotations

import pytest

from fanlight.web.models import Rag
from fanlight.web.triage import workflow
from tests.support.factories import snapshot
from tests.web.triage.support import acting, events, row


def test_an_officer_rates_it_red_with_a_reason_and_every_change_is_kept(app, referral_id, staff):
    suggested = row(app, referral_id).evaluation.get("derived", {}).get("suggested_priority")
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
        workflow.set_rag(referral, Rag.AMBER, "Complex needs, no immediate danger", user(staff.jo))
    with acting(app, referral_id) as (referral, user):
        workflow.set_rag(referral, "red", "School says the child has not been seen for three days", user(staff.kim))

    referral = row(app, referral_id)
    assert referral.rag == Rag.RED
    assert referral.evaluation.get("derived", {}).get("suggested_priority") == suggested  # the suggestion stays
    ratings = [e for e in events(app, referral_id) if e.kind == "rag_set"]
    assert [(e.actor_id, e.detail, e.reason) for e in ratings] == [
        (staff.jo, {"rag": "amber", "previous_rag": None}, "Complex needs, no immediate danger"),
        (staff.kim, {"rag": "red", "previous_rag": "amber"}, "School says the child has not been seen for three days"),
    ]


def test_a_rating_needs_a_reason_and_one_of_red_amber_or_green(app, referral_id, staff):
    before = snapshot(app)
    with acting(app, referral_id) as (referral, user):
        with pytest.raises(workflow.ReasonRequired):
            workflow.set_rag(referral, Rag.RED, "   ", user(staff.jo))
        with pytest.raises(ValueError, match="purple"):
            workflow.set_rag(referral, "purple", "A reason", user(staff.jo))
    assert snapshot(app) == before


def test_a_rating_made_on_an_out_of_date_page_is_refused_naming_who_rated_it_since(app, referral_id, staff):
    with acting(app, referral_id) as (seen_by_kim, user):
        kim = user(staff.kim)
        with acting(app, referral_id) as (referral, other):
            workflow.set_rag(referral, Rag.RED, "Disclosure of harm", other(staff.jo))
        with pytest.raises(workflow.Taken) as taken:
            workflow.set_rag(seen_by_kim, Rag.GREEN, "Universal services can help", kim)
    assert taken.value.message.startswith("Jo Officer rated this red at ")
    assert row(app, referral_id).rag == Rag.RED


def test_a_decided_referral_is_not_rated_again(app, referral_id, staff):
    with acting(app, referral_id) as (referral, user):
        workflow.claim(referral, user(staff.jo))
        workflow.decide(referral, user(staff.jo), "Early help")
    before = snapshot(app)
    with acting(app, referral_id) as (referral, user), pytest.raises(workflow.IllegalMove):
        workflow.set_rag(referral, Rag.RED, "Too late", user(staff.manager))
    assert snapshot(app) == before
