"""uploads.problem on its own: the rules no bundled field reaches through the web journey."""

from __future__ import annotations

import dataclasses

from fanlight.web import db
from fanlight.web.files import uploads
from fanlight.web.models import User
from tests.support.factories import PDF, compiled_form, section_of


def test_a_file_of_no_accepted_type_is_refused_even_where_a_field_names_no_types(app, teacher):
    documents = section_of(compiled_form(app), "documents").fields[0]
    anything = dataclasses.replace(documents, accept=())
    with app.test_request_context():
        owner = db.session().get(User, teacher.id)
        assert uploads.problem(anything, b"MZ\x90\x00" + bytes(200), "tool.exe", 0, owner=owner) == (
            422, "The selected file must be a PDF, JPG, PNG, GIF, Word (DOCX) or plain text")
        assert uploads.problem(anything, b"Notes from the visit\n", "notes.txt", 0, owner=owner) is None
        assert uploads.problem(anything, PDF, "a.pdf", 0, owner=owner) is None
