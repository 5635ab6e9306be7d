"""The semantic diff: one test per change kind, plus matching, ordering and impact."""

import json
from pathlib import Path

import pytest

from fanlight.engine import DefinitionSet, load_texts
from fanlight.engine.diff import KINDS, Change, diff_definitions, diffable, referencing
from tests.engine.test_mappings import DECISION
from tests.helpers import load

ROOT = Path(__file__).resolve().parents[2]

FORM = """\
kind: form
id: referral
version: 1
title: Referral
rulesets: [checks]
thresholds: levels
sections:
  - id: about
    title: About the concern
    fields:
      - id: category
        type: radios
        label: Main concern
        hint: Choose the main one.
        required: true
        options:
          - {value: 'missing', label: 'Missing'}
          - {value: 'neglect', label: 'Neglect', hint: 'Basic needs not met.'}
      - id: episodes
        type: number
        label: Missing episodes
        show_if: category == 'missing'
        min: 0
        max: 50
        messages: {max: Enter 50 or fewer}
      - id: details
        type: textarea
        label: What happened?
        max_length: 3000
  - id: child
    title: The child
    fields:
      - id: guidance
        type: content
        text: Tell us about every child.
      - id: children
        type: repeat
        label: Children
        item_label: child
        fields:
          - {id: child_name, type: text, label: Name, required: true}
          - {id: child_dob, type: date, label: Date of birth, max: today}
      - id: looked_after
        type: select
        label: Is the child looked after?
        options: yes-no
"""
RULES = """\
kind: ruleset
id: checks
version: 1
title: Checks
rules:
  - id: many-episodes
    when: episodes >= 3
    severity: warning
    field: episodes
    message: Three or more episodes. Consider a strategy discussion.
  - id: missing-is-urgent
    when: category == 'missing'
    set: {priority: urgent}
"""
LEVELS = """\
kind: thresholds
id: levels
version: 1
title: Levels of need
levels:
  - {level: 1, name: Universal, summary: Universal services.}
  - {level: 4, name: Specialist, summary: Social care.}
domains:
  - {id: development, name: Child development}
indicators:
  - {id: repeat-missing, level: 4, domain: development, text: Repeated missing episodes., when: episodes >= 3}
"""
YES_NO = """\
kind: options
id: yes-no
version: 1
title: Yes or no
options:
  - {value: 'yes', label: 'Yes'}
  - {value: 'no', label: 'No'}
"""
BASE = {
    "forms/referral.yaml": FORM,
    "rules/checks.yaml": RULES,
    "thresholds/levels.yaml": LEVELS,
    "options/yes-no.yaml": YES_NO,
}


def loaded(files: dict[str, str]) -> DefinitionSet:
    definitions = load(files)
    assert not definitions.problems, "\n".join(str(p) for p in definitions.problems)
    return definitions


def edited(name: str, *edits: tuple[str, str], base: dict[str, str] = BASE) -> dict[str, str]:
    text = base[name]
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return {**base, name: text}


def diff(new_files: dict[str, str], old_files: dict[str, str] = BASE) -> list[tuple]:
    return [
        (c.kind, c.definition, c.path, c.before, c.after)
        for c in diff_definitions(loaded(old_files), loaded(new_files))
    ]


def form_diff(*edits: tuple[str, str]) -> list[tuple]:
    """The changes after editing the form: (kind, path, before, after), all in form 'referral'."""
    found = diff(edited("forms/referral.yaml", *edits))
    assert {c[1] for c in found} <= {"referral"}
    return [(kind, path, before, after) for kind, _, path, before, after in found]


# no change -------------------------------------------------------------------------------


def test_no_change_is_an_empty_diff():
    assert diff(dict(BASE)) == []


def test_layout_comments_and_quoting_are_no_change():
    reformatted = edited(
        "forms/referral.yaml",
        ("  - id: about\n", "  # the first page\n  - id: about\n"),
        ("show_if: category == 'missing'", "show_if: \"category   ==  'missing'\""),
        ("{value: 'missing', label: 'Missing'}", '{label: "Missing", value: "missing"}'),
    )
    assert diff(reformatted) == []


# sections --------------------------------------------------------------------------------


