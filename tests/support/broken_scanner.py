"""Scanners that fail, for FANLIGHT_SCANNER in the upload tests: an outage must reject, never accept."""

from __future__ import annotations

from typing import Any


def scan(data: bytes) -> Any:
    raise ConnectionRefusedError("clamd is not running")


def no_verdict(data: bytes) -> Any:
    return True  # not a ScanResult: no verdict is not a clean verdict
