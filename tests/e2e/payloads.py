"""Cross-site scripting payloads, and a form definition made of them.

Every payload that could run calls `__xss(n)` (or `alert(n)`), so the test can tell which one
ran. Template syntax is in the list too: a definition is data, never a template, so
"{{ 7*7 }}" must reach the page as those characters, not as 49.
"""

from __future__ import annotations

from typing import Any

import yaml

PAYLOADS = [
    "<script>__xss(1)</script>",
    "<img src=x onerror=__xss(2)>",
    '"><img src=x onerror=__xss(3)>',
    "'><img src=x onerror=__xss(4)>",
    "<svg onload=__xss(5)>",
    "<svg><script>__xss(6)</script></svg>",
    "<body onload=__xss(7)>",
    '<iframe src="javascript:__xss(8)"></iframe>',
    '<iframe srcdoc="<script>parent.__xss(9)</script>"></iframe>',
    '<a href="javascript:__xss(10)">a link</a>',
    "[a markdown link](javascript:__xss(11))",
    "[a markdown link](JaVaScRiPt:__xss(12))",
    "[an encoded link](&#106;avascript:__xss(13))",
    "<details open ontoggle=__xss(14)>",
    "<input autofocus onfocus=__xss(15)>",
    "<select autofocus onfocus=__xss(16)>",
    "<textarea autofocus onfocus=__xss(17)>",
    "<video><source onerror=__xss(18)>",
    "<audio src=x onerror=__xss(19)>",
    '<object data="javascript:__xss(20)">',
    '<embed src="javascript:__xss(21)">',
    "<math><mtext><table><mglyph><style><img src=x onerror=__xss(22)>",
    '<noscript><p title="</noscript><img src=x onerror=__xss(23)>">',
    '<style>@import "javascript:__xss(24)";</style>',
    '<div style="background:url(javascript:__xss(25))">styled</div>',
    "<marquee onstart=__xss(26)>",
    "<form><button formaction=javascript:__xss(27)>a button</button></form>",
    "<isindex action=javascript:__xss(28) type=image>",
    '<base href="javascript:__xss(29)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:__xss(30)">',
    '<link rel=import href="data:text/html,<script>__xss(31)</script>">',
    "</textarea><script>__xss(32)</script>",
    "</title><script>__xss(33)</script>",
    "</script><script>__xss(34)</script>",
    "{{ 7*7 }}",
    "{{ config.SECRET_KEY }}",
    "{% for x in range(3) %}loop{% endfor %}",
    "${7*7}",
    '<img src="x" onerror="&#95;&#95;xss(39)">',
    "<img src=x:alert(alt) onerror=eval(src) alt=40>",
    "<svg><animate onbegin=__xss(41) attributeName=x dur=1s>",
    '"onmouseover="__xss(42)',
    "' onfocus='__xss(43)' autofocus='",
    "`-__xss(44)-`",
    "<scr<script>ipt>__xss(45)</scr</script>ipt>",
    "<IMG SRC=JaVaScRiPt:__xss(46)>",
    "<svg/onload=__xss(47)>",
    "<img src=x onerror=alert(48)>",
    "<script>alert(49)</script>",
    "<img src=`x`onerror=__xss(50)>",
    "<x onclick=__xss(51) autofocus tabindex=1 onfocusin=__xss(51)>",
    "--><script>__xss(52)</script>",
    "]]><script>__xss(53)</script>",
    '<!--<img src="--><img src=x onerror=__xss(54)//">',
    "<a href='&#x6A;avascript:__xss(55)'>an entity link</a>",
    "<![CDATA[<script>__xss(56)</script>]]>",
    # htmx reads attributes and elements of what it swaps in: none of these may reach it as markup.
    '<div hx-on:htmx:load="__xss(57)">htmx</div>',
    '<hx-partial hx-target="body" hx-swap="innerHTML"><img src=x onerror=__xss(58)></hx-partial>',
    '<form hx-post="/sign-out" hx-trigger="load"><input name=x></form>',
    '<template><img src=x onerror=__xss(60)></template>',
]

# Read back on a page, these must appear as the characters typed.
LITERALS = ["{{ 7*7 }}", "{{ config.SECRET_KEY }}", "<script>__xss(1)</script>"]


def _one(i: int, limit: int = 1000) -> str:
    return PAYLOADS[i % len(PAYLOADS)][:limit]


def _all() -> str:
    return "\n\n".join(PAYLOADS)


def hostile_form() -> dict[str, Any]:
    """A valid form definition whose every piece of text people read is a payload."""
    options = [{"value": f"v{i}-" + _one(i, 90), "label": _one(i + 1, 500), "hint": _one(i + 2)} for i in range(0, 56, 7)]
    return {
        "kind": "form", "id": "hostile-form", "version": 1,
        "title": "Hostile form " + _one(0, 150),
        "description": _all(),
        "sections": [
            {
                "id": "hostile", "title": "Hostile section " + _one(1, 150), "description": _all(),
                "fields": [
                    {"id": "intro", "type": "content", "label": _one(2), "text": _all()},
                    {"id": "name", "type": "text", "label": _one(3), "hint": _all(), "required": True,
                     "messages": {"required": _one(4)}},
                    {"id": "notes", "type": "textarea", "label": _one(5), "hint": _one(6)},
                    {"id": "choice", "type": "radios", "label": _one(7), "hint": _one(8), "required": True,
                     "options": options, "messages": {"required": _one(9)}},
                    {"id": "many", "type": "checkboxes", "label": _one(10), "options": options},
                    {"id": "pick", "type": "select", "label": _one(11), "options": options},
                    {"id": "agreed", "type": "yes_no", "label": _one(12), "hint": _one(13)},
                    {"id": "when", "type": "date", "label": _one(14), "hint": _one(15)},
                    {"id": "people", "type": "repeat", "label": _one(16), "hint": _one(17),
                     "item_label": "person",
                     "fields": [{"id": "who", "type": "text", "label": _one(18), "hint": _one(19), "required": True}]},
                    {"id": "consent", "type": "consent", "label": _one(20), "hint": _one(21)},
                ],
            },
            {
                "id": "more", "title": "More " + _one(22, 150),
                "fields": [{"id": "more_text", "type": "text", "label": _one(23), "hint": _one(24)}],
            },
        ],
    }


class _WithoutAnchors(yaml.SafeDumper):
    """Written out in full: definitions may not use YAML anchors and aliases (YAML005)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def hostile_form_yaml() -> str:
    return yaml.dump(hostile_form(), Dumper=_WithoutAnchors, allow_unicode=True, sort_keys=False, width=1000)