def test_section_added_is_one_change_its_fields_come_with_it():
    added = "  - id: extra\n    title: Anything else\n    fields:\n      - {id: note, type: textarea, label: Notes}\n"
    assert form_diff(("  - id: child\n", added + "  - id: child\n")) == [
        ("section_added", "extra", None, {"title": "Anything else", "fields": ["note"]}),
    ]


def test_section_removed_is_one_change_carrying_what_the_section_was():
    without_child = FORM[: FORM.index("  - id: child\n")]
    changes = diff({**BASE, "forms/referral.yaml": without_child.replace("thresholds: levels\n", "")})
    assert [(c[0], c[2]) for c in changes] == [("rule_changed", "thresholds"), ("section_removed", "child")]
    assert changes[1][3] == {"title": "The child", "fields": ["guidance", "children", "looked_after"]}


def test_a_field_moved_into_an_added_section_is_still_field_moved():
    details = "      - id: details\n        type: textarea\n        label: What happened?\n        max_length: 3000\n"
    added = "  - id: extra\n    title: Anything else\n    fields:\n" + details
    assert form_diff((details, ""), ("  - id: child\n", added + "  - id: child\n")) == [
        ("section_added", "extra", None, {"title": "Anything else", "fields": ["details"]}),
        ("field_moved", "extra/details", {"path": "about/details", "position": 3},
         {"path": "extra/details", "position": 1}),
    ]


def test_a_field_moved_out_of_a_removed_section_is_still_field_moved():
    looked_after = FORM[FORM.index("      - id: looked_after\n"):]
    without_child = FORM[: FORM.index("  - id: child\n")] + looked_after
    assert form_diff((FORM, without_child))[-2:] == [
        ("field_moved", "about/looked_after", {"path": "child/looked_after", "position": 3},
         {"path": "about/looked_after", "position": 4}),
        ("section_removed", "child", {"title": "The child", "fields": ["guidance", "children", "looked_after"]}, None),
    ]


def test_a_section_that_moves_is_section_moved_and_its_fields_are_not():
    about = FORM[FORM.index("  - id: about\n"): FORM.index("  - id: child\n")]
    assert form_diff((about, ""), ("options: yes-no\n", "options: yes-no\n" + about)) == [
        # of two sections swapped, one counts as moved: the diff names the fewest moves
        ("section_moved", "child", {"path": "child", "position": 2}, {"path": "child", "position": 1}),
    ]


def test_a_section_title_and_description_are_its_label_and_hint():
    assert form_diff(
        ("title: About the concern\n", "title: The concern\n    description: What you saw or heard.\n")
    ) == [
        ("label_changed", "about", "About the concern", "The concern"),
        ("hint_changed", "about", None, "What you saw or heard."),
    ]


# fields ----------------------------------------------------------------------------------


def test_field_added_is_one_change_and_moves_no_other_field():
    new_field = "      - {id: last_seen, type: datetime, label: 'When were they last seen?', required: true}\n"
    assert form_diff(("      - id: episodes\n", new_field + "      - id: episodes\n")) == [
        (
            "field_added",
            "about/last_seen",
            None,
            {"type": "datetime", "label": "When were they last seen?", "required": True},
        ),
    ]


def test_field_removed_carries_what_the_field_was():
    details = "      - id: details\n        type: textarea\n        label: What happened?\n        max_length: 3000\n"
    assert form_diff((details, "")) == [
        ("field_removed", "about/details", {"type": "textarea", "label": "What happened?", "max_length": 3000}, None),
    ]


def test_field_moved_within_its_section_names_only_the_field_that_moved():
    details = "      - id: details\n        type: textarea\n        label: What happened?\n        max_length: 3000\n"
    assert form_diff((details, ""), ("      - id: category\n", details + "      - id: category\n")) == [
        (
            "field_moved",
            "about/details",
            {"path": "about/details", "position": 3},
            {"path": "about/details", "position": 1},
        ),
    ]


def test_moving_a_field_to_another_section_is_field_moved_not_removed_and_added():
    details = "      - id: details\n        type: textarea\n        label: What happened?\n        max_length: 3000\n"
    moved_and_relabelled = details.replace("What happened?", "What happened to the child?")
    changes = form_diff((details, ""), ("      - id: guidance\n", moved_and_relabelled + "      - id: guidance\n"))
    assert changes == [
        (
            "field_moved",
            "child/details",
            {"path": "about/details", "position": 3},
            {"path": "child/details", "position": 1},
        ),
        ("label_changed", "child/details", "What happened?", "What happened to the child?"),
    ]


