"""/dashboards/: the dashboard for a period (a GET form: it works with JavaScript off)."""

from __future__ import annotations

from flask import render_template, request

from ..access.permissions import requires
from . import blueprint as bp
from . import charts, periods, reporting
from .dashboard import SECTIONS, build
from .tables import timeliness


@bp.route("/")
@requires("dashboards")
def index() -> str:
    kinds = list(periods.KINDS.items())
    try:
        dashboard = build(request.args)
    except periods.PeriodError as error:
        return render_template("pages/dashboards/index.html", dashboard=None, errors=error.problems, kinds=kinds,
                               chosen="custom", values=request.args)
    drawn = {key: charts.chart(dashboard.tables[key]) for section in SECTIONS for key in section.charts}
    return render_template("pages/dashboards/index.html", dashboard=dashboard, errors={}, kinds=kinds,
                           chosen=dashboard.period.kind, values=request.args, sections=SECTIONS, charts=drawn,
                           replica=reporting.replica(), target=timeliness.target_percent())
