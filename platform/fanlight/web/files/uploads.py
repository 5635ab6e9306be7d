"""Uploaded files: checked, scanned, and kept (files/storage.py) under unguessable names."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select

from fanlight.engine.definitions import model as m

from .. import db, extensions
from ..models import Attachment, Draft, DraftStatus, User
from . import storage
from .filetypes import DOCX, EXTENSIONS, describe, sniff, unpacking_problem
from .names import clean_name
from .scanning import Scanner, ScanResult, load_scanner, scan

MiB = 1024 * 1024
DEFAULT_MAX_SIZE = 10 * MiB
DEFAULT_MAX_FILES = 10  # as the file component offers: no field takes files without limit


def init_app(app: Flask) -> None:
    """Resolve the virus scanner and the attachment store once, at start-up. A scanner that cannot
    be loaded is logged there and then, and rejects every upload (an outage never lets a file
    through); a store that cannot be made stops the server starting."""
    spec = app.config.get("FANLIGHT_SCANNER")
    try:
        scanner = load_scanner(spec)
    except Exception as error:  # noqa: BLE001 (a missing or broken scanner must reject, never accept)
        app.logger.error("FANLIGHT_SCANNER %r cannot be loaded (%s): every upload will be rejected",
                         spec, type(error).__name__)
        reason = f"scanner could not be loaded: {type(error).__name__}"
        scanner = lambda _data: ScanResult(False, reason)  # noqa: E731
    app.extensions[extensions.SCANNER] = scanner
    storage.init_app(app)


def _scanner() -> Scanner:
    found: Scanner = current_app.extensions[extensions.SCANNER]
    return found


def problem(f: m.Field, data: bytes, filename: str | None, attached: int, *, owner: User) -> tuple[int, str] | None:
    """Why this file cannot be attached to this field by this person (status, message), or None."""
    if not data:
        return 422, "Select a file to upload"
    most = f.max_items or DEFAULT_MAX_FILES
    if attached >= most:
        return 422, f"You can attach up to {most} file{'s' if most != 1 else ''}. Remove one to add another"
    limit = f.max_size or DEFAULT_MAX_SIZE
    if len(data) > limit:
        return 413, f"The selected file must be smaller than {_megabytes(limit)}"
    if not filename:
        return 422, "The selected file is empty"
    held = _over_cap(owner, len(data))
    if held is not None:
        return held
    kind = sniff(data)
    if kind is None or (f.accept and kind not in f.accept):
        return 422, f"The selected file must be a {describe(f.accept or tuple(EXTENSIONS))}"
    return _unsafe(kind, data)


def _unsafe(kind: str, data: bytes) -> tuple[int, str] | None:
    """A zip bomb or a virus: refused before anything is kept."""
    bomb = unpacking_problem(data) if kind == DOCX else None
    if bomb is not None:
        current_app.logger.warning("upload rejected as an archive bomb: %s", bomb)
        return 422, "The selected file would be too large once opened. Save it again, or as a PDF, and upload that"
    verdict = scan(_scanner(), data)
    if not verdict.clean:
        current_app.logger.warning("upload rejected by the virus scanner: %s", verdict.reason)
        return 422, "The selected file contains a virus or could not be checked. Nothing was saved."
    return None


def _over_cap(owner: User, size: int) -> tuple[int, str] | None:
    """What one person may hold in files across their unsent drafts (sent ones are the service's)."""
    files, held = db.session().execute(
        select(func.count(Attachment.id), func.coalesce(func.sum(Attachment.size), 0))
        .join(Draft, Draft.id == Attachment.draft_id)
        .where(Draft.owner_id == owner.id, Draft.status == DraftStatus.DRAFT)).one()
    most_files = current_app.config["FANLIGHT_UPLOADS_PER_PERSON"]
    if files >= most_files:
        return 422, (f"You can keep up to {most_files} files across your draft forms. "
                     "Remove a file, or send a form, to add another")
    most_bytes = current_app.config["FANLIGHT_UPLOAD_BYTES_PER_PERSON"]
    if held + size > most_bytes:
        return 413, (f"You can keep up to {_megabytes(most_bytes)} of files across your draft forms. "
                     "Remove a file, or send a form, to add another")
    return None


def _megabytes(size: int) -> str:
    return f"{size // MiB or 1} MB"


def keep(owner: User, draft_id: str, field_id: str, filename: str, data: bytes) -> dict[str, Any]:
    """Store the file and its record; returns the answer's reference to it."""
    stored = hashlib.sha256(secrets.token_bytes(32)).hexdigest()  # unguessable, says nothing of the content
    kind = sniff(data) or "application/octet-stream"
    name = clean_name(filename, kind)
    record = Attachment(owner_id=owner.id, draft_id=draft_id, field_id=field_id, stored_name=stored,
                        original_name=name, media_type=kind, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    store = storage.store()
    try:
        with db.transaction() as s:
            s.add(record)
            store.put(s, stored, data)
    except Exception:
        _forget_quietly(store, stored)  # no orphan object if the record cannot be written
        raise
    return {"id": record.id, "name": name, "size": len(data), "type": kind}


def read(record: Attachment) -> bytes | None:
    """The attachment's bytes, or None when the store no longer holds them as they were sent."""
    data = storage.store().get(db.session(), record.stored_name)
    if data is None or hashlib.sha256(data).hexdigest() != record.sha256:
        current_app.logger.error("attachment %s: its bytes are missing or changed in the store", record.id)
        return None
    return data


def discard(attachment_id: str) -> None:
    """Remove the record, then its bytes: a failed commit leaves both, never a record without bytes."""
    with db.transaction() as s:
        record = s.get(Attachment, attachment_id)
        if record is None:
            return
        stored = record.stored_name
        s.delete(record)
    _forget(storage.store(), stored)


def _forget(store: storage.AttachmentStore, stored: str) -> None:
    with db.transaction() as s:
        store.delete(s, stored)


def _forget_quietly(store: storage.AttachmentStore, stored: str) -> None:
    """Undo a put after a failed write, keeping that failure the one reported."""
    try:
        _forget(store, stored)
    except Exception:  # noqa: BLE001 (the original error is re-raised by the caller)
        current_app.logger.exception("attachment bytes %s may be left without a record", stored)
