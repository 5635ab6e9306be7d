"""Uploads for file fields (QUALITY §16): checked on content, scanned, stored out of the web root, owner-only."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from fanlight.web.files.scanning import EICAR
from fanlight.web.models import Attachment
from tests.support.factories import (
    PDF,
    REPO,
    Upload,
    complete_answers,
    count,
    csrf_from,
    draft_row,
    fill_draft,
    post_multipart,
    section_page,
    signed_in_client,
    start_draft,
    submit,
    submitted_draft,
    upload,
)
from tests.web.files import archives

MiB = 1024 * 1024
STATIC = REPO / "renderers" / "fanlight" / "renderers" / "static"


def stored_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*")) if folder.exists() else []


def nothing_stored(app, folder: Path) -> bool:
    return stored_files(folder) == [] and count(app, Attachment) == 0


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.fixture
def draft_id(teacher_client) -> str:
    return start_draft(teacher_client)


def test_a_pdf_uploads_through_the_file_fields_formaction_and_joins_the_draft_answers(
        app, teacher_client, draft_id, uploads):
    page = teacher_client.get(f"/drafts/{draft_id}/sections/documents").get_data(as_text=True)
    assert f'formaction="/drafts/{draft_id}/files/attachments"' in page
    assert 'formenctype="multipart/form-data"' in page

    response = upload(teacher_client, draft_id)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/drafts/{draft_id}/sections/documents#attachments"
    (answer,) = draft_row(app, draft_id).answers["attachments"]
    assert set(answer) == {"id", "name", "size", "type"}
    assert (answer["name"], answer["size"], answer["type"]) == ("chronology.pdf", len(PDF), "application/pdf")
    assert re.fullmatch(r"[0-9a-f]{32}", answer["id"])
    assert "chronology.pdf" in teacher_client.get(f"/drafts/{draft_id}/sections/documents").get_data(as_text=True)

    (stored,) = stored_files(uploads)
    assert re.fullmatch(r"[0-9a-f]{64}", stored.name)
    assert stored.read_bytes() == PDF
    assert not list(STATIC.rglob(stored.name))
    assert not Path(app.config["UPLOAD_FOLDER"]).resolve().is_relative_to(STATIC.resolve())


def test_an_upload_keeps_what_was_typed_in_the_rest_of_the_section(app, teacher_client, draft_id):
    response = upload(teacher_client, draft_id, field_id="early_help_assessment_file", section_id="other-professionals",
                      fields=[("_present", "early_help_assessment_exists"), ("early_help_assessment_exists", "yes"),
                              ("_present", "taf_in_place"), ("taf_in_place", "no")])
    assert response.status_code == 302
    answers = draft_row(app, draft_id).answers
    assert answers["early_help_assessment_exists"] is True and answers["taf_in_place"] is False
    assert [a["name"] for a in answers["early_help_assessment_file"]] == ["chronology.pdf"]


def test_a_word_document_is_recognised_by_its_content(app, teacher_client, draft_id):
    response = upload(teacher_client, draft_id, data=docx_bytes(), filename="notes.docx")
    assert response.status_code == 302
    (answer,) = draft_row(app, draft_id).answers["attachments"]
    assert answer["type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_the_owner_can_download_the_file_and_nobody_else_can(app, teacher_client, draft_id, user_factory):
    upload(teacher_client, draft_id, filename="Chronology (final).pdf")
    (answer,) = draft_row(app, draft_id).answers["attachments"]
    with teacher_client.get(f"/attachments/{answer['id']}") as download:
        assert download.status_code == 200
        assert download.get_data() == PDF
        assert download.mimetype == "application/pdf"
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["Cache-Control"] == "no-store"
    stranger = signed_in_client(app, user_factory("professional"))
    assert stranger.get(f"/attachments/{answer['id']}").status_code == 404


def test_a_sent_referrals_files_stay_downloadable_by_their_owner(app, teacher_client):
    draft_id = start_draft(teacher_client)
    upload(teacher_client, draft_id)
    (answer,) = draft_row(app, draft_id).answers["attachments"]
    fill_draft(app, draft_id, {**complete_answers(), "attachments": [answer]})
    assert submit(teacher_client, draft_id).status_code == 302
    with teacher_client.get(f"/attachments/{answer['id']}") as download:
        assert download.status_code == 200


@pytest.mark.parametrize("what, data", [
    ("a Windows executable", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)),
    ("a zip archive", None),
    ("an HTML page", b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"),
    ("an SVG with script", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("an ELF binary", b"\x7fELF\x02\x01\x01" + bytes(100)),
])
def test_a_pdf_that_is_really_something_else_is_rejected_on_its_content(
        app, teacher_client, draft_id, uploads, what, data):
    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("payload.exe", b"MZ")
        data = buffer.getvalue()
    response = upload(teacher_client, draft_id, data=data, filename="report.pdf", content_type="application/pdf")
    assert response.status_code == 422, what
    assert "The selected file must be a PDF" in response.get_data(as_text=True)
    assert nothing_stored(app, uploads)
    assert "attachments" not in draft_row(app, draft_id).answers


@pytest.mark.parametrize("data", [EICAR, b"%PDF-1.4\n" + EICAR + b"\n%%EOF\n"], ids=["bare", "inside-a-pdf"])
def test_the_eicar_test_file_is_rejected_and_nothing_is_stored(app, teacher_client, draft_id, uploads, data):
    response = upload(teacher_client, draft_id, data=data, filename="eicar.pdf")
    assert response.status_code == 422
    assert nothing_stored(app, uploads)
    assert "attachments" not in draft_row(app, draft_id).answers


def test_the_scanner_finding_a_virus_says_so(app, teacher_client, draft_id, uploads):
    response = upload(teacher_client, draft_id, data=b"%PDF-1.4\n" + EICAR)
    assert "contains a virus or could not be checked" in response.get_data(as_text=True)


@pytest.mark.parametrize("scanner", ["tests.web.broken_scanner:scan", "tests.web.broken_scanner:no_verdict",
                                     "tests.web.no_such_module:scan", "tests.web.broken_scanner:no_such_function",
                                     "not a spec"])
def test_a_scanner_outage_rejects_the_file_and_never_accepts_it(config, request, scanner):
    config["FANLIGHT_SCANNER"] = scanner
    app = request.getfixturevalue("app")
    client = request.getfixturevalue("teacher_client")
    uploads = Path(app.config["UPLOAD_FOLDER"])
    draft_id = start_draft(client)
    response = upload(client, draft_id)
    assert response.status_code == 422, response.status_code
    assert "could not be checked" in response.get_data(as_text=True)
    assert nothing_stored(app, uploads)


def test_a_file_over_the_fields_size_limit_is_413_and_nothing_is_stored(app, teacher_client, draft_id, uploads):
    limit = 10 * MiB  # the documents field's max_size
    response = upload(teacher_client, draft_id, data=PDF + b"0" * (limit + 1 - len(PDF)))
    assert response.status_code == 413
    assert "must be smaller than 10 MB" in response.get_data(as_text=True)
    assert nothing_stored(app, uploads)


def test_a_request_over_the_servers_limit_is_413_and_nothing_is_stored(app, teacher_client, draft_id, uploads):
    limit = app.config["MAX_CONTENT_LENGTH"]
    before = draft_row(app, draft_id)
    response = upload(teacher_client, draft_id, data=PDF + b"0" * limit)
    assert response.status_code == 413
    assert nothing_stored(app, uploads)
    assert draft_row(app, draft_id).revision == before.revision


def test_an_empty_or_missing_file_is_a_message(app, teacher_client, draft_id, uploads):
    assert upload(teacher_client, draft_id, data=b"").status_code == 422
    token, revision = section_page(teacher_client, draft_id, "documents")
    response = post_multipart(teacher_client, f"/drafts/{draft_id}/files/attachments",
                              [("csrf_token", token), ("revision", str(revision))])
    assert response.status_code == 422
    assert "Select a file to upload" in response.get_data(as_text=True)
    assert nothing_stored(app, uploads)


def test_an_upload_without_a_valid_revision_is_refused_and_stores_nothing(app, teacher_client, draft_id, uploads):
    token, _ = section_page(teacher_client, draft_id, "documents")
    response = post_multipart(teacher_client, f"/drafts/{draft_id}/files/attachments",
                              [("csrf_token", token), ("attachments", Upload(PDF, "a.pdf", "application/pdf"))])
    assert response.status_code == 400
    assert nothing_stored(app, uploads)


def test_an_upload_from_a_stale_tab_is_a_conflict_and_stores_nothing(app, teacher_client, draft_id, uploads):
    upload(teacher_client, draft_id)
    files = stored_files(uploads)
    response = upload(teacher_client, draft_id, revision=1)
    assert response.status_code == 409
    assert stored_files(uploads) == files
    assert count(app, Attachment) == 1


def test_a_field_takes_no_more_files_than_its_max_items(app, teacher_client, draft_id, uploads):
    fields = [("_present", "early_help_assessment_exists"), ("early_help_assessment_exists", "yes")]
    assert upload(teacher_client, draft_id, field_id="early_help_assessment_file", section_id="other-professionals",
                  fields=fields).status_code == 302
    response = upload(teacher_client, draft_id, field_id="early_help_assessment_file",
                      section_id="other-professionals", fields=fields)
    assert response.status_code == 422
    assert len(draft_row(app, draft_id).answers["early_help_assessment_file"]) == 1
    assert count(app, Attachment) == 1 and len(stored_files(uploads)) == 1


@pytest.mark.parametrize("filename, shown", [
    ("../../../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\sam\\report.pdf", None),
    ("<img src=x onerror=alert(1)>.pdf", "<img src=x onerror=alert(1)>.pdf"),
    ("x" * 400 + ".pdf", None),
])
def test_hostile_file_names_are_kept_as_names_only(app, teacher_client, draft_id, uploads, filename, shown):
    # (A NUL in a file name is refused before any view reads it: tests/web/test_nul_bytes.py.)
    response = upload(teacher_client, draft_id, filename=filename)
    assert response.status_code == 302
    (answer,) = draft_row(app, draft_id).answers["attachments"]
    if shown is not None:
        assert answer["name"] == shown
    assert "/" not in answer["name"] and "\\" not in answer["name"] and "\x00" not in answer["name"]
    assert len(answer["name"]) <= 255
    (stored,) = stored_files(uploads)
    assert re.fullmatch(r"[0-9a-f]{64}", stored.name)
    page = teacher_client.get(f"/drafts/{draft_id}/sections/documents").get_data(as_text=True)
    assert "<img src=x" not in page


def test_uploading_to_something_that_is_not_a_file_field_is_404(app, teacher_client, draft_id, uploads):
    assert upload(teacher_client, draft_id, field_id="concern_description", section_id="your-concern").status_code == 404
    assert nothing_stored(app, uploads)


def test_uploading_to_a_sent_referral_changes_nothing(app, teacher_client, uploads):
    draft_id, _ = submitted_draft(app, teacher_client)
    token = csrf_from(teacher_client.get("/your-forms").get_data(as_text=True))
    response = post_multipart(teacher_client, f"/drafts/{draft_id}/files/attachments", [
        ("csrf_token", token), ("revision", "99"), ("attachments", Upload(PDF, "late.pdf", "application/pdf"))])
    assert response.status_code == 409
    assert nothing_stored(app, uploads)


def test_removing_an_attachment_deletes_its_row_and_its_file(app, teacher_client, draft_id, uploads):
    upload(teacher_client, draft_id, filename="first.pdf")
    upload(teacher_client, draft_id, filename="second.pdf")
    first, second = draft_row(app, draft_id).answers["attachments"]
    assert len(stored_files(uploads)) == 2
    token, revision = section_page(teacher_client, draft_id, "documents")
    response = teacher_client.post(f"/drafts/{draft_id}/files/attachments/{first['id']}/remove",
                                   data={"csrf_token": token, "revision": str(revision)})
    assert response.status_code == 302
    assert draft_row(app, draft_id).answers["attachments"] == [second]
    assert count(app, Attachment) == 1 and count(app, Attachment, Attachment.id == second["id"]) == 1
    assert len(stored_files(uploads)) == 1
    assert teacher_client.get(f"/attachments/{first['id']}").status_code == 404
    with teacher_client.get(f"/attachments/{second['id']}") as kept:
        assert kept.status_code == 200


def test_removing_from_a_stale_tab_is_a_conflict_and_keeps_the_file(app, teacher_client, draft_id, uploads):
    upload(teacher_client, draft_id)
    (answer,) = draft_row(app, draft_id).answers["attachments"]
    token, _ = section_page(teacher_client, draft_id, "documents")
    response = teacher_client.post(f"/drafts/{draft_id}/files/attachments/{answer['id']}/remove",
                                   data={"csrf_token": token, "revision": "1"})
    assert response.status_code == 409
    assert count(app, Attachment) == 1 and len(stored_files(uploads)) == 1


# Uploads are what they claim (issue 11, item 7) ---------------------------------------------------


def test_a_pdf_named_as_a_web_page_is_kept_and_downloaded_as_a_pdf(app, teacher_client, draft_id):
    response = upload(teacher_client, draft_id, filename="evil.html", content_type="text/html")
    assert response.status_code == 302
    (answer,) = draft_row(app, draft_id).answers["attachments"]
    assert (answer["name"], answer["type"]) == ("evil.html.pdf", "application/pdf")
    with teacher_client.get(f"/attachments/{answer['id']}") as download:
        assert download.mimetype == "application/pdf"
        assert download.headers["Content-Disposition"] == "attachment; filename=evil.html.pdf"


def test_a_right_to_left_override_cannot_disguise_a_files_name(app, teacher_client, draft_id):
    # Shown as it was sent, the name read "invfdp.exe.jpg".
    assert upload(teacher_client, draft_id, filename="inv\u202egpj.exe.pdf").status_code == 302
    (answer,) = draft_row(app, draft_id).answers["attachments"]
    assert answer["name"] == "invgpj.exe.pdf"
    page = teacher_client.get(f"/drafts/{draft_id}/sections/documents").get_data(as_text=True)
    assert "invgpj.exe.pdf" in page and "\u202e" not in page
    with teacher_client.get(f"/attachments/{answer['id']}") as download:
        assert download.headers["Content-Disposition"] == "attachment; filename=invgpj.exe.pdf"


def test_a_word_file_that_unpacks_to_900_megabytes_is_refused_and_nothing_is_stored(
        app, teacher_client, draft_id, uploads):
    bomb = archives.bomb(900)
    response = upload(teacher_client, draft_id, data=bomb, filename="notes.docx", content_type=archives.DOCX_TYPE)
    assert response.status_code == 422
    assert "The selected file would be too large once opened" in response.get_data(as_text=True)
    assert nothing_stored(app, uploads)
    assert upload(teacher_client, draft_id, data=archives.docx(), filename="notes.docx").status_code == 302


# What one person may hold (issue 11, item 3) -------------------------------------------------------


def test_a_person_may_hold_only_so_many_files_across_their_drafts(config, request):
    config["FANLIGHT_UPLOADS_PER_PERSON"] = 2
    app, client = request.getfixturevalue("app"), request.getfixturevalue("teacher_client")
    uploads = Path(app.config["UPLOAD_FOLDER"])
    first, second = start_draft(client), start_draft(client)
    assert upload(client, first).status_code == 302
    assert upload(client, second).status_code == 302
    files = stored_files(uploads)
    response = upload(client, first, filename="third.pdf")
    assert response.status_code == 422
    assert "You can keep up to 2 files across your draft forms" in response.get_data(as_text=True)
    assert stored_files(uploads) == files and count(app, Attachment) == 2
    someone_else = signed_in_client(app, request.getfixturevalue("user_factory")("professional"))
    assert upload(someone_else, start_draft(someone_else)).status_code == 302  # the cap is each person's own


def test_a_person_may_hold_only_so_many_bytes_across_their_drafts(config, request):
    config["FANLIGHT_UPLOAD_BYTES_PER_PERSON"] = 5 * MiB // 2
    app, client = request.getfixturevalue("app"), request.getfixturevalue("teacher_client")
    megabyte = PDF + b"0" * (MiB - len(PDF))
    first, second = start_draft(client), start_draft(client)
    assert upload(client, first, data=megabyte).status_code == 302
    assert upload(client, second, data=megabyte).status_code == 302
    response = upload(client, second, data=megabyte)
    assert response.status_code == 413
    assert "You can keep up to 2 MB of files across your draft forms" in response.get_data(as_text=True)
    assert count(app, Attachment) == 2
    assert upload(client, second).status_code == 302  # a small one still fits


def test_files_sent_or_removed_no_longer_count_against_a_persons_cap(config, request):
    config["FANLIGHT_UPLOADS_PER_PERSON"] = 1
    app, client = request.getfixturevalue("app"), request.getfixturevalue("teacher_client")
    sent = start_draft(client)
    upload(client, sent)
    (answer,) = draft_row(app, sent).answers["attachments"]
    fill_draft(app, sent, {**complete_answers(), "attachments": [answer]})
    assert submit(client, sent).status_code == 302
    draft_id = start_draft(client)
    assert upload(client, draft_id).status_code == 302
    assert upload(client, draft_id).status_code == 422
    (answer,) = draft_row(app, draft_id).answers["attachments"]
    token, revision = section_page(client, draft_id, "documents")
    client.post(f"/drafts/{draft_id}/files/attachments/{answer['id']}/remove",
                data={"csrf_token": token, "revision": str(revision)})
    assert upload(client, draft_id).status_code == 302