def test_a_repeat_sub_field_that_moves_within_its_repeat_is_field_moved():
    name = "          - {id: child_name, type: text, label: Name, required: true}\n"
    dob = "          - {id: child_dob, type: date, label: Date of birth, max: today}\n"
    assert form_diff((name + dob, dob + name)) == [
        (
            "field_moved",
            "child/children/child_dob",
            {"path": "child/children/child_dob", "position": 2},
            {"path": "child/children/child_dob", "position": 1},
        ),
    ]


def test_type_changed():
    assert form_diff(
        ("type: textarea\n        label: What happened?", "type: text\n        label: What happened?")
    ) == [
        ("type_changed", "about/details", "textarea", "text"),
    ]


def test_label_changed_names_the_field_path():
    assert form_diff(("label: Missing episodes", "label: How many times have they gone missing?")) == [
        ("label_changed", "about/episodes", "Missing episodes", "How many times have they gone missing?"),
    ]


def test_label_changed_on_a_repeat_sub_field_and_on_a_content_field_text():
    assert form_diff(
        ("label: Name, required", "label: Full name, required"),
        ("text: Tell us about every child.", "text: Tell us about every child in the household."),
    ) == [
        (
            "label_changed",
            "child/guidance/text",
            "Tell us about every child.",
            "Tell us about every child in the household.",
        ),
        ("label_changed", "child/children/child_name", "Name", "Full name"),
    ]


def test_hint_changed():
    assert form_diff(("hint: Choose the main one.", "hint: Choose the one that worries you most.")) == [
        ("hint_changed", "about/category", "Choose the main one.", "Choose the one that worries you most."),
    ]


def test_required_changed():
    assert form_diff(("required: true\n        options:", "required: false\n        options:")) == [
        ("required_changed", "about/category", True, False),
    ]


@pytest.mark.parametrize(
    ("edit", "path", "before", "after"),
    [
        (
            ("show_if: category == 'missing'", "show_if: category == 'neglect'"),
            "about/episodes/show_if",
            "category == 'missing'",
            "category == 'neglect'",
        ),
        (
            ("        max_length: 3000\n", "        max_length: 3000\n        required_if: category == 'neglect'\n"),
            "about/details/required_if",
            None,
            "category == 'neglect'",
        ),
        (
            ("    title: The child\n", "    title: The child\n    show_if: category != null\n"),
            "child/show_if",
            None,
            "category != null",
        ),
        (
            ("label: Missing episodes\n", "label: Missing episodes\n        calculate: '0'\n"),
            "about/episodes/calculate",
            None,
            "0",
        ),
    ],
    ids=["show_if", "required_if", "section-show_if", "calculate"],
)
def test_condition_changed(edit, path, before, after):
    assert form_diff(edit) == [("condition_changed", path, before, after)]


def test_whitespace_inside_a_quoted_string_in_an_expression_is_a_change():
    rule = "        required_if: details =~ 'a  b'\n"
    before = edited("forms/referral.yaml", ("        min: 0\n", rule + "        min: 0\n"))
    after = edited("forms/referral.yaml", ("  b'", " b'"), base=before)
    assert diff(after, old_files=before) == [
        ("condition_changed", "referral", "about/episodes/required_if", "details =~ 'a  b'", "details =~ 'a b'")
    ]


def test_options_added_per_value():
    assert form_diff(
        (
            "- {value: 'neglect',",
            "- {value: 'abuse', label: 'Abuse', hint: 'Any kind.'}\n          - {value: 'neglect',",
        )
    ) == [
        (
            "options_added",
            "about/category/options/abuse",
            None,
            {"value": "abuse", "label": "Abuse", "hint": "Any kind."},
        ),
    ]


def test_options_removed_per_value():
    assert form_diff(("          - {value: 'neglect', label: 'Neglect', hint: 'Basic needs not met.'}\n", "")) == [
        (
            "options_removed",
            "about/category/options/neglect",
            {"value": "neglect", "label": "Neglect", "hint": "Basic needs not met."},
            None,
        ),
    ]


