"""What a file really is (files/filetypes.py): puremagic's signatures, our Word and text rules, zip bombs."""

from __future__ import annotations

import io
import zipfile

import pytest

from fanlight.web.files import filetypes
from fanlight.web.files.filetypes import DOCX, sniff, unpacking_problem
from tests.support.factories import PDF
from tests.web.files import archives
from tests.web.files.archives import MiB

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(20)


@pytest.mark.parametrize("data, kind", [
    (PDF, "application/pdf"),
    (PNG, "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20), "image/jpeg"),
    (b"GIF89a" + bytes(20), "image/gif"),
    (archives.docx(), DOCX),
    ("Notes from the visit — Café, 3pm\n".encode(), "text/plain"),
    (b'{"a": 1}', "text/plain"),
], ids=["pdf", "png", "jpeg", "gif", "docx", "utf-8 text", "json as text"])
def test_each_accepted_type_is_recognised_by_its_content(data, kind):
    assert sniff(data) == kind


@pytest.mark.parametrize("data", [
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200),
    b"\x7fELF\x02\x01\x01" + bytes(100),
    b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>",
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b"<?xml version='1.0'?><a/>",
    "Notes".encode("utf-16"),
    "Café".encode("latin-1"),
    b"",
], ids=["exe", "elf", "html", "svg", "xml", "utf-16 text", "latin-1 text", "empty"])
def test_anything_else_is_no_accepted_type(data):
    assert sniff(data) is None


def test_a_zip_is_a_word_file_only_with_words_parts_in_it():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", b"MZ")
    assert sniff(buffer.getvalue()) is None
    assert sniff(archives.archive([archives.part("[Content_Types].xml", b"<Types/>")])) is None


def test_markup_is_never_passed_off_as_plain_text_but_a_note_that_starts_like_a_signature_is():
    assert sniff(b"<html><body>hi</body></html>") is None
    assert sniff(b"BM report on the home visit") == "text/plain"  # "BM" is a bitmap's weak signature


def test_a_real_word_file_unpacks_within_the_limits():
    assert unpacking_problem(archives.docx(archives.noise("word/media/image1.png", 2 * MiB))) is None


def test_a_900_megabyte_zip_bomb_is_refused_without_unpacking_it():
    data = archives.bomb(900)
    assert len(data) < 1 * MiB
    assert sniff(data) == DOCX  # it is a Word file, as far as its parts go
    assert unpacking_problem(data) == f"unpacks to {900 * MiB + len(b'<Types/>')} bytes"


def test_a_part_compressed_past_any_real_documents_ratio_is_refused():
    data = archives.docx(archives.zeros("word/media/image1.png", 50))  # under the total limit
    assert 50 * MiB < filetypes.MOST_UNPACKED
    assert unpacking_problem(data).startswith("'word/media/image1.png' compressed")


def test_parts_that_overlap_are_refused():
    data = archives.docx(archives.noise("word/media/image1.png", 200_000), aliases=20)
    assert unpacking_problem(data) == "overlapping parts"


def test_an_absurd_number_of_parts_is_refused():
    parts = [archives.part(f"word/media/{i}.xml", b"<a/>") for i in range(filetypes.MOST_PARTS)]
    assert unpacking_problem(archives.docx(*parts)) == f"{filetypes.MOST_PARTS + 2} parts"
