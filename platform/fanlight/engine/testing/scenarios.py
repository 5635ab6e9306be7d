"""Run definition-test scenarios (kind: tests) against their compiled forms."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from ..definitions.loader import DefinitionSet
from ..definitions.model import Scenario, TestSuite
from ..evaluation.evaluate import Evaluation, evaluate
from ..problems import Where


@dataclass(frozen=True)
class ScenarioResult:
    suite: str
    name: str
    where: Where
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures

    def line(self) -> str:
        status = "PASS" if self.passed else "FAIL"
        text = f"{status} {self.suite}: {self.name}"
        if self.failures:
            text += f" ({self.where})\n" + "\n".join(f"    - {f}" for f in self.failures)
        return text


def run_suites(definitions: DefinitionSet, now: datetime.datetime | None = None) -> list[ScenarioResult]:
    """Run every scenario; one without a `today` of its own (or of its suite's) runs at `now`
    (default: the real time)."""
    results: list[ScenarioResult] = []
    for suite in definitions.test_suites.values():
        compiled = definitions.compiled.get(suite.form)
        for scenario in suite.scenarios:
            if compiled is None:
                results.append(
                    ScenarioResult(suite.id, scenario.name, scenario.where, (f"unknown form '{suite.form}'",))
                )
                continue
            day = scenario_day(suite, scenario)
            evaluation = evaluate(compiled, scenario.answers, today=day) if day else evaluate(
                compiled, scenario.answers, now=now)
            failures = tuple(check(evaluation, scenario.expect))
            results.append(ScenarioResult(suite.id, scenario.name, scenario.where, failures))
    return results


def scenario_day(suite: TestSuite, scenario: Scenario) -> datetime.date | None:
    """The day a scenario is written for (its own `today`, else its suite's), if it says."""
    return _date(scenario.today or suite.today)


def _date(text: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def check(evaluation: Evaluation, expect: dict[str, Any]) -> list[str]:
    """Compare an evaluation with a scenario's `expect`; one plain sentence per mismatch."""
    failures: list[str] = []
    if "complete" in expect and evaluation.complete != expect["complete"]:
        failures.append(
            f"expected complete: {str(expect['complete']).lower()}, got {str(evaluation.complete).lower()}"
            + _first_errors(evaluation)
        )
    shown = set(evaluation.visible_sections) | set(evaluation.visible_fields)
    failures += [f"expected '{p}' to be visible" for p in expect.get("visible", []) if p not in shown]
    failures += [f"expected '{p}' to be hidden" for p in expect.get("hidden", []) if p in shown]
    errors = {(e.field, e.code) for e in evaluation.errors}
    warnings = {(w.field, w.code) for w in evaluation.warnings}
    for item in expect.get("errors", []):
        if (item.get("field"), item.get("code")) not in errors:
            failures.append(f"expected error {item.get('code')} on '{item.get('field')}'" + _first_errors(evaluation))
    for item in expect.get("not_errors", []):
        if (item.get("field"), item.get("code")) in errors:
            failures.append(f"did not expect error {item.get('code')} on '{item.get('field')}'")
    for item in expect.get("warnings", []):
        if (item.get("field"), item.get("code")) not in warnings:
            failures.append(f"expected warning {item.get('code')} on '{item.get('field')}'")
    for name, value in (expect.get("derived") or {}).items():
        if evaluation.derived.get(name) != value:
            failures.append(f"expected derived {name} = {value!r}, got {evaluation.derived.get(name)!r}")
    failures += _check_threshold(evaluation, expect)
    return failures


def _check_threshold(evaluation: Evaluation, expect: dict[str, Any]) -> list[str]:
    wanted = expect.get("threshold")
    if not isinstance(wanted, dict):
        return []
    got = evaluation.threshold
    failures: list[str] = []
    if "level" in wanted and (got.level if got else None) != wanted["level"]:
        failures.append(f"expected threshold level {wanted['level']}, got {got.level if got else None}")
    if "matched" in wanted and sorted(got.matched if got else ()) != sorted(wanted["matched"]):
        failures.append(
            f"expected matched indicators {sorted(wanted['matched'])}, got {sorted(got.matched if got else ())}"
        )
    return failures


def _first_errors(evaluation: Evaluation, limit: int = 4) -> str:
    if not evaluation.errors:
        return ""
    shown = ", ".join(f"{e.field}:{e.code}" for e in evaluation.errors[:limit])
    more = f" and {len(evaluation.errors) - limit} more" if len(evaluation.errors) > limit else ""
    return f" [errors: {shown}{more}]"