def test_option_label_changed_per_value_and_an_option_hint_is_hint_changed():
    assert form_diff(
        ("label: 'Neglect', hint: 'Basic needs not met.'", "label: 'Neglect or poor care', hint: 'Needs not met.'")
    ) == [
        ("option_label_changed", "about/category/options/neglect", "Neglect", "Neglect or poor care"),
        ("hint_changed", "about/category/options/neglect", "Basic needs not met.", "Needs not met."),
    ]


def test_a_shared_option_list_change_shows_on_the_list_and_on_every_field_using_it():
    changes = diff(
        edited(
            "options/yes-no.yaml",
            (
                "  - {value: 'no', label: 'No'}\n",
                "  - {value: 'no', label: 'No'}\n  - {value: 'not_known', label: 'Not known'}\n",
            ),
        )
    )
    added = {"value": "not_known", "label": "Not known"}
    assert changes == [
        ("options_added", "referral", "child/looked_after/options/not_known", None, added),
        ("options_added", "yes-no", "options/not_known", None, added),
    ]


def test_an_inline_list_replaced_by_an_identical_shared_list_is_no_change():
    inline = "options:\n          - {value: 'yes', label: 'Yes'}\n          - {value: 'no', label: 'No'}\n"
    with_inline = edited("forms/referral.yaml", ("options: yes-no\n", inline))
    assert diff(dict(BASE), old_files=with_inline) == []


@pytest.mark.parametrize(
    ("edit", "path", "before", "after"),
    [
        (("max: 50", "max: 40"), "about/episodes/max", 50, 40),
        (("min: 0\n", "min: 0\n        integer: true\n"), "about/episodes/integer", False, True),
        (("max_length: 3000", "max_length: 2000"), "about/details/max_length", 3000, 2000),
        (
            ("max_length: 3000", "max_length: 3000\n        pattern: '[A-Z].*'"),
            "about/details/pattern",
            None,
            "[A-Z].*",
        ),
        (("max: today}", "max: '2030-01-01'}"), "child/children/child_dob/max", "today", "2030-01-01"),
        (("item_label: child\n", "item_label: child\n        max_items: 10\n"), "child/children/max_items", None, 10),
    ],
    ids=["max", "integer", "max_length", "pattern", "date-max-in-a-repeat", "max_items"],
)
def test_constraint_changed(edit, path, before, after):
    assert form_diff(edit) == [("constraint_changed", path, before, after)]


def test_constraint_changed_for_a_file_field_accept_and_max_size():
    upload = "  - id: extra\n    title: Extra\n    fields:\n      - {id: upload, type: file, label: Upload, accept: [application/pdf], max_size: 1000}\n"
    before = {**BASE, "forms/referral.yaml": FORM + upload}
    after = {
        **BASE,
        "forms/referral.yaml": FORM
        + upload.replace("[application/pdf], max_size: 1000", "[application/pdf, image/png], max_size: 2000"),
    }
    assert diff(after, old_files=before) == [
        (
            "constraint_changed",
            "referral",
            "extra/upload/accept",
            ["application/pdf"],
            ["application/pdf", "image/png"],
        ),
        ("constraint_changed", "referral", "extra/upload/max_size", 1000, 2000),
    ]


def test_message_changed_for_a_field_message_entry():
    assert form_diff(
        ("messages: {max: Enter 50 or fewer}", "messages: {max: Enter a number up to 50, min: Enter 0 or more}")
    ) == [
        ("message_changed", "about/episodes/messages/max", "Enter 50 or fewer", "Enter a number up to 50"),
        ("message_changed", "about/episodes/messages/min", None, "Enter 0 or more"),
    ]


# rulesets --------------------------------------------------------------------------------


def test_message_changed_for_a_rule_message():
    changes = diff(edited("rules/checks.yaml", ("Consider a strategy discussion.", "Talk to your safeguarding lead.")))
    assert changes == [
        (
            "message_changed",
            "checks",
            "rules/many-episodes/message",
            "Three or more episodes. Consider a strategy discussion.",
            "Three or more episodes. Talk to your safeguarding lead.",
        )
    ]


def test_rule_added():
    new_rule = (
        "  - {id: neglect-guidance, when: category == 'neglect', severity: info, message: Read the neglect toolkit.}\n"
    )
    assert diff({**BASE, "rules/checks.yaml": RULES + new_rule}) == [
        (
            "rule_added",
            "checks",
            "rules/neglect-guidance",
            None,
            {"when": "category == 'neglect'", "severity": "info", "message": "Read the neglect toolkit."},
        )
    ]


