"""The managers' dashboards (issue 10, items 1-4 and 6): live figures of the front door's
contacts for a period, each beside the period before, each a link to the holding-area list of
exactly the referrals it counts.

- `periods`: the period chosen and the one before (pure date arithmetic);
- `figures`: cells, shares and measures, and counting them with the holding area's filter
  (triage.queue.QueueFilter); `scope`: what every table is counted over;
- `tables/`: the tables, one module per idea (demand, outcomes, calibration, quality,
  timeliness); `dashboard`: the tables by name, and the page's sections;
- `charts`: tables drawn as SVG images by pygal; `page`: /dashboards/;
- `export`: every table and every drilled list as CSV, audited (managers only);
- `reporting`: the reporting replica the counts read from (FANLIGHT_REPORTING_DATABASE_URL);
- `daily`: the counts kept in step with the referrals (`dashboard_counts`), in the transaction
  that changes one; `kept`: a period's figures read from them.

Officers and managers read the dashboards (`dashboards`); only managers export (`export`).
"""

from __future__ import annotations

from flask import Blueprint, Flask

blueprint = Blueprint("dashboards", __name__, url_prefix="/dashboards")


def register(app: Flask) -> None:
    from . import daily, export, page, reporting, rows  # noqa: F401, PLC0415  (their routes)

    daily.keep_in_step()
    app.jinja_env.globals["dashboard_rows"] = rows.rows_html
    reporting.init_app(app)
    app.register_blueprint(blueprint)
