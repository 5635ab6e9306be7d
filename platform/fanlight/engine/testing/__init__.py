"""Definition tests: YAML scenarios that service leads and IT write, run before any publish."""

from .scenarios import ScenarioResult, run_suites, scenario_day

__all__ = ["ScenarioResult", "run_suites", "scenario_day"]
