"""Text from definitions and from answers is only ever text: no payload runs (QUALITY row 13).

The browser context bypasses the Content-Security-Policy on purpose (see conftest): the CSP
is the second line of defence, and these tests check the first one, escaping and sanitising,
on its own.
"""

from __future__ import annotations

from typing import Any

from .conftest import PASSWORD, LiveServer
from .driver import REFERENCE, Referrer
from .payloads import LITERALS, PAYLOADS

HOOK = "window.__xssHits = []; window.__xss = (n) => { window.__xssHits.push(n) };"

# Markup a payload would have to create to run: event-handler attributes, script URLs,
# elements that run or load things, and htmx attributes anywhere but our own (body, section form).
SCAN = r"""() => {
  const found = [];
  const urlish = /^\s*(javascript|vbscript|data:text\/html)/i;
  for (const e of document.querySelectorAll('*')) {
    const tag = e.tagName.toLowerCase();
    for (const a of e.attributes) {
      const name = a.name.toLowerCase();
      if (name.startsWith('on')) found.push(`${tag}[${name}]`);
      if (['href', 'src', 'action', 'formaction', 'data', 'srcdoc', 'xlink:href', 'style'].includes(name)
          && (urlish.test(a.value) || /javascript:/i.test(a.value))) found.push(`${tag}[${name}=${a.value}]`);
      if ((name.startsWith('hx-') || name.startsWith('data-hx-')) && !e.matches('form[data-fanlight-live], body'))
        found.push(`${tag}[${name}]`);
    }
    if (tag === 'script' && !(e.getAttribute('src') || '').startsWith('/static/')) found.push('script: ' + e.textContent.slice(0, 40));
    if (['iframe', 'object', 'embed', 'base', 'marquee', 'isindex', 'hx-partial', 'template', 'audio', 'video'].includes(tag))
      found.push(tag);
    if (['meta', 'link', 'style'].includes(tag) && e.closest('body')) found.push(tag + ' in the body');
  }
  return found }"""


class Watch:
    """Records every payload that runs on a page: __xss(n) calls, dialogs, and injected markup."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        page.add_init_script(HOOK)
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check(self, where: str) -> None:
        self.page.wait_for_timeout(50)  # an onerror or onload fires just after the page loads
        hits = self.page.evaluate("() => window.__xssHits || []")
        injected = self.page.evaluate(SCAN)
        assert not hits and not self.dialogs and not injected, (
            f"{where} ({self.page.url}): payloads ran {hits}, dialogs {self.dialogs}, injected markup {injected}")


def test_script_in_a_form_definition_is_shown_as_text_and_never_runs(page: Any, hostile_server: LiveServer) -> None:
    watch = Watch(page)
    person = Referrer(page, hostile_server.url)
    email = hostile_server.create_user("hostile-definition@test-school.example")
    person.sign_in(email, PASSWORD)
    watch.check("your forms")
    person.press("main a:has-text('Hostile form')")
    watch.check("start page")
    text = page.locator("main").inner_text()
    for literal in LITERALS:  # template syntax and tags are shown as typed, not evaluated
        assert literal in text, f"{literal!r} is not on the start page as text"
    assert "e2e-" not in text  # {{ config.SECRET_KEY }} stayed text
    person.press("button.govuk-button--start")
    page.wait_for_url("**/sections/hostile")
    watch.check("section")
    assert "{{ 7*7 }}" in page.locator("main").inner_text()
    person.save_and_continue()
    assert page.locator(".govuk-error-summary").count() == 1
    watch.check("section with errors (messages from the definition)")
    page.locator("input[name=choice]").first.check()  # a live update: htmx swaps in the fields
    person.settle()
    watch.check("section after a live update")
    page.goto(page.url.rsplit("/sections/", 1)[0] + "/check")
    watch.check("check answers")


def test_script_typed_into_answers_is_shown_back_as_text_and_never_runs(page: Any, hostile_server: LiveServer) -> None:
    watch = Watch(page)
    person = Referrer(page, hostile_server.url)
    person.sign_in(hostile_server.create_user("hostile-answers@test-school.example"), PASSWORD)
    person.press("main a:has-text('Hostile form')")
    person.press("button.govuk-button--start")
    page.wait_for_url("**/sections/hostile")

    every = "\n".join(PAYLOADS)
    page.fill("#name", PAYLOADS[2])
    page.fill("#notes", every)
    page.locator("#notes").blur()
    page.locator("input[name=choice]").first.check()
    page.locator("#consent-sought-no").check()  # asks for a reason: a textarea shown by a live update
    person.settle()
    page.fill("#consent-reason", every)
    page.locator("#consent-reason").blur()
    person.settle()
    watch.check("section, answers saved as they were typed (live updates)")
    with page.expect_navigation():
        page.locator("button[name=action][value='add:people']").click()
    page.fill("#people-0-who", PAYLOADS[0])
    person.save_and_continue()
    watch.check("the next section")
    page.fill("#more_text", PAYLOADS[40])
    person.save_and_continue()
    assert page.url.endswith("/check"), page.url
    watch.check("check answers")
    main = page.locator("main").inner_text()
    for payload in (PAYLOADS[0], PAYLOADS[2], PAYLOADS[40], "{{ 7*7 }}", "<hx-partial"):
        assert payload in main, f"{payload!r} is not shown back on check answers as typed"

    reference = person.send()
    assert REFERENCE.match(reference)
    watch.check("confirmation")
    person.press("a:has-text('Print or save a copy')")
    watch.check("print view")
    assert PAYLOADS[2] in page.locator("main").inner_text()
    note = page.request.get(page.url.replace("/print", "/case-note.txt"))
    assert note.headers["content-type"].startswith("text/plain")
    assert note.headers["x-content-type-options"] == "nosniff"
    assert PAYLOADS[2] in note.text()

    # A hostile client: an option that is not in the definition, with a payload for its value.
    page.goto(hostile_server.url + "/your-forms")
    person.press("main a:has-text('Hostile form')")
    person.press("button.govuk-button--start")
    page.wait_for_url("**/sections/hostile")
    page.evaluate("""(value) => { const o = document.createElement('option'); o.value = value; o.textContent = 'forged';
        const s = document.querySelector('#pick'); s.append(o); s.value = value }""", PAYLOADS[1])
    page.locator("#name").fill(PAYLOADS[3])
    person.save_and_continue()
    watch.check("section, after a forged option")
    page.goto(page.url.rsplit("/sections/", 1)[0] + "/check")
    watch.check("check answers, with a forged option")
