"""The names of files people send: shown on pages, in case notes and on downloads, never used as paths.

A name is only a label (the bytes are kept under an unguessable name of their own), but a label
can still deceive: a right-to-left override made "inv<RLO>gpj.exe.pdf" read as "invfdp.exe.jpg",
and a PDF named evil.html would open in a browser when saved. So a name keeps only what reads
as it is, and ends in the extension of what the file really is.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

from .filetypes import ALIASES, EXTENSIONS

MOST_CHARACTERS = 255
# Bidirectional controls (embeddings, overrides, isolates, marks) are format characters (Cf) and
# go with every other control and format character; line and paragraph separators break a line
# where a name should be one; surrogates, private-use and unassigned characters have no reading.
_DROPPED = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def clean_name(filename: str, media_type: str) -> str:
    """The name to keep for a file of this (sniffed) type: no folders, nothing invisible, no
    misleading extension, at most 255 characters."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in _DROPPED)
    name = " ".join(name.split()).strip(" .") or "file"  # no runs of spaces, no hidden or dot-only name
    return with_extension(name, media_type)


def with_extension(name: str, media_type: str) -> str:
    """The name ending in its type's extension: kept if it already does (in any spelling), added
    otherwise. Added rather than swapped: "report.html" that is a PDF becomes "report.html.pdf",
    so nothing the sender called it is lost ("Chronology v1.2" is not cut to "Chronology v1"),
    and the last extension, the one every system opens a file by, is the true one."""
    extension = EXTENSIONS.get(media_type, ".bin")
    suffix = PurePosixPath(name).suffix
    stem = name
    if suffix and (suffix.lower() == extension or suffix.lower() in ALIASES.get(media_type, ())):
        stem, extension = name[:-len(suffix)], suffix
    return (stem[:MOST_CHARACTERS - len(extension)].rstrip(" .") or "file") + extension
