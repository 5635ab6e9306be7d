"""Every page type meets WCAG 2.2 AA as far as a machine can tell (axe-core), and reflows to a
320 CSS-pixel screen without scrolling sideways (WCAG 1.4.10)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from .conftest import LiveServer, assert_no_axe_violations, axe_violations, format_violations, screenshot
from .tour import Tour


def test_every_page_type_has_no_axe_violations(page: Any, live_server: LiveServer, new_user: Any) -> None:
    problems: list[str] = []
    seen: list[str] = []

    def check(p: Any, label: str) -> None:
        seen.append(label)
        if os.environ.get("FANLIGHT_E2E_SCREENSHOTS"):
            screenshot(p, "1024-all-" + "".join(c if c.isalnum() else "-" for c in label))
        violations = axe_violations(p)
        if violations:
            problems.append(format_violations(f"{label} ({p.url})", violations))

    Tour(page, live_server, new_user(), check).run()
    assert len(seen) >= 40, seen
    assert not problems, "\n\n".join(problems)


def test_no_page_scrolls_sideways_on_a_320px_screen(narrow_context: Any, live_server: LiveServer, new_user: Any) -> None:
    page = narrow_context.new_page()
    problems: list[str] = []

    def check(p: Any, label: str) -> None:
        if os.environ.get("FANLIGHT_E2E_SCREENSHOTS"):  # to look at every page as a phone shows it
            screenshot(p, "320-all-" + "".join(c if c.isalnum() else "-" for c in label))
        width = p.evaluate("() => document.documentElement.scrollWidth")
        if width > 320:
            wide = p.evaluate(
                """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 320.5 && getComputedStyle(e).position !== 'absolute')
                .slice(0, 6).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                  + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
                  + ' (right edge ' + Math.round(e.getBoundingClientRect().right) + 'px)')"""
            )
            shot = screenshot(p, "320-" + "".join(c if c.isalnum() else "-" for c in label))
            problems.append(f"{label} ({p.url}): {width}px wide; too wide: {wide}; see {shot}")

    Tour(page, live_server, new_user(), check).run()
    assert not problems, "\n".join(problems)


def test_the_accessibility_check_finds_problems_when_there_are_some(page: Any, live_server: LiveServer) -> None:
    """The axe helper is not vacuous: a page with known failures fails it, readably."""
    page.goto(live_server.url + "/sign-in")
    page.evaluate("""() => { const main = document.querySelector('main');
      main.insertAdjacentHTML('beforeend', '<input type="text" id="unlabelled">'
        + '<p style="color:#bbb;background:#fff">Too faint to read</p><img src="/static/none.png">') }""")
    with pytest.raises(AssertionError) as failure:
        assert_no_axe_violations(page, "a page broken on purpose")
    message = str(failure.value)
    for rule in ("label", "color-contrast", "image-alt"):
        assert f"- {rule} " in message, message
    assert "#unlabelled" in message
