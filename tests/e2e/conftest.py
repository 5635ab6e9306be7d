"""Browser tests: the real app on a real port, driven by headless Chromium through Playwright.

The server is the Flask app built by create_app (temporary SQLite database, upload folder
and instance folder), served by werkzeug in a background thread. Every test gets a fresh
professional account (see `new_user`), so tests do not depend on each other's drafts.

Chromium is the system's /usr/bin/chromium (FANLIGHT_CHROMIUM to use another): Playwright's own
browser download is not used. Without it the tests are skipped outside CI, and fail loudly in
CI (env CI set).

FANLIGHT_E2E_SCREENSHOTS=1 makes the page tours (test_accessibility.py) save a full-page
screenshot of every page they check, at 1024 and at 320 pixels wide, under
FANLIGHT_SCREENSHOTS (default /tmp/fanlight-e2e-screenshots), to look at by eye.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fanlight.web import extensions
from tests.support.services import unavailable

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("FANLIGHT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
ASSETS = REPO / "renderers" / "fanlight" / "renderers" / "static" / "vendor" / "fanlight.css"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "fanlight-demo-2026"
TEACHER = "teacher@demo-school.example"
SCREENSHOTS = Path(os.environ.get("FANLIGHT_SCREENSHOTS", "/tmp/fanlight-e2e-screenshots"))


def _missing(reason: str) -> None:
    unavailable(reason)


@dataclass
class LiveServer:
    url: str
    app: Any

    def create_user(self, email: str, name: str = "Test Teacher", role: str = "professional") -> str:
        """A signed-up professional at the demo teacher's school (same agency, so the same rights)."""
        from sqlalchemy import select

        from fanlight.web import db
        from fanlight.web.accounts.service import create_user
        from fanlight.web.models import User

        with self.app.app_context():
            teacher = db.session().scalar(select(User).where(User.email == TEACHER))
            assert teacher is not None, "the demo accounts were not seeded"
            extra = {"agency_id": teacher.agency_id} if getattr(teacher, "agency_id", "") else {}
            create_user(email, name, role, PASSWORD, teacher.agency, **extra)
            db.session().commit()
        return email

    def store_answers(self, draft_id: str, answers: dict[str, Any], *, visited: list[str] | None = None) -> None:
        """Put answers straight into a draft (for the page tours: typing them is the journeys' job)."""
        from fanlight.web import db
        from fanlight.web.models import Draft
        from fanlight.web.referrals import drafts

        with self.app.app_context():
            draft = db.session().get(Draft, draft_id)
            assert draft is not None
            drafts.save_answers(draft, draft.revision, answers)
            if visited:
                draft.visited = list(visited)
                db.session().commit()

    def has(self, endpoint: str) -> bool:
        """Does this build of the app have that page? (Pages are added as the runtime grows.)"""
        return endpoint in self.app.view_functions

    def form_sections(self, form_id: str) -> list[str]:
        compiled = self.app.extensions[extensions.CATALOGUE].current(form_id)
        return [s.id for s in compiled.form.sections]


@pytest.fixture(scope="session")
def _env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    instance = tmp_path_factory.mktemp("instance")
    mp = pytest.MonkeyPatch()
    mp.setenv("FANLIGHT_INSTANCE", str(instance))
    yield instance
    mp.undo()


def _serve(root: Path, definitions: Path) -> Iterator[LiveServer]:
    from fanlight.web.accounts.demo import seed_demo_accounts
    from tests.support.live_server import app_on_sqlite, serving

    app = app_on_sqlite(root, definitions)
    with app.app_context():
        seed_demo_accounts(PASSWORD)
    with serving(app) as url:
        yield LiveServer(url, app)


@pytest.fixture(scope="session")
def live_server(_env: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app with the bundled definitions."""
    if not ASSETS.exists():
        pytest.fail("the stylesheet is not built: run scripts/build-assets first", pytrace=False)
    yield from _serve(tmp_path_factory.mktemp("live"), REPO / "definitions")


@pytest.fixture(scope="session")
def hostile_server(_env: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The bundled definitions plus one form whose text is made of XSS payloads (payloads.py)."""
    from .payloads import hostile_form_yaml

    root = tmp_path_factory.mktemp("hostile")
    definitions = root / "definitions"
    shutil.copytree(REPO / "definitions", definitions, ignore=shutil.ignore_patterns("tests"))
    (definitions / "forms" / "hostile-form.yaml").write_text(hostile_form_yaml())
    # The test users belong to the demo school, whose definition says which forms its staff use.
    school = definitions / "agencies" / "demo-primary-school.yaml"
    school.write_text(school.read_text().replace("forms: [", "forms: [hostile-form, ", 1))
    yield from _serve(root, definitions)


_emails = itertools.count(1)


@pytest.fixture
def new_user(live_server: LiveServer, request: pytest.FixtureRequest) -> Callable[..., str]:
    """Make a fresh professional account (password PASSWORD) and return its email address."""

    def make(server: LiveServer = live_server) -> str:
        slug = "".join(c if c.isalnum() else "-" for c in request.node.name.lower())[:40].strip("-")
        return server.create_user(f"{slug}-{next(_emails)}@test-school.example")

    return make


# The browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _missing(f"Chromium is not installed at {CHROMIUM}: the browser tests need it")
    if not AXE.exists():
        _missing(f"axe-core is not installed at {AXE}: run npm ci (scripts/build-assets)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _context(browser: Any, **options: Any) -> Any:
    # bypass_csp lets the test inject axe-core: the app's CSP forbids inline script, as intended.
    context = browser.new_context(bypass_csp=True, locale="en-GB", timezone_id="Europe/London", **options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """JavaScript on, as on a professional's phone or desktop."""
    ctx = _context(browser, viewport={"width": 1024, "height": 800})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda error: errors.append(str(error)))
    yield p
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def no_js_context(browser: Any) -> Iterator[Any]:
    ctx = _context(browser, viewport={"width": 1024, "height": 800}, java_script_enabled=False)
    yield ctx
    ctx.close()


@pytest.fixture
def no_js_page(no_js_context: Any) -> Any:
    return no_js_context.new_page()


@pytest.fixture
def narrow_context(browser: Any) -> Iterator[Any]:
    """A 320 CSS-pixel wide phone screen (WCAG 1.4.10 reflow)."""
    ctx = _context(browser, viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    yield ctx
    ctx.close()


# axe ------------------------------------------------------------------------------------------


def axe_violations(page: Any) -> list[dict[str, Any]]:
    # A click that navigates returns once the new document is committed, before it has a
    # <head> to add axe to; wait until it is parsed so the check never races the page.
    page.wait_for_load_state("domcontentloaded")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']}); return r.violations.map(v => ({id: v.id, impact: v.impact,"
        " help: v.help, nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))})) }",
        AXE_TAGS,
    )
    violations: list[dict[str, Any]] = result
    return violations


def format_violations(where: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{where}: {len(violations)} axe violation(s)"]
    for v in violations:
        lines.append(f"  - {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"      {node['target']}: {summary[:300]}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Any, where: str = "") -> None:
    """axe-core with the WCAG 2.0/2.1 A and AA and 2.2 AA rules: no violations, or a readable list."""
    violations = axe_violations(page)
    assert not violations, format_violations(where or page.url, violations)


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def dump(value: Any) -> str:
    return json.dumps(value, indent=2, default=str)
