"""`type: file` — a list of `{id, name, size, type}` references: `accept`, `max_size`, counts."""

from __future__ import annotations

import pytest

from tests.helpers import codes, compile_yaml, form_yaml, problems_of, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: attachments
          type: file
          label: Supporting documents
          accept: [application/pdf, image/jpeg]
          max_size: 1000000
          max_items: 2
        - id: chronology
          type: file
          label: Chronology
          required: true
          min_items: 1
        - id: has_two
          type: yes_no
          label: Two attachments?
          calculate: attachments.length == 2
        """
    )
)

PDF = {"id": "f-3b9a", "name": "chronology.pdf", "size": 52_000, "type": "application/pdf"}
JPEG = {"id": "f_81c2", "name": "photo of bruise.jpg", "size": 999_999, "type": "image/jpeg"}


def test_a_school_attaches_a_pdf_and_a_photo():
    evaluation = run(FORM, {"attachments": [PDF, JPEG], "chronology": [PDF]})

    assert codes(evaluation) == []
    assert evaluation.answers == {"attachments": [PDF, JPEG], "chronology": [PDF]}
    assert evaluation.derived == {"has_two": True}


def test_extra_keys_on_a_reference_are_dropped():
    evaluation = run(FORM, {"chronology": [{**PDF, "path": "/etc/passwd", "owner": "x"}]})

    assert evaluation.answers == {"chronology": [PDF]}


def test_a_word_document_is_not_an_accepted_type():
    word = {**PDF, "type": "application/msword", "name": "notes.doc"}

    evaluation = run(FORM, {"attachments": [word], "chronology": [PDF]})

    assert codes(evaluation) == [("attachments", "type")]
    assert "application/pdf" in evaluation.errors[0].message


def test_a_file_over_the_size_limit_is_refused():
    evaluation = run(FORM, {"attachments": [{**JPEG, "size": 1_000_001}], "chronology": [PDF]})

    assert codes(evaluation) == [("attachments", "max")]
    assert "1000000" in evaluation.errors[0].message


def test_a_file_exactly_at_the_size_limit_is_accepted():
    assert codes(run(FORM, {"attachments": [{**JPEG, "size": 1_000_000}], "chronology": [PDF]})) == []


def test_more_files_than_allowed_are_refused():
    evaluation = run(FORM, {"attachments": [PDF, JPEG, PDF], "chronology": [PDF]})

    assert codes(evaluation) == [("attachments", "max_items")]


def test_a_required_file_question_with_no_files_asks_for_one():
    evaluation = run(FORM, {"chronology": []})

    assert codes(evaluation) == [("chronology", "required")]
    assert evaluation.errors[0].message == "Upload a file for “Chronology”"


def test_without_accept_any_type_is_allowed():
    evaluation = run(FORM, {"chronology": [{**PDF, "type": "application/zip"}]})

    assert codes(evaluation) == []


@pytest.mark.parametrize(
    "reference",
    [
        {"name": "a.pdf", "size": 1, "type": "application/pdf"},  # no id
        {**PDF, "id": "../../etc/passwd"},
        {**PDF, "id": ""},
        {**PDF, "name": ""},
        {**PDF, "name": "x" * 256},
        {**PDF, "size": -1},
        {**PDF, "size": "52000"},
        {**PDF, "size": True},
        {**PDF, "size": 1.5},
        {**PDF, "type": None},
    ],
)
def test_a_malformed_file_reference_is_a_type_error(reference):
    evaluation = run(FORM, {"chronology": [reference]})

    assert codes(evaluation) == [("chronology", "type")]
    assert evaluation.answers == {}


@pytest.mark.parametrize("sent", [PDF, "chronology.pdf", [PDF, "x"], 3])
def test_a_file_answer_that_is_not_a_list_of_references_is_a_type_error(sent):
    assert codes(run(FORM, {"chronology": sent})) == [("chronology", "type")]


def test_a_mime_type_in_accept_must_look_like_one():
    problems = problems_of({"forms/f.yaml": form_yaml("- {id: f, type: file, label: F, accept: [pdf]}")})

    assert len(problems) == 1
    assert " DEF004 " in problems[0]
