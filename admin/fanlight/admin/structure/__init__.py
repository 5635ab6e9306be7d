"""The structured pages' logic: add, move and remove questions and sections, build a condition
without writing an expression, and start a new form from a copy of another.

Every edit is made on the file's YAML with the quick edit's round trip (fanlight.admin.quickedit),
so comments, key order and quoting stay as the author left them; the pages then save the new
text into the change exactly as the YAML editor would (workflow.save_item).

    FormDocument.parse(text)                       # StructureError if it is not a form, or unreadable
    conditions.to_expression(condition, questions) # "request_type == 'early_help'"
    conditions.parse(expression, questions)        # back to a Condition (None: written by hand)
    conditions.in_words(condition, questions)      # “What are you asking for?” is “Early help”
    copying.copy_form(text, new_id, new_title)     # a new form's text
"""

from __future__ import annotations

from .document import FormDocument, StructureError

__all__ = ["FormDocument", "StructureError"]