def test_rule_removed():
    first_rule_only = RULES[: RULES.index("  - id: missing-is-urgent")]
    assert diff({**BASE, "rules/checks.yaml": first_rule_only}) == [
        (
            "rule_removed",
            "checks",
            "rules/missing-is-urgent",
            {"when": "category == 'missing'", "set": {"priority": "urgent"}},
            None,
        )
    ]


def test_rule_changed_names_the_attribute():
    changes = diff(
        edited(
            "rules/checks.yaml",
            ("when: episodes >= 3", "when: episodes >= 2"),
            ("severity: warning", "severity: error"),
            ("set: {priority: urgent}", "set: {priority: high, team: missing}"),
        )
    )
    assert changes == [
        ("rule_changed", "checks", "rules/many-episodes/when", "episodes >= 3", "episodes >= 2"),
        ("rule_changed", "checks", "rules/many-episodes/severity", "warning", "error"),
        ("rule_changed", "checks", "rules/missing-is-urgent/set/priority", "urgent", "high"),
        ("rule_changed", "checks", "rules/missing-is-urgent/set/team", None, "missing"),
    ]


def test_a_warning_that_now_asks_for_a_tick_is_a_rule_change_the_reviewer_sees():
    changes = diff(edited("rules/checks.yaml", (
        "    message: Three or more episodes. Consider a strategy discussion.\n",
        "    message: Three or more episodes. Consider a strategy discussion.\n    acknowledge: true\n"
        "    acknowledge_label: I have read this\n")))
    assert changes == [
        ("rule_changed", "checks", "rules/many-episodes/acknowledge", False, True),
        ("message_changed", "checks", "rules/many-episodes/acknowledge_label", None, "I have read this"),
    ]


def test_reordering_rules_is_rule_changed_position_because_the_later_set_wins():
    first, second = (
        RULES[RULES.index("  - id: many-episodes") : RULES.index("  - id: missing-is-urgent")],
        RULES[RULES.index("  - id: missing-is-urgent") :],
    )
    reordered = RULES[: RULES.index("  - id: many-episodes")] + second + first
    assert diff({**BASE, "rules/checks.yaml": reordered}) == [
        ("rule_changed", "checks", "rules/missing-is-urgent/position", 2, 1),
    ]


def test_a_form_naming_other_rulesets_or_thresholds_is_rule_changed():
    extra = (
        "kind: ruleset\nid: more\nversion: 1\ntitle: More\nrules:\n  - {id: r, when: details != null, set: {x: 1}}\n"
    )
    before = {**BASE, "rules/more.yaml": extra}
    after = edited(
        "forms/referral.yaml",
        ("rulesets: [checks]", "rulesets: [checks, more]"),
        ("thresholds: levels\n", ""),
        base=before,
    )
    assert diff(after, old_files=before) == [
        ("rule_changed", "referral", "rulesets", ["checks"], ["checks", "more"]),
        ("rule_changed", "referral", "thresholds", "levels", None),
    ]


# thresholds ------------------------------------------------------------------------------


def test_indicator_added():
    new = "  - {id: neglect, level: 1, domain: development, text: Some neglect.}\n"
    assert diff({**BASE, "thresholds/levels.yaml": LEVELS + new}) == [
        (
            "indicator_added",
            "levels",
            "indicators/neglect",
            None,
            {"level": 1, "domain": "development", "text": "Some neglect."},
        ),
    ]


def test_indicator_removed():
    without = LEVELS[: LEVELS.index("indicators:")] + "indicators: []\n"
    assert diff({**BASE, "thresholds/levels.yaml": without}) == [
        (
            "indicator_removed",
            "levels",
            "indicators/repeat-missing",
            {"level": 4, "domain": "development", "text": "Repeated missing episodes.", "when": "episodes >= 3"},
            None,
        ),
    ]


