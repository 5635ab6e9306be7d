"""The names files are kept and downloaded under (files/names.py): readable as they are, true to their type."""

from __future__ import annotations

import pytest

from fanlight.web.files.filetypes import DOCX
from fanlight.web.files.names import MOST_CHARACTERS, clean_name, with_extension

PDF, JPEG = "application/pdf", "image/jpeg"
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f",
        "\u061c"]


def test_a_right_to_left_override_no_longer_disguises_an_executable():
    # Shown by a browser, "inv\u202egpj.exe.pdf" reads "invfdp.exe.jpg".
    assert clean_name("inv\u202egpj.exe.pdf", PDF) == "invgpj.exe.pdf"


@pytest.mark.parametrize("control", BIDI, ids=[f"U+{ord(c):04X}" for c in BIDI])
def test_every_bidirectional_control_is_removed(control):
    assert clean_name(f"chrono{control}logy.pdf", PDF) == "chronology.pdf"


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u200b", "\u2060", "\ufeff",
                                       "\u2028", "\u2029", "\ue000", "\ud800"],
                         ids=["NUL", "BEL", "ESC", "DEL", "NEL", "zero width space", "word joiner", "BOM",
                              "line separator", "paragraph separator", "private use", "lone surrogate"])
def test_other_control_and_format_characters_are_removed(character):
    assert clean_name(f"body{character}map.pdf", PDF) == "bodymap.pdf"


@pytest.mark.parametrize("sent, kept", [
    ("../../../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\sam\\report.pdf", "report.pdf"),
    ("/tmp/", "file.pdf"),
    ("..", "file.pdf"),
    (".hidden.pdf", "hidden.pdf"),
    ("  two   spaces\t.pdf ", "two spaces.pdf"),
])
def test_folders_hidden_names_and_runs_of_space_go(sent, kept):
    assert clean_name(sent, PDF) == kept


def test_letters_of_every_script_stay():
    assert clean_name("تقرير – Zoë's 報告.pdf", PDF) == "تقرير – Zoë's 報告.pdf"


@pytest.mark.parametrize("sent, kind, kept", [
    ("evil.html", PDF, "evil.html.pdf"),
    ("report", PDF, "report.pdf"),
    ("Chronology v1.2", PDF, "Chronology v1.2.pdf"),
    ("photo.png", JPEG, "photo.png.jpg"),
    ("Photo.JPEG", JPEG, "Photo.JPEG"),
    ("notes.docx", DOCX, "notes.docx"),
    ("notes.doc", DOCX, "notes.doc.docx"),
    ("mystery.exe", "application/x-unknown", "mystery.exe.bin"),
])
def test_a_name_ends_in_the_extension_of_what_the_file_really_is(sent, kind, kept):
    assert clean_name(sent, kind) == kept


def test_a_long_name_is_cut_to_255_characters_keeping_its_extension():
    for sent in ("x" * 400 + ".pdf", "x" * 400 + ".html", "x" * 400):
        kept = clean_name(sent, PDF)
        assert len(kept) == MOST_CHARACTERS and kept.endswith(".pdf")
    assert clean_name("é" * 300 + ".jpeg", JPEG).endswith("é.jpeg")


def test_the_extension_rule_is_the_same_at_download_and_does_nothing_twice():
    once = clean_name("evil.html", PDF)
    assert with_extension(once, PDF) == once
