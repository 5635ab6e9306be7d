"""Agencies are definitions: who may register, with which email domains, for which forms."""

from tests.helpers import load, problems_of

FORM = """\
kind: form
id: referral
version: 1
title: Referral
sections:
  - id: main
    title: Main
    fields:
      - {id: concern, type: textarea, label: What is the concern, required: true}
"""
TYPES = """\
kind: options
id: agency-types
version: 1
title: Agency types
options:
  - {value: gp, label: GP practice, code: 3A}
  - {value: police, label: Police, code: '6'}
"""


def agency(aid: str, agency_type: str, domains: str, forms: str = "[referral]") -> str:
    return (
        f"kind: agency\nid: {aid}\nversion: 1\ntitle: {aid}\nagency_type: {agency_type}\n"
        f"email_domains: {domains}\nforms: {forms}\n"
    )


def test_an_agency_gets_its_cin_referral_source_code_from_its_type():
    loaded = load({"form.yaml": FORM, "types.yaml": TYPES, "a.yaml": agency("a-surgery", "gp", "[surgery.example]")})
    assert loaded.problems == []
    surgery = loaded.agencies["a-surgery"]
    assert surgery.referral_source_code == "3A"
    assert surgery.email_domains == ("surgery.example",)
    assert surgery.forms == ("referral",)


def test_an_agency_naming_a_form_that_does_not_exist_is_refused():
    problems = problems_of({"form.yaml": FORM, "types.yaml": TYPES, "a.yaml": agency("a", "gp", "[a.example]", "[refferal]")})
    assert problems == ["a.yaml:7:8: REF006 unknown form 'refferal' (known: referral)"]


def test_one_email_domain_cannot_belong_to_two_agencies():
    problems = problems_of({
        "form.yaml": FORM, "types.yaml": TYPES,
        "a.yaml": agency("a", "gp", "[shared.example]"), "b.yaml": agency("b", "police", "[shared.example]"),
    })
    assert problems == ["b.yaml:1:1: REF001 email domain 'shared.example' already belongs to agency 'a'"]


def test_an_email_domain_must_look_like_a_domain():
    problems = problems_of({"form.yaml": FORM, "types.yaml": TYPES, "a.yaml": agency("a", "gp", "['Not A Domain']")})
    assert len(problems) == 1 and ": DEF004 " in problems[0] and problems[0].startswith("a.yaml:6:")


def test_the_bundled_agencies_cover_schools_health_police_and_the_voluntary_sector():
    from pathlib import Path

    from fanlight.engine import load_definitions

    loaded = load_definitions(Path(__file__).resolve().parents[2] / "definitions")
    assert loaded.problems == []
    codes = {a.referral_source_code for a in loaded.agencies.values()}
    assert {"2A", "3A", "3B", "6", "8"} <= codes
