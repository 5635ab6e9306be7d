"""A form as the change would serve it, filled with the answers of one of its definition tests."""

from __future__ import annotations

import datetime
from typing import Any

from flask import abort, render_template

from fanlight.admin import workflow
from fanlight.engine import evaluate
from fanlight.engine.testing import scenario_day
from fanlight.web import clock, db
from fanlight.web.access.permissions import requires

from . import bp, find_change


@bp.route("/changes/<int:change_id>/preview/<form_id>")
@requires("workbench")
def preview(change_id: int, form_id: str) -> str:
    s = db.session()
    item = find_change(change_id)
    checks = workflow.check(s, item)
    compiled = checks.definitions.compiled.get(form_id) or abort(404)
    answers, day = _sample(checks, form_id)
    evaluation = evaluate(compiled, answers, today=day) if day else evaluate(compiled, answers, now=clock.now())
    return render_template("admin/preview.html", change=item, compiled=compiled, evaluation=evaluation, answers=answers)


def _sample(checks: workflow.Checks, form_id: str) -> tuple[dict[str, Any], datetime.date | None]:
    """The answers of the first complete scenario of the form's definition tests (none if it has
    none), and the day to evaluate them on: the scenario's own `today`, so the preview's ages and
    date rules are the ones its test expects (None: now, on the app's clock)."""
    for suite in checks.definitions.test_suites.values():
        if suite.form == form_id:
            for scenario in suite.scenarios:
                if scenario.expect.get("complete") is True:
                    return dict(scenario.answers), scenario_day(suite, scenario)
    return {}, None
