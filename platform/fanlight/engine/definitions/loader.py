"""Load a folder of definitions: read, check against the schemas, build, cross-check, compile.

`load_definitions` never raises on bad definitions: it returns every problem found, each
with its file, line, column and stable code, so an author fixes them all in one pass.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..problems import Problem, Problems, Where
from . import model as m
from .build import Builder
from .schema import KINDS, check_schema
from .source import SourceDocument, read_source

if TYPE_CHECKING:
    from ..evaluation.compiled import CompiledForm
    from ..mappings import CompiledMapping

MAX_FILES = 2_000


@dataclass
class DefinitionSet:
    forms: dict[str, m.Form] = field(default_factory=dict)
    rulesets: dict[str, m.Ruleset] = field(default_factory=dict)
    thresholds: dict[str, m.Thresholds] = field(default_factory=dict)
    option_lists: dict[str, m.OptionList] = field(default_factory=dict)
    test_suites: dict[str, m.TestSuite] = field(default_factory=dict)
    agencies: dict[str, m.Agency] = field(default_factory=dict)
    calendars: dict[str, m.Calendar] = field(default_factory=dict)
    mappings: dict[str, m.Mapping] = field(default_factory=dict)
    compiled: dict[str, CompiledForm] = field(default_factory=dict)
    compiled_mappings: dict[str, CompiledMapping] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def all(self) -> list[m.Definition]:
        groups: list[dict[str, Any]] = [
            self.forms,
            self.rulesets,
            self.thresholds,
            self.option_lists,
            self.test_suites,
            self.agencies,
            self.calendars,
            self.mappings,
        ]
        return [d for group in groups for d in group.values()]


def definition_files(root: str | os.PathLike[str]) -> list[str]:
    path = Path(root)
    if path.is_file():
        return [str(root)]
    found = sorted(str(p) for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return found[:MAX_FILES]


def load_definitions(root: str | os.PathLike[str]) -> DefinitionSet:
    """Every definition under `root` (a folder or one file), compiled, with all problems."""
    documents: list[SourceDocument] = []
    for name in definition_files(root):
        try:
            raw = Path(name).read_bytes()
        except OSError as error:
            doc = SourceDocument(name, None, None)
            doc.problems.add(Where(name), "YAML004", f"cannot read file: {error.strerror}")
        else:
            doc = read_source(name, raw)
        documents.append(doc)
    return load_documents(documents)


def load_texts(texts: dict[str, str]) -> DefinitionSet:
    """Load definitions held in memory ({file name: YAML text}), e.g. from the registry or a test."""
    return load_documents([read_source(name, text.encode("utf-8")) for name, text in texts.items()])


def load_documents(documents: Iterable[SourceDocument]) -> DefinitionSet:
    result = DefinitionSet()
    problems = Problems()
    for doc in documents:
        result.files += 1
        problems.extend(doc.problems)
        if isinstance(doc.data, dict):
            _build(doc, result, problems)
    _resolve_options(result, problems)
    _check_references(result, problems)
    _compile(result, problems)
    result.problems = problems.sorted()
    return result


def _build(doc: SourceDocument, result: DefinitionSet, problems: Problems) -> None:
    kind = doc.data.get("kind")
    if kind not in KINDS:
        if kind is None:
            problems.add(doc.where(), "DEF001", "missing required key 'kind'")
        else:
            problems.add(doc.where(["kind"]), "DEF006", f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
        return
    problems.extend(check_schema(doc, kind))
    builder = Builder(doc)
    built: m.Definition = {
        "form": builder.form,
        "ruleset": builder.ruleset,
        "thresholds": builder.thresholds,
        "options": builder.options,
        "tests": builder.tests,
        "agency": builder.agency,
        "calendar": builder.calendar,
        "mapping": builder.mapping,
    }[kind](doc.data)
    problems.extend(builder.problems)
    groups: dict[str, dict[str, Any]] = {
        "form": result.forms,
        "ruleset": result.rulesets,
        "thresholds": result.thresholds,
        "options": result.option_lists,
        "tests": result.test_suites,
        "agency": result.agencies,
        "calendar": result.calendars,
        "mapping": result.mappings,
    }
    group = groups[kind]
    if built.id in group:
        other = group[built.id]
        problems.add(doc.where(["id"]), "REF001", f"{kind} id '{built.id}' is already defined in {other.path}")
        return
    if built.id:
        group[built.id] = built


def _all_fields(form: m.Form) -> Iterable[m.Field]:
    for f in form.top_fields():
        yield f
        yield from f.fields


def _resolve_options(result: DefinitionSet, problems: Problems) -> None:
    for form in result.forms.values():
        for f in _all_fields(form):
            if f.options_ref is None:
                continue
            shared = result.option_lists.get(f.options_ref)
            if shared is None:
                problems.add(f.where, "REF004", f"unknown option list '{f.options_ref}'{_known(result.option_lists)}")
            else:
                f.options = shared.options


AGENCY_TYPES = "agency-types"  # the shared option list that maps agency types to CIN referral-source codes


def _check_agencies(result: DefinitionSet, problems: Problems) -> None:
    types = result.option_lists.get(AGENCY_TYPES)
    owners: dict[str, m.Agency] = {}
    for agency in result.agencies.values():
        option = next((o for o in types.options if o.value == agency.agency_type), None) if types else None
        if option is None:
            known = (
                f" (see the '{AGENCY_TYPES}' option list)" if types else f" (there is no '{AGENCY_TYPES}' option list)"
            )
            problems.add(
                agency.agency_type_where or agency.where, "REF009", f"unknown agency type '{agency.agency_type}'{known}"
            )
        else:
            agency.referral_source_code = option.code
        for form_id in agency.forms:
            if form_id not in result.forms:
                problems.add(
                    agency.forms_where or agency.where, "REF006", f"unknown form '{form_id}'{_known(result.forms)}"
                )
        for domain in agency.email_domains:
            if domain in owners:
                problems.add(
                    agency.where, "REF001", f"email domain '{domain}' already belongs to agency '{owners[domain].id}'"
                )
            owners.setdefault(domain, agency)


def _check_references(result: DefinitionSet, problems: Problems) -> None:
    _check_agencies(result, problems)
    for form in result.forms.values():
        for rid in form.rulesets:
            if rid not in result.rulesets:
                problems.add(
                    form.rulesets_where or form.where, "REF002", f"unknown ruleset '{rid}'{_known(result.rulesets)}"
                )
        if form.thresholds and form.thresholds not in result.thresholds:
            problems.add(
                form.thresholds_where or form.where,
                "REF003",
                f"unknown thresholds '{form.thresholds}'{_known(result.thresholds)}",
            )
    for suite in result.test_suites.values():
        if suite.form not in result.forms:
            problems.add(
                suite.form_where or suite.where, "REF006", f"unknown form '{suite.form}'{_known(result.forms)}"
            )
        else:
            _check_expectations(suite, result.forms[suite.form], problems)


def _check_expectations(suite: m.TestSuite, form: m.Form, problems: Problems) -> None:
    """A scenario that expects something of a misspelt field would pass or fail for the wrong reason."""
    known = {f.id for f in form.top_fields()} | {s.id for s in form.sections}
    for scenario in suite.scenarios:
        for path, where in scenario.references:
            top = path.split("[", 1)[0].split(".", 1)[0]
            if top not in known:
                close = difflib.get_close_matches(top, sorted(known), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.add(where, "REF008", f"unknown field or section '{top}' in form '{form.id}'{hint}")


def _known(group: dict[str, Any]) -> str:
    return f" (known: {', '.join(sorted(group))})" if group else ""


def _compile(result: DefinitionSet, problems: Problems) -> None:
    # Imported here: the evaluation layer builds on this one, so a top-level import would be a cycle.
    from ..evaluation.compiled import compile_form  # noqa: PLC0415
    from ..expressions import Scope, compile_expression  # noqa: PLC0415
    from ..mappings import compile_mapping  # noqa: PLC0415

    for form in result.forms.values():
        result.compiled[form.id] = compile_form(form, result.rulesets, result.thresholds, problems)
    # A ruleset or thresholds no form uses is still syntax-checked, so it can be reviewed.
    used_rules = {r for f in result.forms.values() for r in f.rulesets}
    used_thresholds = {f.thresholds for f in result.forms.values()}
    untyped = Scope.untyped()
    for ruleset in result.rulesets.values():
        if ruleset.id not in used_rules:
            for rule in ruleset.rules:
                compile_expression(rule.when, untyped, problems)
    for thresholds in result.thresholds.values():
        if thresholds.id not in used_thresholds:
            for ind in thresholds.indicators:
                if ind.when is not None:
                    compile_expression(ind.when, untyped, problems)
    for mapping in result.mappings.values():
        compiled = compile_mapping(mapping, result, problems)
        if compiled is not None:
            result.compiled_mappings[mapping.id] = compiled
