"""`type: postcode` — a UK postcode, normalised to `AA9A 9AA` form."""

from __future__ import annotations

import pytest

from tests.helpers import codes, compile_yaml, form_yaml, run

FORM = compile_yaml(
    form_yaml(
        """
        - id: child_postcode
          type: postcode
          label: The child's postcode
          required: true
        """
    )
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("SW1A 1AA", "SW1A 1AA"),
        (" sw1a  1aa ", "SW1A 1AA"),
        ("m11ae", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("cr26xh", "CR2 6XH"),
        ("dn551pt", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("ec1a1bb", "EC1A 1BB"),
        ("GIR 0AA", "GIR 0AA"),
    ],
)
def test_a_postcode_is_stored_in_its_standard_form(typed, stored):
    evaluation = run(FORM, {"child_postcode": typed})

    assert codes(evaluation) == []
    assert evaluation.answers == {"child_postcode": stored}


@pytest.mark.parametrize(
    "typed",
    ["SW1A 1A", "12345", "SW1A", "SW1A 1AAA", "QA1 1AA", "not known", "SW1A-1AA"],
)
def test_something_that_is_not_a_uk_postcode_is_refused(typed):
    evaluation = run(FORM, {"child_postcode": typed})

    assert codes(evaluation) == [("child_postcode", "pattern")]
    assert "UK postcode" in evaluation.errors[0].message
    assert evaluation.answers == {}


def test_an_expression_sees_the_normalised_postcode():
    form = compile_yaml(
        form_yaml(
            """
            - {id: child_postcode, type: postcode, label: Postcode}
            - id: out_of_area_note
              type: text
              label: Which council?
              show_if: child_postcode =~ 'SW1A .*'
            """
        )
    )

    evaluation = run(form, {"child_postcode": "sw1a1aa"})

    assert evaluation.visible_fields == ["child_postcode", "out_of_area_note"]


def test_a_postcode_sent_as_a_list_is_a_type_error():
    assert codes(run(FORM, {"child_postcode": ["SW1A 1AA"]})) == [("child_postcode", "type")]
