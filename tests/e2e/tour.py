"""A walk through every page type the professional's side of Fanlight has, error states
included, calling `check(page, label)` on each: the accessibility and reflow tests run
their own checks over the same walk.

Answers are stored straight into drafts here (typing them is the journeys' job):
- draft A holds a complete missing-child referral, so every answer-revealed question shows,
  consent with all of its parts, lists of records with their records;
- draft B holds answers that reveal questions but leave them unanswered or wrong, so
  "Save and continue" gives each field type its error state.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Callable
from typing import Any

from .answers import missing_child_referral
from .conftest import PASSWORD, LiveServer
from .driver import Referrer

FORM = "cause-for-concern"
Check = Callable[[Any, str], None]
CONTINUE = "button[name=action][value=continue]:not([tabindex='-1'])"

# The smallest PNG there is: an upload the file field accepts.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def wrong_answers() -> dict[str, Any]:
    """Answers that reveal questions and leave them unanswered, or answered in the wrong format."""
    year = str(datetime.date.today().year)
    return {
        "immediate_danger": True,  # guidance (content), and "Have you phoned?"
        "phoned_front_door": True,  # "When did you phone?" (datetime) and "Who did you speak to?" (text)
        "discussed_with_dsl": True,
        "parents_informed": False,  # a reason (radios) and an explanation (textarea)
        "consent": {"sought": True, "given": True},  # every "given" part, unanswered
        "children": [{
            "child_forename": "Jordan",
            "child_dob": {"day": "31", "month": "2", "year": year},  # not a real date
            "child_postcode": "not a postcode", "nhs_number": "123", "first_language": "other",
        }],
        "household_members": [],  # "Add at least one person"
        "referrer_phone": "call me", "secure_email": "not-an-email",
        "professionals": [{}], "early_help_assessment_exists": True,  # a record with nothing in it, a file field
        "categories": ["missing"],
        "date_time_missing": {"date": {"day": "1", "month": "13", "year": year}, "time": "25:00"},
        "episodes_last_90_days": "lots",
    }


# GOV.UK error pattern, beyond what axe checks: each error-summary link on the page goes to an
# input (the first of its answer), and each error message is read out with its input.
ERROR_WIRING = """() => {
  const problems = [];
  for (const a of document.querySelectorAll('.govuk-error-summary__list a')) {
    const href = a.getAttribute('href');
    if (!href.startsWith('#')) continue;
    const target = document.getElementById(decodeURIComponent(href.slice(1)));
    if (!target || !target.matches('input, select, textarea, button'))
      problems.push(`"${a.textContent.trim()}" links to ${href}: ${target ? target.tagName : 'nothing'}`);
  }
  for (const m of document.querySelectorAll('.govuk-error-message[id]')) {
    if (!document.querySelector(`[aria-describedby~="${m.id}"]`)) problems.push(`${m.id} is not tied to an input`);
  }
  return problems }"""


# Text drawn in anything but the council's font stack (a browser default serif, or GDS Transport).
OFF_BRAND_TEXT = r"""() => { const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const node = walk.currentNode, e = node.parentElement;
    if (!node.textContent.trim() || e.closest('script, style, [hidden], [aria-hidden=true]')) continue;
    const font = getComputedStyle(e).fontFamily;
    if (!font.startsWith('"Helvetica Neue"')) out.push(`"${node.textContent.trim().slice(0, 30)}" in ${font}`);
  }
  return out.slice(0, 5) }"""


def dead_delivery(app: Any) -> int:
    """A delivery of the newest referral that gave up (the deliveries pages need a row), with its
    attempt. Its destination is the tour's own, so a decision on the referral later makes its own."""
    from sqlalchemy import select

    from fanlight.web import db
    from fanlight.web.models import Delivery, DeliveryAttempt, DeliveryState, Submission

    with app.app_context():
        s = db.session()
        referral = s.scalars(select(Submission).order_by(Submission.submitted_at.desc(), Submission.id)).first()
        assert referral is not None
        error = "The case system said 400: the referral's child has no date of birth and is not unborn"
        record = Delivery(submission_id=referral.id, destination=f"tour-{referral.reference.lower()}",
                          mapping_id="case-system-referral", mapping_version=1, case_note="", claimed_by="",
                          payload={"reference": referral.reference, "summary": "A long line of payload " * 8},
                          state=DeliveryState.DEAD, attempts=1, last_error=error)
        s.add(record)
        s.flush()
        s.add(DeliveryAttempt(delivery_id=record.id, number=1, worker="worker-tour", outcome="failed",
                              status_code=400, error=error))
        s.commit()
        return record.id


