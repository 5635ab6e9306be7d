"""Finding what to change by what it says: a search of the live definitions that lands on the quick edit."""

from __future__ import annotations

import re
from urllib.parse import quote

from fanlight.admin.search import MAX_QUERY, index_of, marked, words_of
from fanlight.web import db
from fanlight.web.models import Change
from tests.admin.workbench_helpers import (
    CFC,
    CONSENT,
    NEW_WORDING,
    OLD_WORDING,
    change_text,
    errors_in,
    post,
    published,
    quick_edit,
    reworded,
    start_change,
)
from tests.support.factories import count, database

RULES = "rules/consent-rules.yaml"
THRESHOLDS = "thresholds/levels-of-need.yaml"


def _search(client, query: str, **params: str):
    extra = "".join(f"&{k}={v}" for k, v in params.items())
    return client.get(f"/admin/search?q={quote(query)}{extra}")


def _results(page: str) -> list[tuple[str, str]]:
    """(path, node) of every result a service lead can start a change from."""
    return re.findall(r'name="path" value="([^"]+)">\s*<input type="hidden" name="node" value="([^"]*)"', page)


def test_a_question_is_found_by_its_words_in_any_order_and_case_and_the_words_are_marked(app, lead_client):
    response = _search(lead_client, "FAMILY consent asked")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert (CFC, CONSENT) in _results(page)
    assert ("Have you <mark>asked</mark> the <mark>family</mark> for <mark>consent</mark> to this referral?" in page)
    assert "Form: Cause for concern" in page  # grouped by the form it is in


def test_form_titles_hints_options_rule_messages_and_indicators_are_searched(app, lead_client):
    found = {q: _results(_search(lead_client, q).get_data(as_text=True)) for q in (
        "cause for concern", "verbal written", "step-parent", "gave consent but were not told",
        "immunisations appointments")}
    assert (CFC, "") in found["cause for concern"]  # the form itself: its quick edit list
    assert (CFC, CONSENT) in found["verbal written"]  # the consent question's hint
    assert ("options/relationships.yaml", "options") in found["step-parent"]
    assert (RULES, "rules/consent-given-but-family-not-told") in found["gave consent but were not told"]
    assert (THRESHOLDS, "indicators/cd1-healthy-and-developing") in found["immunisations appointments"]
    page = _search(lead_client, "verbal written").get_data(as_text=True)
    assert "Hint: " in page and "<mark>verbal</mark> or <mark>written</mark>" in page


def test_choosing_a_result_starts_a_change_at_its_quick_edit_which_changes_it(app, lead_client):
    before = count(app, Change)
    response = post(lead_client, "/admin/search/change", {"path": CFC, "node": CONSENT})
    assert response.status_code == 302
    found = re.match(r"^/admin/changes/(\d+)/quick-edit/item\?path=(.+)&node=(.+)$", response.headers["Location"])
    assert found and count(app, Change) == before + 1
    change_id = int(found.group(1))
    form = lead_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'value="{OLD_WORDING}"' in form
    saved = quick_edit(lead_client, app, change_id, CONSENT, label=NEW_WORDING)
    assert saved.status_code == 302, errors_in(saved)
    assert f"label: {NEW_WORDING}" in change_text(app, change_id)
    with database(app) as s:
        assert s.get(Change, change_id).title == f"Change {CFC}"  # so its page suggests a title
    # A form's title lands on the list of what the quick edit can change in that form.
    response = post(lead_client, "/admin/search/change", {"path": CFC, "node": ""})
    assert re.match(r"^/admin/changes/\d+/quick-edit\?path=", response.headers["Location"])


def test_a_second_click_lands_in_the_change_the_first_began_until_it_is_edited(app, lead_client):
    """A double click, or another result in the same file, does not leave a trail of empty changes."""
    before = count(app, Change)
    first = post(lead_client, "/admin/search/change", {"path": CFC, "node": CONSENT})
    again = post(lead_client, "/admin/search/change", {"path": CFC, "node": CONSENT})
    other = post(lead_client, "/admin/search/change", {"path": CFC, "node": ""})
    change_id = int(re.match(r"^/admin/changes/(\d+)/", first.headers["Location"]).group(1))
    assert again.headers["Location"] == first.headers["Location"]
    assert other.headers["Location"].startswith(f"/admin/changes/{change_id}/quick-edit?path=")
    assert count(app, Change) == before + 1
    # Once it holds an edit it is a piece of work of its own: the next result starts another change.
    assert quick_edit(lead_client, app, change_id, CONSENT, label=NEW_WORDING).status_code == 302
    later = post(lead_client, "/admin/search/change", {"path": CFC, "node": CONSENT})
    assert not later.headers["Location"].startswith(f"/admin/changes/{change_id}/")
    assert count(app, Change) == before + 2


