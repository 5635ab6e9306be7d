"""`autocomplete` marks the questions about the person filling in the form (WCAG 1.3.5)."""

from tests.helpers import compile_yaml, form_yaml, problems_of


def test_a_referrers_own_email_question_carries_its_autocomplete_token():
    form = compile_yaml(form_yaml("- {id: secure_email, type: email, label: Your email, autocomplete: email}"))
    (field,) = form.form.top_fields()
    assert field.autocomplete == "email"


def test_an_unknown_autocomplete_token_is_refused():
    problems = problems_of({"forms/f.yaml": form_yaml("- {id: x, type: text, label: X, autocomplete: colour}")})
    assert len(problems) == 1 and " DEF004 " in problems[0]


def test_autocomplete_does_not_apply_to_a_choice_question():
    text = form_yaml("- {id: x, type: radios, label: X, autocomplete: name, options: [{value: a, label: A}]}")
    problems = problems_of({"forms/f.yaml": text})
    assert len(problems) == 1 and " DEF007 " in problems[0] and "'autocomplete'" in problems[0]


def test_the_bundled_forms_mark_only_the_referrers_own_details():
    from pathlib import Path

    from fanlight.engine import load_definitions

    loaded = load_definitions(Path(__file__).resolve().parents[2] / "definitions")
    marked = {f.id: f.autocomplete for c in loaded.compiled.values() for f in c.form.top_fields() if f.autocomplete}
    assert marked["referrer_phone"] == "tel" and marked["secure_email"] == "email"
    assert all(field_id.startswith(("referrer_", "requester_", "secure_email")) for field_id in marked)
