"""A dashboard table's rows as HTML, written here rather than by the template's loops.

A page shows about 2,300 values, 90% of them in the three tables by agency (300 agencies): a
template loop and a call for each value, with each row's label and each column's heading escaped
again for every value, was most of drawing the page. Here each label and heading is escaped once
and each value written in one piece. The markup is the template's (pages/dashboards/_table.html),
byte for byte: the tests render the loop it replaces and compare.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from .figures import Cell, Share, Table, Value, holding_area

ROW = '  <tr class="govuk-table__row" role="row">\n    <th scope="row" class="govuk-table__header" role="rowheader">'
EMPTY = ('  <tr class="govuk-table__row" role="row"><td class="govuk-table__cell" role="cell" colspan="{}">'
         "No referrals in this period.</td></tr>\n")


def rows_html(table: Table) -> Markup:
    """Every row of the table (or the row saying there is none), as the template wrote them."""
    if not table.rows:
        return Markup(EMPTY.format(len(table.columns)))  # noqa: S704 (a number in constant markup)  # nosec B704
    path = str(escape(holding_area()))
    columns = [(str(escape(column)), f'<td class="govuk-table__cell" role="cell" data-label="{escape(column)}">')
               for column in table.columns[1:]]
    written = []
    for row in table.rows:
        label = str(escape(row.label))
        cells = "".join(f"{opening}{_value(value, label, column, path)}</td>"
                        for value, (column, opening) in zip(row.values, columns, strict=True))
        written.append(f"{ROW}{label}</th>\n{cells}  </tr>\n")
    return Markup("".join(written))  # noqa: S704 (every piece escaped above or in _value)  # nosec B704


def _value(value: Value, label: str, column: str, path: str) -> str:
    """figures.value_html's markup, from the row's label and the column's heading already escaped."""
    if isinstance(value, str):
        return str(escape(value))
    if isinstance(value, Share):
        return str(escape(value.text))
    if isinstance(value, Cell):
        said = f" referrals: {label}, {column}"
        href = f"{path}?{_query_attribute(value.query)}" if value.query else str(escape(value.href))
        text = value.text  # digits and commas: nothing to escape
    else:
        said = f": {label}, {column} (the decided referrals it is measured over)"
        href = str(escape(value.href))
        text = str(escape(value.text))
    element_id = f'id="{escape(value.id)}" ' if value.id else ""
    return (f'<a class="govuk-link" {element_id}href="{href}">{text}'
            f'<span class="govuk-visually-hidden">{said}</span></a>')


def _query_attribute(query: str) -> str:
    """A query string figures.QueryShape wrote, escaped as markupsafe escapes it in an attribute.
    Its keys and values are quoted (figures._quoted), which leaves no <, > or " in them: of what
    markupsafe escapes, only its & and a value's ' remain. A page escapes about 2,000 of them."""
    return query.replace("&", "&amp;").replace("'", "&#39;")