def test_nothing_begins_for_a_file_or_item_that_is_not_live(app, lead_client):
    before = count(app, Change)
    assert post(lead_client, "/admin/search/change", {"path": "forms/nope.yaml", "node": ""}).status_code == 404
    assert post(lead_client, "/admin/search/change", {"path": CFC, "node": "no/such"}).status_code == 404
    assert count(app, Change) == before


def test_from_the_authors_own_draft_results_open_in_that_change(app, lead_client, reviewer_client):
    change_id = start_change(lead_client)
    page = _search(lead_client, "consent asked", change=str(change_id)).get_data(as_text=True)
    assert f'href="/admin/changes/{change_id}/quick-edit/item?path={CFC}&amp;node={CONSENT}"' in page
    assert not _results(page) and f'name="change" value="{change_id}"' in page
    # Someone else's change is not theirs to land in: a reviewer sees the results, with nothing to start.
    page = _search(reviewer_client, "consent asked", change=str(change_id)).get_data(as_text=True)
    assert "<mark>consent</mark>" in page and "quick-edit" not in page and not _results(page)


def test_a_reviewer_reads_the_results_but_cannot_start_a_change_from_them(app, reviewer_client):
    before = count(app, Change)
    assert _search(reviewer_client, "consent").status_code == 200
    assert post(reviewer_client, "/admin/search/change", {"path": CFC, "node": CONSENT}).status_code == 403
    assert count(app, Change) == before


def test_a_long_query_is_refused_with_an_error_summary(app, lead_client):
    response = _search(lead_client, "x" * (MAX_QUERY + 1))
    assert response.status_code == 422
    assert errors_in(response) == f"Search for {MAX_QUERY} characters or fewer"
    assert _search(lead_client, " ".join(f"w{n}" for n in range(13))).status_code == 422
    empty = _search(lead_client, "   ").get_data(as_text=True)
    assert 'id="results"' not in empty


def test_what_is_found_is_escaped_and_a_publication_is_searched_as_soon_as_it_is_live(app, lead, reviewer, lead_client):
    hostile = 'Is the <b>zebra</b> & child safe? <script>alert(1)</script>'
    assert "<mark>zebra</mark>" not in _search(lead_client, "zebra").get_data(as_text=True)
    published(app, lead, reviewer, {CFC: reworded(app, f'"{hostile}"')})
    page = _search(lead_client, "safe zebra <script>").get_data(as_text=True)
    assert "&lt;b&gt;<mark>zebra</mark>&lt;/b&gt; &amp; child <mark>safe</mark>? <mark>&lt;script&gt;</mark>alert(1)" in page
    assert "<script>alert" not in page and "for ‘safe zebra &lt;script&gt;’" in page


def test_the_workbench_links_to_the_search(app, lead_client, reviewer_client):
    for client in (lead_client, reviewer_client):
        page = client.get("/admin/").get_data(as_text=True)
        assert 'href="/admin/search"' in page and 'action="/admin/search"' in page


def test_the_index_is_built_once_per_live_publication_reading_only_the_files_it_changed(app, lead, reviewer):
    from fanlight.admin.views.search import live_index

    with app.test_request_context():
        first = live_index(db.session())
        assert live_index(db.session()) is first
    published(app, lead, reviewer, {CFC: reworded(app)})
    with app.test_request_context():
        second = live_index(db.session())
    assert second is not first
    old = {(e.path, e.node): e for e in first.entries}
    new = {(e.path, e.node): e for e in second.entries}
    assert new[(CFC, CONSENT)].texts[0] == ("Question", NEW_WORDING)
    assert new[(RULES, "rules/consent-given-but-family-not-told")] is old[(RULES, "rules/consent-given-but-family-not-told")]


# The search itself, without the web ----------------------------------------------------------------


def test_words_are_searched_once_each_and_curly_quotes_as_straight_ones():
    assert words_of("Consent consent  family’s") == ["consent", "family's"]
    index = index_of({"forms/a.yaml": "kind: form\nid: a\ntitle: A\nversion: 1\nsections:\n  - id: s\n    title: S\n"
                                      "    fields:\n      - id: q\n        type: text\n        label: The child’s name\n"})
    assert [h.entry.node for g in index.find("child's").groups for h in g.hits] == ["s/q"]


def test_overlapping_words_are_marked_once():
    patterns = [re.compile("ab", re.I), re.compile("bc", re.I)]
    assert marked("xABCx", patterns) == [("x", False), ("AB", True), ("C", True), ("x", False)]
    assert marked("", patterns) == [("", False)]
