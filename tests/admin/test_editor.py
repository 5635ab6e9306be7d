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
