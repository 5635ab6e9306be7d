"""Charts of a dashboard's tables, drawn on the server as SVG by pygal.

A chart is an image (`<img src="data:image/svg+xml;base64,...">`): no script in it can run (an
image never runs one, and pygal's tooltips script is left out), its inline styles are the image's
own and not the page's (whose CSP allows none), and it prints and works with JavaScript off. The
page's table beside it holds every number: the image's alternative text says so. pygal writes
labels with an XML serialiser, so a hostile agency name is text in the SVG, never markup.
"""

from __future__ import annotations

import base64
import functools
import sys
from xml.etree import ElementTree

import pygal
from pygal.style import Style

from .figures import Table

# pygal puts a finder on sys.meta_path for its map plugins (pygal.maps.*, not used here) that has only
# the find_module() Python 3.4 deprecated: every import after it warns (an error under the tests'
# warning filter) and Python 3.12 ignores it. Take it off again.
sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, pygal.PluginImportFixer)]

FONT = '"Helvetica Neue", Helvetica, Arial, sans-serif'  # the council's font stack (council.scss)
# GOV.UK colours: blue for this period, mid grey for the previous one.
STYLE = Style(font_family=FONT, background="#ffffff", plot_background="#ffffff", foreground="#0b0c0c",
              foreground_strong="#0b0c0c", foreground_subtle="#505a5f", colors=("#1d70b8", "#b1b4b6"),
              label_font_size=13, major_label_font_size=13, legend_font_size=14, title_font_size=16,
              value_font_size=12)
MAX_LABEL = 40


def chart(table: Table, columns: tuple[int, ...] = (1, 2)) -> str:
    """The table drawn as bars, one series per column (1: the first after the row headers): a data URI."""
    columns = tuple(c for c in columns if c < len(table.columns))
    series = tuple((_short(table.columns[column]), tuple(table.series(column))) for column in columns)
    return _drawn(table.caption, tuple(_short(row.label) for row in table.rows), series)


# Drawing takes pygal 30-60 ms a chart, as long as every count of a page together: a chart of the
# same numbers (a manager reloading, or a colleague opening the same period) is drawn once.
@functools.lru_cache(maxsize=256)
def _drawn(caption: str, labels: tuple[str, ...], series: tuple[tuple[str, tuple[int, ...]], ...]) -> str:
    horizontal = len(labels) > 8 or any(len(label) > 12 for label in labels)
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    drawn = kind(style=STYLE, js=[], disable_xml_declaration=False, width=800,
                 height=max(300, 28 * len(labels) * len(series) + 120) if horizontal else 360,
                 show_legend=len(series) > 1, legend_at_bottom=True, print_values=False, truncate_label=-1,
                 x_label_rotation=0 if horizontal else (45 if len(labels) > 7 else 0), title=caption,
                 show_y_guides=not horizontal, show_x_guides=horizontal)
    drawn.x_labels = list(reversed(labels)) if horizontal else list(labels)
    for heading, values in series:
        drawn.add(heading, list(reversed(values)) if horizontal else list(values))
    svg = _without_scripts(drawn.render(), caption)
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


SVG = "{http://www.w3.org/2000/svg}"


def _without_scripts(svg: bytes, caption: str) -> bytes:
    """pygal's SVG without its scripts (its tooltips' configuration: never needed, never run in an
    image), titled with the table's caption and described as a picture of that table."""
    ElementTree.register_namespace("", SVG[1:-1])
    ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ElementTree.fromstring(svg)  # noqa: S314 (pygal's own output, not outside input)  # nosec B314
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (f"{SVG}script", "script"):
                parent.remove(child)
    title = ElementTree.Element(f"{SVG}title")
    title.text = caption
    desc = ElementTree.Element(f"{SVG}desc")
    desc.text = f"A bar chart of the table \"{caption}\", which holds every number it shows."
    root.insert(0, desc)
    root.insert(0, title)
    written: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return written


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"
