"""The workbench's pure parts, without a database: the quick edit's round trip over every bundled
definition, and a new publication compiled from the one before (what every worker does within a
second of a publish) giving exactly what compiling it whole gives."""

from __future__ import annotations

import datetime
import difflib
from collections import Counter
from typing import Any

import pytest

from fanlight.admin.quickedit import Document, Edit, OptionValue, QuickEditError
from fanlight.engine import DefinitionSet, evaluate
from fanlight.engine.testing import run_suites
from fanlight.web.definitions import registry
from fanlight.web.definitions.catalogue import incremental
from tests.support.factories import DEFINITIONS

CFC = "forms/cause-for-concern.yaml"
TEXTS = registry.folder_texts(DEFINITIONS)


def comments(text: str) -> Counter[str]:
    return Counter(line.strip() for line in text.splitlines() if line.lstrip().startswith("#"))


# The quick edit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(TEXTS))
def test_every_bundled_definition_reads_and_writes_back_byte_for_byte(path):
    document = Document.parse(TEXTS[path])
    assert document.text == TEXTS[path]


def edits_for(target: Any) -> list[tuple[str, Edit]]:
    if target.kind == "field":
        found = [("label", Edit(label=target.label + " (reworded)")), ("required", Edit(required=not target.required)),
                 ("hint", Edit(hint="" if target.hint else "A new hint: with a colon"))]
        if target.options and not target.options_ref:
            found.append(("options", Edit(relabel={target.options[0].value: "Relabelled"},
                                          add=[OptionValue("another_one", "Another one")])))
            if len(target.options) > 1:
                found.append(("remove the last option", Edit(remove={target.options[-1].value})))
        return found
    if target.kind == "rule":
        return [("message", Edit(message="A new message.\nOn two lines."))]
    if target.kind == "indicator":
        return [("text and level", Edit(text="New text", level=next(n for n, _ in target.levels if n != target.level)))]
    return [("options", Edit(relabel={target.options[0].value: "Relabelled"}, add=[OptionValue("maybe_later", "Maybe later")])),
            ("remove the last option", Edit(remove={target.options[-1].value}))]


@pytest.mark.parametrize("path", sorted(p for p in TEXTS if not p.startswith(("tests/", "agencies/", "calendar/", "mappings/"))))
def test_every_quick_edit_of_every_bundled_definition_keeps_every_comment_and_touches_only_its_lines(path):
    """Each edit alone: its lines only, every comment kept. Each kind of edit made to every
    question (or rule, or indicator) of the file at once: the file still loads without a problem."""
    text = TEXTS[path]
    parsed = Document.parse(text)
    targets = parsed.targets()
    assert targets, path
    together: dict[str, Document] = {}
    for n, target in enumerate(targets):
        for name, edit in edits_for(target):
            if n % 10 == 0 or len(targets) < 30:  # alone: every tenth question of the large forms
                result = Document.parse(text).apply(target.node, edit)
                assert comments(result) == comments(text), (target.node, name)
                changed = [line for line in difflib.unified_diff(text.splitlines(), result.splitlines(), lineterm="",
                                                                 n=0) if line[:1] in "+-" and not line.startswith(("+++", "---"))]
                assert 0 < len(changed) <= 8, (target.node, name, changed)
                assert all(line[1:].startswith(" ") for line in changed), (target.node, name, changed)  # never top-level
            if name != "remove the last option":  # an expression may read the removed value: a problem, reported
                if name not in together:  # (not setdefault: that parsed the file again for every edit, ~0.5 s each)
                    together[name] = Document.parse(text)
                together[name].change(target.node, edit)
    for name, document in together.items():
        result = document.render()
        assert comments(result) == comments(text), name
        loaded = registry.load({**TEXTS, path: result})
        assert not loaded.problems, (name, [str(p) for p in loaded.problems[:3]])


def test_the_quick_edit_refuses_what_it_cannot_write_back_safely():
    document = Document.parse(TEXTS[CFC])
    with pytest.raises(QuickEditError, match="no such question"):
        document.apply("nowhere/nothing", Edit(label="x"))
    with pytest.raises(QuickEditError, match="already an option"):
        document.apply("about-this-referral/concern_level", Edit(add=[OptionValue("complex_needs", "Again")]))
    with pytest.raises(QuickEditError, match="at least one option"):
        Document.parse(TEXTS[CFC]).apply("about-this-referral/concern_level", Edit(
            remove={"additional_needs", "complex_needs", "suspected_significant_harm"}))
    with pytest.raises(QuickEditError, match="cannot be read as YAML"):
        Document.parse("kind: form\nid: [unclosed\n")
    with pytest.raises(QuickEditError, match="layout"):
        Document.parse("kind: form\nid:   spaced\n")  # the round trip would not give these bytes back


