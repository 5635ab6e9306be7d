"""Uploads for `file` fields: checked, scanned and stored outside the web root under hashed names."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, request, send_file, url_for
from werkzeug.wrappers import Response

from fanlight.engine import Message
from fanlight.engine.definitions import model as m

from . import answers as posted
from . import db, store
from .auth import audit
from .filetypes import describe, sniff
from .models import Attachment
from .permissions import requires
from .portal import _form_of, _own_draft, _revision, _section_page
from .scanning import scan_with

bp = Blueprint("attachments", __name__)
DEFAULT_MAX_SIZE = 10 * 1024 * 1024
DEFAULT_MAX_FILES = 10  # as the file component offers: no field takes files without limit


def _file_field(compiled_form: m.Form, field_id: str) -> tuple[m.Section, m.Field]:
    for section in compiled_form.sections:
        for f in section.fields:
            if f.id == field_id and f.type == "file":
                return section, f
    abort(404)


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


@bp.route("/drafts/<draft_id>/files/<field_id>", methods=["POST"])
@requires("refer")
def upload(draft_id: str, field_id: str) -> Response | tuple[str, int]:
    draft = _own_draft(draft_id)
    if draft.status != "draft":
        abort(409)
    compiled = _form_of(draft)
    section, f = _file_field(compiled.form, field_id)
    revision = _revision()  # read before anything is stored: a bad or stale request stores nothing
    if revision != draft.revision:
        abort(409)
    changes = posted.section_answers(section, request.form, draft.answers)  # keep what was typed on the page
    upload = request.files.get(field_id)
    data = upload.read() if upload is not None else b""
    problem = _problem(f, data, upload.filename if upload else "", len(draft.answers.get(field_id) or []))
    if problem is not None:
        status, message = problem
        answers = {**draft.answers, **changes}
        html, _ = _section_page(compiled, draft, section, answers, show_errors=False, status=status,
                                extra_errors=[Message(field_id, "upload", message)])
        return html, status
    attachment = _store_file(draft.id, field_id, upload.filename or "file", data)
    files = [*(draft.answers.get(field_id) or []), attachment]
    changes[field_id] = files
    try:
        store.save_answers(draft, revision, changes)
    except store.Conflict:  # another tab saved between the check above and now
        _discard(attachment["id"])
        abort(409)
    return redirect(url_for("portal.section", draft_id=draft.id, section_id=section.id) + f"#{field_id}")


def _problem(f: m.Field, data: bytes, filename: str | None, attached: int) -> tuple[int, str] | None:
    if not data:
        return 422, "Select a file to upload"
    most = f.max_items or DEFAULT_MAX_FILES
    if attached >= most:
        return 422, f"You can attach up to {most} file{'s' if most != 1 else ''}. Remove one to add another"
    limit = f.max_size or DEFAULT_MAX_SIZE
    if len(data) > limit:
        return 413, f"The selected file must be smaller than {limit // (1024 * 1024) or 1} MB"
    if len(data) == 0 or not filename:
        return 422, "The selected file is empty"
    kind = sniff(data)
    if f.accept and kind not in f.accept:
        return 422, f"The selected file must be a {describe(f.accept)}"
    verdict = scan_with(current_app.config.get("FANLIGHT_SCANNER"), data)
    if not verdict.clean:
        current_app.logger.warning("upload rejected by the virus scanner: %s", verdict.reason)
        return 422, "The selected file contains a virus or could not be checked. Nothing was saved."
    return None


def _store_file(draft_id: str, field_id: str, filename: str, data: bytes) -> dict[str, Any]:
    stored = hashlib.sha256(secrets.token_bytes(32)).hexdigest()  # unguessable, says nothing of the content
    path = _folder() / stored
    temporary = path.with_suffix(".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    kind = sniff(data) or "application/octet-stream"
    name = posted.clean_text(Path(filename.replace("\\", "/")).name)[:255].strip() or "file"
    record = Attachment(owner_id=g.user.id, draft_id=draft_id, field_id=field_id, stored_name=stored,
                        original_name=name, media_type=kind, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    try:
        with db.transaction() as s:
            s.add(record)
    except Exception:
        path.unlink(missing_ok=True)  # no orphan file if the record cannot be written
        raise
    return {"id": record.id, "name": name, "size": len(data), "type": kind}


def _discard(attachment_id: str) -> None:
    with db.transaction() as s:
        record = s.get(Attachment, attachment_id)
        if record is not None:
            (_folder() / record.stored_name).unlink(missing_ok=True)
            s.delete(record)


@bp.route("/drafts/<draft_id>/files/<field_id>/<attachment_id>/remove", methods=["POST"])
@requires("refer")
def remove(draft_id: str, field_id: str, attachment_id: str) -> Response:
    draft = _own_draft(draft_id)
    if draft.status != "draft":
        abort(409)
    compiled = _form_of(draft)
    section, _ = _file_field(compiled.form, field_id)
    changes = posted.section_answers(section, request.form, draft.answers)
    files = [a for a in (draft.answers.get(field_id) or []) if a.get("id") != attachment_id]
    changes[field_id] = files
    try:
        store.save_answers(draft, _revision(), changes)
    except store.Conflict:
        abort(409)
    record = db.session().get(Attachment, attachment_id)
    if record is not None and record.draft_id == draft.id:
        _discard(attachment_id)
    return redirect(url_for("portal.section", draft_id=draft.id, section_id=section.id) + f"#{field_id}")


@bp.route("/attachments/<attachment_id>")
@requires("refer")
def download(attachment_id: str) -> Response:
    record = db.session().get(Attachment, attachment_id) if len(attachment_id) == 32 else None
    if record is None or record.owner_id != g.user.id:
        if record is not None:  # someone else's: say nothing about it, but record the attempt
            audit("access_denied", f"attachment {attachment_id}")
            db.session().commit()
        abort(404)
    return send_file(_folder() / record.stored_name, mimetype=record.media_type, as_attachment=True,
                     download_name=record.original_name)
