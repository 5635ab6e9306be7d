"""Word files and zip bombs, made in memory for the tests.

Written by hand rather than with zipfile, so that a 900 MB bomb takes a second, not twelve: its
deflate stream is one compressed megabyte of zeros, flushed to a byte boundary with no history,
repeated. The result is a valid archive that really unpacks to what its directory declares.
"""

from __future__ import annotations

import functools
import os
import struct
import zlib
from dataclasses import dataclass

MiB = 1024 * 1024
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Part:
    name: str
    packed: bytes  # a raw deflate stream
    crc: int
    size: int


def part(name: str, data: bytes) -> Part:
    squeezer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return Part(name, squeezer.compress(data) + squeezer.flush(), zlib.crc32(data), len(data))


def zeros(name: str, megabytes: int) -> Part:
    megabyte = bytes(MiB)
    squeezer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = squeezer.compress(megabyte) + squeezer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(megabyte, crc)
    return Part(name, block * megabytes + squeezer.flush(), crc, megabytes * MiB)


def noise(name: str, size: int) -> Part:
    return part(name, os.urandom(size))


def archive(parts: list[Part], *, aliases: int = 0) -> bytes:
    """A zip of these parts; `aliases` more directory entries all point at the last part's data
    (the overlapping-entries trick)."""
    body, directory = b"", b""
    offsets = []
    for p in parts:
        offsets.append(len(body))
        name = p.name.encode()
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, p.crc, len(p.packed), p.size,
                            len(name), 0) + name + p.packed
    entries = [*zip(parts, offsets, strict=True)]
    entries += [(Part(f"word/media/alias{i}.bin", *_same(parts[-1])), offsets[-1]) for i in range(aliases)]
    for p, offset in entries:
        name = p.name.encode()
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, p.crc, len(p.packed),
                                 p.size, len(name), 0, 0, 0, 0, 0, offset) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), len(body), 0)
    return body + directory + end


def _same(p: Part) -> tuple[bytes, int, int]:
    return p.packed, p.crc, p.size


def word_parts() -> list[Part]:
    return [part("[Content_Types].xml", b"<Types/>"), part("word/document.xml", b"<document>Notes</document>")]


def docx(*extra: Part, aliases: int = 0) -> bytes:
    return archive([*word_parts(), *extra], aliases=aliases)


@functools.cache
def bomb(megabytes: int = 900) -> bytes:
    """A Word file whose document unpacks to `megabytes` of zeros."""
    return archive([part("[Content_Types].xml", b"<Types/>"), zeros("word/document.xml", megabytes)])
