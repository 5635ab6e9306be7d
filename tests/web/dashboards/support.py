"""Helpers of the dashboards' tests: a dashboard as the page counts it, and its tables as plain values."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask

from fanlight.web.dashboards.dashboard import Dashboard, build
from fanlight.web.dashboards.figures import Table


def dashboard(app: Flask, **args: str) -> Dashboard:
    """The dashboard /dashboards/?args shows (built as the page builds it, in a request)."""
    with app.test_request_context(f"/dashboards/?{urlencode(args)}"):
        return build(args)


def values(table: Table) -> dict[str, tuple[Any, ...]]:
    """{row label: its values}: a count as its number, a share or a measure as its text."""
    return {row.label: tuple(v if isinstance(v, str) else (v.count if v.kind == "count" else v.text)
                             for v in row.values) for row in table.rows}
