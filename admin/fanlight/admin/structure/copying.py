"""A new form from a copy of an existing one: the same text, comments and all, under a new id and
title, at version 1. Nothing else refers to the copy yet (no agency offers it, no definition test
covers it), so it goes live unused until the council adds it to an agency's forms.
"""

from __future__ import annotations

import re

from fanlight.admin.quickedit import normal, set_key

from .document import FormDocument, StructureError
from .questions import LONGEST

_FORM_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def path_for(form_id: str) -> str:
    """Where the copy is written in the change (beside the bundled forms)."""
    return f"forms/{form_id}.yaml"


def copy_form(text: str, new_id: str, new_title: str, taken: set[str]) -> str:
    """The form's text as a new form `new_id` titled `new_title`; `taken`: the ids of the set's definitions."""
    document = FormDocument.parse(text)
    new_id, new_title = new_id.strip(), normal(new_title)
    if not new_title:
        raise StructureError("Enter the new form's title.")
    if len(new_title) > LONGEST["title"]:
        raise StructureError(f"The new form's title must be {LONGEST['title']:,} characters or fewer.")
    if not _FORM_ID.match(new_id) or len(new_id) > 80:
        raise StructureError("The new form's id can only contain lower-case letters, numbers and hyphens, and starts "
                             "with a letter, like early-help-request.")
    if new_id in taken:
        raise StructureError(f"There is already a definition with the id {new_id}: choose another.")
    data = document.data
    data["id"] = new_id
    data["version"] = 1
    set_key(data, "title", new_title, after=("version", "id"))
    return document.render()
