"""How the browser tests use the service: sign in, start a form, answer sections, submit.

`Referrer` answers a section the way a person does, in one of three ways:
- `mode="mouse"`: clicks and typing (Playwright's fill/check/select);
- `mode="keyboard"`: only page.keyboard (Tab, Shift+Tab, arrows, Space, Enter, typing);
- with JavaScript off, the same as "mouse" (the context decides).

It answers whatever the page shows that it has an answer for, and keeps going while new
questions appear: with JavaScript on they appear as answers change (htmx), with it off
after "Save and continue" (a 422 page listing what is still missing).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from fanlight.engine import CompiledForm, load_definitions
from fanlight.engine.definitions import model as m
from fanlight.renderers.html_form import TYPED, name_of

from .answers import REPO
from .conftest import PASSWORD

SECTION_URL = re.compile(r"/drafts/(?P<draft>[0-9a-f]{32})/sections/(?P<section>[a-z0-9-]+)")
REFERENCE = re.compile(r"^FL-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")


@cache
def form(form_id: str) -> CompiledForm:
    compiled: CompiledForm = load_definitions(str(REPO / "definitions")).compiled[form_id]
    return compiled


def section_of(form_id: str, section_id: str) -> m.Section:
    return next(s for s in form(form_id).form.sections if s.id == section_id)


# Keyboard helpers ------------------------------------------------------------------------------

FOCUS_DESCRIPTION = """() => { const e = document.activeElement; if (!e || e === document.body) return 'body';
  return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.name ? '[name=' + e.name + ']' : '')
    + (e.value && e.type !== 'text' ? '[value=' + e.value + ']' : '') + ' ' + (e.textContent || '').trim().slice(0, 40) }"""


def focused(page: Any) -> str:
    description: str = page.evaluate(FOCUS_DESCRIPTION)
    return description


def focus_matches(page: Any, selector: str) -> bool:
    """Is the focus on (one of) the elements a Playwright selector finds?"""
    matches: bool = page.locator(selector).evaluate_all("(all) => all.includes(document.activeElement)")
    return matches


def tab_to(page: Any, selector: str, limit: int = 250) -> None:
    """Press Tab (or Shift+Tab, if the target is before the focus) until the focus is on `selector`."""
    if focus_matches(page, selector):
        return
    target = page.locator(selector)
    assert target.count(), f"no element matches {selector}"
    backwards = target.first.evaluate(
        """(t) => { const f = document.activeElement;
        return !!f && f !== document.body && !!(t.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING) }"""
    )
    key = "Shift+Tab" if backwards else "Tab"
    trail = []
    for _ in range(limit):
        page.keyboard.press(key)
        if focus_matches(page, selector):
            return
        trail.append(focused(page))
    raise AssertionError(f"could not reach {selector} with {key}; focus went through: {trail[-15:]}")


FOCUS_VISIBLE = """() => {
  const e = document.activeElement; if (!e || e === document.body) return false;
  const visible = (style) => style && ((style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
      && !/rgba\\(.*, 0\\)|transparent/.test(style.outlineColor)) || (style.boxShadow && style.boxShadow !== 'none'));
  if (visible(getComputedStyle(e))) return true;
  // Radios and checkboxes draw their focus ring on the label's ::before (GOV.UK Frontend).
  for (const label of e.labels || []) {
    if (visible(getComputedStyle(label, '::before')) || visible(getComputedStyle(label, '::after'))) return true;
  }
  return false }"""


def assert_focus_visible(page: Any) -> None:
    assert page.evaluate(FOCUS_VISIBLE), f"the keyboard focus is not visible on {focused(page)}"


# The person using the service -----------------------------------------------------------------


class Referrer:
    def __init__(self, page: Any, base_url: str, *, mode: str = "mouse", js: bool = True) -> None:
        self.page = page
        self.base = base_url
        self.mode = mode
        self.js = js
        self.keyboard = mode == "keyboard"

    # Actions that work with the mouse or the keyboard ---------------------------------------

    def press(self, selector: str) -> None:
        """Activate a button or link: click it, or Tab to it and press Enter."""
        if self.keyboard:
            tab_to(self.page, selector)
            assert_focus_visible(self.page)
            self.page.keyboard.press("Enter")
        else:
            self.page.locator(selector).click()

    def type_into(self, selector: str, text: str) -> None:
        loc = self.page.locator(selector)
        if self.keyboard:
            tab_to(self.page, selector)
            assert_focus_visible(self.page)
            self.page.keyboard.press("Control+A")
            self.page.keyboard.press("Delete")
            self.page.keyboard.insert_text(text)
        else:
            loc.fill(text)
            loc.blur()  # the change event a person causes by moving on

    def choose_radio(self, name: str, value: str) -> None:
        selector = f"input[type=radio][name='{name}'][value='{value}']"
        if not self.keyboard:
            self.page.locator(selector).check()
            return
        tab_to(self.page, f"input[type=radio][name='{name}']")
        assert_focus_visible(self.page)
        count = self.page.locator(f"input[type=radio][name='{name}']").count()
        for _ in range(count):
            if focus_matches(self.page, selector):
                break
            self.page.keyboard.press("ArrowDown")  # moves to the next option and selects it
        assert focus_matches(self.page, selector), f"arrow keys did not reach {selector}"
        self.page.keyboard.press("Space")  # selects the option the focus is on (the first has not been selected yet)
        assert self.page.locator(selector).is_checked()

    def set_checkbox(self, name: str, value: str, checked: bool) -> None:
        selector = f"input[type=checkbox][name='{name}'][value='{value}']"
        loc = self.page.locator(selector)
        if loc.is_checked() == checked:
            return
        if self.keyboard:
            tab_to(self.page, selector)
            assert_focus_visible(self.page)
            self.page.keyboard.press("Space")
            assert loc.is_checked() == checked
        else:
            loc.set_checked(checked)

    def choose_option(self, selector: str, value: str) -> None:
        loc = self.page.locator(selector)
        if not self.keyboard:
            loc.select_option(value)
            return
        tab_to(self.page, selector)
        assert_focus_visible(self.page)
        values = loc.evaluate("(s) => [...s.options].map(o => o.value)")
        for _ in range(len(values)):
            current = loc.input_value()
            if current == value:
                break
            self.page.keyboard.press("ArrowDown" if values.index(value) > values.index(current) else "ArrowUp")
        assert loc.input_value() == value

    # Pages ---------------------------------------------------------------------------------------

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        self.page.goto(self.base + "/sign-in")
        self.type_into("#email", email)
        self.type_into("#password", password)
        self.press("form button[type=submit]")
        self.page.wait_for_url("**/your-forms")

    def open_menu(self) -> None:
        """On a narrow screen the service navigation is behind a "Menu" button."""
        toggle = self.page.locator("button.govuk-service-navigation__toggle")
        if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
            self.press("button.govuk-service-navigation__toggle")

    def sign_out(self) -> None:
        self.open_menu()
        self.press(".govuk-service-navigation button:has-text('Sign out')")
        self.page.wait_for_url("**/signed-out")

    def start(self, title: str = "Cause for concern") -> str:
        """From "Your forms": open the form's start page and start; returns the draft id."""
        self.press(f"main a:has-text('{title}')")
        self.page.wait_for_url("**/forms/*")
        self.press("button.govuk-button--start")
        self.page.wait_for_url(SECTION_URL)
        return self.where()[0]

    def where(self) -> tuple[str, str]:
        match = SECTION_URL.search(self.page.url)
        assert match, f"not on a section page: {self.page.url}"
        return match["draft"], match["section"]

    def settle(self) -> None:
        """With JavaScript on: wait until the live update (htmx) has caught up with the answers."""
        if self.js:
            self.page.wait_for_function(
                "() => !document.querySelector('form[data-fanlight-busy], form[data-fanlight-unsaved]')", polling=50)

    def save_and_continue(self) -> None:
        with self.page.expect_navigation():
            self.press("button[name=action][value=continue]:not([tabindex='-1'])")

    def warned(self) -> list[str]:
        """After "Save and continue": the warnings the section stayed to show (none: it moved on or has errors)."""
        if self.present(".govuk-error-summary"):
            return []
        texts: list[str] = self.page.locator("#warnings li").all_inner_texts()
        return texts

    def errors(self) -> list[str]:
        texts: list[str] = self.page.locator(".govuk-error-summary__list li").all_inner_texts()
        return texts

    # Answering ----------------------------------------------------------------------------------

    def answer_section(self, form_id: str, answers: dict[str, Any]) -> None:
        """Answer what this section shows, as new questions appear, until nothing is left to answer."""
        _, section_id = self.where()
        section = section_of(form_id, section_id)
        for _ in range(8):
            changed = False
            for f in section.fields:
                if f.id in answers and f.type != "content":
                    changed |= self.answer(f, f.id, answers[f.id], form_id)
            if not changed:
                return
            self.settle()
        raise AssertionError(f"{section_id}: the answers never settled")

    def complete(self, form_id: str, answers: dict[str, Any], *, until: str | None = None,
                 on_section: Callable[[str], None] | None = None) -> None:
        """Answer section after section with "Save and continue", up to check answers (or `until`)."""
        for _ in range(40):
            if self.page.url.endswith("/check"):
                return
            _, section_id = self.where()
            if section_id == until:
                return
            if on_section:
                on_section(section_id)
            self.answer_section(form_id, answers)
            self.save_and_continue()
            if SECTION_URL.search(self.page.url) and self.where()[1] == section_id and self.warned():
                self.save_and_continue()  # the section's warnings were shown (saved, not errors): carry on
            if SECTION_URL.search(self.page.url) and self.where()[1] == section_id:
                errors = self.errors()
                assert not self.js, f"{section_id}: with JavaScript on every question should have appeared as answers changed, but: {errors}"
                assert errors, f"{section_id}: the page did not move on and shows no errors"
        raise AssertionError("the form never reached check answers")

    def present(self, selector: str) -> bool:
        count: int = self.page.locator(selector).count()
        return count > 0

    def answer(self, f: m.Field, path: str, value: Any, form_id: str) -> bool:
        """Answer one field if it is on the page and not already answered; True if anything changed."""
        if f.calculate or value is None or f.type == "file":
            return False
        name = name_of(path)
        if f.type in TYPED:
            return self._text(f"#{name}", str(value))
        if f.type == "date":
            return self._date(name, value)
        if f.type == "datetime":
            day, time = value.split("T")
            return self._date(name, day) | self._text(f"#{name}-time", time[:5])
        if f.type in ("yes_no", "radios"):
            option = {True: "yes", False: "no"}.get(value, value) if f.type == "yes_no" else value
            return self._radio(name, option)
        if f.type == "select":
            return self._select(f"#{name}", value)
        if f.type == "checkboxes":
            return self._checkboxes(f, name, value)
        if f.type == "consent":
            return self._consent(name, value)
        if f.type == "repeat":
            return self._repeat(f, path, value, form_id)
        raise AssertionError(f"no way to answer a {f.type} field")

    def _text(self, selector: str, value: str) -> bool:
        if not self.present(selector) or self.page.locator(selector).input_value() == value:
            return False
        self.type_into(selector, value)
        return True

    def _radio(self, name: str, option: str) -> bool:
        selector = f"input[name='{name}'][value='{option}']"
        if not self.present(selector) or self.page.locator(selector).is_checked():
            return False
        self.choose_radio(name, option)
        return True

    def _select(self, selector: str, value: str) -> bool:
        if not self.present(selector) or self.page.locator(selector).input_value() == value:
            return False
        self.choose_option(selector, value)
        return True

    def _checkboxes(self, f: m.Field, name: str, value: list[str]) -> bool:
        if not self.present(f"input[name='{name}']"):
            return False
        changed = False
        for o in f.options:
            if self.page.locator(f"input[name='{name}'][value='{o.value}']").is_checked() != (o.value in value):
                self.set_checkbox(name, o.value, o.value in value)
                changed = True
        return changed

    def _date(self, name: str, iso: str) -> bool:
        if not self.present(f"#{name}"):
            return False
        year, month, day = iso.split("-")
        changed = False
        for selector, part in ((f"#{name}", str(int(day))), (f"#{name}-month", str(int(month))), (f"#{name}-year", year)):
            if self.page.locator(selector).input_value() != part:
                self.type_into(selector, part)
                changed = True
        return changed

    def _consent(self, name: str, value: dict[str, Any]) -> bool:
        changed = False
        for part, kind in m.CONSENT_PARTS.items():
            if part not in value:
                continue
            sub, v = f"{name}-{part}", value[part]
            if kind == "yes_no":
                changed |= self._radio(sub, "yes" if v else "no")
            elif kind == "radios":
                changed |= self._radio(sub, v)
            elif kind == "date":
                changed |= self._date(sub, v)
            else:
                changed |= self._text(f"#{sub}", v)
        return changed

    def _repeat(self, f: m.Field, path: str, items: list[dict[str, Any]], form_id: str) -> bool:
        name = name_of(path)
        if not self.present(f"#{name}"):
            return False
        changed = False
        while self.page.locator(f"fieldset[id^='{name}-'].fanlight-repeat-item").count() < len(items):
            # Adding a record saves the page and comes back to it (with or without JavaScript).
            self.settle()
            with self.page.expect_navigation():
                self.press(f"button[name=action][value='add:{f.id}']")
            changed = True
        for index, item in enumerate(items):
            for sub in f.fields:
                if sub.id in item and sub.type != "content":
                    changed |= self.answer(sub, f"{path}[{index}].{sub.id}", item[sub.id], form_id)
        return changed

    # The end of the journey --------------------------------------------------------------------

    def send(self) -> str:
        """On check answers: "Accept and send"; returns the reference on the confirmation page."""
        assert self.page.url.endswith("/check"), self.page.url
        self.press("form button:has-text('Accept and send')")
        self.page.wait_for_url("**/submissions/*")
        reference: str = self.page.locator("#reference").inner_text().strip()
        assert REFERENCE.match(reference), f"not a reference: {reference!r}"
        return reference