def test_indicator_level_changed_and_its_text_when_and_domain():
    changes = diff(
        edited(
            "thresholds/levels.yaml",
            (
                "  - {id: development, name: Child development}\n",
                "  - {id: development, name: Child development}\n  - {id: family, name: Family}\n",
            ),
            (
                "level: 4, domain: development, text: Repeated missing episodes., when: episodes >= 3",
                "level: 1, domain: family, text: Repeated missing., when: episodes >= 4",
            ),
        )
    )
    assert changes == [
        ("label_changed", "levels", "domains/family", None, "Family"),
        ("indicator_level_changed", "levels", "indicators/repeat-missing", 4, 1),
        ("label_changed", "levels", "indicators/repeat-missing", "Repeated missing episodes.", "Repeated missing."),
        ("label_changed", "levels", "indicators/repeat-missing/domain", "development", "family"),
        ("condition_changed", "levels", "indicators/repeat-missing/when", "episodes >= 3", "episodes >= 4"),
    ]


def test_level_changed_for_a_levels_name_summary_and_description_and_for_a_level_added():
    changes = diff(
        edited(
            "thresholds/levels.yaml",
            (
                "{level: 1, name: Universal, summary: Universal services.}",
                "{level: 1, name: Universal services, summary: Universal services., description: No referral needed.}",
            ),
            ("  - {level: 4,", "  - {level: 2, name: Additional, summary: Early help.}\n  - {level: 4,"),
        )
    )
    assert changes == [
        ("level_changed", "levels", "levels/1/name", "Universal", "Universal services"),
        ("level_changed", "levels", "levels/1/description", None, "No referral needed."),
        ("level_changed", "levels", "levels/2", None, {"name": "Additional", "summary": "Early help."}),
    ]


# mappings ---------------------------------------------------------------------------------------

MAPPING = """\
kind: mapping
id: to-case-system
version: 1
title: To the case system
form: referral
destination: case-system
when: decision.outcome == 'early_help'
payload:
  reference: referral.reference
  system: {value: fanlight}
  concern: {category: category, details: details}
  children:
    each: children
    item: {name: child_name, dob: child_dob}
"""
WITH_MAPPING = {**BASE, "forms/decision.yaml": DECISION, "mappings/case-system.yaml": MAPPING}


def mapping_diff(*edits: tuple[str, str]) -> list[tuple]:
    """The changes after editing the mapping: (kind, path, before, after), all in 'to-case-system'."""
    found = diff(edited("mappings/case-system.yaml", *edits, base=WITH_MAPPING), old_files=WITH_MAPPING)
    assert {c[1] for c in found} <= {"to-case-system"}
    return [(kind, path, before, after) for kind, _, path, before, after in found]


def test_a_payload_expression_changed_is_payload_changed_with_the_text_before_and_after():
    assert mapping_diff(("details: details}", "details: details + ' (from the referrer)'}")) == [
        ("payload_changed", "payload/concern/details", "details", "details + ' (from the referrer)'"),
    ]


def test_reflowing_the_when_expression_is_no_change():
    assert mapping_diff(("when: decision.outcome == 'early_help'", "when: decision.outcome  ==  'early_help'")) == []


def test_payload_keys_added_and_removed_at_their_paths_with_what_they_held():
    changes = mapping_diff(
        ("  system: {value: fanlight}\n", ""),
        ("item: {name: child_name, dob: child_dob}", "item: {name: child_name, dob: child_dob, age: $age(child_dob)}"),
        ("  reference: referral.reference\n", "  reference: referral.reference\n  decided: {at: referral.decided_at}\n"),
    )
    assert changes == [  # in the new document's order, a removed key where it used to be
        ("payload_removed", "payload/system", {"value": "fanlight"}, None),
        ("payload_added", "payload/decided", None, {"at": "referral.decided_at"}),
        ("payload_added", "payload/children/item/age", None, "$age(child_dob)"),
    ]


def test_a_literal_changed_and_a_leaf_that_became_an_object_are_payload_changed():
    changes = mapping_diff(
        ("system: {value: fanlight}", "system: {value: fanlight-2}"),
        ("reference: referral.reference", "reference: {ours: referral.reference}"),
    )
    assert changes == [
        ("payload_changed", "payload/reference", "referral.reference", {"ours": "referral.reference"}),
        ("payload_changed", "payload/system", {"value": "fanlight"}, {"value": "fanlight-2"}),
    ]


