"""Uploading, removing and downloading the files attached to a draft's `file` fields."""

from __future__ import annotations

import io

from flask import abort, redirect, request, send_file, url_for
from werkzeug.wrappers import Response

from fanlight.engine import Message
from fanlight.engine.definitions import model as m
from fanlight.renderers import html_form

from .. import db
from ..access import policies
from ..access.guard import signed_in_user
from ..access.permissions import requires
from ..errors import Conflict
from ..files import uploads
from ..files.filetypes import EXTENSIONS, UNKNOWN
from ..files.names import with_extension
from ..models import Attachment
from . import blueprint as bp
from . import drafts
from .context import DraftPage, posted_revision
from .sections import live_draft, section_page


def _file_field(page: DraftPage, field_id: str) -> tuple[m.Section, m.Field]:
    for section in page.compiled.form.sections:
        for f in section.fields:
            if f.id == field_id and f.type == "file":
                return section, f
    abort(404)


@bp.route("/drafts/<draft_id>/files/<field_id>", methods=["POST"])
@requires("refer")
def upload(draft_id: str, field_id: str) -> Response | tuple[str, int]:
    page = live_draft(draft_id)
    draft = page.draft
    section, f = _file_field(page, field_id)
    revision = posted_revision()  # read before anything is stored: a bad or stale request stores nothing
    if revision != draft.revision:
        raise Conflict() from None
    changes = html_form.section_answers(section, request.form, draft.answers)  # keep what was typed on the page
    sent = request.files.get(field_id)
    data = sent.read() if sent is not None else b""
    filename = sent.filename if sent is not None else ""
    owner = signed_in_user()
    problem = uploads.problem(f, data, filename, len(draft.answers.get(field_id) or []), owner=owner)
    if problem is not None:
        status, message = problem
        html, _ = section_page(page, section, {**draft.answers, **changes}, show_errors=False, status=status,
                               extra_errors=[Message(field_id, "upload", message)])
        return html, status
    attachment = uploads.keep(owner, draft.id, field_id, filename or "file", data)
    changes[field_id] = [*(draft.answers.get(field_id) or []), attachment]
    try:
        drafts.save_answers(draft, revision, changes)
    except drafts.StaleRevision:  # another tab saved between the check above and now
        uploads.discard(attachment["id"])
        raise Conflict() from None
    return redirect(url_for("referrals.section", draft_id=draft.id, section_id=section.id) + f"#{field_id}")


@bp.route("/drafts/<draft_id>/files/<field_id>/<attachment_id>/remove", methods=["POST"])
@requires("refer")
def remove(draft_id: str, field_id: str, attachment_id: str) -> Response:
    page = live_draft(draft_id)
    draft = page.draft
    section, _ = _file_field(page, field_id)
    changes = html_form.section_answers(section, request.form, draft.answers)
    changes[field_id] = [a for a in (draft.answers.get(field_id) or []) if a.get("id") != attachment_id]
    try:
        drafts.save_answers(draft, posted_revision(), changes)
    except drafts.StaleRevision:
        raise Conflict() from None
    record = db.session().get(Attachment, attachment_id)
    if record is not None and record.draft_id == draft.id:
        uploads.discard(attachment_id)
    return redirect(url_for("referrals.section", draft_id=draft.id, section_id=section.id) + f"#{field_id}")


@bp.route("/attachments/<attachment_id>")
@requires("refer")
def download(attachment_id: str) -> Response:
    """Always a download (never shown inline), as the type it was found to be, under a name that
    ends in that type's extension; nosniff (security.py) stops a browser second-guessing it."""
    record = policies.own_attachment(attachment_id)
    data = uploads.read(record)
    if data is None:
        abort(404)
    kind = record.media_type if record.media_type in EXTENSIONS else UNKNOWN  # rows from before sniffing
    return send_file(io.BytesIO(data), mimetype=kind, as_attachment=True,
                     download_name=with_extension(record.original_name, kind))
