"""The council's service, built with the GOV.UK Design System but not branded as GOV.UK: no
crown, no GOV.UK logotype, no GDS Transport typeface (STACK-NOTES.md section 3)."""

from __future__ import annotations

from typing import Any

from .conftest import LiveServer


def test_pages_carry_the_councils_name_not_govuk_branding(page: Any, live_server: LiveServer) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in ("/sign-in", "/guidance/levels-of-need"):
        page.goto(live_server.url + path)
        header = page.locator("header").inner_text()
        assert "Fanlight County Council" in header
        assert "GOV.UK" not in page.locator("body").inner_text()
        assert page.locator(".govuk-header__logotype, .govuk-header__logo, svg[aria-label='GOV.UK']").count() == 0
        font = page.evaluate("() => getComputedStyle(document.body).fontFamily")
        assert "GDS Transport" not in font and "Helvetica" in font, font
        faces = page.evaluate("() => [...document.fonts].map(f => f.family)")
        assert faces == [], f"web fonts loaded: {faces}"
    assert not [url for url in requested if "/fonts/" in url or "crown" in url or "govuk-crest" in url], requested
    css = page.request.get(live_server.url + "/static/vendor/fanlight.css").text()
    assert "GDS Transport" not in css and "@font-face" not in css