def test_the_mappings_destination_and_when_are_mapping_changed_and_its_title_label_changed():
    changes = mapping_diff(
        ("destination: case-system", "destination: early-help-system"),
        ("when: decision.outcome == 'early_help'", "when: decision.outcome != 'nfa'"),
    )
    assert changes == [
        ("mapping_changed", "destination", "case-system", "early-help-system"),
        ("mapping_changed", "when", "decision.outcome == 'early_help'", "decision.outcome != 'nfa'"),
    ]
    assert mapping_diff(("title: To the case system", "title: Sent to the case system")) == [
        ("label_changed", "", "To the case system", "Sent to the case system")]


def test_a_new_mapping_is_its_title_its_keys_and_each_payload_key_added():
    changes = diff(WITH_MAPPING, old_files={**BASE, "forms/decision.yaml": DECISION})
    assert changes == [
        ("label_changed", "to-case-system", "", None, "To the case system"),
        ("mapping_changed", "to-case-system", "form", None, "referral"),
        ("mapping_changed", "to-case-system", "destination", None, "case-system"),
        ("mapping_changed", "to-case-system", "decision_form", None, "front-door-decision"),
        ("mapping_changed", "to-case-system", "when", None, "decision.outcome == 'early_help'"),
        ("payload_added", "to-case-system", "payload/reference", None, "referral.reference"),
        ("payload_added", "to-case-system", "payload/system", None, {"value": "fanlight"}),
        ("payload_added", "to-case-system", "payload/concern", None, {"category": "category", "details": "details"}),
        ("payload_added", "to-case-system", "payload/children", None,
         {"each": "children", "item": {"name": "child_name", "dob": "child_dob"}}),
    ]


# whole definitions, order, values ------------------------------------------------------------


def test_a_new_definition_is_compared_with_an_empty_one_of_its_kind():
    more = "kind: ruleset\nid: more\nversion: 1\ntitle: More checks\nrules:\n  - {id: r, when: details != null, set: {x: 1}}\n"
    assert diff({**BASE, "rules/more.yaml": more}) == [
        ("label_changed", "more", "", None, "More checks"),
        ("rule_added", "more", "rules/r", None, {"when": "details != null", "set": {"x": 1}}),
    ]
    removed = diff(BASE, old_files={**BASE, "rules/more.yaml": more})
    assert [c[0] for c in removed] == ["label_changed", "rule_removed"]


def test_a_new_side_with_a_broken_reference_is_still_diffed():
    broken = load(edited("forms/referral.yaml", ("label: Missing episodes", "label: Episodes"),
                         ("rulesets: [checks]", "rulesets: [checks, no-such-rules]"),
                         ("show_if: category == 'missing'", "show_if: categry == 'missing'")))
    assert {p.code for p in broken.problems} == {"REF002", "EXP002"}
    assert diffable(broken)
    assert [(c.kind, c.path) for c in diff_definitions(loaded(BASE), broken)] == [
        ("rule_changed", "rulesets"),
        ("label_changed", "about/episodes"),
        ("condition_changed", "about/episodes/show_if"),
    ]


def test_a_side_with_a_file_that_is_not_a_definition_is_not_diffable():
    # Diffed, its form would show as removed: it is only unreadable.
    assert not diffable(load({**BASE, "forms/referral.yaml": "kind: form\nid: [referral\n"}))
    assert not diffable(load({**BASE, "forms/copy.yaml": FORM}))  # the same id twice: one is left out
    assert diffable(loaded(BASE))


def test_changes_are_ordered_by_definition_id_then_document_order_with_removals_where_they_were():
    changes = diff(
        {
            **edited(
                "forms/referral.yaml",
                ("label: Missing episodes", "label: Episodes"),
                ("          - {value: 'neglect', label: 'Neglect', hint: 'Basic needs not met.'}\n", ""),
                ("label: Is the child looked after?", "label: Looked after?"),
                ("title: Referral\n", "title: Referral to the Front Door\n"),
            ),
            "rules/checks.yaml": RULES.replace("severity: warning", "severity: error"),
            "options/yes-no.yaml": YES_NO.replace("label: 'No'", "label: 'No, never'"),
        }
    )
    assert [(c[1], c[0], c[2]) for c in changes] == [
        ("checks", "rule_changed", "rules/many-episodes/severity"),
        ("referral", "label_changed", ""),
        ("referral", "options_removed", "about/category/options/neglect"),
        ("referral", "label_changed", "about/episodes"),
        ("referral", "label_changed", "child/looked_after"),
        ("referral", "option_label_changed", "child/looked_after/options/no"),
        ("yes-no", "option_label_changed", "options/no"),
    ]


