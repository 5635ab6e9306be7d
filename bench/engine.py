"""Benchmarks for the Fanlight engine: evaluate, a JSON Schema baseline, scaling, compile time.

    .venv/bin/python bench/engine.py            # full run (about 30 s)
    .venv/bin/python bench/engine.py --quick    # smoke run (a few seconds)
    .venv/bin/python bench/engine.py --json results.json

Every operation is timed call by call: after a warm-up, a number of calls N is calibrated
so that one round takes about 0.2 s, then 7 rounds are run, interleaved across all
operations (round 1 of every operation, then round 2, ...) so that drift on the machine
affects every figure alike. The figures are the median and the 95th percentile of all the
calls. Garbage collection stays on (it is part of the real cost) and a full collection runs
before each round, outside the timed calls.

This is a measurement, not a test: it exits 0 whether or not the targets are met.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
try:
    from fanlight import engine
except ImportError:  # not installed in this interpreter: use the source tree
    sys.path.insert(0, str(REPO / "platform"))
    from fanlight import engine

import synthetic_forms  # noqa: E402  (bench/ itself, put on the path above)

FORM = "cause-for-concern"
COMMAND = ".venv/bin/python bench/engine.py"


# measuring ---------------------------------------------------------------------------------


@dataclass
class Op:
    key: str
    label: str
    fn: Callable[[], Any]
    number: int = 1
    samples: list[float] = field(default_factory=list)  # seconds per call
    round_medians: list[float] = field(default_factory=list)
    round_cpu: list[float] = field(default_factory=list)  # CPU seconds per call, mean of each round

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def cpu(self) -> float:
        """CPU time of this thread per call: unlike wall time, not inflated when others preempt us."""
        return statistics.median(self.round_cpu)

    @property
    def p95(self) -> float:
        if len(self.samples) < 2:
            return self.samples[0]
        return statistics.quantiles(self.samples, n=20, method="inclusive")[18]


def calibrate(fn: Callable[[], Any], budget: float) -> int:
    """How many calls make one round of about `budget` seconds (after one warm-up call).

    Uses the median of single timed calls over about a quarter of the budget (at least 3),
    so that one garbage collection during calibration does not skew N.
    """
    fn()
    times: list[float] = []
    while len(times) < 3 or (sum(times) < budget / 4 and len(times) < 100_000):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return max(1, round(budget / statistics.median(times)))


def run_rounds(ops: list[Op], rounds: int, budget: float) -> None:
    for op in ops:
        op.number = calibrate(op.fn, budget)
    clock = time.perf_counter
    for _ in range(rounds):
        for op in ops:
            fn = op.fn
            times = []
            gc.collect()
            cpu_start = time.thread_time()
            for _ in range(op.number):
                start = clock()
                fn()
                times.append(clock() - start)
            op.round_cpu.append((time.thread_time() - cpu_start) / op.number)
            op.samples += times
            op.round_medians.append(statistics.median(times))


def in_subprocess(code: str, *args: str) -> dict[str, Any]:
    """Run `code` in a fresh interpreter (same one as this) and read the JSON it prints."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "platform"), env.get("PYTHONPATH")]))
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


IMPORT_RULE_ENGINE = """
import json, time
start = time.perf_counter()
import rule_engine
print(json.dumps({"seconds": time.perf_counter() - start}))
"""

FRESH_LOAD = """
import json, sys, time
start = time.perf_counter()
import fanlight.engine as engine
imported = time.perf_counter()
result = engine.load_definitions(sys.argv[1])
loaded = time.perf_counter()
print(json.dumps({"import_s": imported - start, "load_s": loaded - imported, "files": result.files,
                  "problems": len(result.problems), "forms": sorted(result.compiled)}))
"""


# what is measured ---------------------------------------------------------------------------


def fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def complete_scenario(definitions: Path) -> tuple[str, dict[str, Any], datetime.date | None]:
    """The largest cause-for-concern scenario expected to be complete (else the largest one)."""
    found: list[tuple[bool, int, str, dict[str, Any], str | None]] = []
    for path in sorted((definitions / "tests").glob("*.y*ml")):
        doc = yaml.safe_load(path.read_text("utf-8"))
        if not isinstance(doc, dict) or doc.get("kind") != "tests" or doc.get("form") != FORM:
            continue
        for sc in doc.get("scenarios") or []:
            answers = sc.get("answers") or {}
            complete = (sc.get("expect") or {}).get("complete") is True
            today = sc.get("today") or doc.get("today")
            found.append(
                (
                    complete,
                    len(json.dumps(answers, default=str)),
                    sc.get("name", "?"),
                    answers,
                    today,
                )
            )
    if not found:
        return "(no scenario found: empty answers)", {}, None
    complete, _, name, answers, today = max(found, key=lambda f: (f[0], f[1]))
    day = datetime.date.fromisoformat(str(today)) if today else None
    return name + ("" if complete else " (NOT expected complete)"), answers, day


