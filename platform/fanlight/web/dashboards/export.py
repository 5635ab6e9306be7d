"""CSV exports, managers only (`export`), each written to the audit trail with what it exported:

- /dashboards/export/<table>.csv?<the dashboard's period>: one table of the dashboard, as shown;
- /dashboards/list.csv?<the holding area's filters>: the referrals a figure drills down to (the
  holding area's list, every page of it), without what the referrer wrote unless asked for
  (`free_text=yes`: the holding area's "include what the referrer wrote").

Every cell is safe to open in a spreadsheet: text starting with = + - @ (or a tab or carriage
return) is prefixed with a quote, so it is never read as a formula (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, request, stream_with_context

from .. import clock, db, extensions
from ..access.audit import audit
from ..access.guard import signed_in_user
from ..access.permissions import requires
from ..models import Submission
from ..triage import deadlines, queue
from . import blueprint as bp
from . import periods
from .dashboard import TABLES, build
from .figures import Cell, Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FREE_TEXT = "free_text"
FREE_TEXT_TYPES = ("textarea",)
LIST_COLUMNS = ("Reference", "Received", "Decision due", "Status", "Referring agency", "Source of referral",
                "Categories of concern", "Level the referrer chose", "Level Fanlight suggested", "Level applied",
                "RAG rating", "Outcome", "Decided", "Asked for more information", "Re-referral within 12 months")


def safe(value: Any) -> str:
    """A cell's text, never a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    for row in rows:
        buffer = io.StringIO()
        csv.writer(buffer).writerow([safe(v) for v in row])
        yield buffer.getvalue()


def _download(lines: Iterator[str], filename: str) -> Response:
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def table_rows(table: Table) -> Iterator[list[str]]:
    yield list(table.columns)
    for row in table.rows:
        yield [row.label, *(v if isinstance(v, str) else str(v.count) if isinstance(v, Cell) else v.text
                            for v in row.values)]


@bp.route("/export/<table>.csv")
@requires("export")
def export_table(table: str) -> Response:
    if table not in TABLES:
        abort(404)
    try:
        dashboard = build(request.args, only=(table,))
    except periods.PeriodError:
        abort(400)
    shown = dashboard.tables[table]
    period = dashboard.period
    audit("dashboard_exported", f"table {table}: {urlencode(period.args())} ({period.words})")
    db.session().commit()
    return _download(csv_lines(table_rows(shown)), f"dashboard-{table}-{period.start}-to-{period.end}.csv")


@bp.route("/list.csv")
@requires("export")
def export_list() -> Response:
    user = signed_in_user()
    chosen = queue.QueueFilter.from_args(request.args, user.id, queue.choices_for())
    free_text = request.args.get(FREE_TEXT) == "yes"
    said = urlencode(chosen.args(sort="received", page=1)) or "every referral"
    audit("referrals_exported", f"list {said}{' with what the referrer wrote' if free_text else ''}")
    db.session().commit()
    now = clock.now()
    fields = _free_text_fields() if free_text else []
    heading = [*LIST_COLUMNS, *(["What the referrer wrote"] if free_text else [])]

    def rows() -> Iterator[list[Any]]:
        yield heading
        found = db.session().scalars(chosen.query(now).execution_options(yield_per=500))
        for referral in found:
            yield [*_list_row(referral), *([_written(referral, fields)] if free_text else [])]

    return _download(csv_lines(rows()), f"referrals-{deadlines.local(now):%Y-%m-%d}.csv")


def _when(moment: datetime.datetime | None) -> str:
    return deadlines.local(moment).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def _list_row(r: Submission) -> list[Any]:
    categories = " ".join(r.concern_categories.split())
    status = r.status.replace("_", " ").capitalize()
    return [r.reference, _when(r.received_at), _when(r.due_at), status, r.agency, r.cin_referral_source or "", categories,
            r.level_referrer or "", r.level_suggested or "", r.level_applied or "", r.rag or "", r.outcome or "",
            _when(r.decided_at), "yes" if r.information_requested else "no", "yes" if r.re_referral else "no"]


def _free_text_fields() -> list[tuple[str, str]]:
    """(field id, label) of the referral form's free-text questions (its textareas)."""
    compiled = extensions.catalogue().current(queue.FORM)
    if compiled is None:
        return []
    return [(f.id, f.label) for section in compiled.form.sections for f in section.fields
            if f.type in FREE_TEXT_TYPES]


def _written(referral: Submission, fields: list[tuple[str, str]]) -> str:
    answers = referral.answers if isinstance(referral.answers, dict) else {}
    said = [f"{label}: {answers[field_id]}" for field_id, label in fields
            if isinstance(answers.get(field_id), str) and answers[field_id].strip()]
    return "\n\n".join(said)