def test_an_unchanged_answer_leaves_the_file_exactly_as_it_was():
    document = Document.parse(TEXTS[CFC])
    target = document.target("consent-and-informing-the-family/consent")
    same = Edit(label=target.label, hint=target.hint.replace("\n", "\r\n") + "  \r\n", required=target.required)
    assert document.apply(target.node, same) == TEXTS[CFC]


# A new publication compiled from the one before ---------------------------------------------------------


def quick(text: str, node: str, edit: Edit) -> str:
    return Document.parse(text).apply(node, edit)


def evaluations(definitions: DefinitionSet, suites: DefinitionSet) -> list[Any]:
    found = []
    for suite in suites.test_suites.values():
        compiled = definitions.compiled[suite.form]
        for scenario in suite.scenarios:
            today = datetime.date.fromisoformat(scenario.today or suite.today or "2026-11-22")
            found.append(evaluate(compiled, scenario.answers, today=today))
    return found


CHANGES = {
    "a question reworded": {CFC: quick(TEXTS[CFC], "consent-and-informing-the-family/consent",
                                       Edit(label="Have you asked the family whether they agree to this referral?"))},
    "a question made optional": {CFC: quick(TEXTS[CFC], "about-this-referral/discussed_with_dsl", Edit(required=False))},
    "a rule's message": {"rules/consent-rules.yaml": quick(
        TEXTS["rules/consent-rules.yaml"], "rules/consent-needed-for-early-help", Edit(message="Ask the family first."))},
    "an indicator's level": {"thresholds/levels-of-need.yaml": quick(
        TEXTS["thresholds/levels-of-need.yaml"], "indicators/cd3-young-carer", Edit(level=2))},
    "a shared option list": {"options/not-informed-reasons.yaml": quick(
        TEXTS["options/not-informed-reasons.yaml"], "options",
        Edit(relabel={"risk_of_harm_to_another_person": "It would put someone else at risk of harm"}))},
    "a new form": {"forms/another-form.yaml": TEXTS["forms/request-for-information.yaml"].replace(
        "id: request-for-information", "id: another-form", 1)},
}


@pytest.mark.parametrize("what", sorted(CHANGES))
def test_a_publication_compiled_from_the_one_before_is_what_compiling_it_whole_gives(what):
    before = registry.load(TEXTS)
    texts = {**TEXTS, **CHANGES[what]}
    whole = registry.load(texts)
    assert not whole.problems
    made = incremental(TEXTS, before, texts)
    assert made is not None, what
    assert not made.problems and made.files == whole.files
    for group in ("forms", "rulesets", "thresholds", "option_lists", "agencies", "calendars", "compiled"):
        assert set(getattr(made, group)) == set(getattr(whole, group)), group
    assert [f.form.content_hash for f in made.compiled.values()] == [whole.compiled[k].form.content_hash
                                                                    for k in made.compiled]
    assert made.thresholds == whole.thresholds and made.option_lists == whole.option_lists
    assert evaluations(made, whole) == evaluations(whole, whole)
    assert [r.line() for r in run_suites(DefinitionSet(**{**vars(made), "test_suites": whole.test_suites}))] == \
        [r.line() for r in run_suites(whole)]
    unchanged = {k for k in before.compiled if k in made.compiled and k not in {c.split("/")[0] for c in CHANGES[what]}}
    assert any(made.compiled[k] is before.compiled[k] for k in unchanged) or what != "a new form"


def test_a_form_that_is_removed_is_no_longer_served():
    before = registry.load(TEXTS)
    texts = {path: text for path, text in TEXTS.items() if path != "forms/request-for-information.yaml"}
    texts = {p: t for p, t in texts.items() if "form: request-for-information" not in t}  # and its tests
    assert incremental(TEXTS, before, texts) is None  # a definition test changed: compiled whole
    only_form = {p: t for p, t in TEXTS.items() if p != "forms/request-for-information.yaml"}
    made = incremental(TEXTS, before, only_form)
    assert made is not None and "request-for-information" not in made.compiled


@pytest.mark.parametrize("path", ["agencies/demo-surgery.yaml", "tests/cause-for-concern-consent.yaml",
                                  "options/agency-types.yaml"])
def test_a_change_to_an_agency_a_test_or_the_agency_types_compiles_the_whole_set(path):
    before = registry.load(TEXTS)
    assert incremental(TEXTS, before, {**TEXTS, path: TEXTS[path] + "\n# changed\n"}) is None


def test_a_publication_with_a_problem_is_compiled_whole_so_the_problem_is_seen():
    before = registry.load(TEXTS)
    broken = {**TEXTS, CFC: TEXTS[CFC].replace("type: consent", "type: nonsense", 1)}
    assert incremental(TEXTS, before, broken) is None
    assert registry.load(broken).problems