def required_missing_engine(result: engine.Evaluation) -> set[str]:
    return {m.field for m in result.errors if m.code == "required" and m.field}


def required_missing_schema(errors: list[Any]) -> set[str]:
    return {e.message.split("'")[1] for e in errors if e.validator == "required"}


def expressions_run(compiled: Any, answers: dict[str, Any], today: datetime.date) -> int:
    """How many compiled expressions one evaluation runs (counted once, outside any timing)."""
    from fanlight.engine.expressions import CompiledExpression

    calls = 0
    original_test, original_value = CompiledExpression.test, CompiledExpression.value

    def test(self: Any, values: Any) -> bool:
        nonlocal calls
        calls += 1
        return original_test(self, values)

    def value(self: Any, values: Any) -> Any:
        nonlocal calls
        calls += 1
        return original_value(self, values)

    CompiledExpression.test, CompiledExpression.value = test, value  # type: ignore[method-assign]
    try:
        engine.evaluate(compiled, answers, today=today)
    finally:
        CompiledExpression.test = original_test  # type: ignore[method-assign]
        CompiledExpression.value = original_value  # type: ignore[method-assign]
    return calls


@dataclass
class Setup:
    ops: list[Op]
    facts: dict[str, Any]
    checks: list[str]


def synthetic_ops(today: datetime.date, setup: Setup) -> None:
    build = synthetic_forms.build
    small = build("100", n_fields=100, n_show_if=20, n_required_if=20, n_rules=0, n_sections=5)
    large = build("1000", n_fields=1000, n_show_if=100, n_required_if=100, n_rules=200, n_sections=20)
    no_rules = build("1000-no-rules", n_fields=1000, n_show_if=100, n_required_if=100, n_rules=0, n_sections=20)
    compiled = {}
    for s in (small, large, no_rules):
        start = time.perf_counter()
        loaded = engine.load_texts(s.texts)
        setup.facts[f"compile_synthetic_{s.name}_s"] = time.perf_counter() - start
        if not loaded.ok:
            raise RuntimeError(f"synthetic form {s.name} does not load: " + "; ".join(map(str, loaded.problems[:5])))
        compiled[s.name] = loaded.compiled[s.form_id]
    Draft202012Validator.check_schema(small.schema)  # once, as a service would at start-up
    validator = Draft202012Validator(small.schema)
    for name, answers in (("full", small.full), ("invalid", small.invalid)):
        result = engine.evaluate(compiled["100"], answers, today=today)
        errors = list(validator.iter_errors(answers))
        same = required_missing_engine(result) == required_missing_schema(errors)
        setup.checks.append(
            f"100-field form, {name} answers: evaluate complete={result.complete}, "
            f"{len(result.errors)} errors; JSON Schema {len(errors)} errors; "
            f"same missing fields: {'yes' if same else 'NO'}"
        )
    for s in (large, no_rules):
        for name, answers in (("full", s.full), ("invalid", s.invalid)):
            r = engine.evaluate(compiled[s.name], answers, today=today)
            setup.checks.append(
                f"{s.name} form, {name} answers: complete={r.complete}, {len(r.errors)} errors, "
                f"{len(r.warnings)} warnings, {len(r.infos)} infos, "
                f"{len(r.visible_fields)} visible fields"
            )
    setup.facts["expressions_run"] = {
        f"{s.name}_{name}": expressions_run(compiled[s.name], answers, today)
        for s in (small, large, no_rules)
        for name, answers in (("full", s.full), ("invalid", s.invalid))
    }
    setup.facts["synthetic"] = {
        s.name: {
            "fields": len(s.specs),
            "expressions": s.n_expressions,
            "yaml_bytes": sum(len(t) for t in s.texts.values()),
        }
        for s in (small, large, no_rules)
    }

    def ev(form: str, answers: dict[str, Any]) -> Callable[[], Any]:
        return lambda: engine.evaluate(compiled[form], answers, today=today)

    def js(answers: dict[str, Any]) -> Callable[[], Any]:
        return lambda: list(validator.iter_errors(answers))

    setup.ops += [
        Op("s100_full", "100 fields / 40 conditions: evaluate, full answers", ev("100", small.full)),
        Op(
            "s100_invalid",
            "100 fields / 40 conditions: evaluate, invalid answers",
            ev("100", small.invalid),
        ),
        Op("js100_full", "same as JSON Schema (reused validator), full answers", js(small.full)),
        Op(
            "js100_invalid",
            "same as JSON Schema (reused validator), invalid answers",
            js(small.invalid),
        ),
        Op(
            "s1000_full",
            "1,000 fields / 400 expressions: evaluate, full answers",
            ev("1000", large.full),
        ),
        Op(
            "s1000_invalid",
            "1,000 fields / 400 expressions: evaluate, invalid answers",
            ev("1000", large.invalid),
        ),
        Op(
            "s1000nr_full",
            "(diagnostic) 1,000 fields / 200 conditions, no ruleset, full answers",
            ev("1000-no-rules", no_rules.full),
        ),
    ]


