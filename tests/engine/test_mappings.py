"""Mappings are definitions: a decided referral's answers, decision and facts become the document
sent to the council's case system, compiled and checked when the definitions load."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from fanlight.engine import load_definitions
from fanlight.engine.mappings import DecidedReferral, applies, mappings_for, render_payload, samples
from tests.helpers import load, problems_of

ROOT = Path(__file__).resolve().parents[2]
UTC = datetime.UTC

# The bundled definitions -------------------------------------------------------------------------

BUNDLED = load_definitions(ROOT / "definitions")
CASE_SYSTEM = "case-system-referral"

JORDAN = {
    "child_forename": "Jordan", "child_surname": "Morgan", "unborn": False, "child_dob": "2017-03-14",
    "sex": "male", "ethnicity": "white_british", "first_language": "english", "interpreter_needed": False,
    "child_address": "14 Orchard Close, Worcester", "child_postcode": "wr12ab",
    "school_or_setting": "St Barnabas Primary School", "upn": "X938200019001", "nhs_number": "943 476 5919",
    "subject_of_concern": True,
}
BABY = {"child_forename": "Baby", "child_surname": "Morgan", "unborn": True, "child_edd": "2027-02-01",
        "subject_of_concern": True}
REFERRAL_ANSWERS = {
    "immediate_danger": False,
    "parents_informed": True,
    "consent": {"sought": True, "given": True, "given_by": "Kelly Morgan", "relationship": "Mother",
                "has_parental_responsibility": True, "date": "2026-11-20", "method": "verbal"},
    "children": [JORDAN, BABY],
    "household_members": [{"member_name": "Kelly Morgan", "member_relationship": "mother",
                           "member_dob": "1992-06-02", "lives_in_household": True,
                           "has_parental_responsibility": "yes", "alleged_perpetrator": False}],
    "referrer_name": "Sarah Collins", "referrer_role": "Class teacher", "referrer_agency": "St Barnabas",
    "agency_type": "school", "referrer_phone": "01905 123456", "secure_email": "sarah.collins@school.example",
    "categories": ["neglect", "unborn_baby"], "primary_category": "neglect",
    "concern_description": "Jordan arrives at school hungry most days.",
}
CIN_DECISION = {"rag": "amber", "outcome": "cin_s17", "level_applied": "3", "reasons": "Repeated concerns.",
                "reason_for_referrer": "A social worker will assess.", "primary_need": "N1",
                "cin_referral_source": "2A"}


def decided(answers=None, decision=None, **facts) -> DecidedReferral:
    values = {
        "reference": "FD-2026-000123", "form_id": "cause-for-concern", "form_version": 1,
        "received_at": datetime.datetime(2026, 11, 22, 9, 15, tzinfo=UTC),
        "decided_at": datetime.datetime(2026, 11, 22, 15, 40, tzinfo=UTC),
        "agency_id": "demo-primary-school", "agency": "Demo Primary School", "referral_source": "2A", "rag": "amber",
        "answers": REFERRAL_ANSWERS if answers is None else answers,
        "decision": CIN_DECISION if decision is None else decision,
    }
    return DecidedReferral(**{**values, **facts})


def case_system():
    return BUNDLED.compiled_mappings[CASE_SYSTEM]


def test_the_bundled_folder_loads_its_case_system_mapping_without_problems():
    assert BUNDLED.problems == []
    mapping = BUNDLED.mappings[CASE_SYSTEM]
    assert (mapping.form, mapping.destination, mapping.decision_form) == (
        "cause-for-concern", "case-system", "front-door-decision")
    assert mapping in BUNDLED.all()
    assert case_system().destination == "case-system" and case_system().version == 1
    assert mappings_for(BUNDLED, "cause-for-concern") == [case_system()]
    assert mappings_for(BUNDLED, "request-for-information") == []


def test_a_decided_child_in_need_referral_becomes_the_case_systems_document():
    payload = render_payload(case_system(), decided())
    assert payload["schema"] == "fanlight-referral/1"
    assert payload["reference"] == "FD-2026-000123"
    assert payload["received_at"] == "2026-11-22T09:15:00Z"
    assert payload["decided_at"] == "2026-11-22T15:40:00Z"
    assert payload["form"] == {"id": "cause-for-concern", "version": 1}
    assert payload["referral_source_code"] == "2A"
    assert payload["decision"] == {"outcome": "cin_s17", "level_applied": "3", "rag": "amber",
                                   "primary_need_code": "N1", "reasons": "Repeated concerns."}
    assert payload["concern"] == {"categories": ["neglect", "unborn_baby"], "primary_category": "neglect",
                                  "description": "Jordan arrives at school hungry most days.",
                                  "immediate_danger": False}
    assert payload["consent"] == {"parents_informed": True, "sought": True, "given": True,
                                  "given_by": "Kelly Morgan", "date": "2026-11-20", "reason": None}
    assert payload["referrer"] == {"name": "Sarah Collins", "role": "Class teacher", "phone": "01905 123456",
                                   "email": "sarah.collins@school.example", "agency": "Demo Primary School",
                                   "agency_id": "demo-primary-school", "agency_name_given": "St Barnabas",
                                   "agency_type": "school"}
    assert payload["household"] == [{"name": "Kelly Morgan", "relationship": "mother", "date_of_birth": "1992-06-02",
                                     "lives_in_household": True, "has_parental_responsibility": "yes",
                                     "alleged_perpetrator": False}]
    json.dumps(payload)  # ready to send as it is


def test_each_child_is_one_item_with_their_own_answers_written_as_the_form_cleans_them():
    jordan, baby = render_payload(case_system(), decided())["children"]
    assert jordan["forename"] == "Jordan" and jordan["date_of_birth"] == "2017-03-14"
    assert jordan["postcode"] == "WR1 2AB"  # normalised, as the form stores it
    assert jordan["identifiers"] == {"upn": "X938200019001", "nhs_number": "9434765919"}
    assert jordan["expected_date_of_delivery"] is None  # hidden for a born child: null
    assert baby["unborn"] is True and baby["expected_date_of_delivery"] == "2027-02-01"
    assert baby["date_of_birth"] is None and baby["identifiers"] == {"upn": None, "nhs_number": None}


def test_only_early_help_child_in_need_and_child_protection_decisions_are_sent():
    mapping = case_system()
    for outcome in ("early_help", "cin_s17", "strategy_s47"):
        assert applies(mapping, decided(decision={**CIN_DECISION, "outcome": outcome})), outcome
    for outcome in ("nfa", "information_advice", "transferred"):
        assert not applies(mapping, decided(decision={**CIN_DECISION, "outcome": outcome})), outcome
    assert not applies(mapping, decided(decision={}))  # no outcome yet: not sent


def test_a_missing_answer_is_null_and_odd_answers_never_raise():
    payload = render_payload(case_system(), decided(answers={"children": [{"child_forename": "Ava"}]}, decision={}))
    assert payload["referrer"]["name"] is None
    assert payload["decision"]["outcome"] is None
    assert payload["concern"]["categories"] is None
    assert payload["children"][0]["forename"] == "Ava" and payload["children"][0]["surname"] is None
    assert payload["household"] == []
    odd = render_payload(case_system(), decided(answers={"children": "lots", "categories": 7, "consent": []},
                                                 decision={"outcome": ["x"]}))
    assert odd["children"] == [] and odd["concern"]["categories"] is None and odd["decision"]["outcome"] is None


def test_the_dry_run_samples_are_the_forms_complete_scenarios_decided_by_the_decision_forms_test():
    found = samples(BUNDLED, case_system())
    assert found and found[0].name == "a complete early help referral about neglect can be submitted"
    referral = found[0].referral
    assert referral.decision["outcome"] == "cin_s17"  # the decision form's first complete scenario
    assert referral.agency_id == "demo-primary-school" and referral.referral_source == "2A"  # a school, as answered
    assert render_payload(case_system(), referral)["children"][0]["forename"] == "Jordan"


# Small definitions: what an author can get wrong ---------------------------------------------------

FORM = """\
kind: form
id: referral
version: 1
title: Referral
sections:
  - id: main
    title: Main
    fields:
      - {id: concern, type: textarea, label: Concern}
      - {id: seen_on, type: date, label: Seen on}
      - id: children
        type: repeat
        label: Children
        fields:
          - {id: name, type: text, label: Name}
          - {id: dob, type: date, label: Date of birth}
