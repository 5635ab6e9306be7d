"""The structured quick edit: small forms that write one question, rule or indicator back into
the YAML, keeping everything else in the file as it was."""

from __future__ import annotations

from tests.admin.workbench_helpers import (
    CFC,
    CONSENT,
    NEW_WORDING,
    OLD_WORDING,
    change_text,
    errors_in,
    live_text,
    quick_edit,
    reword_consent,
    start_change,
)
from tests.support.factories import snapshot

# The structured quick edit -----------------------------------------------------------------------------


def test_the_quick_edit_writes_back_only_the_changed_line_keeping_comments_and_order(app, lead_client):
    change_id = reword_consent(lead_client, app)
    before, after = live_text(app).splitlines(), change_text(app, change_id).splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [(f"        label: {OLD_WORDING}", f"        label: {NEW_WORDING}")]


def test_the_quick_edit_changes_hint_required_and_options_in_place(app, lead_client):
    change_id = start_change(lead_client)
    response = quick_edit(lead_client, app, change_id, "about-this-referral/referrer_threshold_level",
                          hint="", required="no", **{"option-0-label": "Level 1: universal services", "option-3-remove": "yes",
                                                      "new-0-value": "not_sure", "new-0-label": "I'm not sure: ask"})
    assert response.status_code == 302, errors_in(response)
    text = change_text(app, change_id)
    block = text[text.index("      - id: referrer_threshold_level"):text.index("      - id: phoned_front_door")]
    assert block == (
        "      - id: referrer_threshold_level\n"
        "        type: radios\n"
        "        label: Which level of need do you think the child is at?\n"
        "        options:\n"
        "          - {value: 'level_1', label: 'Level 1: universal services'}\n"
        "          - {value: 'level_2', label: 'Level 2 – Additional needs'}\n"
        "          - {value: 'level_3', label: 'Level 3 – Complex needs'}\n"
        "          - {value: 'not_sure', label: 'I''m not sure: ask'}\n")
    assert text.count("\n  # ----") == live_text(app).count("\n  # ----")
    page = lead_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    for kind in ("hint_changed", "required_changed", "option_label_changed", "options_removed", "options_added"):
        assert f'<code class="fanlight-diff-kind">{kind}</code>' in page, kind
    # A comment after the last question of a section stays where it was when that question workflow.
    response = quick_edit(lead_client, app, change_id, "consent-and-informing-the-family/consent_scope",
                          required="yes", hint="")
    assert response.status_code == 302, errors_in(response)
    text = change_text(app, change_id)
    assert ("        show_if: consent.given == true\n        required: true\n        max_length: 2000\n\n"
            "  # -----") in text


def test_the_quick_edit_changes_a_rules_message_and_an_indicators_text_and_level(app, lead_client):
    rules, thresholds = "rules/consent-rules.yaml", "thresholds/levels-of-need.yaml"
    change_id = start_change(lead_client, path=rules)
    response = quick_edit(lead_client, app, change_id, "rules/consent-given-but-family-not-told", path=rules,
                          message="Check both answers: consent was given but the family was not told.")
    assert response.status_code == 302
    assert ('    message: "Check both answers: consent was given but the family was not told."\n'
            in change_text(app, change_id, rules))
    response = quick_edit(lead_client, app, change_id, "indicators/cd2-attendance-slipping", path=thresholds,
                          text="Attendance is slipping.", level="3")
    assert response.status_code == 302, errors_in(response)
    text = change_text(app, change_id, thresholds)
    assert ("  - id: cd2-attendance-slipping\n    level: 3\n    domain: child_development\n"
            "    text: Attendance is slipping.\n") in text
    page = lead_client.get(f"/admin/changes/{change_id}").get_data(as_text=True)
    assert "indicator_level_changed" in page and "message_changed" in page


def test_the_quick_edit_refuses_invalid_answers_with_an_error_summary_and_saves_nothing(app, lead_client):
    change_id = start_change(lead_client)
    before = snapshot(app, ignore_audit=True)
    cases = [
        ({"label": "  "}, "#label", "Enter the question"),
        ({"required": ""}, "#required", "Select whether the question must be answered"),
        ({"new-0-value": "no way", "new-0-label": "No way"}, "#new-0-value", "can only contain letters"),
        ({"new-0-value": "early_help", "new-0-label": "Again"}, "#new-0-value", "already an option"),
        ({"new-1-value": "later"}, "#new-1-label", "Enter a label for the new option"),
        ({"option-0-label": ""}, "#option-0-label", "or remove it"),
        ({}, "#label", "You have not changed anything"),
    ]
    for overrides, anchor, message in cases:
        response = quick_edit(lead_client, app, change_id, "about-this-referral/request_type", **overrides)
        assert response.status_code == 422, overrides
        html = response.get_data(as_text=True)
        assert 'class="govuk-error-summary"' in html and f'href="{anchor}"' in html and message in html, overrides
        assert "<title>Error: " in html
    # Removing an option an expression reads makes the definitions invalid: refused, with the problem.
    response = quick_edit(lead_client, app, change_id, "about-this-referral/request_type", **{"option-0-remove": "yes"})
    assert response.status_code == 422
    assert "This would make the definitions invalid" in response.get_data(as_text=True)
    assert snapshot(app, ignore_audit=True) == before


def test_a_quick_edit_value_that_yaml_1_1_would_read_as_a_boolean_is_quoted(app, lead_client):
    change_id = start_change(lead_client)
    response = quick_edit(lead_client, app, change_id, "about-this-referral/concern_level",
                          **{"new-0-value": "no", "new-0-label": "No"})
    assert response.status_code == 302
    assert "          - {value: 'no', label: 'No'}\n" in change_text(app, change_id)
    response = quick_edit(lead_client, app, change_id, CONSENT, label="yes")
    assert response.status_code == 302
    assert '        label: "yes"\n' in change_text(app, change_id)


def test_the_quick_edit_lists_the_questions_rules_and_indicators_of_a_file(app, lead_client):
    change_id = start_change(lead_client)
    page = lead_client.get(f"/admin/changes/{change_id}/quick-edit?path={CFC}").get_data(as_text=True)
    assert OLD_WORDING in page and "Telling the family and consent" in page
    assert f"node={CONSENT}".replace("/", "%2F") in page or f"node={CONSENT}" in page
    page = lead_client.get(f"/admin/changes/{change_id}/quick-edit?path=rules/consent-rules.yaml").get_data(as_text=True)
    assert "rules/consent-needed-for-early-help" in page
    page = lead_client.get(f"/admin/changes/{change_id}/quick-edit?path=options/not-informed-reasons.yaml").get_data(as_text=True)
    assert "node=options" in page
    assert lead_client.get(f"/admin/changes/{change_id}/quick-edit?path=forms/nothing.yaml").status_code == 404
    assert lead_client.get(f"/admin/changes/{change_id}/quick-edit/item?path={CFC}&node=nowhere/nothing").status_code == 404
