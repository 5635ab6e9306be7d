"""Default messages for field checks. Authors override any of them with `messages:`."""

from __future__ import annotations

import functools
import re
from typing import Any

from markdown_it import MarkdownIt

from ..definitions import model as m

_REQUIRED_BY_TYPE = {
    "radios": "Select an answer to “{label}”",
    "select": "Select an answer to “{label}”",
    "checkboxes": "Select at least one option for “{label}”",
    "yes_no": "Select yes or no for “{label}”",
    "file": "Upload a file for “{label}”",
    "repeat": "Add at least one {item}",
}
_CONSENT_REQUIRED = {
    "sought": "Say whether you have asked for consent",
    "given": "Say whether consent was given",
    "given_by": "Enter the name of the person who gave consent",
    "relationship": "Enter their relationship to the child",
    "has_parental_responsibility": "Say whether they have parental responsibility",
    "date": "Enter the date consent was given",
    "method": "Select how consent was given",
    "reason": "Explain why the referral goes ahead without consent",
}
_DEFAULTS = {
    "type": "“{label}” must be {expected}",
    "min": "“{label}” must be {min} or more",
    "max": "“{label}” must be {max} or less",
    "min_length": "“{label}” must be at least {min_length} characters",
    "max_length": "“{label}” must be {max_length} characters or fewer",
    "pattern": "Enter {expected} for “{label}”",
    "min_items": "Select or add at least {min_items} for “{label}”",
    "max_items": "Select or add no more than {max_items} for “{label}”",
    "option": "Select one of the listed options for “{label}”",
}
_DATE_BOUNDS = {"min": "“{label}” must be on or after {min}", "max": "“{label}” must be on or before {max}"}


def message(f: m.Field, code: str, params: dict[str, Any], part: str | None = None) -> str:
    """The message for a failed check, with only known placeholders filled in.

    Definition text is never treated as a template beyond these names, so a label that
    contains `{` or template syntax is shown as written.
    """
    template = f.messages.get(f"{part}.{code}" if part else code) or _default(f, code, part)
    values = {
        "label": _plain(f.label) or f.id,
        "item": f.item_label or "item",
        "expected": "in the right format",
        **{k: str(v) for k, v in params.items()},
    }
    return re.sub(r"\{(\w+)\}", lambda match: values.get(match.group(1), match.group(0)), template)


def _default(f: m.Field, code: str, part: str | None) -> str:
    if code == "required":
        if part is not None:
            return _CONSENT_REQUIRED.get(part, "Answer “{label}”")
        return _REQUIRED_BY_TYPE.get(f.type, "Enter an answer to “{label}”")
    if f.type in ("date", "datetime") and code in _DATE_BOUNDS:
        return _DATE_BOUNDS[code]
    if f.type == "file" and code == "max":
        return "Each file for “{label}” must be {max} bytes or smaller"
    return _DEFAULTS.get(code, "Check your answer to “{label}”")


# The parser the renderers use (CommonMark), so a message reads a label the way the page shows
# it: `*emphasis*` loses its stars, a literal `*`, `_` or `>` ("dd_mm_yyyy", "aged > 5") stays.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
_LONGEST_LABEL = 1000  # the form schema's bound: parsing stays linear and small whatever is passed


@functools.lru_cache(maxsize=4096)  # labels come from definitions: few, and asked for often
def _plain(text: str) -> str:
    """A label as plain text for a message: Markdown emphasis, code and links reduced to their words."""
    words: list[str] = []
    for token in _MARKDOWN.parseInline(text[:_LONGEST_LABEL]):
        for child in token.children or []:
            if child.type in {"text", "code_inline"}:
                words.append(child.content)
            elif child.type in {"softbreak", "hardbreak"}:
                words.append(" ")
    return "".join(words).strip()
