"""Check answers as GOV.UK summary cards (issue 13, item 5): one card per section, titled by the
section with a "Change" link to it, and one per item of a list ("Jordan Morgan, 9"), never a list
of rows each prefixed "Child 1:"."""

from __future__ import annotations

import re

from tests.support.factories import complete_answers, fill_draft, start_draft


def _check_page(app, client) -> tuple[str, str]:
    draft_id = start_draft(client)
    fill_draft(app, draft_id, complete_answers())
    page = client.get(f"/drafts/{draft_id}/check")
    assert page.status_code == 200
    return draft_id, page.get_data(as_text=True)


def _cards(page: str) -> list[tuple[str, str]]:
    """(heading level, title) of each summary card, in order."""
    return re.findall(r'<div class="govuk-summary-card">\s*<div class="govuk-summary-card__title-wrapper">\s*'
                      r'<h([23]) class="govuk-summary-card__title">([^<]*)</h\1>', page)


def test_one_card_per_section_and_per_child(app, teacher_client):
    draft_id, page = _check_page(app, teacher_client)

    cards = _cards(page)
    titles = [t for _, t in cards]
    assert ("2", "The child or children") in cards and ("2", "Your concern") in cards
    assert ("3", "Jordan Morgan, 9") in cards and ("3", "Mia Morgan, 3") in cards
    assert titles.index("The child or children") < titles.index("Jordan Morgan, 9") < titles.index("Mia Morgan, 3")
    assert ("3", "Kelly Morgan") in cards and ("3", "Daniel Morgan") in cards  # the household, one card each
    assert ("3", "Jane Whitfield") in cards  # the other professional
    assert len([t for t in titles if t == "Your concern"]) == 1
    # each section card is one section's answers: as many section cards as sections shown
    shown = re.findall(rf'href="/drafts/{draft_id}/sections/([a-z0-9-]+)\?return=check">Change<span '
                       r'class="govuk-visually-hidden"> ([^<]*)</span>', page)
    assert len(shown) == len([c for c in cards if c[0] == "2"])


def test_no_row_is_prefixed_with_the_item_number(app, teacher_client):
    _, page = _check_page(app, teacher_client)

    assert "Child 1:" not in page and "Child 2:" not in page and "Person 1:" not in page
    assert "govuk-summary-list__row" in page


def test_a_childs_card_changes_that_child(app, teacher_client):
    draft_id, page = _check_page(app, teacher_client)

    assert (f'href="/drafts/{draft_id}/sections/child-details?return=check#children-1-child_forename">Change'
            '<span class="govuk-visually-hidden"> Mia Morgan, 3 (child 2)</span>') in page
    card = page.split(">Jordan Morgan, 9</h3>", 1)[1].split('<div class="govuk-summary-card">', 1)[0]
    assert re.search(r'<dt class="govuk-summary-list__key">\s*First name\s*</dt>\s*'
                     r'<dd class="govuk-summary-list__value">Jordan</dd>', card), card[:2000]
    assert "Elgar House Surgery" in card


def test_the_childrens_row_in_the_section_card_names_them(app, teacher_client):
    _, page = _check_page(app, teacher_client)
    section = page.split(">The child or children</h2>", 1)[1].split('<div class="govuk-summary-card">', 1)[0]
    assert "Jordan Morgan, 9<br>Mia Morgan, 3" in section
