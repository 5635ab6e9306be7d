"""What a reviewer sees on the change page: the semantic diff, the rules, indicators and conditions
reading a changed question, the drafts in progress on each version, and the preview at the change."""

from __future__ import annotations

import html
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
    service_change,
    start_change,
)
from tests.support.factories import database, start_draft

# Review: the semantic diff and impact -------------------------------------------------------------------


SECTION = "consent-and-informing-the-family"
# A page added before the declaration: one new question, optional.
NEW_SECTION = ("  - id: declaration\n", "  - id: anything-else\n    title: Anything else\n    fields:\n"
               "      - {id: anything_else, type: textarea, label: Is there anything else we should know?}\n"
               "  - id: declaration\n")


def diff_rows(page: str) -> list[str]:
    return re.findall(r'<tr class="govuk-table__row fanlight-diff-row">(.*?)</tr>', page, re.S)


def reference_rows(page: str) -> list[tuple[str, str, str]]:
    """(what, path, expression) of each rule, indicator and condition listed as reading a changed question."""
    rows = re.findall(r'<tr class="govuk-table__row fanlight-reference-row">(.*?)</tr>', page, re.S)
    return [(re.search(r'fanlight-reference-kind">(\w+)<', r).group(1),  # type: ignore[union-attr]
             re.search(r'fanlight-reference-path">(.*?)<', r).group(1),  # type: ignore[union-attr]
             html.unescape(re.findall(r"<code>(.*?)</code>", r)[-1])) for r in rows]


def text_of(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|ul)>', page, re.S)
    assert found, element_id
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()).replace(" ;", ";").replace(" .", ".")


def with_edit(app, *edits: tuple[str, str]) -> str:
    text = live_text(app)
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def test_a_rewording_shows_label_changed_the_rules_and_conditions_reading_the_question_and_the_drafts(
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
    rows = diff_rows(page)
    assert len(rows) == 1, rows
    assert '<code class="fanlight-diff-kind">label_changed</code>' in rows[0]
    assert f'<code class="fanlight-diff-path">{CONSENT}</code>' in rows[0]
    assert "Have you asked the family for consent to this referral?" in rows[0]
    # The words changed, not the values: the reviewer still sees what reads the question, to check it fits.
    references = reference_rows(page)
    assert f"Expressions that read a changed field: {len(references)}." in page
    assert ("Condition", f"{SECTION}/consent_scope/show_if", "consent.given == true") in references
    assert ("Rule", "rules/consent-given-but-family-not-told/when",
            "consent.given == true and parents_informed == false") in references
    assert {what for what, _, _ in references} == {"Condition", "Rule"}
    assert text_of(page, "impact-drafts").startswith("Drafts in progress on the forms changed: 2.")
    assert text_of(page, "drafts-cause-for-concern") == (
        "cause-for-concern: 2 on the live version (version 1); none on older versions.")


def test_rewording_a_question_an_indicator_reads_lists_the_indicator(app, lead, reviewer_client):
    label = "label: What is the concern about?\n"
    change_id = service_change(app, lead, {CFC: with_edit(app, (label, "label: What are you worried about?\n"))})
    page = reviewer_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    kinds = {what for what, _, _ in reference_rows(page)}
    assert {"Indicator", "Condition"} <= kinds, kinds
    assert any(what == "Indicator" and "categories" in text for what, _, text in reference_rows(page))


def test_drafts_are_counted_on_the_live_version_apart_from_each_older_one(
        app, lead, reviewer, lead_client, reviewer_client, teacher_client):
    for _ in range(2):
        start_draft(teacher_client)
    published(app, lead, reviewer, {CFC: reworded(app)})
    start_draft(teacher_client)  # on the version just published
    change_id = reword_consent(lead_client, app, "Does the family agree to this referral?")
    page = reviewer_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    assert text_of(page, "impact-drafts").startswith("Drafts in progress on the forms changed: 3.")
    assert text_of(page, "drafts-cause-for-concern") == (
        "cause-for-concern: 1 on the live version (version 2); on older versions: 2 on version 1.")


def test_the_preview_opens_at_the_first_page_with_a_changed_question_marked_as_changed(
        app, lead_client, reviewer_client):
    change_id = reword_consent(lead_client, app)
    page = reviewer_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    link = f"/admin/changes/{change_id}/preview/cause-for-concern#page-{SECTION}"
    assert f'href="{link}"' in page
    preview = reviewer_client.get(link.split("#", maxsplit=1)[0]).get_data(as_text=True)
    assert f'<h2 class="govuk-heading-m" id="page-{SECTION}">' in preview
    tags = re.findall(r'<strong class="govuk-tag govuk-tag--yellow">Changed'
                      r'<span class="govuk-visually-hidden"> in this change: (.*?)</span></strong>', preview)
    assert tags == [html.escape(NEW_WORDING, quote=True)], tags
    marked = preview[preview.index('id="changed-consent"'):]
    assert preview.index(f'id="page-{SECTION}"') < preview.index('id="changed-consent"')
    assert html.escape(NEW_WORDING, quote=True) in marked[:3000]


def test_a_change_without_form_questions_previews_from_the_top(app, lead, reviewer_client):
    rules = "rules/consent-rules.yaml"
    change_id = service_change(app, lead, {rules: live_text(app, rules) + "\n# a comment\n"})
    page = reviewer_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    assert f'href="/admin/changes/{change_id}/preview/cause-for-concern"' in page
    assert "Changed<span" not in reviewer_client.get(f"/admin/changes/{change_id}/preview/cause-for-concern").get_data(
        as_text=True)


def test_adding_a_section_is_section_added_alone_and_the_preview_opens_at_it(app, lead, reviewer_client):
    change_id = service_change(app, lead, {CFC: with_edit(app, NEW_SECTION)})
    page = reviewer_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    rows = diff_rows(page)
    assert len(rows) == 1 and '<code class="fanlight-diff-kind">section_added</code>' in rows[0], rows
    assert f'href="/admin/changes/{change_id}/preview/cause-for-concern#page-anything-else"' in page
    preview = reviewer_client.get(f"/admin/changes/{change_id}/preview/cause-for-concern").get_data(as_text=True)
    assert 'id="changed-anything_else"' in preview


def test_a_change_with_a_broken_reference_still_shows_its_diff_beside_its_problems(app, lead, reviewer_client):
    broken = with_edit(app, ("show_if: consent.given == true\n", "show_if: consent.givn == true\n"))
    change_id = service_change(app, lead, {CFC: broken})
    page = reviewer_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    assert "EXP002" in page
    rows = diff_rows(page)
    assert len(rows) == 1 and "condition_changed" in rows[0] and "consent.givn == true" in html.unescape(rows[0])
    assert text_of(page, "diff-with-problems").startswith("Shown beside the 1 problem above")


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


def test_a_changed_question_the_sample_answers_hide_is_still_shown_marked_and_says_so(app, lead, reviewer_client):
    label = "label: Why have you not told them?\n"
    change_id = service_change(app, lead, {CFC: with_edit(app, (label, "label: Why has the family not been told?\n"))})
    preview = reviewer_client.get(f"/admin/changes/{change_id}/preview/cause-for-concern").get_data(as_text=True)
    marked = preview[preview.index('id="changed-not_informed_reason"'):]
    assert "Hidden with these sample answers." in marked[:1000]
    assert "Why has the family not been told?" in marked[:3000]