def bundled_ops(definitions: Path, setup: Setup) -> None:
    loaded = engine.load_definitions(definitions)
    setup.facts["bundled_files"] = loaded.files
    setup.facts["bundled_problems"] = [str(p) for p in loaded.problems[:20]]
    setup.facts["bundled_clean"] = not loaded.problems and FORM in loaded.compiled
    compiled = loaded.compiled.get(FORM)
    setup.checks.append(f"bundled definitions: {loaded.files} files, {len(loaded.problems)} problems")
    if compiled is None or loaded.problems:
        # Timing a half-loaded form would mean nothing: report it and time the load alone.
        setup.checks.append(f"NOT RUN: {FORM} evaluate ({'missing' if compiled is None else 'has problems'})")
        setup.checks += [f"    {p}" for p in loaded.problems[:5]]
    else:
        name, answers, today = complete_scenario(definitions)
        result = engine.evaluate(compiled, answers, today=today)
        setup.facts["cfc_scenario"] = name
        setup.facts["cfc_fields"] = len(compiled.form.top_fields())
        setup.checks.append(
            f"{FORM}, full answers from scenario '{name}': complete={result.complete}, "
            f"{len(result.errors)} errors, {len(result.visible_fields)} visible fields"
        )
        empty = engine.evaluate(compiled, {}, today=today)
        setup.checks.append(f"{FORM}, empty answers: {len(empty.errors)} errors")
        setup.ops += [
            Op(
                "cfc_minimal",
                f"{FORM}: evaluate, minimal answers {{}}",
                lambda: engine.evaluate(compiled, {}, today=today),
            ),
            Op(
                "cfc_full",
                f"{FORM}: evaluate, full answers",
                lambda: engine.evaluate(compiled, answers, today=today),
            ),
        ]
    setup.ops.append(
        Op(
            "load_warm",
            "load_definitions(definitions/), warm process",
            lambda: engine.load_definitions(definitions),
        )
    )


# reporting ----------------------------------------------------------------------------------


@dataclass
class Target:
    what: str
    value: float | None
    limit: float
    unit: str  # "x" for ratios, "s" for times
    detail: str = ""

    @property
    def met(self) -> bool | None:
        return None if self.value is None else self.value <= self.limit

    def row(self) -> list[str]:
        shown = "n/a" if self.value is None else (f"{self.value:.2f}×" if self.unit == "x" else fmt(self.value))
        limit = f"≤ {self.limit:g}×" if self.unit == "x" else f"≤ {fmt(self.limit)}"
        status = {True: "MET", False: "NOT MET", None: "NOT RUN"}[self.met]
        return [self.what, shown, limit, status, self.detail]


def ratio(ops: dict[str, Op], top: str, bottom: str) -> tuple[float | None, str]:
    if top not in ops or bottom not in ops:
        return None, ""
    per_round = [a / b for a, b in zip(ops[top].round_medians, ops[bottom].round_medians, strict=True)]
    cpu = ops[top].cpu / ops[bottom].cpu
    return (
        ops[top].median / ops[bottom].median,
        f"rounds {min(per_round):.2f}–{max(per_round):.2f}; CPU time {cpu:.2f}×",
    )


