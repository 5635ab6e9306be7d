"""The `fanlight` command. Its output and exit codes are a public interface: keep them stable.

fanlight definitions check [PATH]     exit 0 clean, 1 problems (one FILE:LINE:COL: CODE line each)
fanlight definitions test [PATH]      one line per scenario; exit 1 on any failure
fanlight definitions diff OLD NEW [--json] [--definitions PATH]
                                      one line per semantic change (or a JSON list); exit 0 when it
                                      ran, changes or not; 2 bad usage, unreadable paths or problems
                                      (problems on stderr; the diff is still printed when every
                                      file of both sides could be read as a definition)
fanlight evaluate FORM_ID --answers FILE|- [--definitions PATH] [--today YYYY-MM-DD]
                                      JSON; exit 0 complete, 1 not complete, 2 bad usage or input
fanlight calendar due RECEIVED_AT [--calendar FILE] [--json]
                                      the due time (ISO 8601) on one line, or a JSON object of
                                      received_at, due_at and skipped; exit 0, 2 bad time or calendar
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from . import evaluate, load_definitions
from .calendar import CalendarError, due_at
from .definitions.loader import DefinitionSet, definition_files, load_documents
from .definitions.source import SourceDocument, read_source
from .diff import diff_definitions, diffable
from .problems import Where
from .testing import run_suites

DEFAULT_DEFINITIONS = "definitions"
DEFAULT_CALENDAR = os.path.join("definitions", "calendar", "front-door.yaml")
MAX_ANSWERS_BYTES = 5_000_000
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"fanlight: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fanlight", description="Fanlight forms and rules for children's services front doors.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    definitions = commands.add_parser("definitions", help="check and test definition files")
    actions = definitions.add_subparsers(dest="action", required=True, parser_class=_Parser)
    check = actions.add_parser("check", help="report every problem in a folder of definitions")
    check.add_argument("path", nargs="?", default=DEFAULT_DEFINITIONS)
    check.set_defaults(handler=_check)
    test = actions.add_parser("test", help="run the definition-test scenarios")
    test.add_argument("path", nargs="?", default=DEFAULT_DEFINITIONS)
    test.set_defaults(handler=_test)
    diff = actions.add_parser("diff", help="the semantic diff between two versions: what changed, one line each")
    diff.add_argument("old", metavar="OLD", help="the definitions before: a file or a folder")
    diff.add_argument("new", metavar="NEW", help="the definitions after: a file or a folder")
    diff.add_argument(
        "--json", action="store_true", help="print a JSON list of {kind, definition, path, before, after}"
    )
    diff.add_argument(
        "--definitions",
        metavar="PATH",
        help="the folder OLD and NEW belong to: each side is loaded as this folder with its own files in place "
        "of the definitions they define (so one changed file can be diffed with the rulesets, thresholds and "
        "option lists it refers to)",
    )
    diff.set_defaults(handler=_diff)

    ev = commands.add_parser("evaluate", help="evaluate answers against a form and print the result as JSON")
    ev.add_argument("form_id", metavar="FORM_ID")
    ev.add_argument("--answers", required=True, metavar="FILE|-", help="a JSON object of answers, or - for stdin")
    ev.add_argument("--definitions", default=DEFAULT_DEFINITIONS, metavar="PATH")
    ev.add_argument("--today", type=_iso_date, metavar="YYYY-MM-DD", help="pin today's date (default: today, UTC)")
    ev.set_defaults(handler=_evaluate)

    calendar = commands.add_parser("calendar", help="the one-working-day decision clock")
    clock = calendar.add_subparsers(dest="action", required=True, parser_class=_Parser)
    due = clock.add_parser(
        "due",
        help="when a decision on next steps is due: one working day after receipt",
        description="Print when a decision on a contact received at RECEIVED_AT is due (ISO 8601, in the "
        "calendar's time zone). Received during working hours: the same time on the next working day; "
        "at any other time: closing time on the first working day that opens after it. The days "
        "skipped, and why, are explained on stderr (and in --json).",
    )
    due.add_argument(
        "received_at", metavar="RECEIVED_AT", type=_received_at,
        help="when the contact was received: ISO 8601 with a UTC offset, e.g. 2026-12-24T15:00:00+00:00",
    )
    due.add_argument(
        "--calendar", default=DEFAULT_CALENDAR, metavar="FILE",
        help=f"the calendar definition (default: {DEFAULT_CALENDAR}, relative to the current folder)",
    )
    due.add_argument(
        "--json", action="store_true",
        help='print {"received_at", "due_at", "skipped": [{"date", "reason"}]} (times ISO 8601 with their '
        "offset, dates YYYY-MM-DD)",
    )
    due.set_defaults(handler=_calendar_due)
    return parser


def _iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {text!r}") from None


def _received_at(text: str) -> datetime.datetime:
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.utcoffset() is None:
        raise argparse.ArgumentTypeError(
            f"not a date and time in ISO 8601 with a UTC offset (e.g. 2026-12-24T15:00:00+00:00): {text!r}"
        )
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
        sys.stdout.flush()
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    return code


def _load(path: str, err: TextIO) -> DefinitionSet | None:
    if not os.path.exists(path):
        err.write(f"fanlight: no such file or folder: {path}\n")
        return None
    return load_definitions(path)


def _check(args: argparse.Namespace) -> int:
    loaded = _load(args.path, sys.stderr)
    if loaded is None:
        return EXIT_FAILED
    for problem in loaded.problems:
        print(problem)
    if loaded.problems:
        print(f"{len(loaded.problems)} problem(s) in {loaded.files} file(s)", file=sys.stderr)
        return EXIT_FAILED
    print(f"OK: {loaded.files} file(s), {_summary(loaded)}, no problems")
    return EXIT_OK


def _summary(loaded: DefinitionSet) -> str:
    scenarios = sum(len(s.scenarios) for s in loaded.test_suites.values())
    return (
        f"{len(loaded.forms)} form(s), {len(loaded.rulesets)} ruleset(s), {len(loaded.thresholds)} thresholds, "
        f"{len(loaded.option_lists)} option list(s), {len(loaded.agencies)} agencies, "
        f"{len(loaded.mappings)} mapping(s), {scenarios} test scenario(s)"
    )


def _test(args: argparse.Namespace) -> int:
    loaded = _load(args.path, sys.stderr)
    if loaded is None:
        return EXIT_FAILED
    if loaded.problems:
        for problem in loaded.problems:
            print(problem, file=sys.stderr)
        print("definitions have problems; fix them before running scenarios", file=sys.stderr)
        return EXIT_FAILED
    results = run_suites(loaded)
    for result in results:
        print(result.line())
    failed = sum(1 for r in results if not r.passed)
    print(f"{len(results) - failed} passed, {failed} failed")
    return EXIT_FAILED if failed or not results else EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    sides: list[DefinitionSet] = []
    for path in (args.old, args.new):
        loaded = _load_side(path, args.definitions)
        if isinstance(loaded, str):
            print(f"fanlight: {loaded}", file=sys.stderr)
            return EXIT_USAGE
        sides.append(loaded)
    problems = _report_problems(sides, (args.old, args.new), args.definitions)
    unreadable = [path for loaded, path in zip(sides, (args.old, args.new), strict=True) if not diffable(loaded)]
    if unreadable:
        # A file that is not a definition would show as all it defines removed: no diff is better than a wrong one.
        print(f"fanlight: cannot diff {' or '.join(unreadable)}: some files could not be read as definitions",
              file=sys.stderr)
        return EXIT_USAGE
    changes = diff_definitions(sides[0], sides[1])
    if args.json:
        print(json.dumps([c.to_json() for c in changes], indent=2, ensure_ascii=False))
    else:
        for change in changes:
            print(change.line())
        print(f"fanlight: {len(changes)} change(s)" if changes else "fanlight: no changes", file=sys.stderr)
    # Problems keep their exit code even with the diff printed: a script must not take broken definitions as fine.
    return EXIT_USAGE if problems else EXIT_OK


def _load_side(path: str, context: str | None) -> DefinitionSet | str:
    """One side of a diff, or why it cannot be read."""
    for where in (path, context):
        if where is not None and not os.path.exists(where):
            return f"no such file or folder: {where}"
    try:
        documents = _documents(path)
        if not documents:
            return f"no definition files (*.yaml, *.yml) in {path}"
        if context is not None:
            mine = {_identity(d) for d in documents} - {None}
            paths = {os.path.realpath(d.path) for d in documents}
            documents += [
                d for d in _documents(context) if _identity(d) not in mine and os.path.realpath(d.path) not in paths
            ]
        return load_documents(documents)
    except (OSError, ValueError) as error:
        return f"cannot read {path}: {getattr(error, 'strerror', None) or error}"


def _documents(path: str) -> list[SourceDocument]:
    documents: list[SourceDocument] = []
    for name in definition_files(path):
        try:
            raw = Path(name).read_bytes()
        except OSError as error:
            document = SourceDocument(name, None, None)
            document.problems.add(Where(name), "YAML004", f"cannot read file: {error.strerror}")
        else:
            document = read_source(name, raw)
        documents.append(document)
    return documents


def _identity(document: SourceDocument) -> tuple[str, str] | None:
    data = document.data
    if isinstance(data, dict) and isinstance(data.get("kind"), str) and isinstance(data.get("id"), str):
        return (data["kind"], data["id"])
    return None


def _report_problems(sides: list[DefinitionSet], paths: tuple[str, str], context: str | None) -> bool:
    """Print each side's problems on stderr; True if there were any."""
    found = False
    for loaded, path in zip(sides, paths, strict=True):
        for problem in loaded.problems:
            print(problem, file=sys.stderr)
        if loaded.problems:
            found = True
            print(f"fanlight: the definitions in {path} have {len(loaded.problems)} problem(s)", file=sys.stderr)
            missing = {p.code for p in loaded.problems} & {"REF002", "REF003", "REF004"}
            if missing and context is None and os.path.isfile(path):
                print(
                    f"fanlight: {path} is one file; give --definitions FOLDER for the rulesets, thresholds "
                    "and option lists it refers to",
                    file=sys.stderr,
                )
    return found


