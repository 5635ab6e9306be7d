"""What a reviewer sees on the change page: the semantic diff, the expressions it affects and the
drafts in progress on the old version."""

from __future__ import annotations

import re

from fanlight.admin import workflow
from fanlight.web.models import Change, Draft
from tests.admin.workbench_helpers import (
    CFC,
    CONSENT,
    NEW_WORDING,
    action,
    approved,
    in_service,
    live_text,
    person,
    published,
    quick_edit,
    reword_consent,
    reworded,
    start_change,
)
from tests.support.factories import database, start_draft

# Review: the semantic diff and impact -------------------------------------------------------------------


def test_the_change_page_shows_label_changed_no_expression_affected_and_the_drafts_on_the_old_version(
        app, lead_client, reviewer_client, teacher_client):
    for _ in range(2):
        start_draft(teacher_client)
    submitted = start_draft(teacher_client)
    with database(app) as s:
        s.get(Draft, submitted).status = "submitted"  # a sent referral is not a draft in progress
        s.commit()
    change_id = reword_consent(lead_client, app)
    action(lead_client, change_id, "submit")
    page = reviewer_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    rows = re.findall(r'<tr class="govuk-table__row fanlight-diff-row">(.*?)</tr>', page, re.S)
    assert len(rows) == 1, rows
    assert '<code class="fanlight-diff-kind">label_changed</code>' in rows[0]
    assert f'<code class="fanlight-diff-path">{CONSENT}</code>' in rows[0]
    assert "Have you asked the family for consent to this referral?" in rows[0]
    assert "Expressions that read a changed field: 0." in page
    drafts = re.search(r'<p class="govuk-body" id="impact-drafts">(.*?)</p>', page, re.S)
    assert drafts, page
    assert " ".join(drafts.group(1).split()).startswith(
        "Drafts in progress on the forms changed: 2 on cause-for-concern version 1."), drafts.group(1)


def test_impact_lists_the_expressions_that_read_a_field_whose_values_change(app, lead, lead_client, reviewer_client):
    change_id = start_change(lead_client)
    response = quick_edit(lead_client, app, change_id, "consent-and-informing-the-family/parents_informed",
                          required="no")
    assert response.status_code == 302
    page = reviewer_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    assert "required_changed" in page
    found = re.search(r"Expressions that read a changed field: (\d+)\.", page)
    assert found and int(found.group(1)) >= 3  # show_if of two questions and the consent rules read it
    assert "parents_informed == false" in page


def test_a_published_change_keeps_showing_what_it_published_after_later_publications(
        app, lead, reviewer, reviewer_client):
    first = approved(app, lead, reviewer, {CFC: reworded(app)})
    in_service(app, lambda s: workflow.publish(s, s.get(Change, first), person(s, reviewer)))
    rules = "rules/consent-rules.yaml"
    published(app, lead, reviewer, {rules: live_text(app, rules) + "\n# a later change\n"})
    in_service(app, lambda s: workflow.rollback(s, person(s, reviewer), 1, "Calls doubled."))
    page = reviewer_client.get(f"/admin/changes/{first}").get_data(as_text=True)
    rows = re.findall(r'<tr class="govuk-table__row fanlight-diff-row">(.*?)</tr>', page, re.S)
    assert len(rows) == 1 and "label_changed" in rows[0] and NEW_WORDING in rows[0]
    assert "Since this change began" not in page  # a published change is never stale