"""
DECISION = """\
kind: form
id: front-door-decision
version: 1
title: Decision
audience: front_door
sections:
  - id: decision
    title: Decision
    fields:
      - id: outcome
        type: radios
        label: Outcome
        options: [{value: nfa, label: No further action}, {value: early_help, label: Early help}]
"""


def mapping(payload: str, *, when: str = "", form: str = "referral", extra: str = "") -> str:
    head = f"kind: mapping\nid: to-case-system\nversion: 1\ntitle: To the case system\nform: {form}\n"
    head += f"destination: case-system\n{extra}"
    if when:
        head += f"when: {when}\n"
    return head + "payload:\n" + payload


def files(text: str) -> dict[str, str]:
    return {"forms/referral.yaml": FORM, "forms/decision.yaml": DECISION, "mappings/m.yaml": text}


def small(answers, decision=None, **facts) -> DecidedReferral:
    return decided(answers=answers, decision=decision or {"outcome": "early_help"}, form_id="referral", **facts)


def test_leaves_are_expressions_literals_lists_and_nested_objects():
    text = mapping(
        "  concern: concern\n"
        "  seen: seen_on\n"
        "  shouted: concern + '!'\n"
        "  system: {value: fanlight}\n"
        "  flags: {value: [1, 'two', null]}\n"
        "  priority: 2\n"
        "  urgent: false\n"
        "  pair: [referral.reference, decision.outcome]\n"
        "  about: {reference: referral.reference, form: referral.form_id, version: referral.form_version}\n"
    )
    loaded = load(files(text))
    assert loaded.problems == []
    payload = render_payload(loaded.compiled_mappings["to-case-system"],
                             small({"concern": "Hungry", "seen_on": "2026-11-01"}))
    assert payload == {
        "concern": "Hungry", "seen": "2026-11-01", "shouted": "Hungry!", "system": "fanlight",
        "flags": [1, "two", None], "priority": 2, "urgent": False,
        "pair": ["FD-2026-000123", "early_help"],
        "about": {"reference": "FD-2026-000123", "form": "referral", "version": 1},
    }


def test_each_maps_every_item_of_a_repeat_reading_the_items_own_answers_and_the_top_level():
    text = mapping("  children:\n    each: children\n    item: {name: name, born: dob, concern: concern}\n"
                   "  names: {each: children, item: name}\n")
    compiled = load(files(text)).compiled_mappings["to-case-system"]
    payload = render_payload(compiled, small({"concern": "c", "children": [{"name": "Ann", "dob": "2020-01-02"},
                                                                           {"name": "Bo"}]}))
    assert payload["children"] == [{"name": "Ann", "born": "2020-01-02", "concern": "c"},
                                   {"name": "Bo", "born": None, "concern": "c"}]
    assert payload["names"] == ["Ann", "Bo"]
    assert render_payload(compiled, small({}))["children"] == []


def test_when_decides_which_decisions_are_sent_and_without_it_every_one_is():
    compiled = load(files(mapping("  c: concern\n", when="decision.outcome == 'early_help'"))).compiled_mappings
    assert applies(compiled["to-case-system"], small({}, {"outcome": "early_help"}))
    assert not applies(compiled["to-case-system"], small({}, {"outcome": "nfa"}))
    always = load(files(mapping("  c: concern\n"))).compiled_mappings["to-case-system"]
    assert applies(always, small({}, {"outcome": "nfa"}))


def test_when_can_read_the_referral_facts_with_their_types():
    text = mapping("  c: concern\n", when="referral.rag == 'red' and referral.received_at < decision_day",
                   extra="")
    problems = problems_of(files(text))
    assert problems == ["mappings/m.yaml:7:56: EXP002 unknown field 'decision_day' (did you mean 'decision'?)"]
    ok = mapping("  c: concern\n", when="referral.rag == 'red' and referral.received_at < referral.decided_at")
    compiled = load(files(ok)).compiled_mappings["to-case-system"]
    assert applies(compiled, small({}, rag="red")) and not applies(compiled, small({}, rag="amber"))


def test_an_unknown_field_in_a_payload_expression_is_reported_where_it_is_written():
    text = mapping("  about:\n    concern: consern\n")
    assert problems_of(files(text)) == [
        "mappings/m.yaml:9:14: EXP002 unknown field 'consern' (did you mean 'concern'?)"]


def test_an_unknown_decision_or_referral_attribute_is_reported_where_it_is_written():
    text = mapping("  outcome: decision.outcom\n  ref: referral.referenc\n")
    assert problems_of(files(text)) == [
        "mappings/m.yaml:8:21: EXP002 unknown attribute 'outcom' (did you mean 'outcome'?)",
        "mappings/m.yaml:9:17: EXP002 unknown attribute 'referenc' (did you mean 'reference'?)",
    ]


def test_a_decision_outcome_that_is_not_an_option_is_refused():
    text = mapping("  c: concern\n", when="decision.outcome in ['early_help', 'cin']")
    assert problems_of(files(text)) == [
        "mappings/m.yaml:7:43: EXP005 'cin' is not an option of 'outcome' (options: early_help, nfa)"]


def test_a_broken_expression_is_a_syntax_error_at_its_line_and_column():
    text = mapping("  children:\n    each: children\n    item:\n      name: name +\n")
    assert problems_of(files(text)) == ["mappings/m.yaml:11:18: EXP001 syntax error: the expression ends too early"]


def test_each_must_name_a_repeat_of_the_form():
    text = mapping("  children:\n    each: childen\n    item: name\n")
    assert problems_of(files(text)) == [
        "mappings/m.yaml:9:11: REF008 each: 'childen' is not a repeat field of the form (did you mean 'children'?)"]


def test_an_item_field_is_unknown_outside_its_each():
    assert problems_of(files(mapping("  name: name\n"))) == [
        "mappings/m.yaml:8:9: EXP002 unknown field 'name' (did you mean 'concern'?)"]


def test_a_mapping_for_an_unknown_form_is_refused_and_its_expressions_still_syntax_checked():
    text = mapping("  c: concern ==\n", form="refferal")
    assert problems_of(files(text)) == [
        "mappings/m.yaml:5:7: REF006 unknown form 'refferal' (known: front-door-decision, referral)",
        "mappings/m.yaml:8:15: EXP001 syntax error: the expression ends too early",
    ]


def test_without_the_decision_form_the_mapping_is_refused():
    text = mapping("  c: concern\n", extra="decision_form: front-door-decisions\n")
    assert problems_of(files(text)) == [
        "mappings/m.yaml:7:16: REF006 unknown decision form 'front-door-decisions' "
        "(known: front-door-decision, referral)"]


@pytest.mark.parametrize(("payload", "expected"), [
    ("  c: concern\n  extra:\n    each: children\n    item: name\n    where: name != null\n",
     "mappings/m.yaml:12:5: DEF003 payload.extra: unknown key 'where'"),
    ("  kids: {each: children}\n", "mappings/m.yaml:8:9: DEF001 payload.kids: missing required key 'item'"),
    ("  each: children\n  item: concern\n",
     "mappings/m.yaml:8:3: DEF004 payload: must be a mapping of keys (the JSON object to send)"),
    ("  kids: {each: 3, item: name}\n", "mappings/m.yaml:8:16: DEF002 payload.kids.each: 3 is not text"),
])
def test_a_payload_or_directive_of_the_wrong_shape_is_a_schema_problem_at_its_line(payload, expected):
    assert problems_of(files(mapping(payload))) == [expected]


def test_an_unknown_key_at_the_top_of_a_mapping_is_def003_at_its_line():
    text = mapping("  c: concern\n", extra="destinaton: elsewhere\n")
    assert problems_of(files(text)) == [
        "mappings/m.yaml:7:1: DEF003 file: unknown key 'destinaton' (did you mean 'destination'?)"]


def test_a_form_field_called_decision_or_referral_would_be_ambiguous_in_a_mapping():
    form = FORM.replace("{id: concern, type: textarea, label: Concern}", "{id: referral, type: text, label: Ref}")
    found = problems_of({**files(mapping("  c: referral.reference\n")), "forms/referral.yaml": form})
    assert found == ["forms/referral.yaml:9:9: REF005 'referral' is a reserved name in mappings "
                     "(mapping 'to-case-system' reads the referral as `referral.…`); choose another id"]