def _evaluate(args: argparse.Namespace) -> int:
    answers = _read_answers(args.answers)
    if isinstance(answers, str):
        print(f"fanlight: {answers}", file=sys.stderr)
        return EXIT_USAGE
    loaded = _load(args.definitions, sys.stderr)
    if loaded is None:
        return EXIT_USAGE
    if loaded.problems:
        for problem in loaded.problems:
            print(problem, file=sys.stderr)
        print(
            f"fanlight: the definitions in {args.definitions} have {len(loaded.problems)} problem(s)", file=sys.stderr
        )
        return EXIT_USAGE
    compiled = loaded.compiled.get(args.form_id)
    if compiled is None:
        known = ", ".join(sorted(loaded.compiled)) or "none"
        print(f"fanlight: unknown form '{args.form_id}' (forms: {known})", file=sys.stderr)
        return EXIT_USAGE
    evaluation = evaluate(compiled, answers, today=args.today)
    print(json.dumps(evaluation.to_json(), indent=2, ensure_ascii=False))
    return EXIT_OK if evaluation.complete else EXIT_FAILED


def _calendar_due(args: argparse.Namespace) -> int:
    path: str = args.calendar
    if not os.path.isfile(path):
        what = "is a folder, not a calendar file" if os.path.isdir(path) else "no such calendar file"
        print(f"fanlight: {what}: {path}", file=sys.stderr)
        return EXIT_USAGE
    loaded = load_definitions(path)
    other = next((d.kind for d in loaded.all() if d.kind != "calendar"), None)
    if other is not None and not loaded.calendars:
        print(f"fanlight: {path} is a {other} definition, not a calendar (kind: calendar)", file=sys.stderr)
        return EXIT_USAGE
    for problem in loaded.problems:
        print(problem, file=sys.stderr)
    if loaded.problems:
        print(f"fanlight: the calendar {path} has {len(loaded.problems)} problem(s)", file=sys.stderr)
        return EXIT_USAGE
    calendar = next(iter(loaded.calendars.values()), None)
    if calendar is None:
        print(f"fanlight: {path} is not a calendar definition (kind: calendar)", file=sys.stderr)
        return EXIT_USAGE
    try:
        due = due_at(calendar, args.received_at)
    except CalendarError as error:
        print(f"fanlight: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(due.to_json(), indent=2, ensure_ascii=False))
    else:
        print(due.due_at.isoformat())
        for line in due.explanation():
            print(f"fanlight: {line}", file=sys.stderr)
    return EXIT_OK


def _read_answers(source: str) -> dict[str, Any] | str:
    """The answers object, or a message saying why it cannot be used."""
    try:
        if source == "-":
            text = sys.stdin.read(MAX_ANSWERS_BYTES + 1)
        else:
            with open(source, encoding="utf-8") as handle:
                text = handle.read(MAX_ANSWERS_BYTES + 1)
    except (OSError, UnicodeDecodeError) as error:
        return f"cannot read answers from {source}: {getattr(error, 'strerror', None) or error}"
    if len(text) > MAX_ANSWERS_BYTES:
        return f"answers in {source} are larger than {MAX_ANSWERS_BYTES:,} bytes"
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        where = f" at line {error.lineno} column {error.colno}" if isinstance(error, json.JSONDecodeError) else ""
        return f"answers in {source} are not valid JSON{where}"
    if not isinstance(data, dict):
        return f"answers in {source} must be a JSON object of field ids to answers"
    return data


if __name__ == "__main__":
    sys.exit(main())
