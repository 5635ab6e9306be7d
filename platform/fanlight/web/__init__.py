"""The Fanlight web runtime: a Flask application over the pure engine.

`create_app` is imported on first use, so importing one module of the web layer (its models,
say, in a migration) does not build the whole application's import graph.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app  # noqa: PLC0415  (on first use: see above)

        return create_app
    raise AttributeError(name)
