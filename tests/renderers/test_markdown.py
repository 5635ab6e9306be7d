"""Markdown in definitions: links go only where a council means them to."""

from __future__ import annotations

import pytest

from fanlight.renderers import markdown


@pytest.mark.parametrize("href", [
    "//evil.example/login",
    "//evil.example",
    "javascript:alert(1)",
    "http://insecure.example",
    "data:text/html,hi",
    "evil.example",
    "https://",
])
def test_a_link_that_could_leave_for_another_site_loses_its_target(href):
    html = markdown.block(f"Read [the guidance]({href}).")
    assert "the guidance" in html
    assert "href" not in html


@pytest.mark.parametrize("href", [
    "https://www.gov.uk/guidance",
    "/guidance/thresholds",
    "#consent",
    "mailto:front.door@council.example",
    "tel:01234567890",
])
def test_links_to_https_sites_this_site_mail_and_phone_are_kept(href):
    html = markdown.inline(f"[here]({href})")
    assert f'href="{href}"' in html and 'class="govuk-link"' in html


@pytest.mark.parametrize("href", ["//evil.example", "/\t/evil.example", " //evil.example", "/\\evil.example"])
def test_the_link_check_refuses_what_a_browser_reads_as_another_site(href):
    assert not markdown.safe_link(href)
