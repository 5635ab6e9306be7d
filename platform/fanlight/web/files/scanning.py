"""Virus scanning of uploads behind one small interface.

The bundled scanner only recognises the EICAR test file, so the whole path (reject,
tell the person, store nothing) is exercised in tests. A council plugs in its real
scanner (for example clamd) by setting FANLIGHT_SCANNER to an importable
`module:function` taking the bytes and returning a ScanResult. Any failure of the
scanner rejects the file: an outage never lets a file through.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    reason: str = ""


Scanner = Callable[[bytes], ScanResult]


def stub_scanner(data: bytes) -> ScanResult:
    if EICAR in data:
        return ScanResult(False, "EICAR test signature")
    return ScanResult(True)


def load_scanner(spec: str | None) -> Scanner:
    if not spec or spec == "stub":
        return stub_scanner
    module, _, name = spec.partition(":")
    scanner: Scanner = getattr(importlib.import_module(module), name)
    return scanner


def scan(scanner: Scanner, data: bytes) -> ScanResult:
    try:
        result = scanner(data)
    except Exception as error:  # noqa: BLE001 (any scanner failure must reject, never accept)
        return ScanResult(False, f"scanner unavailable: {type(error).__name__}")
    return result if isinstance(result, ScanResult) else ScanResult(False, "scanner gave no verdict")
