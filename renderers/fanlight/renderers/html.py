"""Jinja set-up for the HTML renderer: filters and globals the templates use."""

from __future__ import annotations

from typing import Any

from flask import Flask

from fanlight.engine.definitions import model as m

from . import markdown, values


def init_templates(app: Flask) -> None:
    env = app.jinja_env
    env.autoescape = True
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters.update(md=markdown.block, md_inline=markdown.inline, plain=markdown.plain,
                       display=values.display, long_date=values.long_date, name=values.path_to_name)
    env.globals.update(consent_lines=values.consent_lines, consent_parts=m.CONSENT_PARTS,
                       consent_asked=_consent_asked, first_input=first_input)


def _consent_asked(value: Any) -> list[str]:
    from fanlight.engine.evaluation.fields import consent_asked

    parts = value if isinstance(value, dict) else {}
    normal = {k: v for k, v in parts.items() if k in ("sought", "given")}
    return consent_asked(normal)


def first_input(path: str) -> str:
    """The id of the first input of an answer: where an error-summary link takes the reader."""
    return values.path_to_name(path)