def targets(ops: dict[str, Op], facts: dict[str, Any]) -> list[Target]:
    out = []
    for answers in ("full", "invalid"):
        value, detail = ratio(ops, f"s100_{answers}", f"js100_{answers}")
        out.append(Target(f"100-field evaluate / JSON Schema, {answers} answers", value, 0.5, "x", detail))
    for answers in ("full", "invalid"):
        value, detail = ratio(ops, f"s1000_{answers}", f"s100_{answers}")
        out.append(Target(f"1,000-field / 100-field evaluate, {answers} answers", value, 10, "x", detail))
    clean = facts.get("bundled_clean", False)  # timing a load that reports problems proves nothing
    fresh = facts.get("fresh_load_s") if clean else None
    warm = ops.get("load_warm") if clean else None
    why = "" if clean else "bundled definitions missing or with problems"
    out.append(
        Target(
            "compile all bundled definitions, fresh process",
            statistics.median(fresh) if fresh else None,
            1.0,
            "s",
            f"max {fmt(max(fresh))} over {len(fresh)} processes" if fresh else why,
        )
    )
    out.append(
        Target(
            "compile all bundled definitions, warm process",
            warm.median if warm else None,
            1.0,
            "s",
            f"p95 {fmt(warm.p95)}" if warm else why,
        )
    )
    return out


