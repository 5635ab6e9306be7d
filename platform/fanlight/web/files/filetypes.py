"""What a file really is, from its bytes: never trust the name or the browser's claim.

Magic numbers come from puremagic (a maintained signature table). Two checks are ours, because
a signature cannot make them: a Word file is a zip with Word's parts in it (any zip starts
with the same bytes), and plain text is UTF-8 with no NUL that is not markup a browser runs.
"""

from __future__ import annotations

import io
import zipfile

import puremagic

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PLAIN_TEXT = "text/plain"
UNKNOWN = "application/octet-stream"

# Every type Fanlight accepts, with the extension a file of that type is saved under.
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif",
              DOCX: ".docx", PLAIN_TEXT: ".txt"}
# Other spellings of the same extension, kept as the sender wrote them.
ALIASES = {"image/jpeg": (".jpeg", ".jpe", ".jfif"), PLAIN_TEXT: (".text",)}
NAMES = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG", "image/gif": "GIF", DOCX: "Word (DOCX)",
         PLAIN_TEXT: "plain text"}
_SIGNED = ("application/pdf", "image/jpeg", "image/png", "image/gif")
_ZIPS = (DOCX, "application/zip")  # puremagic names any zip as every Office type: the parts decide
_MARKUP = ("html", "xml", "svg")  # text that a browser or viewer would run, never passed as plain text

# A Word file is a zip. Only its central directory is read, as declared, nothing decompressed.
# Real documents unpack to a few megabytes from a few dozen parts, at ratios well under 100.
MiB = 1024 * 1024
MOST_UNPACKED = 100 * MiB
MOST_PARTS = 1000
MOST_RATIO = 100
_RATIO_FROM = MiB  # tiny parts compress at any ratio harmlessly


def sniff(data: bytes) -> str | None:
    """The type these bytes are, among the ones Fanlight accepts; None for anything else."""
    found = _signatures(data)
    for kind in found:
        if kind in _SIGNED:
            return kind
    if data.startswith(b"PK\x03\x04") or any(kind in _ZIPS for kind in found):
        return DOCX if _is_docx(data) else None
    if _is_text(data, found):
        return PLAIN_TEXT
    return None


def _signatures(data: bytes) -> list[str]:
    """The media types puremagic finds, most confident first."""
    try:
        return [match.mime_type for match in puremagic.magic_string(data)]
    except (puremagic.PureError, ValueError):  # nothing matched, or nothing to match
        return []


def _parts(data: bytes) -> list[zipfile.ZipInfo] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return None


def _is_docx(data: bytes) -> bool:
    parts = _parts(data)
    names = {part.filename for part in parts or []}
    return "[Content_Types].xml" in names and "word/document.xml" in names


def _is_text(data: bytes, found: list[str]) -> bool:
    if not data or b"\x00" in data[:4096] or any(word in kind for kind in found for word in _MARKUP):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def unpacking_problem(data: bytes) -> str | None:
    """Why an archive is refused before anything opens it (a zip bomb), or None.

    The sizes are those its directory declares: a bomb declares its size to be unpacked by
    Word, a scanner or a case system downstream. Parts whose packed sizes add up to more than
    the file itself overlap, the trick of bombs that reuse one compressed stream.
    """
    parts = _parts(data)
    if parts is None:
        return "not a readable archive"
    if len(parts) > MOST_PARTS:
        return f"{len(parts)} parts"
    if sum(part.compress_size for part in parts) > len(data):
        return "overlapping parts"
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MOST_UNPACKED:
        return f"unpacks to {unpacked} bytes"
    for part in parts:
        if part.file_size >= _RATIO_FROM and part.file_size > MOST_RATIO * max(part.compress_size, 1):
            return f"{part.filename!r} compressed {part.file_size // max(part.compress_size, 1)} to 1"
    return None


def describe(types: tuple[str, ...]) -> str:
    names = [NAMES.get(t, t) for t in types]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else (names[0] if names else "")
