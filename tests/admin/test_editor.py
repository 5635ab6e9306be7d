"""The YAML editor: problems shown with their line numbers as the author types."""

from __future__ import annotations

from fanlight.web.models import ChangeItem
from tests.admin.workbench_helpers import CFC, change_text, live_text, start_change, token
from tests.support.factories import count


def test_the_yaml_editor_shows_problems_with_line_numbers_as_you_type(app, lead_client):
    change_id = start_change(lead_client)
    url = f"/admin/changes/{change_id}/edit?path={CFC}"
    page = lead_client.get(url).get_data(as_text=True)
    assert f'hx-post="/admin/changes/{change_id}/validate"' in page and 'hx-trigger="input' in page
    text = live_text(app)
    broken = text.replace("show_if: consent.given == true", "show_if: consent.givn == true", 1)
    line = broken.splitlines().index("        show_if: consent.givn == true") + 1
    fragment = lead_client.post(f"/admin/changes/{change_id}/validate", data={"path": CFC, "text": broken},
                                headers={"X-CSRFToken": token(lead_client, url), "HX-Request": "true"})
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and f"Line {line}, column" in html and f'data-line="{line}"' in html
    clean = lead_client.post(f"/admin/changes/{change_id}/validate", data={"path": CFC, "text": text},
                             headers={"X-CSRFToken": token(lead_client, url), "HX-Request": "true"})
    assert "No problems" in clean.get_data(as_text=True)
    assert count(app, ChangeItem) == 0  # validating saves nothing
    saved = lead_client.post(f"/admin/changes/{change_id}/edit",
                             data={"csrf_token": token(lead_client, url), "path": CFC, "text": broken})
    assert saved.status_code == 302
    after = lead_client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "1 problem</" in after and f"Line {line}, column" in after  # kept, with its problem shown
    assert change_text(app, change_id) == broken


def test_problems_found_while_typing_leave_the_focus_in_the_editor_and_are_said_politely(app, lead_client):
    change_id = start_change(lead_client)
    url = f"/admin/changes/{change_id}/edit?path={CFC}"
    page = lead_client.get(url).get_data(as_text=True)
    assert '<p id="problems-status" class="govuk-visually-hidden" role="status"></p>' in page
    assert 'id="problems" aria-live' not in page  # the whole summary is not read out at every pause
    broken = live_text(app).replace("show_if: consent.given == true", "show_if: consent.givn == true", 1)
    headers = {"X-CSRFToken": token(lead_client, url), "HX-Request": "true"}
    typing = lead_client.post(f"/admin/changes/{change_id}/validate", data={"path": CFC, "text": broken},
                              headers=headers).get_data(as_text=True)
    # GOV.UK's error summary takes the focus when it starts unless told not to; and an alert would interrupt.
    assert 'data-module="govuk-error-summary" data-disable-auto-focus="true"' in typing
    assert 'role="alert"' not in typing and 'data-fanlight-status="1 problem in the YAML"' in typing
    clean = lead_client.post(f"/admin/changes/{change_id}/validate", data={"path": CFC, "text": live_text(app)},
                             headers=headers).get_data(as_text=True)
    assert 'data-fanlight-status="No problems in the YAML"' in clean
    # Saved without JavaScript, the page comes back whole: its summary is an alert that takes the focus.
    lead_client.post(f"/admin/changes/{change_id}/edit", data={"csrf_token": headers["X-CSRFToken"], "path": CFC, "text": broken})
    saved = lead_client.get(url).get_data(as_text=True)
    summary = saved[saved.index('<div class="govuk-error-summary"'):]
    assert summary.startswith('<div class="govuk-error-summary" data-module="govuk-error-summary">\n  <div role="alert">')
    assert "data-disable-auto-focus" not in saved and "data-fanlight-status" not in saved
