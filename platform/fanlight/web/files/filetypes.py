"""What a file really is, from its first bytes: never trust the name or the browser's claim."""

from __future__ import annotations

import io
import zipfile

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NAMES = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG", "image/gif": "GIF", DOCX: "Word (DOCX)",
         "text/plain": "plain text"}


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data.startswith(b"PK\x03\x04") and _is_docx(data):
        return DOCX
    if data and b"\x00" not in data[:4096] and _is_utf8(data):
        return "text/plain"
    return None


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist()[:2000])
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "[Content_Types].xml" in names and "word/document.xml" in names


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def describe(types: tuple[str, ...]) -> str:
    names = [NAMES.get(t, t) for t in types]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else (names[0] if names else "")
