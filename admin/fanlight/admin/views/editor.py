"""The YAML editor of one file in a change, and its problems checked while the author types."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from fanlight.admin import workflow
from fanlight.engine.definitions.source import MAX_FILE_BYTES
from fanlight.web import db
from fanlight.web.access.guard import signed_in_user
from fanlight.web.access.permissions import requires
from fanlight.web.security import allows_body

from . import Page, bp, editable_by_me, find_change, problems_for, refused, tests_summary, text_of

# A whole definition file (up to the engine's 1 MB), form-encoded: each byte is at most three ("%C3").
DEFINITION_POST_BYTES = 3 * MAX_FILE_BYTES + 64 * 1024


@bp.route("/changes/<int:change_id>/edit", methods=["GET", "POST"])
@requires("edit_definitions")
@allows_body(DEFINITION_POST_BYTES)
def edit(change_id: int) -> Page:
    s = db.session()
    item = find_change(change_id)
    path = request.values.get("path", "")
    if request.method == "POST":
        text = request.form.get("text", "").replace("\r\n", "\n")
        try:
            workflow.save_item(s, item, signed_in_user(), path, text)
        except workflow.NotAllowed as error:
            return refused(error, item)
        s.commit()
        loaded, problems = problems_for(s, item, path, text)
        flash(f"Saved {path}. {tests_summary(loaded, problems)}", "success" if not problems else "error")
        return redirect(url_for("workbench.edit", change_id=item.id, path=path))
    text = text_of(s, item, path)
    _, problems = problems_for(s, item, path, text)
    return render_template("admin/edit.html", change=item, path=path, text=text, problems=problems,
                           checks=workflow.check(s, item), editable=editable_by_me(item))


@bp.route("/changes/<int:change_id>/validate", methods=["POST"])
@requires("edit_definitions")
@allows_body(DEFINITION_POST_BYTES)
def validate(change_id: int) -> str:
    """htmx: the problems of the text being typed, as the author types it (nothing is saved)."""
    s = db.session()
    item = find_change(change_id)
    path = request.form.get("path", "")
    _, problems = problems_for(s, item, path, request.form.get("text", "").replace("\r\n", "\n"))
    # The page's checks summary is replaced too (out of band), so it never says all checks pass
    # beside the problems of the text being typed.
    return render_template("admin/_problems.html", problems=problems, path=path, typing=True)