def diagnostics(ops: dict[str, Op], runs: dict[str, int]) -> list[str]:
    """Split the 1,000-field figure into its field pass and its 200-rule pass."""
    if not all(k in ops for k in ("s100_full", "s1000_full", "s1000nr_full")) or not runs:
        return []
    small, large, no_rules = (ops[k].median for k in ("s100_full", "s1000_full", "s1000nr_full"))
    rules = large - no_rules
    return [
        f"without its ruleset (1,000 fields, 200 conditions): {fmt(no_rules)}, "
        f"{no_rules / small:.2f}× the 100-field form ({no_rules / 1000 * 1e6:.2f} µs per field "
        f"against {small / 100 * 1e6:.2f})",
        f"the 200-rule ruleset adds {fmt(rules)} ({rules / 200 * 1e6:.1f} µs per rule)",
        f"expressions run per evaluation, full answers: 100-field form {runs['100_full']} of 40, "
        f"1,000-field form {runs['1000_full']} of 400 (required_if is only tested for unanswered "
        f"visible fields; rules always run); invalid answers: {runs['100_invalid']} and "
        f"{runs['1000_invalid']}",
    ]


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)

    def fmt_row(r: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()

    return "\n".join([fmt_row(header), line, *map(fmt_row, rows)])


def source_state() -> str:
    """The commit measured, and whether the engine or definitions had uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "platform/fanlight/engine", "definitions"],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return f"commit {head}" + (" + uncommitted engine/definition changes" if dirty else "")


def machine() -> dict[str, Any]:
    versions = {}
    for dist in ("rule-engine", "jsonschema", "pyyaml"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "?"
    return {
        "source": source_state(),
        "cpus": os.cpu_count(),
        "arch": platform.machine(),
        "system": platform.system(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "packages": versions,
    }


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def busy_warning(facts: dict[str, Any], cpus: int) -> str:
    """Other work on the machine skews every figure: say so when the load average shows it.

    The benchmark is single-threaded, so it adds up to 1 to the load average by itself.
    """
    loads = [x for x in (facts.get("load_average_start"), facts.get("load_average_end")) if x is not None]
    if not loads or max(loads) < 1.5:  # this benchmark itself counts for up to 1
        return ""
    return (
        f"WARNING: the machine was busy (1-minute load average {max(loads):.2f} on {cpus} CPUs); "
        "other processes competed for the CPU, so treat these figures as unreliable and run again when idle."
    )


def guarded(what: str, step: Callable[[], None], setup: Setup) -> None:
    """Run a setup step; if the engine fails, record why and go on with what can be measured."""
    try:
        step()
    except Exception as error:  # noqa: BLE001  (a measurement reports failures, it does not stop)
        setup.checks.append(f"NOT RUN: {what}: {type(error).__name__}: {error}")


def fresh_processes(code: str, runs: int, setup: Setup, *args: str) -> list[dict[str, Any]]:
    results = []
    for _ in range(runs):
        try:
            results.append(in_subprocess(code, *args))
        except (subprocess.SubprocessError, ValueError, IndexError) as error:
            detail = getattr(error, "stderr", "") or ""
            last = detail.strip().splitlines()[-1] if detail.strip() else str(error)
            setup.checks.append(f"NOT RUN: a fresh-process measurement failed: {last}")
            return []
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (fewer, shorter rounds)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--definitions", default=str(REPO / "definitions"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    rounds, budget, fresh_runs, import_runs = (3, 0.03, 2, 1) if args.quick else (7, 0.2, 7, 3)
    definitions = Path(args.definitions)
    info = machine()
    print(
        f"Fanlight engine benchmark ({'quick' if args.quick else 'full'} run): "
        f"{info['cpus']} CPUs {info['arch']}, Python {info['python']}, "
        + ", ".join(f"{k} {v}" for k, v in info["packages"].items())
        + f"; source {info['source']}"
    )

    setup = Setup([], {}, [])
    setup.facts["load_average_start"] = load_average()
    guarded("the bundled definitions", lambda: bundled_ops(definitions, setup), setup)
    guarded("the synthetic forms", lambda: synthetic_ops(datetime.date(2026, 11, 22), setup), setup)
    print("\nChecks:\n" + "\n".join(f"  {c}" for c in setup.checks))
    print(f"\nTiming {len(setup.ops)} operations: {rounds} rounds of ~{budget:g} s each ...", flush=True)
    run_rounds(setup.ops, rounds, budget)
    ops = {op.key: op for op in setup.ops}

    fresh = fresh_processes(FRESH_LOAD, fresh_runs, setup, str(definitions))
    setup.facts["fresh_load_s"] = [f["load_s"] for f in fresh]
    setup.facts["fresh_import_fanlight_s"] = [f["import_s"] for f in fresh]
    imports = fresh_processes(IMPORT_RULE_ENGINE, import_runs, setup)
    setup.facts["import_rule_engine_s"] = [i["seconds"] for i in imports]
    setup.facts["load_average_end"] = load_average()
    report(ops, setup, info, args, rounds=rounds, budget=budget)
    return 0


def process_rows(facts: dict[str, Any]) -> list[list[str]]:
    rows = []
    for key, label in (
        ("fresh_load_s", "load_definitions(definitions/), fresh process (after imports)"),
        ("fresh_import_fanlight_s", "import fanlight.engine, fresh process"),
        ("import_rule_engine_s", "import rule_engine alone, fresh process (one-off, builds PLY tables)"),
    ):
        runs = facts.get(key) or []
        if runs:
            rows.append([label, fmt(statistics.median(runs)), fmt(max(runs)) + " (max)", f"{len(runs)} processes"])
        else:
            rows.append([label, "n/a", "", "NOT RUN"])
    for name in ("100", "1000", "1000-no-rules"):
        seconds = facts.get(f"compile_synthetic_{name}_s")
        label = f"load_texts: compile the synthetic {name} form (once, warm process)"
        rows.append([label, fmt(seconds) if seconds else "n/a", "", "1"])
    return rows


def report(
    ops: dict[str, Op],
    setup: Setup,
    info: dict[str, Any],
    args: argparse.Namespace,
    *,
    rounds: int,
    budget: float,
) -> None:
    facts = setup.facts
    rows = [[op.label, fmt(op.median), fmt(op.p95), f"{rounds}×{op.number}", fmt(op.cpu)] for op in ops.values()]
    rows += [[*row, ""] for row in process_rows(facts)]
    print("\n" + table(["operation", "median", "p95", "calls", "CPU/call"], rows))
    goals = targets(ops, facts)
    print("\n" + table(["target", "measured", "target", "result", "spread"], [t.row() for t in goals]))
    notes = diagnostics(ops, facts.get("expressions_run", {}))
    warning = busy_warning(facts, info["cpus"] or 1)
    facts["busy_warning"] = warning
    if notes:
        print("\nDiagnostics (1,000-field form):\n" + "\n".join(f"  {n}" for n in notes))
    loads = [facts.get("load_average_start"), facts.get("load_average_end")]
    print("\nLoad average (1 min) at start / end: " + " / ".join("?" if x is None else f"{x:.2f}" for x in loads))
    if warning:
        print(warning)
    if args.json:
        payload = {
            "command": COMMAND + (" --quick" if args.quick else ""),
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": info,
            "rounds": rounds,
            "round_budget_s": budget,
            "operations": {
                k: {
                    "label": o.label,
                    "median_s": o.median,
                    "p95_s": o.p95,
                    "calls_per_round": o.number,
                    "round_medians_s": o.round_medians,
                    "cpu_per_call_s": o.cpu,
                    "round_cpu_per_call_s": o.round_cpu,
                }
                for k, o in ops.items()
            },
            "facts": facts,
            "checks": setup.checks,
            "diagnostics": notes,
            "targets": [
                {"what": t.what, "value": t.value, "limit": t.limit, "unit": t.unit, "met": t.met} for t in goals
            ],
        }
        Path(args.json).write_text(json.dumps(payload, indent=2, default=str) + "\n", "utf-8")
        print(f"\nWrote {args.json}")


if __name__ == "__main__":
    sys.exit(main())
