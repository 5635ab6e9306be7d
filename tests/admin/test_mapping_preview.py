"""A mapping file goes through the workbench like any definition: its change shows in the review's
semantic diff, it is published through the registry, and its preview is a dry run of the payload."""

from __future__ import annotations

import html
import json
import re

from fanlight.web.models import Change
from tests.admin.workbench_helpers import (
    action,
    approved,
    follow_publications,
    live_text,
    service_change,
    state_of,
)
from tests.support.factories import database

MAPPING = "mappings/case-system.yaml"
MAPPING_ID = "case-system-referral"
NO_REASONS = ("    reasons: decision.reasons\n", "")
WITH_AGE = ("      forename: child_forename\n", "      forename: child_forename\n      age: child_age\n")


def edited_mapping(app, *edits: tuple[str, str]) -> str:
    text = live_text(app, MAPPING)
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def diff_rows(page: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", html.unescape(row)).split())
            for row in re.findall(r'<tr class="govuk-table__row fanlight-diff-row">(.*?)</tr>', page, re.S)]


def payloads(page: str) -> list[dict]:
    return [json.loads(html.unescape(text)) for text in re.findall(r'<pre [^>]*id="payload-\d+"[^>]*><code>(.*?)</code></pre>', page, re.S)]


def test_the_bundled_mapping_is_in_the_registry_like_every_definition(app):
    assert "kind: mapping" in live_text(app, MAPPING)


def test_a_changed_mapping_shows_in_the_review_and_publishes_through_the_registry(app, lead, reviewer, reviewer_client):
    change_id = approved(app, lead, reviewer, {MAPPING: edited_mapping(app, NO_REASONS, WITH_AGE)})
    page = reviewer_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    assert diff_rows(page) == [
        f'payload_removed {MAPPING_ID} payload/decision/reasons "decision.reasons" null',
        f'payload_added {MAPPING_ID} payload/children/item/age null "child_age"',
    ]
    assert "Expressions that read a changed field: 0." in page  # a mapping changes no form

    response = action(reviewer_client, change_id, "publish")
    assert response.status_code == 302, response.status_code
    assert state_of(app, change_id) == "published"
    assert "age: child_age" in live_text(app, MAPPING)
    live = follow_publications(app).definitions
    payload = live.compiled_mappings[MAPPING_ID].payload
    decision = dict(payload.keys)["decision"]
    assert [key for key, _ in decision.keys] == ["outcome", "level_applied", "rag", "primary_need_code"]


def test_the_dry_run_shows_the_payload_the_change_would_send_for_each_sample_referral(app, lead, reviewer_client):
    change_id = service_change(app, lead, {MAPPING: edited_mapping(app, WITH_AGE)})
    page = reviewer_client.get(f"/admin/changes/{change_id}/dry-run?path={MAPPING}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-l\">Referral to the children&#39;s social care case system</h1>" in text
    assert "decision.outcome in [&#39;early_help&#39;, &#39;cin_s17&#39;, &#39;strategy_s47&#39;]" in text
    assert "Sample 1: a complete early help referral about neglect can be submitted" in text
    assert "Would be sent" in text
    first = payloads(text)[0]
    assert first["reference"] == "SAMPLE-0001"
    assert first["decision"]["outcome"] == "cin_s17"
    jordan = first["children"][0]
    assert (jordan["forename"], jordan["age"], jordan["date_of_birth"]) == ("Jordan", 9, "2017-03-14")
    assert first["referrer"]["agency"] == "Demo Primary School" and first["referral_source_code"] == "2A"


def test_the_forms_preview_links_to_the_dry_run_of_each_mapping_file_of_the_form(app, lead, reviewer_client):
    change_id = service_change(app, lead, {MAPPING: edited_mapping(app, WITH_AGE)})
    page = reviewer_client.get(f"/admin/changes/{change_id}/preview/cause-for-concern").get_data(as_text=True)
    assert f'href="/admin/changes/{change_id}/dry-run?path=mappings/case-system.yaml"' in page
    for other in ("mappings/no-such-mapping.yaml", "forms/cause-for-concern.yaml", ""):
        assert reviewer_client.get(f"/admin/changes/{change_id}/dry-run?path={other}").status_code == 404, other


def test_a_mapping_with_a_problem_is_not_dry_run_and_says_why(app, lead, reviewer_client):
    broken = edited_mapping(app, ("      forename: child_forename\n", "      forename: child_forname\n"))
    change_id = service_change(app, lead, {MAPPING: broken})
    text = reviewer_client.get(f"/admin/changes/{change_id}/dry-run?path={MAPPING}").get_data(as_text=True)
    assert "cannot be dry-run until its problems are fixed" in text
    assert "EXP002 unknown field &#39;child_forname&#39; (did you mean &#39;child_forename&#39;?)" in text
    assert payloads(text) == []
    with database(app) as s:
        assert s.get(Change, change_id) is not None
