"""Uploaded files: checked, scanned, and kept outside the web root under unguessable names."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from fanlight.engine.definitions import model as m
from fanlight.renderers import html_form

from .. import db, extensions
from ..models import Attachment, User
from .filetypes import describe, sniff
from .scanning import Scanner, ScanResult, load_scanner, scan

DEFAULT_MAX_SIZE = 10 * 1024 * 1024
DEFAULT_MAX_FILES = 10  # as the file component offers: no field takes files without limit


def init_app(app: Flask) -> None:
    """Resolve the virus scanner once, at start-up. One that cannot be loaded is logged there and
    then, and rejects every upload (an outage never lets a file through)."""
    spec = app.config.get("FANLIGHT_SCANNER")
    try:
        scanner = load_scanner(spec)
    except Exception as error:  # noqa: BLE001 (a missing or broken scanner must reject, never accept)
        app.logger.error("FANLIGHT_SCANNER %r cannot be loaded (%s): every upload will be rejected",
                         spec, type(error).__name__)
        reason = f"scanner could not be loaded: {type(error).__name__}"
        scanner = lambda _data: ScanResult(False, reason)  # noqa: E731
    app.extensions[extensions.SCANNER] = scanner


def _scanner() -> Scanner:
    found: Scanner = current_app.extensions[extensions.SCANNER]
    return found


def folder() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"])
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def problem(f: m.Field, data: bytes, filename: str | None, attached: int) -> tuple[int, str] | None:
    """Why this file cannot be attached to this field (status, message), or None."""
    if not data:
        return 422, "Select a file to upload"
    most = f.max_items or DEFAULT_MAX_FILES
    if attached >= most:
        return 422, f"You can attach up to {most} file{'s' if most != 1 else ''}. Remove one to add another"
    limit = f.max_size or DEFAULT_MAX_SIZE
    if len(data) > limit:
        return 413, f"The selected file must be smaller than {limit // (1024 * 1024) or 1} MB"
    if not filename:
        return 422, "The selected file is empty"
    kind = sniff(data)
    if f.accept and kind not in f.accept:
        return 422, f"The selected file must be a {describe(f.accept)}"
    verdict = scan(_scanner(), data)
    if not verdict.clean:
        current_app.logger.warning("upload rejected by the virus scanner: %s", verdict.reason)
        return 422, "The selected file contains a virus or could not be checked. Nothing was saved."
    return None


def keep(owner: User, draft_id: str, field_id: str, filename: str, data: bytes) -> dict[str, Any]:
    """Store the file and its record; returns the answer's reference to it."""
    stored = hashlib.sha256(secrets.token_bytes(32)).hexdigest()  # unguessable, says nothing of the content
    path = folder() / stored
    temporary = path.with_suffix(".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    kind = sniff(data) or "application/octet-stream"
    name = html_form.clean_text(Path(filename.replace("\\", "/")).name)[:255].strip() or "file"
    record = Attachment(owner_id=owner.id, draft_id=draft_id, field_id=field_id, stored_name=stored,
                        original_name=name, media_type=kind, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    try:
        with db.transaction() as s:
            s.add(record)
    except Exception:
        path.unlink(missing_ok=True)  # no orphan file if the record cannot be written
        raise
    return {"id": record.id, "name": name, "size": len(data), "type": kind}


def discard(attachment_id: str) -> None:
    with db.transaction() as s:
        record = s.get(Attachment, attachment_id)
        if record is not None:
            (folder() / record.stored_name).unlink(missing_ok=True)
            s.delete(record)
