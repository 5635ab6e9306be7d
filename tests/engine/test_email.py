"""`type: email` — an email address (a secure one, usually)."""

from __future__ import annotations

from tests.helpers import codes, compile_yaml, form_yaml, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: secure_email
          type: email
          label: Your secure email address
          required: true
        - id: short_email
          type: email
          label: Another address
          max_length: 20
        """
    )
)


def test_a_teacher_with_a_school_address_is_accepted():
    evaluation = run(FORM, {"secure_email": "  dsl@greenfield.sch.uk "})

    assert codes(evaluation) == []
    assert evaluation.answers == {"secure_email": "dsl@greenfield.sch.uk"}


def test_an_address_that_is_not_an_email_address_is_refused():
    for wrong in (
        "dsl at greenfield.sch.uk",
        "dsl@greenfield",
        "dsl@@greenfield.sch.uk",
        "d sl@greenfield.sch.uk",
        "@greenfield.sch.uk",
        "dsl@.sch.uk",
    ):
        evaluation = run(FORM, {"secure_email": wrong})
        assert codes(evaluation) == [("secure_email", "pattern")], wrong
        assert "email address" in evaluation.errors[0].message
        assert evaluation.answers == {}


def test_an_email_address_is_required_when_the_form_says_so():
    assert codes(run(FORM, {"secure_email": ""})) == [("secure_email", "required")]


def test_an_email_address_longer_than_the_field_allows_is_refused():
    evaluation = run(FORM, {"secure_email": "a@b.uk", "short_email": "someone@a-long-domain.org.uk"})

    assert codes(evaluation) == [("short_email", "max_length")]


def test_an_email_address_over_254_characters_is_refused_by_default():
    local = "a" * 64
    address = f"{local}@{'b' * 186}.org.uk"  # 258 characters
    assert len(address) > 254

    assert codes(run(FORM, {"secure_email": address})) == [("secure_email", "max_length")]


def test_a_number_is_not_an_email_address():
    assert codes(run(FORM, {"secure_email": 12})) == [("secure_email", "type")]
