"""Markdown in definitions (labels, hints, guidance) -> sanitised HTML.

Definition text is written by service leads and reviewed, but it is still treated as
untrusted: raw HTML is off in the parser, and the output is cleaned to a short allowlist
(nh3), so nothing in a definition can run script in a professional's browser.
"""

from __future__ import annotations

import html
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_BLOCK_TAGS = {"p", "a", "strong", "em", "ul", "ol", "li", "br", "code", "h2", "h3", "h4", "blockquote"}
_INLINE_TAGS = {"a", "strong", "em", "code", "br"}
_ATTRIBUTES = {"a": {"href"}}
_CLASSES = {
    "<p>": '<p class="govuk-body">',
    "<ul>": '<ul class="govuk-list govuk-list--bullet">',
    "<ol>": '<ol class="govuk-list govuk-list--number">',
    "<h2>": '<h2 class="govuk-heading-m">',
    "<h3>": '<h3 class="govuk-heading-s">',
    "<h4>": '<h4 class="govuk-heading-s">',
    "<a ": '<a class="govuk-link" ',
}


_URL_IGNORED = str.maketrans("", "", "\t\n\r")


def safe_link(href: str) -> bool:
    """A link a definition may hold: https, mailto or tel, or a path on this site.

    nh3's scheme allowlist lets any URL without a scheme through, and a browser reads
    `//evil.example` (or `/\\evil.example`) as a link to another site.
    """
    target = href.translate(_URL_IGNORED).strip().lower()  # browsers drop tabs and newlines from URLs
    if target.startswith(("mailto:", "tel:")):
        return True
    if target.startswith("https://"):
        return len(target) > len("https://") and "\\" not in target
    return target.startswith(("/", "#")) and not target.startswith(("//", "/\\")) and "\\" not in target


def _links_only_safe(tag: str, attribute: str, value: str) -> str | None:
    return None if tag == "a" and attribute == "href" and not safe_link(value) else value


def _clean(html: str, tags: set[str]) -> str:
    cleaned = nh3.clean(html, tags=tags, attributes=_ATTRIBUTES, url_schemes={"https", "mailto", "tel"},
                        link_rel="noopener noreferrer", attribute_filter=_links_only_safe)
    for plain, styled in _CLASSES.items():
        cleaned = cleaned.replace(plain, styled)
    return cleaned


@lru_cache(maxsize=4096)  # definition text repeats on every page view; it never changes per version
def block(text: str | None) -> Markup:
    return Markup(_clean(_md.render(text or ""), _BLOCK_TAGS).strip())  # noqa: S704 (nh3-cleaned to an allowlist in _clean)  # nosec B704


@lru_cache(maxsize=4096)
def inline(text: str | None) -> Markup:
    return Markup(_clean(_md.renderInline(text or ""), _INLINE_TAGS).strip())  # noqa: S704 (nh3-cleaned to an allowlist in _clean)  # nosec B704


def plain(text: str | None) -> str:
    """Markdown reduced to its words (case notes, page titles): plain text, not HTML.

    nh3 returns HTML-escaped text; it is unescaped here because whatever shows it escapes it
    (Jinja's autoescape) or never treats it as HTML (a text/plain case note). Left escaped,
    "A&E" would read "A&amp;E" on check answers.
    """
    return html.unescape(nh3.clean(_md.renderInline(text or ""), tags=set())).strip()
