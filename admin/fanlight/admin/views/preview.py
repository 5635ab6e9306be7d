"""Previews of a change: a form as the change would serve it, filled with the answers of one of its
definition tests, its changed questions marked; and a dry run of a mapping, its payload rendered
on sample decided referrals."""

from __future__ import annotations

import datetime
import json
from typing import Any

from flask import abort, render_template, request

from fanlight.admin import review, workflow
from fanlight.engine import evaluate
from fanlight.engine.mappings import applies, render_payload, samples
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
    mappings = sorted((m for m in checks.definitions.mappings.values() if m.form == form_id), key=lambda m: m.id)
    before = review.base_of(s, item)
    changed = review.changed_fields(before, checks.definitions, review.semantic_diff(before, checks.definitions))
    return render_template("admin/preview.html", change=item, compiled=compiled, evaluation=evaluation, answers=answers,
                           mappings=mappings, changed=changed.get(form_id, set()))


@bp.route("/changes/<int:change_id>/dry-run")
@requires("workbench")
def dry_run(change_id: int) -> str:
    """The preview of a mapping file (`?path=mappings/x.yaml`) as the change would publish it: the
    payload it would send for each sample referral, as JSON."""
    s = db.session()
    item = find_change(change_id)
    checks = workflow.check(s, item)
    path = request.args.get("path", "")
    mapping = next((m for m in checks.definitions.mappings.values() if m.path == path), None) or abort(404)
    compiled = checks.definitions.compiled_mappings.get(mapping.id)
    runs: list[dict[str, Any]] = []
    if compiled is not None:
        for sample in samples(checks.definitions, compiled):
            payload = render_payload(compiled, sample.referral)
            runs.append({"name": sample.name, "referral": sample.referral, "sent": applies(compiled, sample.referral),
                         "json": json.dumps(payload, indent=2, ensure_ascii=False)})
    return render_template("admin/preview_mapping.html", change=item, mapping=mapping, compiled=compiled, runs=runs,
                           problems=[p for p in checks.problems if p.where.file == mapping.path])


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