def test_every_change_is_json_and_one_readable_line():
    changes = diff_definitions(
        loaded(BASE),
        loaded(
            edited(
                "forms/referral.yaml",
                ("max: today}", "max: '2030-01-01'}"),
                ("What happened?", '"What \\"happened\\"\\nnext?"'),
            )
        ),
    )
    assert json.loads(json.dumps([c.to_json() for c in changes])) == [c.to_json() for c in changes]
    assert [list(c.to_json()) for c in changes] == [["kind", "definition", "path", "before", "after"]] * 2
    assert (
        changes[0].line() == 'label_changed referral about/details: "What happened?" -> "What \\"happened\\"\\nnext?"'
    )
    assert (
        Change("label_changed", "referral", "", None, "Referral").line() == 'label_changed referral: null -> "Referral"'
    )
    assert {c.kind for c in changes} <= set(KINDS)


def test_the_contract_names_exactly_these_kinds():
    assert len(KINDS) == len(set(KINDS)) == 27


def test_real_world_rewording_the_consent_question_is_exactly_one_label_changed():
    files = {
        str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in sorted((ROOT / "definitions").rglob("*.yaml"))
    }
    form = "definitions/forms/cause-for-concern.yaml"
    old_label = "label: Have you asked the family for consent to this referral?"
    assert files[form].count(old_label) == 1
    reworded = {
        **files,
        form: files[form].replace(old_label, "label: Has the family been asked for consent to this referral?"),
    }
    before, after = load_texts(files), load_texts(reworded)
    assert not before.problems and not after.problems
    assert diff_definitions(before, before) == []
    assert [c.to_json() for c in diff_definitions(before, after)] == [
        {
            "kind": "label_changed",
            "definition": "cause-for-concern",
            "path": "consent-and-informing-the-family/consent",
            "before": "Have you asked the family for consent to this referral?",
            "after": "Has the family been asked for consent to this referral?",
        }
    ]


# impact ----------------------------------------------------------------------------------


def test_referencing_lists_each_expression_reading_the_fields_with_its_location_and_text():
    definitions = loaded(
        edited(
            "forms/referral.yaml",
            (
                "          - {id: child_dob, type: date, label: Date of birth, max: today}\n",
                "          - {id: child_dob, type: date, label: Date of birth, max: today, show_if: episodes > 0}\n",
            ),
            ("max_length: 3000\n", "max_length: 3000\n        required_if: category == 'neglect'\n"),
        )
    )
    found = referencing(definitions.compiled["referral"], ["category", "episodes"])
    assert [(r.definition, r.path, r.text, r.fields) for r in found] == [
        ("referral", "about/episodes/show_if", "category == 'missing'", ("category",)),
        ("referral", "about/details/required_if", "category == 'neglect'", ("category",)),
        ("referral", "child/children/child_dob/show_if", "episodes > 0", ("episodes",)),
        ("checks", "rules/many-episodes/when", "episodes >= 3", ("episodes",)),
        ("checks", "rules/missing-is-urgent/when", "category == 'missing'", ("category",)),
        ("levels", "indicators/repeat-missing/when", "episodes >= 3", ("episodes",)),
    ]
    assert found[0].location == "forms/referral.yaml:22:18"
    assert found[3].location == "rules/checks.yaml:7:11"
    assert found[0].to_json() == {
        "definition": "referral",
        "path": "about/episodes/show_if",
        "location": "forms/referral.yaml:22:18",
        "text": "category == 'missing'",
        "fields": ["category"],
    }


def test_referencing_a_field_nothing_reads_is_empty_and_a_consent_part_counts_as_its_field():
    consent = "  - id: consent-section\n    title: Consent\n    fields:\n      - {id: consent, type: consent, label: Consent}\n      - {id: scope, type: text, label: Scope, show_if: consent.given == true}\n"
    definitions = loaded({**BASE, "forms/referral.yaml": FORM + consent})
    compiled = definitions.compiled["referral"]
    assert referencing(compiled, ["details"]) == []
    assert [r.path for r in referencing(compiled, {"consent"})] == ["consent-section/scope/show_if"]
