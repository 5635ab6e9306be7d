"""`prefill:` in the definition language: where a field's starting value comes from.

The sources are the signed-in person's account (name, email, agency, agency type) and, for
`earlier_referral`, their own earlier referral; the schema knows the sources, the loader checks
that each fits its field, and the semantic diff shows a change to one.
"""

from __future__ import annotations

import json
from pathlib import Path

from fanlight.engine import load_definitions
from fanlight.engine.definitions.model import EARLIER_REFERRAL
from fanlight.engine.definitions.schema import schema
from fanlight.engine.diff import diff_definitions
from tests.helpers import compile_yaml, form_yaml, load, problems_of

ROOT = Path(__file__).resolve().parents[2]

FIELDS = """\
- id: your_name
  type: text
  label: Your name
  prefill: account.name
- id: your_email
  type: email
  label: Your email
  prefill: account.email
- id: your_agency
  type: text
  label: Your organisation
  prefill: account.agency
- id: agency_kind
  type: select
  label: Kind of organisation
  options: [{value: school, label: School}]
  prefill: account.agency_type
- id: children
  type: repeat
  label: Children
  prefill: earlier_referral
  fields:
    - {id: name, type: text, label: Name}
- id: concern
  type: textarea
  label: The concern
"""


def test_the_schema_lists_the_sources():
    field = schema("form")["$defs"]["field"]["properties"]["prefill"]

    assert field["enum"] == ["account.name", "account.email", "account.phone", "account.agency",
                             "account.agency_type", "earlier_referral"]


def test_each_field_keeps_its_source_and_the_form_lists_them_by_source():
    form = compile_yaml(form_yaml(FIELDS)).form

    assert {f.id: f.prefill for f in form.top_fields()} == {
        "your_name": "account.name", "your_email": "account.email", "your_agency": "account.agency",
        "agency_kind": "account.agency_type", "children": EARLIER_REFERRAL, "concern": None,
    }
    assert [f.id for f in form.prefilled("account.")] == ["your_name", "your_email", "your_agency", "agency_kind"]
    assert [f.id for f in form.prefilled(EARLIER_REFERRAL)] == ["children"]


def test_an_unknown_source_is_def004_at_its_value_with_a_suggestion():
    problems = problems_of({"forms/f.yaml": form_yaml("""\
        - id: your_name
          type: text
          label: Your name
          prefill: account.nmae
        """)})

    assert problems == [
        "forms/f.yaml:12:18: DEF004 sections[0].fields[0].prefill: unknown source 'account.nmae' "
        "(did you mean 'account.name'?) (sources: account.name, account.email, account.phone, account.agency, "
        "account.agency_type, earlier_referral)"
    ]


def test_a_source_that_cannot_fill_the_field_type_is_def007():
    problems = problems_of({"forms/f.yaml": form_yaml("""\
        - id: age
          type: number
          label: Age
          prefill: account.name
        """)})

    assert problems == [
        "forms/f.yaml:12:18: DEF007 'prefill: account.name' does not apply to a number field (text, textarea only)"
    ]


def test_prefill_inside_a_repeat_is_def007_put_it_on_the_repeat():
    problems = problems_of({"forms/f.yaml": form_yaml("""\
        - id: children
          type: repeat
          label: Children
          fields:
            - id: name
              type: text
              label: Name
              prefill: earlier_referral
        """)})

    assert problems == [
        "forms/f.yaml:16:22: DEF007 'prefill' does not apply to a field inside a repeat: put it on the repeat, "
        "whose items are then copied whole"
    ]


def test_files_content_and_calculated_fields_are_never_prefilled():
    problems = problems_of({"forms/f.yaml": form_yaml("""\
        - id: report
          type: file
          label: Report
          prefill: earlier_referral
        - id: note
          type: content
          text: Hello
          prefill: earlier_referral
        - id: name
          type: text
          label: Name
          calculate: "'x'"
          prefill: account.name
        """)})

    assert problems == [
        "forms/f.yaml:12:18: DEF007 'prefill' does not apply to a file field: uploaded files are never copied",
        "forms/f.yaml:16:9: DEF007 'prefill' does not apply to a content field",
        "forms/f.yaml:21:18: DEF009 a calculated field cannot also be pre-filled: its value is worked out from "
        "the other answers",
    ]


def test_a_source_that_is_not_text_is_def002():
    problems = problems_of({"forms/f.yaml": form_yaml("""\
        - id: name
          type: text
          label: Name
          prefill: [account.name]
        """)})

    assert len(problems) == 1 and problems[0].startswith("forms/f.yaml:12:18: DEF00")


def test_the_semantic_diff_shows_a_source_added_changed_or_removed():
    before = load({"forms/f.yaml": form_yaml("""\
        - {id: name, type: text, label: Name, prefill: account.name}
        - {id: org, type: text, label: Org}
        """)})
    after = load({"forms/f.yaml": form_yaml("""\
        - {id: name, type: text, label: Name}
        - {id: org, type: text, label: Org, prefill: account.agency}
        """)})

    changes = [(c.kind, c.path, c.before, c.after) for c in diff_definitions(before, after)]

    assert changes == [
        ("constraint_changed", "main/name/prefill", "account.name", None),
        ("constraint_changed", "main/org/prefill", None, "account.agency"),
    ]


def test_an_added_field_shows_its_source():
    before = load({"forms/f.yaml": form_yaml("- {id: org, type: text, label: Org}")})
    after = load({"forms/f.yaml": form_yaml("""\
        - {id: org, type: text, label: Org}
        - {id: name, type: text, label: Name, prefill: account.name}
        """)})

    (added,) = diff_definitions(before, after)

    assert added.kind == "field_added" and added.after["prefill"] == "account.name"


def test_the_bundled_referral_prefills_the_referrer_and_starts_again_from_the_child_household_and_professionals():
    loaded = load_definitions(ROOT / "definitions")
    assert loaded.ok, "\n".join(map(str, loaded.problems))
    form = loaded.forms["cause-for-concern"]

    assert {f.id: f.prefill for f in form.prefilled("account.")} == {
        "referrer_name": "account.name", "referrer_agency": "account.agency",
        "agency_type": "account.agency_type", "secure_email": "account.email", "referrer_phone": "account.phone",
    }
    assert [f.id for f in form.prefilled(EARLIER_REFERRAL)] == ["children", "household_members", "professionals"]
    concern = {f.id for s in form.sections if s.id in ("your-concern", "type-of-concern", "declaration",
                                                       "consent-and-informing-the-family") for f in s.fields}
    assert not {f.id for f in form.prefilled(EARLIER_REFERRAL)} & concern


def test_the_documentation_names_every_source():
    doc = (ROOT / "docs" / "definition-language.md").read_text(encoding="utf-8")
    sources = json.loads((ROOT / "platform/fanlight/engine/definitions/schemas/form.schema.json").read_text())
    for source in sources["$defs"]["field"]["properties"]["prefill"]["enum"]:
        assert f"`{source}`" in doc