class Tour:
    def __init__(self, page: Any, server: LiveServer, email: str, check: Check) -> None:
        self.page = page
        self.server = server
        self.email = email
        self.test_check = check
        self.check = self.checked
        self.base = server.url
        self.person = Referrer(page, server.url)

    def checked(self, page: Any, label: str) -> None:
        """Every page: the test's own check, and the title says "Error: " exactly when there are errors."""
        title = page.title()
        has_errors = page.locator(".govuk-error-summary").count() > 0
        assert title.startswith("Error: ") == has_errors, f"{label}: the title is {title!r}"
        problems = page.evaluate(ERROR_WIRING) + page.evaluate(OFF_BRAND_TEXT)
        assert not problems, f"{label}: {problems}"
        self.test_check(page, label)

    def visit(self, path: str, label: str) -> None:
        self.page.goto(self.base + path)
        self.check(self.page, label)

    def section_url(self, draft_id: str, section_id: str) -> str:
        return f"/drafts/{draft_id}/sections/{section_id}"

    def submit(self, locator: Any) -> None:
        """Click a button that sends a form, and wait for the page that answers it."""
        with self.page.expect_navigation():
            locator.click()

    def new_draft(self, form_id: str = FORM) -> str:
        self.page.goto(f"{self.base}/forms/{form_id}")
        self.submit(self.page.locator("button.govuk-button--start"))
        return self.person.where()[0]

    def account_pages_signed_out(self) -> None:
        """Registering and resetting a password, where this build has them: each page and its errors."""
        page = self.page
        for endpoint, path, label in (("accounts.register", "/register", "register"),
                                      ("accounts.forgot_password", "/forgot-password", "forgotten password")):
            if not self.server.has(endpoint):
                continue
            self.visit(path, label)
            self.submit(page.locator("main form button[type=submit]").first)
            self.check(page, f"{label}, nothing entered")
        for endpoint, path, label in (("accounts.reset_password", "/reset-password/not-a-real-token", "reset link"),
                                      ("accounts.confirm_email", "/confirm-email/not-a-real-token", "confirm email link")):
            if self.server.has(endpoint):
                self.visit(path, f"{label}, not valid")

    def run(self) -> None:
        page = self.page
        # Signed out ------------------------------------------------------------------------------
        self.visit("/sign-in", "sign in")
        self.submit(page.locator("form button[type=submit]"))
        self.check(page, "sign in, nothing entered")
        page.fill("#email", self.email)
        page.fill("#password", "not the password")
        self.submit(page.locator("form button[type=submit]"))
        self.check(page, "sign in, wrong password")
        self.visit("/guidance/", "threshold guidance")
        self.submit(page.locator("main a", has_text="Level 3"))
        self.check(page, "threshold guidance, one level")
        self.visit("/no-such-page", "page not found, signed out")
        self.account_pages_signed_out()

        # Signed in -------------------------------------------------------------------------------
        self.person.sign_in(self.email, PASSWORD)
        self.check(page, "your forms, nothing yet")
        self.visit(f"/forms/{FORM}", "start page")
        a = self.new_draft()
        self.check(page, "first section, nothing answered")
        sections = self.server.form_sections(FORM)
        answers = missing_child_referral(people=2)
        shown = ["about-this-referral", "consent-and-informing-the-family", "child-details", "household", "about-you",
                 "other-professionals", "type-of-concern", "missing", "your-concern", "documents", "declaration"]
        self.server.store_answers(a, answers, visited=[s for s in sections if s in shown])
        for section_id in shown:
            self.visit(self.section_url(a, section_id), f"section {section_id}, answered")
        # A file field with a file in it.
        page.goto(self.base + self.section_url(a, "documents"))
        self.page.set_input_files("#attachments", files=[{"name": "chronology.png", "mimeType": "image/png", "buffer": PNG}])
        self.submit(page.locator("button", has_text="Upload file"))
        assert page.locator(".fanlight-files").count() == 1, "the upload did not work"
        self.check(page, "section documents, with a file")
        self.visit(f"/drafts/{a}", "task list")
        self.visit(f"/drafts/{a}/check", "check answers")

        b = self.new_draft()
        self.server.store_answers(b, wrong_answers())
        for section_id in shown:
            page.goto(self.base + self.section_url(b, section_id))
            if section_id == "documents":  # nothing is required here: ask to upload nothing instead
                self.submit(page.locator("button", has_text="Upload file"))
            else:
                self.submit(page.locator(CONTINUE))
            assert page.locator(".govuk-error-summary").count() == 1, f"{section_id}: no error state"
            self.check(page, f"section {section_id}, with errors")
        # Consent not asked for: the reason shows (a live update when JavaScript is on).
        page.goto(self.base + self.section_url(b, "consent-and-informing-the-family"))
        page.locator("#consent-sought-no").check()
        if page.evaluate("() => !!window.htmx"):
            self.person.settle()
        else:
            self.submit(page.locator(CONTINUE))
        assert page.locator("#consent-reason").count() == 1
        self.check(page, "section consent, consent not asked for")
        self.visit(f"/drafts/{b}/check", "check answers, not finished")
        self.submit(page.locator("button", has_text="Accept and send"))
        assert page.locator(".govuk-error-summary").count() == 1
        self.check(page, "check answers, cannot send yet")
        self.submit(page.locator(".govuk-error-summary__list a").first)
        self.check(page, "a section from check answers, with its errors")

        # The other bundled form: each section, and its error state.
        rfi = self.new_draft("request-for-information")
        self.server.store_answers(rfi, {"lawful_basis": "consent", "subjects": [{}], "request_purpose": "other"})
        for section_id in ("about-you", "the-request", "consent-to-share", "subjects-of-the-request",
                           "information-requested", "handling-declaration"):
            self.visit(self.section_url(rfi, section_id), f"request for information: {section_id}")
            self.submit(page.locator(CONTINUE))
            self.check(page, f"request for information: {section_id}, with errors")

        self.visit(f"/your-forms?saved={b}", "your forms, drafts and the saved message")
        page.goto(f"{self.base}/drafts/{a}/check")
        self.submit(page.locator("button", has_text="Accept and send"))
        self.check(page, "confirmation")
        self.submit(page.locator("a", has_text="Print or save a copy"))
        self.check(page, "print view")
        self.visit("/your-forms", "your forms, drafts and submissions")
        self.visit("/drafts/00000000000000000000000000000000", "page not found, signed in")
        self.visit("/guidance/levels-of-need", "threshold guidance, signed in")
        if self.server.has("accounts.account"):
            self.visit("/account", "your account")
        self.person.open_menu()
        self.submit(page.locator(".govuk-service-navigation button", has_text="Sign out"))
        assert page.url.endswith("/signed-out")
        self.check(page, "signed out")
        self.admin_pages()
        self.front_door_pages()
        self.dashboard_pages()

    def admin_pages(self) -> None:
        """Managing users, where this build has it."""
        if not self.server.has("users.index"):
            return
        page = self.page
        admin = self.server.create_user("admin-" + self.email, name="Ada Admin", role="administrator")
        page.goto(self.base + "/sign-in")
        page.fill("#email", admin)
        page.fill("#password", PASSWORD)
        self.submit(page.locator("main form button[type=submit]").first)
        self.visit("/admin/users/", "users")
        self.submit(page.locator("main a", has_text="Test Teacher").first)
        self.check(page, "a user")
        self.visit("/admin/users/?q=nobody-is-called-this", "users, none found")
        if self.server.has("api_clients.index"):
            self.visit("/admin/api-clients/", "API clients")
            page.locator("#scopes-submit").uncheck()
            page.locator("#scopes-status").uncheck()
            self.submit(page.locator("main button", has_text="Add the client"))
            assert page.locator(".govuk-error-summary").count() == 1
            self.check(page, "API clients, nothing chosen")
            page.fill("#name", "Police system " + self.email)
            page.locator("#scopes-submit").check()
            self.submit(page.locator("main button", has_text="Add the client"))
            assert page.locator("#token").inner_text().startswith("fl_")
            self.check(page, "API clients, a token shown once")
        if self.server.has("deliveries.index"):
            delivery_id = dead_delivery(self.server.app)
            self.visit("/admin/deliveries/?state=dead", "deliveries, dead")
            self.visit(f"/admin/deliveries/{delivery_id}", "a delivery, dead")
            self.submit(page.locator("main button", has_text="Resend"))
            assert page.locator(".govuk-notification-banner").count() == 1
            self.check(page, "a delivery, resent")
            self.visit("/admin/deliveries/?state=all", "deliveries, all")
        self.person.open_menu()
        self.submit(page.locator(".govuk-service-navigation button", has_text="Sign out"))

    def front_door_pages(self) -> None:
        """The front door's pages, where this build has them: the holding area, and the referral sent
        above with each of its actions (plain POST forms) and the rating's error state."""
        if not self.server.has("triage.holding_area"):
            return
        page = self.page
        officer = self.server.create_user("officer-" + self.email, name="Jo Officer", role="front_door_officer")
        page.goto(self.base + "/sign-in")
        page.fill("#email", officer)
        page.fill("#password", PASSWORD)
        self.submit(page.locator("main form button[type=submit]").first)
        assert page.url.endswith("/front-door/"), page.url
        self.check(page, "holding area")
        self.visit("/front-door/?q=nobody-is-called-this&status=received&sort=due", "holding area, none found")
        self.visit("/front-door/", "holding area")
        self.submit(page.locator("main table a").first)
        self.check(page, "a referral at the front door")
        self.submit(page.locator("main button", has_text="Claim"))
        assert page.locator(".govuk-notification-banner").count() == 1
        self.check(page, "a referral, claimed")
        page.locator("#rag").check()
        self.submit(page.locator("main button", has_text="Save rating"))
        assert page.locator(".govuk-error-summary").count() == 1
        self.check(page, "a referral, rating without a reason")
        page.fill("#reason", "A baby lives at home")
        self.submit(page.locator("main button", has_text="Save rating"))
        self.check(page, "a referral, rated")
        referral_url = page.url
        self.visit(referral_url.removeprefix(self.base) + "/decision", "the decision")
        self.submit(page.locator("main button", has_text="Record the decision"))
        assert page.locator(".govuk-error-summary").count() == 1
        self.check(page, "the decision, with errors")
        page.goto(referral_url)
        self.submit(page.locator("main button", has_text="Send the request"))
        assert page.locator(".govuk-error-summary").count() == 1
        self.check(page, "a referral, asking for information without saying what")
        page.fill("#question", "Does the family know about this referral?")
        page.locator("#sections").check()
        self.submit(page.locator("main button", has_text="Send the request"))
        self.check(page, "a referral, waiting for information")
        self.sign_out()
        self.information_pages()
        self.sign_in(officer)
        page.goto(referral_url)
        self.check(page, "a referral, information received")
        if self.server.has("census.readiness"):
            self.visit("/census/readiness", "census readiness")
        self.sign_out()

    def dashboard_pages(self) -> None:
        """The managers' dashboards, where this build has them: this week (with the tour's referral in
        it), the council's year, a custom period's error state, and a figure drilled down to its list."""
        if not self.server.has("dashboards.index"):
            return
        page = self.page
        self.sign_in(self.server.create_user("manager-" + self.email, name="Ann Manager", role="manager"))
        self.visit("/dashboards/", "dashboards, this week")
        for period in ("today", "month", "quarter", "year"):
            self.visit(f"/dashboards/?period={period}", f"dashboards, {period}")
        self.visit("/dashboards/?period=custom&from=2026-11-01&to=2026-11-30", "dashboards, two dates")
        self.visit("/dashboards/?period=custom&from=2026-12-31&to=2026-01-01", "dashboards, a period that is not one")
        assert page.locator(".govuk-error-summary").count() == 1
        page.goto(self.base + "/dashboards/")
        self.submit(page.locator("#figure-received"))
        self.check(page, "the holding area, drilled down from a dashboard figure")
        self.sign_out()

    def information_pages(self) -> None:
        """The referrer's side of a request for more information: the request, a section to amend, the
        answer's error state, and the referral's history once answered."""
        page = self.page
        self.person.sign_in(self.email, PASSWORD)
        self.check(page, "your forms, a request for more information waiting")
        self.submit(page.locator("main a", has_text="Answer the request for more information").first)
        self.check(page, "more information asked for")
        self.submit(page.locator("main button", has_text="Send your answer"))
        assert page.locator(".govuk-error-summary").count() == 1
        self.check(page, "more information, no answer written")
        self.submit(page.locator("main .govuk-summary-list a", has_text="Change").first)
        self.check(page, "more information, a section to amend")
        self.submit(page.locator("main button.govuk-button", has_text="Save changes"))
        self.check(page, "more information, a section amended")
        page.fill("#reply", "The family know and agree.")
        self.submit(page.locator("main button", has_text="Send your answer"))
        self.check(page, "a referral's history, as the referrer sees it")
        self.submit(page.locator("main a", has_text="Withdraw this referral"))
        self.check(page, "withdrawing a referral")
        self.submit(page.locator("main button", has_text="Yes, withdraw this referral"))
        assert page.locator(".govuk-error-summary").count() == 1
        self.check(page, "withdrawing a referral, no reason given")
        self.sign_out()

    def sign_in(self, email: str) -> None:
        page = self.page
        page.goto(self.base + "/sign-in")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        self.submit(page.locator("main form button[type=submit]").first)

    def sign_out(self) -> None:
        self.person.open_menu()
        self.submit(self.page.locator(".govuk-service-navigation button", has_text="Sign out"))
